using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    /// (min == max is allowed and widened to [min − 0.5, min + 0.5], numpy's rule), or max − min or bins/(max − min)
    /// overflows.</exception>
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

        // The bin arithmetic needs a finite width and a finite bins/width (else it yields NaN bin indices).
        if (!double.IsFinite(max - min) || !double.IsFinite(bins / (max - min)))
        {
            throw new ArgumentOutOfRangeException(nameof(max), $"Histogram range [{min}, {max}] is too wide or too narrow for {bins} bins: max − min and bins/(max − min) must be finite.");
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

    /// <summary>
    /// Smallest and largest finite (masked) value; (+∞, −∞) when there is none. NaN and ±∞ are skipped. Parallel
    /// blocks of at least <see cref="MinimumBlockLength"/> voxels, each a SIMD pass (<see cref="FiniteRangeBlock"/>).
    /// </summary>
    internal static (double Min, double Max) FiniteRange(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask)
    {
        var blocks = Math.Max(1, Math.Min(Environment.ProcessorCount, values.Length / MinimumBlockLength));
        if (blocks <= 1)
        {
            var (lo1, hi1) = FiniteRangeBlock(values, mask);
            return (lo1, hi1);
        }

        var los = new float[blocks];
        var his = new float[blocks];
        ForEachBlock(values, mask, blocks, (v, m, b) => (los[b], his[b]) = FiniteRangeBlock(v, m));

        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        for (var b = 0; b < blocks; b++)
        {
            lo = Math.Min(lo, los[b]);
            hi = Math.Max(hi, his[b]);
        }

        return (lo, hi);
    }

    /// <summary>One block of <see cref="FiniteRange"/>: AVX2 path (eight lanes, non-finite or masked-out lanes replaced by ±∞) and a scalar tail.</summary>
    internal static (float Min, float Max) FiniteRangeBlock(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask)
    {
        var i = 0;
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        var masked = mask.Length != 0;
        if (Avx2.IsSupported && values.Length >= 2 * Vector256<float>.Count)
        {
            var posInf = Vector256.Create(float.PositiveInfinity);
            var negInf = Vector256.Create(float.NegativeInfinity);
            Vector256<float> lo0 = posInf, lo1 = posInf, hi0 = negInf, hi1 = negInf;
            ref var src = ref MemoryMarshal.GetReference(values);
            ref var msk = ref MemoryMarshal.GetReference(mask);
            var last = values.Length - (2 * Vector256<float>.Count);
            for (; i <= last; i += 2 * Vector256<float>.Count)
            {
                var x0 = Vector256.LoadUnsafe(ref src, (nuint)i);
                var x1 = Vector256.LoadUnsafe(ref src, (nuint)(i + Vector256<float>.Count));

                // x − x is 0 for finite x, NaN for NaN and ±∞.
                var in0 = Vector256.Equals(x0 - x0, Vector256<float>.Zero);
                var in1 = Vector256.Equals(x1 - x1, Vector256<float>.Zero);
                if (masked)
                {
                    var m0 = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref msk, i))).AsByte());
                    var m1 = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref msk, i + Vector256<float>.Count))).AsByte());
                    in0 = Vector256.AndNot(in0, Vector256.Equals(m0, Vector256<int>.Zero).AsSingle());
                    in1 = Vector256.AndNot(in1, Vector256.Equals(m1, Vector256<int>.Zero).AsSingle());
                }

                lo0 = Vector256.Min(lo0, Vector256.ConditionalSelect(in0, x0, posInf));
                hi0 = Vector256.Max(hi0, Vector256.ConditionalSelect(in0, x0, negInf));
                lo1 = Vector256.Min(lo1, Vector256.ConditionalSelect(in1, x1, posInf));
                hi1 = Vector256.Max(hi1, Vector256.ConditionalSelect(in1, x1, negInf));
            }

            var vlo = Vector256.Min(lo0, lo1);
            var vhi = Vector256.Max(hi0, hi1);
            for (var lane = 0; lane < Vector256<float>.Count; lane++)
            {
                lo = Math.Min(lo, vlo.GetElement(lane));
                hi = Math.Max(hi, vhi.GetElement(lane));
            }
        }

        for (; i < values.Length; i++)
        {
            var x = values[i];
            if ((!masked || mask[i] != 0) && float.IsFinite(x))
            {
                lo = Math.Min(lo, x);
                hi = Math.Max(hi, x);
            }
        }

        return (lo, hi);
    }

    /// <summary>Shortest block counted by one task.</summary>
    private const int MinimumBlockLength = 1 << 18;

    /// <summary>One block of values (and of the mask, empty when unmasked) and its index.</summary>
    private delegate void BlockAction(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, int block);

    /// <summary>
    /// Runs <paramref name="action"/> in parallel on <paramref name="blocks"/> consecutive blocks of ⌈length / blocks⌉
    /// voxels (the last shorter), the spans pinned for the duration (a span cannot be captured by a task).
    /// </summary>
    private static unsafe void ForEachBlock(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, int blocks, BlockAction action)
    {
        var blockLength = (values.Length + blocks - 1) / blocks;
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
                action(v, m, b);
            });
        }
    }

    private static void Count(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, double min, double max, long[] counts)
    {
        var bins = counts.Length;

        // Two blocks per core (balanced rounds), none shorter than the minimum.
        var blocks = Math.Max(1, Math.Min(2 * Environment.ProcessorCount, values.Length / MinimumBlockLength));
        if (blocks <= 1)
        {
            CountVector(values, mask, min, max, counts);
            return;
        }

        var partials = new long[blocks][];
        ForEachBlock(values, mask, blocks, (v, m, b) =>
        {
            var local = new long[bins];
            CountVector(v, m, min, max, local);
            partials[b] = local;
        });

        foreach (var p in partials)
        {
            for (var b = 0; b < bins; b++)
            {
                counts[b] += p[b];
            }
        }
    }

    /// <summary>
    /// <see cref="CountScalar"/> with the bin rule evaluated four voxels at a time in double (AVX2; the same operations
    /// as <see cref="BinOf"/>, so the same bins bit for bit), values outside the range, NaN and masked-out voxels sent
    /// to an extra dump bin, and each lane counted into its own partial histogram (neighbouring voxels of smooth
    /// images often share a bin; one counter per bin would make each increment wait for the previous one).
    /// Falls back to <see cref="CountInterleaved"/> without AVX2 or for short inputs.
    /// </summary>
    internal static void CountVector(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, double min, double max, Span<long> counts)
    {
        var bins = counts.Length;
        if (!Avx2.IsSupported || values.Length < 4 * bins)
        {
            CountInterleaved(values, mask, min, max, counts);
            return;
        }

        var stride = bins + 1;
        var partial = new int[4 * stride];
        ref var p0 = ref partial[0];
        ref var p1 = ref partial[stride];
        ref var p2 = ref partial[2 * stride];
        ref var p3 = ref partial[3 * stride];
        var vmin = Vector256.Create(min);
        var vmax = Vector256.Create(max);
        var vnorm = Vector256.Create(bins / (max - min));
        var vstep = Vector256.Create((max - min) / bins);
        var vlast = Vector256.Create((double)(bins - 1));
        var vdump = Vector256.Create((double)bins);
        var vone = Vector256.Create(1.0);
        var dump = Vector128.Create(bins);
        ref var src = ref MemoryMarshal.GetReference(values);
        ref var msk = ref MemoryMarshal.GetReference(mask);
        var masked = mask.Length != 0;
        var i = 0;
        var lastStart = values.Length - 4;
        for (; i <= lastStart; i += 4)
        {
            var x = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref src, (nuint)i));

            // b = min((int)((x − min)·norm), bins − 1); then one step down when x is below edge b, one step up when
            // it is at or above edge b + 1 (never past the last bin): BinOf's corrections, lane by lane.
            var b = Vector256.Min(Avx.RoundToZero((x - vmin) * vnorm), vlast);
            var below = Vector256.LessThan(x, vmin + (b * vstep));
            var above = Vector256.AndNot(
                Vector256.GreaterThanOrEqual(x, vmin + ((b + vone) * vstep)) & ~Vector256.Equals(b, vlast),
                below);
            b = b - (below & vone) + (above & vone);
            var inside = Vector256.GreaterThanOrEqual(x, vmin) & Vector256.LessThanOrEqual(x, vmax);
            var index = Avx.ConvertToVector128Int32WithTruncation(Vector256.ConditionalSelect(inside, b, vdump));
            if (masked)
            {
                var m = Sse41.ConvertToVector128Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref msk, i))).AsByte());
                index = Vector128.ConditionalSelect(Vector128.Equals(m, Vector128<int>.Zero), dump, index);
            }

            Unsafe.Add(ref p0, index.GetElement(0))++;
            Unsafe.Add(ref p1, index.GetElement(1))++;
            Unsafe.Add(ref p2, index.GetElement(2))++;
            Unsafe.Add(ref p3, index.GetElement(3))++;
        }

        for (var k = 0; k < bins; k++)
        {
            counts[k] += (long)partial[k] + partial[stride + k] + partial[(2 * stride) + k] + partial[(3 * stride) + k];
        }

        // Scalar tail (fewer than four voxels).
        CountScalar(values[i..], mask.Length == 0 ? default : mask[i..], min, max, counts);
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
