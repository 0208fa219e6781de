using BmeQuant.Imaging.Statistics;
using CsCheck;

namespace BmeQuant.Imaging.Tests.Kernels;

/// <summary>Property tests of <see cref="Histogram"/> (AVX2 counting and range paths) against references written here.</summary>
public class HistogramPropertyTests
{
    // The documented rule: bin b holds Edge(b) ≤ x < Edge(b + 1), the last bin also x = Max; outside values and NaN are not counted.
    private static long[] Reference(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, double min, double max, int bins)
    {
        var step = (max - min) / bins;
        double Edge(int b) => b == bins ? max : min + (b * step);
        var counts = new long[bins];
        for (var n = 0; n < values.Length; n++)
        {
            double x = values[n];
            if ((mask.Length != 0 && mask[n] == 0) || !(x >= min && x <= max))
            {
                continue;
            }

            var b = bins - 1;
            while (b > 0 && x < Edge(b))
            {
                b--;
            }

            counts[b]++;
        }

        return counts;
    }

    private static readonly Gen<(double Min, double Max, int Bins)> s_range = Gen.Frequency(
        (3, Gen.Select(Gen.Double[-1000, 1000], Gen.Double[0.001, 2500], Gen.Int[1, 12]).Select(t => (t.Item1, t.Item1 + t.Item2, t.Item3))),
        (1, Gen.Select(Gen.OneOf((-1.0, 1.0), (0.0, 1e-30), (-(double)float.MaxValue, (double)float.MaxValue), (0.0, 3.0), (-0.75, 0.75)), Gen.Int[1, 7])
            .Select(t => (t.Item1.Item1, t.Item1.Item2, t.Item2))));

    [Fact]
    public void Compute_AllLengthsOffsetsRangesAndSpecialValues_MatchEdgeReference()
    {
        foreach (var length in PropertyCheck.Lengths)
        {
            var gen = Gen.Select(PropertyCheck.Buffer(PropertyCheck.AnyFloat, length), Gen.Bool, s_range, Gen.Int[0, 9]);
            PropertyCheck.ForAll(
                gen,
                t =>
                {
                    var ((buffer, offset), masked, (min, max, bins), edgeSeed) = t;
                    var values = buffer.AsSpan(offset, length);

                    // Put some values exactly on edges (as floats), where the bin rule's corrections matter.
                    for (var n = edgeSeed; n < length; n += 7)
                    {
                        values[n] = (float)(min + ((max - min) * (n % (bins + 1)) / bins));
                    }

                    var mask = masked ? Enumerable.Range(0, length).Select(n => (byte)((n * 7) % 3)).ToArray() : [];
                    var h = Histogram.Compute(values, min, max, bins, mask);
                    var expected = Reference(values, mask, min, max, bins);
                    Assert.True(expected.SequenceEqual(h.Counts), $"length {length}, offset {offset}, range [{min:R}, {max:R}], {bins} bins: expected [{string.Join(", ", expected)}], got [{string.Join(", ", h.Counts)}]");
                },
                cases: length < 200 ? 2 : 6,
                firstSeed: (ulong)length * 16);
        }
    }

    [Fact]
    public void Compute_ParallelBlockLengths_MatchEdgeReference()
    {
        // From 2^19 voxels the counting and the own-range search split into parallel blocks with partial histograms.
        foreach (var (length, masked) in new[] { ((1 << 19) + 3, false), ((1 << 19) + 3, true) })
        {
            PropertyCheck.ForAll(
                PropertyCheck.AnyFloat.Array[length],
                values =>
                {
                    var mask = masked ? Enumerable.Range(0, length).Select(n => (byte)(n % 3 == 0 ? 0 : 1)).ToArray() : [];
                    var own = Histogram.Compute(values, 16, mask);
                    float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
                    for (var n = 0; n < length; n++)
                    {
                        if ((!masked || mask[n] != 0) && float.IsFinite(values[n]))
                        {
                            lo = Math.Min(lo, values[n]);
                            hi = Math.Max(hi, values[n]);
                        }
                    }

                    Assert.Equal((double)lo, own.Min);
                    Assert.Equal((double)hi, own.Max);
                    var h = Histogram.Compute(values, -500, 700, 16, mask);
                    Assert.Equal(Reference(values, mask, -500, 700, 16), h.Counts);
                },
                cases: 1,
                firstSeed: (ulong)length);
        }
    }

