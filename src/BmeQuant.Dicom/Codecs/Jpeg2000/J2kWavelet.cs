using System.Numerics;

namespace BmeQuant.Dicom.Codecs.Jpeg2000;

/// <summary>
/// Inverse discrete wavelet transforms of T.800 Annex F on a tile-component held in the Mallat layout (each level's LL
/// top-left, HL top-right, LH bottom-left, HH bottom-right): 2D_SR = horizontal then vertical 1D_SR per level, with
/// whole-sample symmetric extension and the parity of each resolution's first sample. The reversible 5/3 transform is
/// exact integer lifting; the irreversible 9/7 transform is float lifting. The vertical step lifts whole rows at once
/// (SIMD with a scalar tail); <see cref="s_useSimd"/> = false keeps the scalar reference path for tests.
/// </summary>
internal static class J2kWavelet
{
    private const float Alpha = -1.586134342059924f;
    private const float Beta = -0.052980118572961f;
    private const float Gamma = 0.882911075530934f;
    private const float Delta = 0.443506852043971f;
    private const float K = 1.230174104914001f;

    /// <summary>Whether the vertical lifting uses <see cref="Vector{T}"/> (tests switch it off to compare with the scalar path).</summary>
    internal static bool s_useSimd = true;

    /// <summary>
    /// Inverse 5/3 over all levels. <paramref name="bounds"/>[r] = (x0, y0, x1, y1) of resolution r (0..NL) in the
    /// tile-component's resolution grid; the buffer's top-left (x1-x0)x(y1-y0) of the last level is the result.
    /// </summary>
    public static void InverseReversible(int[] buffer, int stride, ReadOnlySpan<(int X0, int Y0, int X1, int Y1)> bounds) =>
        InverseLevels(buffer, stride, bounds, Lift53, Lift53Rows);

    /// <summary>Inverse 9/7 over all levels; same layout as <see cref="InverseReversible"/>.</summary>
    public static void InverseIrreversible(float[] buffer, int stride, ReadOnlySpan<(int X0, int Y0, int X1, int Y1)> bounds) =>
        InverseLevels(buffer, stride, bounds, Lift97, Lift97Rows);

    private delegate void LineLifting<T>(Span<T> line, int parity);

    private delegate void RowsLifting<T>(T[] rows, int w, int h, int parity);

    /// <summary>The level loop shared by both wavelets: horizontal lifting row by row, then vertical lifting on all rows.</summary>
    private static void InverseLevels<T>(
        T[] buffer, int stride, ReadOnlySpan<(int X0, int Y0, int X1, int Y1)> bounds, LineLifting<T> liftLine, RowsLifting<T> liftRows)
    {
        int maxW = 0;
        int maxH = 0;
        foreach (var b in bounds)
        {
            maxW = Math.Max(maxW, b.X1 - b.X0);
            maxH = Math.Max(maxH, b.Y1 - b.Y0);
        }

        var line = new T[Math.Max(1, maxW)];
        var rows = new T[Math.Max(1, maxW * maxH)];
        for (int r = 1; r < bounds.Length; r++)
        {
            var (x0, y0, x1, y1) = bounds[r];
            int w = x1 - x0;
            int h = y1 - y0;
            if (w == 0 || h == 0)
            {
                continue;
            }

            int lowW = CeilHalf(x1) - CeilHalf(x0);
            for (int y = 0; y < h; y++)
            {
                var row = buffer.AsSpan(y * stride, w);
                Interleave(row, lowW, x0 & 1, line.AsSpan(0, w));
                liftLine(line.AsSpan(0, w), x0 & 1);
                line.AsSpan(0, w).CopyTo(row);
            }

            int lowH = CeilHalf(y1) - CeilHalf(y0);
            VerticalInterleave(buffer, stride, w, h, lowH, y0 & 1, rows);
            liftRows(rows, w, h, y0 & 1);
            for (int y = 0; y < h; y++)
            {
                rows.AsSpan(y * w, w).CopyTo(buffer.AsSpan(y * stride, w));
            }
        }
    }

    private static int CeilHalf(int v) => (v + 1) >> 1;

    /// <summary>Element i of the interleaved line is low-pass when (parity + i) is even; both halves are indexed by i/2.</summary>
    private static void Interleave<T>(Span<T> row, int lowCount, int parity, Span<T> line)
    {
        var low = row[..lowCount];
        var high = row[lowCount..];
        for (int i = 0; i < line.Length; i++)
        {
            line[i] = ((parity + i) & 1) == 0 ? low[i >> 1] : high[i >> 1];
        }
    }

    private static void VerticalInterleave<T>(T[] buffer, int stride, int w, int h, int lowCount, int parity, T[] rows)
    {
        for (int i = 0; i < h; i++)
        {
            int source = ((parity + i) & 1) == 0 ? i >> 1 : lowCount + (i >> 1);
            buffer.AsSpan(source * stride, w).CopyTo(rows.AsSpan(i * w, w));
        }
    }

    /// <summary>1D_SR for 5/3 on one interleaved line (F.3.8.1), symmetric extension by mirrored indices.</summary>
    internal static void Lift53(Span<int> x, int parity)
    {
        int n = x.Length;
        if (n == 1)
        {
            if (parity == 1)
            {
                x[0] >>= 1;
            }

            return;
        }

        for (int i = parity; i < n; i += 2)
        {
            int left = i > 0 ? x[i - 1] : x[i + 1];
            int right = i + 1 < n ? x[i + 1] : x[i - 1];
            x[i] -= (left + right + 2) >> 2;
        }

        for (int i = 1 - parity; i < n; i += 2)
        {
            int left = i > 0 ? x[i - 1] : x[i + 1];
            int right = i + 1 < n ? x[i + 1] : x[i - 1];
            x[i] += (left + right) >> 1;
        }
    }

