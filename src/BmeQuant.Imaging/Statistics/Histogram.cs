using System.Runtime.CompilerServices;

namespace BmeQuant.Imaging.Statistics;

/// <summary>
/// A histogram of equal-width bins over [<see cref="Min"/>, <see cref="Max"/>] with numpy's convention: bin b covers
/// [edge b, edge b+1) except the last, which includes <see cref="Max"/>; values outside the range and NaN are not counted.
/// Edges are Min + b·(Max − Min)/Bins, the last exactly Max.
/// </summary>
public sealed class Histogram
{
    private Histogram(double min, double max, long[] counts)
    {
        Min = min;
        Max = max;
        Counts = counts;
    }

    /// <summary>Lower end of the range.</summary>
    public double Min { get; }

    /// <summary>Upper end of the range (included in the last bin).</summary>
    public double Max { get; }

    /// <summary>Count per bin.</summary>
    public IReadOnlyList<long> Counts { get; }

    /// <summary>Number of bins.</summary>
    public int Bins => Counts.Count;

    /// <summary>Total count.</summary>
    public long Total => Counts.Sum();

    /// <summary>Width of a bin.</summary>
    public double BinWidth => (Max - Min) / Bins;

    /// <summary>Centre of bin <paramref name="bin"/>: (edge b + edge b+1)/2.</summary>
    public double BinCenter(int bin) => (Edge(bin) + Edge(bin + 1)) / 2;

    /// <summary>Edge <paramref name="index"/> (0..Bins).</summary>
    public double Edge(int index) => index == Bins ? Max : Min + (index * ((Max - Min) / Bins));

    /// <summary>
    /// Counts <paramref name="values"/> (where <paramref name="mask"/> is non-zero, when given) into
    /// <paramref name="bins"/> bins over [<paramref name="min"/>, <paramref name="max"/>].
    /// Runs in parallel over blocks of the input with one partial histogram per block.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">bins &lt; 1, or the range is not finite with min &lt; max
    /// (min == max is allowed and widened to [min − 0.5, min + 0.5], numpy's rule).</exception>
    public static Histogram Compute(ReadOnlySpan<float> values, double min, double max, int bins, ReadOnlySpan<byte> mask = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
        {
            throw new ArgumentOutOfRangeException(nameof(max), $"Histogram range must be finite with min ≤ max; found [{min}, {max}].");
        }

        if (mask.Length != 0 && mask.Length != values.Length)
        {
            throw new ArgumentException($"Mask holds {mask.Length} voxels; the values {values.Length}.", nameof(mask));
        }

        if (min == max)
        {
            min -= 0.5;
            max += 0.5;
        }

        var counts = new long[bins];
        Count(values, mask, min, max, counts);
        return new Histogram(min, max, counts);
    }

    /// <summary>Like <see cref="Compute(ReadOnlySpan{float}, double, double, int, ReadOnlySpan{byte})"/> over the range [min, max] of the (masked) values themselves (skimage's "image" range).</summary>
    /// <exception cref="ArgumentException">No finite value is included.</exception>
    public static Histogram Compute(ReadOnlySpan<float> values, int bins, ReadOnlySpan<byte> mask = default)
    {
        var (lo, hi) = FiniteRange(values, mask);
        if (!(lo <= hi))
        {
            throw new ArgumentException("No finite voxel to build a histogram from.", nameof(values));
        }

        return Compute(values, lo, hi, bins, mask);
    }

    internal static (double Min, double Max) FiniteRange(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask)
    {
        var s = Kernels.VoxelStatistics.Accumulate(values, mask);
        if (double.IsFinite(s.Min) && double.IsFinite(s.Max))
        {
            return (s.Min, s.Max);
        }

        // NaN or ±∞ present: the slow scalar way, skipping them.
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (var n = 0; n < values.Length; n++)
        {
            if ((mask.Length == 0 || mask[n] != 0) && float.IsFinite(values[n]))
            {
                lo = Math.Min(lo, values[n]);
                hi = Math.Max(hi, values[n]);
            }
        }

        return (lo, hi);
    }

