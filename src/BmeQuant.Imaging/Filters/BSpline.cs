namespace BmeQuant.Imaging.Filters;

/// <summary>
/// Cubic B-spline interpolation (Unser's recursive prefilter, pole √3 − 2, mirror-symmetric extension
/// c[−n] = c[n], c[N−1+n] = c[N−1−n]).
/// </summary>
internal static class BSpline
{
    private static readonly double s_pole = Math.Sqrt(3) - 2;

    /// <summary>The interpolation coefficients of <paramref name="volume"/> (one new buffer of the same size).</summary>
    public static float[] Coefficients(Volume<float> volume)
    {
        int nx = volume.SizeX, ny = volume.SizeY, nz = volume.SizeZ;
        var c = (float[])volume.Data.Clone();
        var plane = nx * ny;
        Parallel.For(0, nz, () => new double[Math.Max(nx, ny)], (k, _, line) =>
        {
            for (var j = 0; j < ny; j++)
            {
                FilterLine(c, (k * plane) + (j * nx), 1, nx, line);
            }

            for (var i = 0; i < nx; i++)
            {
                FilterLine(c, (k * plane) + i, nx, ny, line);
            }

            return line;
        }, _ => { });
        Parallel.For(0, ny, () => new double[nz], (j, _, line) =>
        {
            for (var i = 0; i < nx; i++)
            {
                FilterLine(c, (j * nx) + i, plane, nz, line);
            }

            return line;
        }, _ => { });
        return c;
    }

    /// <summary>Value at continuous index (x, y, z) from the coefficients (4×4×4 taps, mirrored at the edges).</summary>
    public static float Evaluate(float[] c, int nx, int ny, int nz, double x, double y, double z)
    {
        Span<double> wx = stackalloc double[4];
        Span<double> wy = stackalloc double[4];
        Span<double> wz = stackalloc double[4];
        Span<int> ix = stackalloc int[4];
        Span<int> iy = stackalloc int[4];
        Span<int> iz = stackalloc int[4];
        Weights(x, nx, wx, ix);
        Weights(y, ny, wy, iy);
        Weights(z, nz, wz, iz);
        var plane = nx * ny;
        double sum = 0;
        for (var a = 0; a < 4; a++)
        {
            if (wz[a] == 0)
            {
                continue;
            }

            double sy = 0;
            for (var b = 0; b < 4; b++)
            {
                var row = (iz[a] * plane) + (iy[b] * nx);
                var sx = (wx[0] * c[row + ix[0]]) + (wx[1] * c[row + ix[1]]) + (wx[2] * c[row + ix[2]]) + (wx[3] * c[row + ix[3]]);
                sy += wy[b] * sx;
            }

            sum += wz[a] * sy;
        }

        return (float)sum;
    }

    private static void Weights(double x, int n, Span<double> w, Span<int> idx)
    {
        x = Math.Clamp(x, 0, n - 1);
        var f = (int)Math.Floor(x);
        var t = x - f;

        // Cubic B-spline weights for taps f−1, f, f+1, f+2.
        var omt = 1 - t;
        w[0] = omt * omt * omt / 6;
        w[1] = (4 - (6 * t * t) + (3 * t * t * t)) / 6;
        w[2] = (1 + (3 * t) + (3 * t * t) - (3 * t * t * t)) / 6;
        w[3] = t * t * t / 6;
        for (var m = 0; m < 4; m++)
        {
            idx[m] = Mirror(f - 1 + m, n);
        }
    }

    private static int Mirror(int i, int n)
    {
        if (n == 1)
        {
            return 0;
        }

        var period = 2 * (n - 1);
        i = Math.Abs(i) % period;
        return i < n ? i : period - i;
    }

    // In-place prefilter of one line (stride apart) so the spline interpolates the samples.
    private static void FilterLine(float[] data, int offset, int stride, int n, double[] line)
    {
        if (n < 2)
        {
            return;
        }

        var z = s_pole;
        for (var i = 0; i < n; i++)
        {
            line[i] = data[offset + (i * stride)] * 6.0;
        }

        // Causal initialisation for the mirror extension (truncated sum, exact to 1e-12 for |z|^h).
        var horizon = Math.Min(n, (int)Math.Ceiling(Math.Log(1e-12) / Math.Log(Math.Abs(z))));
        double sum = line[0];
        var zn = z;
        for (var i = 1; i < horizon; i++)
        {
            sum += zn * line[i];
            zn *= z;
        }

        if (horizon == n)
        {
            // Full mirror sum for short lines: Σ_{k=0}^{2n−3} z^k x[mirror(k)] / (1 − z^{2n−2}).
            sum = 0;
            zn = 1;
            var period = 2 * (n - 1);
            for (var k = 0; k < period; k++)
            {
                sum += zn * line[Mirror(k, n)];
                zn *= z;
            }

            sum /= 1 - zn;
        }

        line[0] = sum;
        for (var i = 1; i < n; i++)
        {
            line[i] += z * line[i - 1];
        }

        // Anti-causal initialisation for the mirror extension.
        line[n - 1] = z / ((z * z) - 1) * (line[n - 1] + (z * line[n - 2]));
        for (var i = n - 2; i >= 0; i--)
        {
            line[i] = z * (line[i + 1] - line[i]);
        }

        for (var i = 0; i < n; i++)
        {
            data[offset + (i * stride)] = (float)line[i];
        }
    }
}