    /// <summary>1D_SR for 9/7 on one interleaved line (F.3.8.2).</summary>
    internal static void Lift97(Span<float> x, int parity)
    {
        int n = x.Length;
        if (n == 1)
        {
            if (parity == 1)
            {
                x[0] *= 0.5f;
            }

            return;
        }

        for (int i = parity; i < n; i += 2)
        {
            x[i] *= K;
        }

        for (int i = 1 - parity; i < n; i += 2)
        {
            x[i] *= 1f / K;
        }

        LiftStep(x, parity, Delta);
        LiftStep(x, 1 - parity, Gamma);
        LiftStep(x, parity, Beta);
        LiftStep(x, 1 - parity, Alpha);
    }

    private static void LiftStep(Span<float> x, int first, float c)
    {
        int n = x.Length;
        for (int i = first; i < n; i += 2)
        {
            float left = i > 0 ? x[i - 1] : x[i + 1];
            float right = i + 1 < n ? x[i + 1] : x[i - 1];
            x[i] -= c * (left + right);
        }
    }

    /// <summary>The vertical 5/3 lifting: the same steps as <see cref="Lift53"/> applied to whole rows.</summary>
    private static void Lift53Rows(int[] rows, int w, int h, int parity)
    {
        if (h == 1)
        {
            if (parity == 1)
            {
                for (int i = 0; i < w; i++)
                {
                    rows[i] >>= 1;
                }
            }

            return;
        }

        for (int i = parity; i < h; i += 2)
        {
            int left = i > 0 ? i - 1 : i + 1;
            int right = i + 1 < h ? i + 1 : i - 1;
            var target = rows.AsSpan(i * w, w);
            var a = rows.AsSpan(left * w, w);
            var b = rows.AsSpan(right * w, w);
            int k = 0;
            if (s_useSimd && Vector.IsHardwareAccelerated)
            {
                var two = new Vector<int>(2);
                for (; k <= w - Vector<int>.Count; k += Vector<int>.Count)
                {
                    var sum = new Vector<int>(a[k..]) + new Vector<int>(b[k..]) + two;
                    (new Vector<int>(target[k..]) - Vector.ShiftRightArithmetic(sum, 2)).CopyTo(target[k..]);
                }
            }

            for (; k < w; k++)
            {
                target[k] -= (a[k] + b[k] + 2) >> 2;
            }
        }

        for (int i = 1 - parity; i < h; i += 2)
        {
            int left = i > 0 ? i - 1 : i + 1;
            int right = i + 1 < h ? i + 1 : i - 1;
            var target = rows.AsSpan(i * w, w);
            var a = rows.AsSpan(left * w, w);
            var b = rows.AsSpan(right * w, w);
            int k = 0;
            if (s_useSimd && Vector.IsHardwareAccelerated)
            {
                for (; k <= w - Vector<int>.Count; k += Vector<int>.Count)
                {
                    var sum = new Vector<int>(a[k..]) + new Vector<int>(b[k..]);
                    (new Vector<int>(target[k..]) + Vector.ShiftRightArithmetic(sum, 1)).CopyTo(target[k..]);
                }
            }

            for (; k < w; k++)
            {
                target[k] += (a[k] + b[k]) >> 1;
            }
        }
    }

    /// <summary>The vertical 9/7 lifting on whole rows.</summary>
    private static void Lift97Rows(float[] rows, int w, int h, int parity)
    {
        if (h == 1)
        {
            if (parity == 1)
            {
                ScaleRow(rows.AsSpan(0, w), 0.5f);
            }

            return;
        }

        for (int i = 0; i < h; i++)
        {
            ScaleRow(rows.AsSpan(i * w, w), ((parity + i) & 1) == 0 ? K : 1f / K);
        }

        LiftRows(rows, w, h, parity, Delta);
        LiftRows(rows, w, h, 1 - parity, Gamma);
        LiftRows(rows, w, h, parity, Beta);
        LiftRows(rows, w, h, 1 - parity, Alpha);
    }

    private static void ScaleRow(Span<float> row, float c)
    {
        int k = 0;
        if (s_useSimd && Vector.IsHardwareAccelerated)
        {
            for (; k <= row.Length - Vector<float>.Count; k += Vector<float>.Count)
            {
                (new Vector<float>(row[k..]) * c).CopyTo(row[k..]);
            }
        }

        for (; k < row.Length; k++)
        {
            row[k] *= c;
        }
    }

    private static void LiftRows(float[] rows, int w, int h, int first, float c)
    {
        for (int i = first; i < h; i += 2)
        {
            int left = i > 0 ? i - 1 : i + 1;
            int right = i + 1 < h ? i + 1 : i - 1;
            var target = rows.AsSpan(i * w, w);
            var a = rows.AsSpan(left * w, w);
            var b = rows.AsSpan(right * w, w);
            int k = 0;
            if (s_useSimd && Vector.IsHardwareAccelerated)
            {
                var vc = new Vector<float>(c);
                for (; k <= w - Vector<float>.Count; k += Vector<float>.Count)
                {
                    var sum = new Vector<float>(a[k..]) + new Vector<float>(b[k..]);
                    (new Vector<float>(target[k..]) - (vc * sum)).CopyTo(target[k..]);
                }
            }

            for (; k < w; k++)
            {
                target[k] -= c * (a[k] + b[k]);
            }
        }
    }
}
