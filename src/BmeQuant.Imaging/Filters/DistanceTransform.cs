using System.Buffers;

namespace BmeQuant.Imaging.Filters;

/// <summary>
/// Exact Euclidean distance transforms of a mask in mm with anisotropic spacing (Felzenszwalb–Huttenlocher lower
/// envelope of parabolas, one separable pass per axis, parallel over slices/rows). Distances are between voxel
/// centres; a voxel is foreground when non-zero. Voxels outside the array are neither foreground nor background.
/// Distances are evaluated in double per line and stored as float (relative error about 1e-7).
/// When the mask holds no voxel of the kind measured to, the result is <see cref="float.PositiveInfinity"/>.
/// </summary>
public static class DistanceTransform
{
    /// <summary>
    /// For each foreground voxel, the distance in mm to the nearest background voxel centre; 0 on background
    /// (scipy's <c>distance_transform_edt(mask, sampling)</c>).
    /// </summary>
    public static Volume<float> InsideMm(Volume<byte> mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var output = new Volume<float>(mask.Geometry);
        SquaredDistanceToSites(mask, sitesAreForeground: false, output.Data, takeSquareRoot: true);
        return output;
    }

    /// <summary>For each background voxel, the distance in mm to the nearest foreground voxel centre; 0 on foreground.</summary>
    public static Volume<float> OutsideMm(Volume<byte> mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var output = new Volume<float>(mask.Geometry);
        SquaredDistanceToSites(mask, sitesAreForeground: true, output.Data, takeSquareRoot: true);
        return output;
    }

