using System.Runtime.Intrinsics;

namespace BmeQuant.Imaging.Filters;

/// <summary>
/// Lanczos-3 windowed-sinc interpolation: separable weights L(t) = sinc(t)·sinc(t/3) for |t| &lt; 3 over 6 taps per
/// axis, normalised to sum 1 (so constants are reproduced exactly), mirror-symmetric extension at the edges
/// (c[−n] = c[n], c[N−1+n] = c[N−1−n]) and positions clamped to the outer voxel centres. At a grid position the
/// weights are exactly one tap, so a grid-aligned resampling copies the samples.
/// </summary>
internal static class Lanczos
{
    /// <summary>Taps per axis.</summary>
    public const int Taps = 6;

    // Within this distance of a grid position the weights snap to the single tap (rounding of the index map).
    private const double GridSnap = 1e-9;

    private static readonly double s_sinPiThird = Math.Sin(Math.PI / 3);

    /// <summary>
    /// Value at continuous index (x, y, z). The SIMD path (one 8-lane multiply-add per tap row, x taps padded with
    /// two zero weights) runs away from the edges; near them, or with <paramref name="allowSimd"/> false, the scalar
    /// reference sums in double. Both ignore voxels of zero weight, so an ∞ or NaN voxel outside the taps (or beside a
    /// grid position) does not reach the result; one inside them makes it non-finite.
    /// </summary>
    public static float Evaluate(float[] src, int nx, int ny, int nz, double x, double y, double z, bool allowSimd = true)
    {
        Span<double> wx = stackalloc double[Taps];
        Span<double> wy = stackalloc double[Taps];
        Span<double> wz = stackalloc double[Taps];
        var fx = Weights(x, nx, wx);
        var fy = Weights(y, ny, wy);
        var fz = Weights(z, nz, wz);
        var plane = nx * ny;

        // Interior: taps f−2 .. f+3 all inside, and 8 floats readable from f−2 along x.
        if (allowSimd && Vector256.IsHardwareAccelerated && fx >= 2 && fx + 6 <= nx && fy >= 2 && fy + 3 < ny && fz >= 2 && fz + 3 < nz)
        {
            var wxv = Vector256.Create((float)wx[0], (float)wx[1], (float)wx[2], (float)wx[3], (float)wx[4], (float)wx[5], 0f, 0f);

            // Lanes of zero weight (the two pad lanes, and all but one tap at a grid position) are cleared before the
            // multiply, as the scalar path skips them: an ∞ or NaN voxel there must not turn 0·x into NaN.
            var live = ~Vector256.Equals(wxv, Vector256<float>.Zero);
            var acc = Vector256<float>.Zero;
            var data = src.AsSpan();
            for (var c = 0; c < Taps; c++)
            {
                if (wz[c] == 0)
                {
                    continue;
                }

                var slice = (fz - 2 + c) * plane;
                for (var b = 0; b < Taps; b++)
                {
                    var w = wy[b] * wz[c];
                    if (w == 0)
                    {
                        continue;
                    }

                    var v = Vector256.Create(data.Slice(slice + ((fy - 2 + b) * nx) + fx - 2, 8));
                    acc += (v & live) * (wxv * (float)w);
                }
            }

            return Vector256.Sum(acc);
        }

        double sum = 0;
        for (var c = 0; c < Taps; c++)
        {
            if (wz[c] == 0)
            {
                continue;
            }

            var slice = Mirror(fz - 2 + c, nz) * plane;
            for (var b = 0; b < Taps; b++)
            {
                if (wy[b] == 0)
                {
                    continue;
                }

                var row = slice + (Mirror(fy - 2 + b, ny) * nx);
                double sx = 0;
                for (var a = 0; a < Taps; a++)
                {
                    if (wx[a] != 0)
                    {
                        sx += wx[a] * src[row + Mirror(fx - 2 + a, nx)];
                    }
                }

                sum += wy[b] * wz[c] * sx;
            }
        }

        return (float)sum;
    }

    /// <summary>
    /// The normalised weights of taps f−2 .. f+3 for position <paramref name="x"/> (clamped to [0, n − 1]); returns f.
    /// </summary>
    internal static int Weights(double x, int n, Span<double> w)
    {
        x = Math.Clamp(x, 0, n - 1);
        var f = (int)Math.Floor(x);
        var t = x - f;
        if (t < GridSnap || 1 - t < GridSnap)
        {
            w.Clear();
            if (t < GridSnap)
            {
                w[2] = 1;
                return f;
            }

            // Just below the next grid position: tap f+1.
            w[3] = 1;
            return f;
        }

        // Tap m (offset m − 2 from f) sits at distance d = t − (m − 2) = t + 2 − m.
        // sin(π d) = ±sin(π t); sin(π d / 3) from the angle sum with multiples of π/3.
        var sinPiT = Math.Sin(Math.PI * t);
        var sinT3 = Math.Sin(Math.PI * t / 3);
        var cosT3 = Math.Cos(Math.PI * t / 3);
        double total = 0;
        for (var m = 0; m < Taps; m++)
        {
            var k = 2 - m; // d = t + k
            var d = t + k;

            // sin(π(t + k)) = (−1)^k sin(π t).
            var sinPiD = (k & 1) == 0 ? sinPiT : -sinPiT;

            // sin(π(t + k)/3) = sin(πt/3)cos(πk/3) + cos(πt/3)sin(πk/3).
            var (sinK, cosK) = SinCosThirds(k);
            var sinD3 = (sinT3 * cosK) + (cosT3 * sinK);
            var value = Math.Abs(d) >= 3 ? 0 : 3 * sinPiD * sinD3 / (Math.PI * Math.PI * d * d);
            w[m] = value;
            total += value;
        }

        for (var m = 0; m < Taps; m++)
        {
            w[m] /= total;
        }

        return f;
    }

    /// <summary>The continuous sinc-window kernel L(d) = sinc(d)·sinc(d/3) (reference for tests).</summary>
    internal static double Kernel(double d)
    {
        if (d == 0)
        {
            return 1;
        }

        if (Math.Abs(d) >= 3)
        {
            return 0;
        }

        var p = Math.PI * d;
        return 3 * Math.Sin(p) * Math.Sin(p / 3) / (p * p);
    }

    // (sin(πk/3), cos(πk/3)) for k in −3..2, exact table values.
    private static (double Sin, double Cos) SinCosThirds(int k) => k switch
    {
        -3 => (0, -1),
        -2 => (-s_sinPiThird, -0.5),
        -1 => (-s_sinPiThird, 0.5),
        0 => (0, 1),
        1 => (s_sinPiThird, 0.5),
        _ => (s_sinPiThird, -0.5),
    };

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
}