    [Fact]
    public void FiniteRangeBlock_AllLengthsOffsetsAndSpecialValues_MatchScalarReference()
    {
        foreach (var length in PropertyCheck.Lengths)
        {
            var gen = Gen.Select(PropertyCheck.Buffer(PropertyCheck.AnyFloat, length), Gen.Bool);
            PropertyCheck.ForAll(
                gen,
                t =>
                {
                    var ((buffer, offset), masked) = t;
                    var values = buffer.AsSpan(offset, length);
                    var mask = masked ? Enumerable.Range(0, length).Select(n => (byte)(n % 5 == 0 ? 0 : n)).ToArray() : [];
                    float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
                    for (var n = 0; n < length; n++)
                    {
                        if ((!masked || mask[n] != 0) && float.IsFinite(values[n]))
                        {
                            lo = Math.Min(lo, values[n]);
                            hi = Math.Max(hi, values[n]);
                        }
                    }

                    var (alo, ahi) = Histogram.FiniteRangeBlock(values, mask);
                    Assert.True(alo == lo && ahi == hi, $"length {length}, offset {offset}: expected [{lo:R}, {hi:R}], got [{alo:R}, {ahi:R}]");
                },
                cases: 2,
                firstSeed: (ulong)length * 16);
        }
    }

    [Fact]
    public void Compute_EmptyInputWithRange_AllBinsZero()
    {
        var h = Histogram.Compute([], 0, 10, 5);
        Assert.Equal(5, h.Bins);
        Assert.All(h.Counts, c => Assert.Equal(0, c));
    }

    [Fact]
    public void Compute_EmptyAllNaNOrAllInfinite_OwnRange_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Histogram.Compute([], 8));
        Assert.Throws<ArgumentException>(() => Histogram.Compute(Enumerable.Repeat(float.NaN, 100).ToArray(), 8));
        Assert.Throws<ArgumentException>(() => Histogram.Compute(new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN }, 8));
        Assert.Throws<ArgumentException>(() => Histogram.Compute(new float[100], 8, new byte[100]));
    }

    [Fact]
    public void Compute_SingleValue_WidensToUnitRangeAndCountsOnce()
    {
        foreach (var length in new[] { 2, 40, 100 })
        {
            var values = Enumerable.Repeat(3.25f, length).ToArray();
            values[0] = float.NaN;
            var h = Histogram.Compute(values, 4);
            Assert.Equal(2.75, h.Min);
            Assert.Equal(3.75, h.Max);
            Assert.Equal(length - 1, h.Total);

            // 3.25 is edge 2 of [2.75, 3.75] in 4 bins: bin 2.
            Assert.Equal(length - 1, h.Counts[2]);
        }
    }

    [Fact]
    public void Compute_ExtremeFloatRange_CountsEveryFiniteValue()
    {
        var values = new[] { -float.MaxValue, float.MaxValue, 0f, -0f, float.Epsilon, 1e-40f, float.NaN, float.PositiveInfinity, float.NegativeInfinity };
        var many = Enumerable.Range(0, 64).SelectMany(_ => values).ToArray();
        var h = Histogram.Compute(many, 3);
        Assert.Equal(-(double)float.MaxValue, h.Min);
        Assert.Equal(64 * 6, h.Total);
        Assert.Equal(new long[] { 64, 4 * 64, 64 }, h.Counts);
    }

    [Fact]
    public void Compute_RangeTooNarrowOrTooWideForItsBins_ThrowsArgumentOutOfRangeException()
    {
        // bins / (max − min) overflows (the bin arithmetic would produce NaN indices); max − min overflows.
        var values = new float[64];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Histogram.Compute(values, 0, 1e-320, 8));
        Assert.Contains("1E-320", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentOutOfRangeException>(() => Histogram.Compute(values, -1e308, 1e308, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => Histogram.Compute(values, 0, double.NaN, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => Histogram.Compute(values, 1, 0, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => Histogram.Compute(values, 0, 1, 0));
    }

    [Fact]
    public void Compute_MaskLengthDiffers_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => Histogram.Compute(new float[10], 0, 1, 4, new byte[11]));
        Assert.Equal("mask", e.ParamName);
    }
}

