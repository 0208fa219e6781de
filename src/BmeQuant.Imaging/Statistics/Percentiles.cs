using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace BmeQuant.Imaging.Statistics;

/// <summary>
/// Exact percentiles with numpy's default ("linear") rule: for n sorted values v and percent p, the position is
/// h = (n − 1)·p/100 and the result v[⌊h⌋] + (h − ⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋]) (numpy's two-sided form of the lerp).
/// NaN voxels are ignored (as <c>numpy.nanpercentile</c>); between an infinite and a finite neighbour the result is
/// the infinite one (numpy gives NaN there). Uses selection, not a full sort.
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

        if (values.Length >= RadixMinimum && percents.Length <= 1024)
        {
            return ComputeByBuckets(values, percents, mask);
        }

        return ComputeBySelection(values, percents, mask);
    }

    /// <summary>From this many values on, the bucket path (two counting passes, no copy of the input) is used.</summary>
    internal const int RadixMinimum = 1 << 14;

    /// <summary>Copy-then-select path (small inputs; also the reference the tests compare the bucket path with).</summary>
    internal static double[] ComputeBySelection(ReadOnlySpan<float> values, ReadOnlySpan<double> percents, ReadOnlySpan<byte> mask)
    {
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

    private const int BucketBits = 16;
    private const int BucketCount = 1 << BucketBits;

    /// <summary>
    /// Bucket selection: every included value gets an order-preserving 32-bit key (IEEE bits, sign-flipped); pass 1
    /// counts the values per bucket of the key's top 16 bits (one partial count per parallel chunk), the needed
    /// ranks are located in the buckets' running totals, pass 2 gathers only the values of those few buckets, and a
    /// selection inside each gathered bucket finds the exact order statistics. No copy of the input is made.
    /// </summary>
    internal static double[] ComputeByBuckets(ReadOnlySpan<float> values, ReadOnlySpan<double> percents, ReadOnlySpan<byte> mask)
    {
        var result = new double[percents.Length];
        var length = values.Length;
        var chunks = length >= (1 << 20) ? Math.Min(Environment.ProcessorCount, 8) : 1;
        var counts = new int[chunks][];
        ForEachChunk(values, mask, chunks, (c, v, m) => counts[c] = CountBuckets(v, m));

        // Running totals over the buckets (all chunks).
        var total = new long[BucketCount + 1];
        for (var k = 0; k < BucketCount; k++)
        {
            long sum = 0;
            foreach (var cc in counts)
            {
                sum += cc[k];
            }

            total[k + 1] = total[k] + sum;
        }

        var n = total[BucketCount];
        if (n == 0)
        {
            result.AsSpan().Fill(double.NaN);
            return result;
        }

        // The ranks needed: ⌊h⌋ and, when interpolating, ⌊h⌋ + 1.
        var lower = new long[percents.Length];
        var weight = new double[percents.Length];
        var ranks = new List<long>();
        for (var q = 0; q < percents.Length; q++)
        {
            var h = (n - 1) * (percents[q] / 100.0);
            var lo = Math.Min((long)Math.Floor(h), n - 1);
            lower[q] = lo;
            weight[q] = h - lo;
            ranks.Add(lo);
            if (weight[q] > 0 && lo + 1 < n)
            {
                ranks.Add(lo + 1);
            }
        }

        // Slots: the distinct buckets holding a needed rank, each with its place in the gather buffer.
        var slotOf = new short[BucketCount];
        slotOf.AsSpan().Fill(-1);
        var slotBucket = new List<int>();
        foreach (var r in ranks)
        {
            var bucket = BucketOfRank(total, r);
            if (slotOf[bucket] < 0)
            {
                slotOf[bucket] = (short)slotBucket.Count;
                slotBucket.Add(bucket);
            }
        }

        // Write offsets per (chunk, slot): slots laid out one after the other, chunks in order inside each slot.
        var slots = slotBucket.Count;
        var offsets = new int[chunks * slots];
        var slotStart = new int[slots + 1];
        var at = 0;
        for (var s = 0; s < slots; s++)
        {
            slotStart[s] = at;
            for (var c = 0; c < chunks; c++)
            {
                offsets[(c * slots) + s] = at;
                at += counts[c][slotBucket[s]];
            }
        }

        slotStart[slots] = at;
        var gathered = new float[Math.Max(1, at)];
        ForEachChunk(values, mask, chunks, (c, v, m) => Gather(v, m, slotOf, gathered, offsets.AsSpan(c * slots, slots)));

        double ValueAt(long rank)
        {
            var bucket = BucketOfRank(total, rank);
            var s = slotOf[bucket];
            var within = (int)(rank - total[bucket]);
            var segment = gathered.AsSpan(slotStart[s], slotStart[s + 1] - slotStart[s]);
            Select(segment, 0, segment.Length - 1, within);
            return segment[within];
        }

        for (var q = 0; q < percents.Length; q++)
        {
            double a = ValueAt(lower[q]);
            var b = weight[q] > 0 && lower[q] + 1 < n ? ValueAt(lower[q] + 1) : a;
            result[q] = Lerp(a, b, weight[q]);
        }

        return result;
    }

    private delegate void ChunkAction(int chunk, ReadOnlySpan<float> values, ReadOnlySpan<byte> mask);

    /// <summary>Runs <paramref name="action"/> on <paramref name="chunks"/> equal chunks of the values (and mask, when given) in parallel.</summary>
    private static unsafe void ForEachChunk(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, int chunks, ChunkAction action)
    {
        var length = values.Length;
        fixed (float* pv = values)
        fixed (byte* pm = mask)
        {
            nint va = (nint)pv, ma = (nint)pm;
            var masked = mask.Length != 0;
            Parallel.For(0, chunks, c =>
            {
                var (a, b) = ChunkRange(length, chunks, c);
                var v = new ReadOnlySpan<float>((float*)va + a, b - a);
                var m = masked ? new ReadOnlySpan<byte>((byte*)ma + a, b - a) : default;
                action(c, v, m);
            });
        }
    }

    private static (int Start, int End) ChunkRange(int length, int chunks, int c) =>
        ((int)((long)length * c / chunks), (int)((long)length * (c + 1) / chunks));

    // The bucket whose running-total range holds rank r: total[b] ≤ r < total[b + 1].
    private static int BucketOfRank(long[] total, long r)
    {
        int lo = 0, hi = BucketCount - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (total[mid] <= r)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BucketOf(float x)
    {
        var bits = BitConverter.SingleToUInt32Bits(x);
        var key = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return (int)(key >> (32 - BucketBits));
    }

    private static int[] CountBuckets(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask)
    {
        var counts = new int[BucketCount];
        if (mask.Length == 0)
        {
            foreach (var x in values)
            {
                if (!float.IsNaN(x))
                {
                    counts[BucketOf(x)]++;
                }
            }
        }
        else
        {
            for (var i = 0; i < values.Length; i++)
            {
                var x = values[i];
                if (mask[i] != 0 && !float.IsNaN(x))
                {
                    counts[BucketOf(x)]++;
                }
            }
        }

        return counts;
    }

    private static void Gather(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, short[] slotOf, float[] gathered, Span<int> next)
    {
        for (var i = 0; i < values.Length; i++)
        {
            var x = values[i];
            if ((mask.Length != 0 && mask[i] == 0) || float.IsNaN(x))
            {
                continue;
            }

            var s = slotOf[BucketOf(x)];
            if (s >= 0)
            {
                gathered[next[s]++] = x;
            }
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
                b = TensorPrimitives.Min(work[(lo + 1)..]);
            }

            result[idx] = Lerp(a, b, t);
            from = lo;
        }

        return result;
    }

    /// <summary>
    /// Finds the <paramref name="k"/>-th smallest value (0-based) of <paramref name="values"/> by quickselect (Hoare
    /// partition, median-of-three pivot, sorting of short ranges), reordering the span in place so that
    /// values[k] holds it, every value before k is ≤ it and every value after k is ≥ it. Expected linear time; no
    /// allocation. The values must not contain NaN (their order is undefined).
    /// </summary>
    /// <returns>The k-th smallest value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is outside [0, values.Length).</exception>
    public static float SelectInPlace(Span<float> values, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, values.Length);
        Select(values, 0, values.Length - 1, k);
        return values[k];
    }

    /// <summary>
    /// Evaluates the quantile <paramref name="fraction"/> (0..1) of <paramref name="values"/> with numpy's default
    /// linear rule (the same value as <see cref="Compute(ReadOnlySpan{float}, double, ReadOnlySpan{byte})"/> at
    /// 100·fraction percent): the ⌊h⌋-th smallest by <see cref="SelectInPlace"/>, the next order statistic as the
    /// SIMD minimum of the values after it. Reorders the span in place; no allocation; no NaN allowed.
    /// </summary>
    /// <returns>The quantile; NaN when the span is empty.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is outside [0, 1] or NaN.</exception>
    public static double QuantileInPlace(Span<float> values, double fraction)
    {
        if (!(fraction >= 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Quantile fraction must lie in [0, 1].");
        }

        var n = values.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        // The arithmetic of Compute at percent = 100·fraction, so both give the same double.
        var percent = fraction * 100;
        var h = (n - 1) * (percent / 100.0);
        var lo = Math.Min((int)Math.Floor(h), n - 1);
        var t = h - lo;
        double a = SelectInPlace(values, lo);
        var b = t > 0 && lo + 1 < n ? TensorPrimitives.Min(values[(lo + 1)..]) : a;
        return Lerp(a, b, t);
    }

    /// <summary>
    /// numpy's lerp: a + (b − a)·t for t &lt; 0.5, else b − (b − a)·(1 − t). An infinite end (a ≤ b) is the result
    /// (numpy's form gives NaN there, ∞ − ∞); from −∞ to +∞ the result is NaN.
    /// </summary>
    internal static double Lerp(double a, double b, double t)
    {
        if (double.IsInfinity(a) || double.IsInfinity(b))
        {
            return a == b || t == 0 ? a : double.IsInfinity(a) && double.IsInfinity(b) ? double.NaN : double.IsInfinity(a) ? a : b;
        }

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
