using System.Buffers;

namespace BmeQuant.Imaging.Statistics;

/// <summary>
/// Exact percentiles with numpy's default ("linear") rule: for n sorted values v and percent p, the position is
/// h = (n − 1)·p/100 and the result v[⌊h⌋] + (h − ⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋]) (numpy's two-sided form of the lerp).
/// NaN voxels are ignored (as <c>numpy.nanpercentile</c>). Uses selection, not a full sort.
/// </summary>
public static class Percentiles
{
    /// <summary>Evaluates the percentiles <paramref name="percents"/> (each in [0, 100]) of the (masked) values.</summary>
    /// <returns>One value per percent, in the order given; all NaN when no voxel is included.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A percent is outside [0, 100] or NaN.</exception>
    public static double[] Compute(ReadOnlySpan<float> values, ReadOnlySpan<double> percents, ReadOnlySpan<byte> mask = default)
    {
        foreach (var p in percents)
        {
            if (!(p >= 0 && p <= 100))
            {
                throw new ArgumentOutOfRangeException(nameof(percents), p, "Percent must lie in [0, 100].");
            }
        }

        if (mask.Length != 0 && mask.Length != values.Length)
        {
            throw new ArgumentException($"Mask holds {mask.Length} voxels; the values {values.Length}.", nameof(mask));
        }

        var buffer = ArrayPool<float>.Shared.Rent(Math.Max(1, values.Length));
        try
        {
            var n = 0;
            for (var i = 0; i < values.Length; i++)
            {
                var x = values[i];
                if ((mask.Length == 0 || mask[i] != 0) && !float.IsNaN(x))
                {
                    buffer[n++] = x;
                }
            }

            return FromUnordered(buffer.AsSpan(0, n), percents);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Evaluates one percentile (see <see cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{double}, ReadOnlySpan{byte})"/>).</summary>
    public static double Compute(ReadOnlySpan<float> values, double percent, ReadOnlySpan<byte> mask = default) =>
        Compute(values, [percent], mask)[0];

    /// <summary>Percentiles of <paramref name="work"/>, which is reordered in place (no NaN allowed in it).</summary>
    internal static double[] FromUnordered(Span<float> work, ReadOnlySpan<double> percents)
    {
        var result = new double[percents.Length];
        var n = work.Length;
        if (n == 0)
        {
            result.AsSpan().Fill(double.NaN);
            return result;
        }

        // Visit the needed ranks in ascending order; each selection only partitions what lies above the previous rank.
        var order = new int[percents.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var pc = percents.ToArray();
        Array.Sort(order, (a, b) => pc[a].CompareTo(pc[b]));
        var from = 0;
        foreach (var idx in order)
        {
            var h = (n - 1) * (pc[idx] / 100.0);
            var lo = (int)Math.Floor(h);
            if (lo >= n - 1)
            {
                lo = n - 1;
            }

            var t = h - lo;
            Select(work, from, n - 1, lo);
            double a = work[lo];
            double b = a;
            if (t > 0 && lo + 1 < n)
            {
                // The next order statistic is the minimum of everything above rank lo.
                var m = float.PositiveInfinity;
                foreach (var x in work[(lo + 1)..])
                {
                    m = Math.Min(m, x);
                }

                b = m;
            }

            result[idx] = Lerp(a, b, t);
            from = lo;
        }

        return result;
    }

    /// <summary>numpy's lerp: a + (b − a)·t for t &lt; 0.5, else b − (b − a)·(1 − t).</summary>
    internal static double Lerp(double a, double b, double t)
    {
        var d = b - a;
        return t >= 0.5 ? b - (d * (1 - t)) : a + (d * t);
    }

    /// <summary>Places the k-th smallest of work[left..right] at index k (Hoare partition, median-of-three pivot).</summary>
    internal static void Select(Span<float> work, int left, int right, int k)
    {
        while (right > left)
        {
            if (right - left < 16)
            {
                work[left..(right + 1)].Sort();
                return;
            }

            var mid = left + ((right - left) / 2);
            if (work[mid] < work[left])
            {
                (work[mid], work[left]) = (work[left], work[mid]);
            }

            if (work[right] < work[left])
            {
                (work[right], work[left]) = (work[left], work[right]);
            }

            if (work[right] < work[mid])
            {
                (work[right], work[mid]) = (work[mid], work[right]);
            }

            var pivot = work[mid];
            int i = left, j = right;
            while (i <= j)
            {
                while (work[i] < pivot)
                {
                    i++;
                }

                while (work[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (work[i], work[j]) = (work[j], work[i]);
                    i++;
                    j--;
                }
            }

            // Now work[left..j] ≤ pivot ≤ work[i..right], and work[j+1..i-1] == pivot.
            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                return;
            }
        }
    }
}