/// <summary>Property tests of <see cref="Percentiles"/> (selection and bucket paths) against a sorting reference.</summary>
public class PercentilesPropertyTests
{
    // numpy's linear rule on the sorted non-NaN values, with the documented rule for infinite ends.
    private static double Reference(float[] sortedFinite, double percent)
    {
        var n = sortedFinite.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        var h = (n - 1) * (percent / 100.0);
        var lo = Math.Min((int)Math.Floor(h), n - 1);
        var t = h - lo;
        double a = sortedFinite[lo];
        var b = t > 0 && lo + 1 < n ? sortedFinite[lo + 1] : a;
        if (t == 0 || a == b)
        {
            return a;
        }

        if (double.IsInfinity(a) || double.IsInfinity(b))
        {
            return double.IsInfinity(a) && double.IsInfinity(b) ? double.NaN : double.IsInfinity(a) ? a : b;
        }

        var d = b - a;
        return t >= 0.5 ? b - (d * (1 - t)) : a + (d * t);
    }

    private static readonly double[] s_percents = [0, 0.5, 1, 2.5, 10, 25, 33.3, 50, 66.7, 75, 90, 97.5, 99, 99.5, 100];

    private static void CheckPercentiles(int length, Gen<float> element, int cases, ulong firstSeed)
    {
        var gen = Gen.Select(PropertyCheck.Buffer(element, length), Gen.Bool);
        PropertyCheck.ForAll(
            gen,
            t =>
            {
                var ((buffer, offset), masked) = t;
                var values = buffer.AsSpan(offset, length);
                var mask = masked ? Enumerable.Range(0, length).Select(n => (byte)(n % 4 == 1 ? 0 : 3)).ToArray() : [];
                var included = new List<float>();
                for (var n = 0; n < length; n++)
                {
                    if ((!masked || mask[n] != 0) && !float.IsNaN(values[n]))
                    {
                        included.Add(values[n]);
                    }
                }

                var sorted = included.ToArray();
                Array.Sort(sorted);
                var actual = Percentiles.Compute(values, s_percents, mask);

                // The selection path is checked up to the bucket lengths (it is the small-input path).
                var bySelection = length <= 65_536 ? Percentiles.ComputeBySelection(values, s_percents, mask) : actual;
                for (var q = 0; q < s_percents.Length; q++)
                {
                    var expected = Reference(sorted, s_percents[q]);
                    var what = $"length {length}, offset {offset}, masked {masked}, p{s_percents[q]}";

                    // Signed zeros compare equal (the two paths may pick either of two equal keys).
                    Assert.True(expected == actual[q] || (double.IsNaN(expected) && double.IsNaN(actual[q])), $"{what}: expected {expected:R}, got {actual[q]:R}");
                    Assert.True(expected == bySelection[q] || (double.IsNaN(expected) && double.IsNaN(bySelection[q])), $"{what} (selection): expected {expected:R}, got {bySelection[q]:R}");
                }

                // Percents in any order (and repeated) give the same values in the order asked (equal, not bitwise: with
                // −0 and +0 among the values, which zero a rank returns depends on the selection order).
                var shuffled = new[] { 99.5, 0, 50, 50, 2.5, 100 };
                var again = Percentiles.Compute(values, shuffled, mask);
                for (var q = 0; q < shuffled.Length; q++)
                {
                    var expected = actual[Array.IndexOf(s_percents, shuffled[q])];
                    Assert.True(expected == again[q] || (double.IsNaN(expected) && double.IsNaN(again[q])), $"length {length}, p{shuffled[q]} asked out of order: expected {expected:R}, got {again[q]:R}");
                }

                if (!masked)
                {
                    var copy = included.ToArray();
                    var quantile = Percentiles.QuantileInPlace(copy, 0.9);
                    var expected = Reference(sorted, 90);
                    Assert.True(expected == quantile || (double.IsNaN(expected) && double.IsNaN(quantile)), $"length {length} quantile 0.9: expected {expected:R}, got {quantile:R}");
                }
            },
            cases,
            firstSeed);
    }

