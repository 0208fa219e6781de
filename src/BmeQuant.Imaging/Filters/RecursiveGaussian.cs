using System.Numerics.Tensors;

namespace BmeQuant.Imaging.Filters;

/// <summary>
/// Young–van Vliet third-order recursive Gaussian (forward then backward pass) with replicate borders
/// (steady-state start: the signal is taken as constant beyond each end, so a constant line is left unchanged).
/// </summary>
internal static class RecursiveGaussian
{
    /// <summary>Normalised feedback coefficients: y[n] = b·x[n] + a1·y[n∓1] + a2·y[n∓2] + a3·y[n∓3].</summary>
    public static (double B, double A1, double A2, double A3) Coefficients(double sigma)
    {
        var q = sigma >= 2.5 ? (0.98711 * sigma) - 0.96330 : 3.97156 - (4.14554 * Math.Sqrt(1 - (0.26891 * sigma)));
        var q2 = q * q;
        var q3 = q2 * q;
        var b0 = 1.57825 + (2.44413 * q) + (1.4281 * q2) + (0.422205 * q3);
        var b1 = (2.44413 * q) + (2.85619 * q2) + (1.26661 * q3);
        var b2 = -((1.4281 * q2) + (1.26661 * q3));
        var b3 = 0.422205 * q3;
        var a1 = b1 / b0;
        var a2 = b2 / b0;
        var a3 = b3 / b0;
        return (1 - (a1 + a2 + a3), a1, a2, a3);
    }

    /// <summary>
    /// Number of replicated samples appended after the end: the forward pass runs on through them so the backward
    /// pass starts from (nearly) the true steady state of a replicated border. The front needs none: a constant
    /// history is exactly the steady state.
    /// </summary>
    public static int TailLength(double sigma) => (int)Math.Ceiling(8 * sigma) + 8;

    /// <summary>Filters one contiguous line in double (scratch must hold the line plus <see cref="TailLength"/>).</summary>
    public static void FilterContiguous(Span<float> line, double sigma, double[] scratch)
    {
        var n = line.Length;
        if (n < 2)
        {
            return;
        }

        var (b, a1, a2, a3) = Coefficients(sigma);
        var total = n + TailLength(sigma);
        var w = scratch.AsSpan(0, total);
        double x0 = line[0];
        double xe = line[n - 1];
        double w1 = x0, w2 = x0, w3 = x0;
        for (var i = 0; i < total; i++)
        {
            var v = (b * (i < n ? line[i] : xe)) + (a1 * w1) + (a2 * w2) + (a3 * w3);
            w[i] = v;
            w3 = w2;
            w2 = w1;
            w1 = v;
        }

        double we = w[total - 1];
        double y1 = we, y2 = we, y3 = we;
        for (var i = total - 1; i >= 0; i--)
        {
            var v = (b * w[i]) + (a1 * y1) + (a2 * y2) + (a3 * y3);
            if (i < n)
            {
                line[i] = (float)v;
            }

            y3 = y2;
            y2 = y1;
            y1 = v;
        }
    }

    /// <summary>
    /// Filters <paramref name="count"/> rows of <paramref name="width"/> contiguous values, row n starting at
    /// offset + n·stride, along n; every column of the block is an independent line (SIMD across the row).
    /// </summary>
    public static void FilterStrided(Span<float> data, int offset, int width, int stride, int count, double sigma)
    {
        if (count < 2)
        {
            return;
        }

        var (b, a1, a2, a3) = Coefficients(sigma);
        float fb = (float)b, f1 = (float)a1, f2 = (float)a2, f3 = (float)a3;
        var tailRows = TailLength(sigma);
        var total = count + tailRows;
        var tail = System.Buffers.ArrayPool<float>.Shared.Rent(tailRows * width);
        try
        {
            var tailSpan = tail.AsSpan(0, tailRows * width);
            var lastInput = data.Slice(offset + ((count - 1) * stride), width);
            for (var t = 0; t < tailRows; t++)
            {
                lastInput.CopyTo(tailSpan.Slice(t * width, width));
            }

            Span<float> Row(Span<float> d, int n) => n < count ? d.Slice(offset + (n * stride), width) : tail.AsSpan((n - count) * width, width);

            // Forward: row0 stays (steady state of a constant history); rows before 0 read as row 0.
            for (var n = 1; n < total; n++)
            {
                var r = Row(data, n);
                TensorPrimitives.Multiply(r, fb, r);
                TensorPrimitives.MultiplyAdd(Row(data, n - 1), f1, r, r);
                TensorPrimitives.MultiplyAdd(Row(data, Math.Max(n - 2, 0)), f2, r, r);
                TensorPrimitives.MultiplyAdd(Row(data, Math.Max(n - 3, 0)), f3, r, r);
            }

            // Backward from the end of the tail: its last row stays; rows after it read as it.
            var last = total - 1;
            for (var n = last - 1; n >= 0; n--)
            {
                var r = Row(data, n);
                TensorPrimitives.Multiply(r, fb, r);
                TensorPrimitives.MultiplyAdd(Row(data, n + 1), f1, r, r);
                TensorPrimitives.MultiplyAdd(Row(data, Math.Min(n + 2, last)), f2, r, r);
                TensorPrimitives.MultiplyAdd(Row(data, Math.Min(n + 3, last)), f3, r, r);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(tail);
        }
    }
}