    /// <summary>
    /// Signed distance in mm: on background the distance to the nearest foreground voxel (positive), on foreground
    /// minus the distance to the nearest background voxel (negative inside, ITK's convention). No voxel is 0: the
    /// boundary lies between the last foreground and the first background centre.
    /// </summary>
    public static Volume<float> SignedMm(Volume<byte> mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var output = new Volume<float>(mask.Geometry);
        SquaredDistanceToSites(mask, sitesAreForeground: true, output.Data, takeSquareRoot: true);
        var inside = ArrayPool<float>.Shared.Rent(mask.Length);
        try
        {
            SquaredDistanceToSites(mask, sitesAreForeground: false, inside, takeSquareRoot: true);
            var m = mask.Data;
            var o = output.Data;
            for (var i = 0; i < o.Length; i++)
            {
                if (m[i] != 0)
                {
                    o[i] = -inside[i];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inside);
        }

        return output;
    }

    /// <summary>
    /// Writes into <paramref name="output"/> (length = voxel count) the squared distance in mm² (or the distance when
    /// <paramref name="takeSquareRoot"/>) from each voxel to the nearest site; sites are the non-zero voxels when
    /// <paramref name="sitesAreForeground"/>, else the zero voxels.
    /// </summary>
    internal static void SquaredDistanceToSites(Volume<byte> mask, bool sitesAreForeground, float[] output, bool takeSquareRoot)
    {
        int nx = mask.SizeX, ny = mask.SizeY, nz = mask.SizeZ;
        var sliceLen = nx * ny;
        var sp = mask.Geometry.Spacing;
        var m = mask.Data;
        var maxLine = Math.Max(nx, Math.Max(ny, nz));

        // Passes 1 and 2 (x, then y in place) per slice.
        Parallel.For(
            0,
            nz,
            () => new LineWork(maxLine),
            (k, _, w) =>
            {
                SliceSquaredDistance(m.AsSpan(k * sliceLen, sliceLen), nx, ny, sp, sitesAreForeground, output.AsSpan(k * sliceLen, sliceLen), w);
                return w;
            },
            _ => { });

        // Pass 3 (z): columns across slices; neighbouring i share cache lines.
        if (nz == 1 && !takeSquareRoot)
        {
            return;
        }

        Parallel.For(
            0,
            ny,
            () => new LineWork(maxLine),
            (j, _, w) =>
            {
                var sz2 = sp.Z * sp.Z;
                for (var i = 0; i < nx; i++)
                {
                    var baseOff = i + (j * nx);
                    for (var k = 0; k < nz; k++)
                    {
                        w.F[k] = output[baseOff + (k * sliceLen)];
                    }

                    if (nz > 1)
                    {
                        LowerEnvelope(w, nz, sz2);
                    }
                    else
                    {
                        w.D[0] = w.F[0];
                    }

                    for (var k = 0; k < nz; k++)
                    {
                        var d2 = w.D[k];
                        output[baseOff + (k * sliceLen)] = takeSquareRoot ? (float)Math.Sqrt(d2) : (float)d2;
                    }
                }

                return w;
            },
            _ => { });
    }

    /// <summary>
    /// In-plane squared distance (mm²) from each voxel of one slice (<paramref name="nx"/> × <paramref name="ny"/>) to the
    /// nearest site of the same slice (∞ when the slice has none): an exact x pass by two scans, then the y lower envelope.
    /// </summary>
    internal static void SliceSquaredDistance(ReadOnlySpan<byte> mask, int nx, int ny, Vector3D spacing, bool sitesAreForeground, Span<float> slice, LineWork w)
    {
        var sx2 = spacing.X * spacing.X;
        for (var j = 0; j < ny; j++)
        {
            var row = mask.Slice(j * nx, nx);
            var o = slice.Slice(j * nx, nx);
            var last = -1;
            for (var i = 0; i < nx; i++)
            {
                if ((row[i] != 0) == sitesAreForeground)
                {
                    last = i;
                }

                w.Dist[i] = last < 0 ? int.MaxValue : i - last;
            }

            last = -1;
            for (var i = nx - 1; i >= 0; i--)
            {
                if ((row[i] != 0) == sitesAreForeground)
                {
                    last = i;
                }

                var d = last < 0 ? w.Dist[i] : Math.Min(w.Dist[i], last - i);
                o[i] = d == int.MaxValue ? float.PositiveInfinity : (float)(d * (double)d * sx2);
            }
        }

        var sy2 = spacing.Y * spacing.Y;
        for (var i = 0; i < nx; i++)
        {
            for (var j = 0; j < ny; j++)
            {
                w.F[j] = slice[i + (j * nx)];
            }

            LowerEnvelope(w, ny, sy2);
            for (var j = 0; j < ny; j++)
            {
                slice[i + (j * nx)] = (float)w.D[j];
            }
        }
    }

    /// <summary>
    /// 1-D squared distance transform of sampled function F (∞ = no site) with squared spacing s2:
    /// D[p] = min_q F[q] + s2·(p − q)². Felzenszwalb–Huttenlocher, O(n); ∞ samples are skipped.
    /// </summary>
    internal static void LowerEnvelope(LineWork w, int n, double s2)
    {
        var f = w.F;
        var v = w.V;
        var z = w.Z;
        var k = -1;
        for (var q = 0; q < n; q++)
        {
            var fq = f[q];
            if (double.IsPositiveInfinity(fq))
            {
                continue;
            }

            var cq = fq + (s2 * q * q);
            while (k >= 0)
            {
                var p = v[k];
                var s = (cq - (f[p] + (s2 * p * p))) / (2 * s2 * (q - p));
                if (s <= z[k])
                {
                    k--;
                }
                else
                {
                    k++;
                    v[k] = q;
                    z[k] = s;
                    break;
                }
            }

            if (k < 0)
            {
                k = 0;
                v[0] = q;
                z[0] = double.NegativeInfinity;
            }
        }

        if (k < 0)
        {
            w.D.AsSpan(0, n).Fill(double.PositiveInfinity);
            return;
        }

        var seg = 0;
        for (var p = 0; p < n; p++)
        {
            while (seg < k && z[seg + 1] < p)
            {
                seg++;
            }

            var d = p - v[seg];
            w.D[p] = f[v[seg]] + (s2 * d * d);
        }
    }

    /// <summary>Per-worker line buffers.</summary>
    internal sealed class LineWork
    {
        public LineWork(int n)
        {
            F = new double[n];
            D = new double[n];
            V = new int[n];
            Z = new double[n + 1];
            Dist = new int[n];
        }

        public double[] F { get; }

        public double[] D { get; }

        public int[] V { get; }

        public double[] Z { get; }

        public int[] Dist { get; }
    }
}