    [Fact]
    public void Compute_AllSmallLengthsOffsetsAndSpecialValues_MatchSortingReference()
    {
        foreach (var length in PropertyCheck.Lengths)
        {
            CheckPercentiles(length, PropertyCheck.AnyFloat, cases: 2, firstSeed: (ulong)length * 16);
        }
    }

    [Fact]
    public void Compute_BucketPathLengths_MatchSortingReference()
    {
        // RadixMinimum starts the bucket path; from 2^20 it counts in parallel chunks.
        foreach (var length in new[] { Percentiles.RadixMinimum, Percentiles.RadixMinimum + 1, 20_011 })
        {
            CheckPercentiles(length, PropertyCheck.AnyFloat, cases: 2, firstSeed: 7_000 + (ulong)length);

            // Heavy ties (one bucket holds most values) and finite extremes.
            CheckPercentiles(length, Gen.OneOf(0f, -0f, 1f, 2f, -float.MaxValue, float.MaxValue, float.Epsilon), cases: 1, firstSeed: 9_000 + (ulong)length);
        }

        CheckPercentiles((1 << 20) + 5, PropertyCheck.AnyFloat, cases: 1, firstSeed: 11_000);
    }

    [Fact]
    public void Compute_EmptyAllNaNAndAllMaskedOut_ReturnNaN()
    {
        foreach (var length in new[] { 0, 1, 100, Percentiles.RadixMinimum })
        {
            var nan = Enumerable.Repeat(float.NaN, length).ToArray();
            Assert.All(Percentiles.Compute(nan, [0, 50, 100]), p => Assert.True(double.IsNaN(p)));
            Assert.All(Percentiles.Compute(new float[length], [0, 50, 100], new byte[length]), p => Assert.True(double.IsNaN(p)));
        }

        Assert.True(double.IsNaN(Percentiles.QuantileInPlace([], 0.5)));
    }

    [Fact]
    public void Compute_SingleValue_EveryPercentIsThatValue()
    {
        foreach (var x in new[] { 0f, -3.5f, float.MaxValue, float.Epsilon, float.PositiveInfinity })
        {
            Assert.All(Percentiles.Compute(new[] { float.NaN, x, float.NaN }, s_percents), p => Assert.Equal((double)x, p));
        }
    }

    [Fact]
    public void Compute_RunOfInfinities_IsInfiniteNotNaN()
    {
        // Regression: numpy's lerp of two equal infinite neighbours (∞ − ∞) gave NaN at percents between them.
        var values = new[] { 1f, 2f, float.PositiveInfinity, float.PositiveInfinity, float.PositiveInfinity };
        Assert.Equal(double.PositiveInfinity, Percentiles.Compute(values, 90));
        Assert.Equal(double.PositiveInfinity, Percentiles.Compute(values, 40));
        var low = new[] { float.NegativeInfinity, float.NegativeInfinity, 5f };
        Assert.Equal(double.NegativeInfinity, Percentiles.Compute(low, 25));
        Assert.Equal(double.NegativeInfinity, Percentiles.Compute(low, 75));
        Assert.True(double.IsNaN(Percentiles.Compute(new[] { float.NegativeInfinity, float.PositiveInfinity }, 50)));
    }

    [Fact]
    public void Compute_PercentOutsideRangeOrMaskMismatch_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Compute(new float[3], 100.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Compute(new float[3], double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.QuantileInPlace(new float[3], -0.1));
        var e = Assert.Throws<ArgumentException>(() => Percentiles.Compute(new float[3], 50, new byte[2]));
        Assert.Equal("mask", e.ParamName);
    }
}