    /// <summary>Shortest block counted by one task.</summary>
    private const int MinimumBlockLength = 1 << 18;

    private static unsafe void Count(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, double min, double max, long[] counts)
    {
        var bins = counts.Length;

        // Two blocks per core (balanced rounds), none shorter than the minimum.
        var blocks = Math.Max(1, Math.Min(2 * Environment.ProcessorCount, values.Length / MinimumBlockLength));
        var blockLength = (values.Length + blocks - 1) / blocks;
        if (blocks <= 1)
        {
            CountInterleaved(values, mask, min, max, counts);
            return;
        }

        var partials = new long[blocks][];
        fixed (float* pv = values)
        fixed (byte* pm = mask)
        {
            var pvAddress = (nint)pv;
            var pmAddress = (nint)pm;
            var length = values.Length;
            var masked = mask.Length != 0;
            Parallel.For(0, blocks, b =>
            {
                var start = b * blockLength;
                var n = Math.Min(blockLength, length - start);
                var v = new ReadOnlySpan<float>((float*)pvAddress + start, n);
                var m = masked ? new ReadOnlySpan<byte>((byte*)pmAddress + start, n) : default;
                var local = new long[bins];
                CountInterleaved(v, m, min, max, local);
                partials[b] = local;
            });
        }

        foreach (var p in partials)
        {
            for (var b = 0; b < bins; b++)
            {
                counts[b] += p[b];
            }
        }
    }

    /// <summary>
    /// <see cref="CountScalar"/> with four partial counts used in turn: neighbouring voxels of smooth images often
    /// fall in the same bin, and one counter per bin would make each increment wait for the previous one.
    /// </summary>
    internal static void CountInterleaved(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, double min, double max, Span<long> counts)
    {
        var bins = counts.Length;
        if (values.Length < 4 * bins)
        {
            CountScalar(values, mask, min, max, counts);
            return;
        }

        var step = (max - min) / bins;
        var norm = bins / (max - min);
        var partial = new int[4 * bins];
        var masked = mask.Length != 0;
        for (var n = 0; n < values.Length; n++)
        {
            if (masked && mask[n] == 0)
            {
                continue;
            }

            double x = values[n];
            if (!(x >= min && x <= max))
            {
                continue;
            }

            partial[((n & 3) * bins) + BinOf(x, min, max, step, norm, bins)]++;
        }

        for (var b = 0; b < bins; b++)
        {
            counts[b] += (long)partial[b] + partial[bins + b] + partial[(2 * bins) + b] + partial[(3 * bins) + b];
        }
    }

    /// <summary>Scalar reference: numpy's bin rule with its edge corrections.</summary>
    internal static void CountScalar(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, double min, double max, Span<long> counts)
    {
        var bins = counts.Length;
        var step = (max - min) / bins;
        var norm = bins / (max - min);
        for (var n = 0; n < values.Length; n++)
        {
            if (mask.Length != 0 && mask[n] == 0)
            {
                continue;
            }

            double x = values[n];
            if (!(x >= min && x <= max))
            {
                continue;
            }

            var b = BinOf(x, min, max, step, norm, bins);

            counts[b]++;
        }
    }

    /// <summary>
    /// Bin of a value inside [min, max] by numpy's rule: the computed bin can be off by one against the edges numpy
    /// compares with, so it is corrected against them; the last bin is closed on the right.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BinOf(double x, double min, double max, double step, double norm, int bins)
    {
        var b = (int)((x - min) * norm);
        if (b >= bins)
        {
            b = bins - 1;
        }

        if (x < min + (b * step))
        {
            b--;
        }
        else if (b != bins - 1 && x >= (b + 1 == bins ? max : min + ((b + 1) * step)))
        {
            b++;
        }

        return b;
    }
}
