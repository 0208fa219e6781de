using BmeQuant.Imaging.Kernels;
using BmeQuant.Imaging.Thresholding;
using CsCheck;

namespace BmeQuant.Imaging.Tests.Kernels;

/// <summary>
/// Property tests of the element-wise SIMD kernels against plain scalar references written here: every length up to
/// three Vector512s plus one and a few large ones, slices at offsets 0..3 of a larger buffer, special values.
/// </summary>
public class VoxelConvertPropertyTests
{
    private static readonly Gen<float> s_slope = Gen.Frequency(
        (4, Gen.Float[-4f, 4f]),
        (1, Gen.OneOf(1f, 0f, -0f, -1f, float.Epsilon, 1e-40f, 1e30f, float.MaxValue, float.PositiveInfinity, float.NaN)));

    private static readonly Gen<float> s_intercept = Gen.Frequency(
        (4, Gen.Float[-2000f, 2000f]),
        (1, Gen.OneOf(0f, -0f, -1024f, 1e-40f, -float.MaxValue, float.NegativeInfinity, float.NaN)));

    internal static readonly Gen<ushort> s_ushort = Gen.Frequency(
        (3, Gen.UShort),
        (1, Gen.OneOf<ushort>(0, 1, 4095, 32767, 32768, 65534, 65535)));

    internal static readonly Gen<short> s_short = Gen.Frequency(
        (3, Gen.Short),
        (1, Gen.OneOf<short>(short.MinValue, -32767, -1, 0, 1, short.MaxValue)));

    internal static readonly Gen<byte> s_byte = Gen.Frequency((3, Gen.Byte), (1, Gen.OneOf<byte>(0, 1, 127, 128, 255)));

    // The documented rule: a float multiply, then a float add (no fused multiply-add).
    private static float Reference(float x, float slope, float intercept)
    {
        var product = x * slope;
        return product + intercept;
    }

    internal static void CheckConversion<T>(Gen<T> element, Func<T, float> widen, Action<ReadOnlyMemory<T>, Memory<float>, float, float> convert)
        where T : unmanaged
    {
        foreach (var length in PropertyCheck.Lengths)
        {
            var gen = Gen.Select(PropertyCheck.Buffer(element, length), s_slope, s_intercept);
            PropertyCheck.ForAll(
                gen,
                t =>
                {
                    var ((buffer, offset), slope, intercept) = t;
                    var source = buffer.AsMemory(offset, length);
                    var destination = new float[length + 2];
                    destination.AsSpan().Fill(-7f);
                    convert(source, destination.AsMemory(1, length), slope, intercept);
                    var expected = new float[length + 2];
                    expected.AsSpan().Fill(-7f);
                    for (var n = 0; n < length; n++)
                    {
                        expected[n + 1] = Reference(widen(source.Span[n]), slope, intercept);
                    }

                    // Guards on both sides stay untouched.
                    PropertyCheck.AssertSameFloats(expected, destination, $"length {length}, offset {offset}, slope {slope:R}, intercept {intercept:R}");
                },
                cases: length < 200 ? 2 : 4,
                firstSeed: (ulong)length * 16);
        }
    }

    [Fact]
    public void ToFloat_Byte_AllLengthsOffsetsAndExtremes_EqualScalarReferenceBitForBit() =>
        CheckConversion(s_byte, b => b, (s, d, slope, intercept) => VoxelConvert.ToFloat(s.Span, d.Span, slope, intercept));

    [Fact]
    public void ToFloat_UInt16_AllLengthsOffsetsAndExtremes_EqualScalarReferenceBitForBit() =>
        CheckConversion(s_ushort, u => u, (s, d, slope, intercept) => VoxelConvert.ToFloat(s.Span, d.Span, slope, intercept));

    [Fact]
    public void ToFloat_Int16_AllLengthsOffsetsAndExtremes_EqualScalarReferenceBitForBit() =>
        CheckConversion(s_short, v => v, (s, d, slope, intercept) => VoxelConvert.ToFloat(s.Span, d.Span, slope, intercept));

    [Fact]
    public void ToFloat_Float_AllLengthsOffsetsAndSpecialValues_EqualScalarReferenceBitForBit() =>
        CheckConversion(PropertyCheck.AnyFloat, v => v, (s, d, slope, intercept) => VoxelConvert.ToFloat(s.Span, d.Span, slope, intercept));

    [Fact]
    public void ToFloat_IntegerExtremesWithDicomRescale_AreExact()
    {
        // Typical CT/MR rescales: the extremes of each stored type land on the exact float of the affine value.
        var u = new ushort[] { 0, 65535, 65535, 0, 32768, 1, 65535, 0, 65535, 65535, 0, 0, 65535, 65535, 65535, 65535, 0 };
        var s = new short[] { short.MinValue, short.MaxValue, -1, 0, short.MinValue, short.MinValue, 1, short.MaxValue, -1, 0, 0, -2, 2, short.MinValue, 7, 8, short.MaxValue };
        var fu = new float[u.Length];
        var fs = new float[s.Length];
        VoxelConvert.ToFloat(u, fu, 1f, -1024f);
        VoxelConvert.ToFloat(s, fs, 2f, 0.5f);
        Assert.Equal(64511f, fu[1]);
        Assert.Equal(-1024f, fu[0]);
        Assert.Equal(31744f, fu[4]);
        Assert.Equal(-65535.5f, fs[0]);
        Assert.Equal(65534.5f, fs[1]);
        Assert.Equal(-1.5f, fs[2]);
        Assert.Equal(65534.5f, fs[16]);
    }

    [Fact]
    public void ToFloat_DestinationShorter_ThrowsArgumentExceptionNamingBothLengths()
    {
        var e = Assert.Throws<ArgumentException>(() => VoxelConvert.ToFloat(new ushort[17], new float[16]));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains("16", e.Message, StringComparison.Ordinal);
        Assert.Contains("17", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => VoxelConvert.ToFloat(new byte[1], Span<float>.Empty));
        Assert.Throws<ArgumentException>(() => VoxelConvert.ToFloat(new short[65], new float[64]));
        Assert.Throws<ArgumentException>(() => VoxelConvert.ToFloat(new float[3], new float[2]));
    }

    [Fact]
    public void ToFloat_FloatOverlappingAtAnotherOffset_ThrowsArgumentException()
    {
        var a = new float[100];
        var e = Assert.Throws<ArgumentException>(() => VoxelConvert.ToFloat(a.AsSpan(0, 50), a.AsSpan(1, 50)));
        Assert.Equal("destination", e.ParamName);
        Assert.Throws<ArgumentException>(() => VoxelConvert.ToFloat(a.AsSpan(1, 50), a.AsSpan(0, 50)));

        // The same span is the documented in-place use.
        a.AsSpan().Fill(2f);
        VoxelConvert.ToFloat(a, a, 3f, 1f);
        Assert.All(a, x => Assert.Equal(7f, x));
    }
}

/// <summary>Property tests of <see cref="VoxelStatistics"/> against a scalar reference written here.</summary>
public class VoxelStatisticsPropertyTests
{
    private sealed record Expected(long Count, float Min, float Max, double Sum, double SumOfSquares, double AbsoluteSum, double AbsoluteSumOfSquares);

    private static Expected Reference(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, float shift)
    {
        long count = 0;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        double s1 = 0, s2 = 0, a1 = 0, a2 = 0;
        var nan = false;
        for (var n = 0; n < values.Length; n++)
        {
            if (mask.Length != 0 && mask[n] == 0)
            {
                continue;
            }

            var x = values[n];
            count++;
            nan |= float.IsNaN(x);
            if (x < min || (x == 0 && min == 0 && float.IsNegative(x)))
            {
                min = x;
            }

            if (x > max || (x == 0 && max == 0 && !float.IsNegative(x)))
            {
                max = x;
            }

            var d = (double)x - shift;
            s1 += d;
            s2 += d * d;
            a1 += Math.Abs(d);
            a2 += d * d;
        }

        // The documented NaN rule: a NaN voxel inside the mask makes min and max NaN.
        return nan ? new Expected(count, float.NaN, float.NaN, double.NaN, double.NaN, a1, a2) : new Expected(count, min, max, s1, s2, a1, a2);
    }

    private static void AssertClose(double expected, double actual, double scale, long count, string what)
    {
        if (!double.IsFinite(expected) || !double.IsFinite(actual))
        {
            // Infinite and NaN sums do not depend on the order of summation.
            Assert.True(PropertyCheck.SameDouble(expected, actual), $"{what}: expected {expected:R}, got {actual:R}");
            return;
        }

        // Sums of doubles in another order: |error| ≤ n·2^−52·Σ|terms|.
        var tolerance = (count + 4) * Math.ScaleB(1, -52) * scale;
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R} (tolerance {tolerance:R})");
    }

    /// <summary>Checks <see cref="VoxelStatistics.Accumulate(ReadOnlySpan{float}, ReadOnlySpan{byte}, float)"/> (or, given a width, its body at that width) against the reference.</summary>
    internal static void CheckAccumulate(Gen<float> element, bool masked, Gen<float> shifts, SimdWidth? width = null)
    {
        foreach (var length in PropertyCheck.Lengths)
        {
            var maskGen = masked ? Gen.OneOf<byte>(0, 0, 1, 2, 255).Array[length] : Gen.Const(Array.Empty<byte>());
            var gen = Gen.Select(PropertyCheck.Buffer(element, length), maskGen, shifts);
            PropertyCheck.ForAll(
                gen,
                t =>
                {
                    var ((buffer, offset), mask, shift) = t;
                    var values = buffer.AsSpan(offset, length);
                    var e = Reference(values, mask, shift);
                    var a = width is { } w ? VoxelStatistics.Accumulate(values, mask, shift, w) : VoxelStatistics.Accumulate(values, mask, shift);
                    var what = $"length {length}, offset {offset}, masked {masked}, shift {shift:R}, width {width?.ToString() ?? "widest"}";
                    Assert.Equal(e.Count, a.Count);
                    Assert.True(PropertyCheck.SameFloat(e.Min, (float)a.Min), $"{what}: min expected {e.Min:R}, got {a.Min:R}");
                    Assert.True(PropertyCheck.SameFloat(e.Max, (float)a.Max), $"{what}: max expected {e.Max:R}, got {a.Max:R}");
                    AssertClose(e.Sum, a.ShiftedSum, e.AbsoluteSum, e.Count, what + " Σ(x − shift)");
                    AssertClose(e.SumOfSquares, a.ShiftedSumOfSquares, e.AbsoluteSumOfSquares, e.Count, what + " Σ(x − shift)²");
                },
                cases: length < 200 ? 2 : 4,
                firstSeed: (ulong)length * 16);
        }
    }

    internal static readonly Gen<float> s_shift = Gen.Frequency((3, Gen.Float[-500f, 500f]), (1, Gen.OneOf(0f, -0f, 1e30f, -float.MaxValue)));

    [Fact]
    public void Accumulate_Unmasked_AllLengthsOffsetsAndSpecialValues_MatchScalarReference() =>
        CheckAccumulate(PropertyCheck.AnyFloat, masked: false, s_shift);

    [Fact]
    public void Accumulate_Masked_AllLengthsOffsetsAndSpecialValues_MatchScalarReference() =>
        CheckAccumulate(PropertyCheck.AnyFloat, masked: true, s_shift);

    [Fact]
    public void Accumulate_SignedZeros_MinIsNegativeZeroMaxIsPositiveZero()
    {
        foreach (var length in new[] { 3, 16, 64, 65, 200 })
        {
            var values = new float[length];
            for (var n = 0; n < length; n++)
            {
                values[n] = n % 2 == 0 ? 0f : -0f;
            }

            var a = VoxelStatistics.Accumulate(values);
            Assert.True(double.IsNegative(a.Min), $"length {length}: min {a.Min}");
            Assert.False(double.IsNegative(a.Max), $"length {length}: max {a.Max}");
        }
    }

    [Fact]
    public void Accumulate_NaNOutsideMask_IsIgnoredAndNaNInsidePropagates()
    {
        foreach (var length in new[] { 1, 15, 64, 129, 1025 })
        {
            var values = Enumerable.Range(0, length).Select(n => (float)n).ToArray();
            var mask = Enumerable.Repeat((byte)1, length).ToArray();
            values[length / 2] = float.NaN;
            mask[length / 2] = 0;
            var outside = VoxelStatistics.Accumulate(values, mask);
            Assert.Equal(length - 1, outside.Count);
            Assert.False(double.IsNaN(outside.Min) || double.IsNaN(outside.Max) || double.IsNaN(outside.Sum));
            var inside = VoxelStatistics.Accumulate(values);
            Assert.True(double.IsNaN(inside.Min) && double.IsNaN(inside.Max) && double.IsNaN(inside.Sum), $"length {length}");
        }
    }

    [Fact]
    public void Accumulate_EmptyAndAllMaskedOut_CountZeroMeanNaN()
    {
        var empty = VoxelStatistics.Accumulate([]);
        Assert.Equal(0, empty.Count);
        Assert.True(double.IsNaN(empty.Mean));
        Assert.Equal(0, empty.Sum);
        var none = VoxelStatistics.Accumulate(new float[300], new byte[300], 5f);
        Assert.Equal(0, none.Count);
        Assert.Equal(0, none.Sum);
        Assert.Equal((float.NaN, float.NaN), VoxelStatistics.MinMax(new float[300], new byte[300]));
    }

    [Fact]
    public void Accumulate_MaskLengthDiffers_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => VoxelStatistics.Accumulate(new float[10], new byte[9]));
        Assert.Equal("mask", e.ParamName);
        Assert.Contains("9", e.Message, StringComparison.Ordinal);
        Assert.Contains("10", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Accumulate_NonFiniteShift_ThrowsArgumentOutOfRangeException()
    {
        // An infinite or NaN shift would make every masked-out SIMD lane (shift − shift) NaN where the scalar path skips it.
        foreach (var shift in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => VoxelStatistics.Accumulate(new float[100], new byte[100], shift));
            Assert.Equal("shift", e.ParamName);
        }
    }
}

/// <summary>Property tests of <see cref="Threshold"/> against a scalar reference written here.</summary>
public class ThresholdPropertyTests
{
    internal static readonly Gen<float> s_level = Gen.Frequency((3, Gen.Float[-1000f, 1000f]), (1, Gen.OneOf<float>(PropertyCheck.SpecialFloats)));

    [Fact]
    public void AboveAtLeastBand_AllLengthsOffsetsAndSpecialValues_MatchScalarComparisons() => CheckAboveAtLeastBand(width: null);

    /// <summary>Checks the three thresholds (or, given a width, their body at that width) against scalar comparisons.</summary>
    internal static void CheckAboveAtLeastBand(SimdWidth? width)
    {
        foreach (var length in PropertyCheck.Lengths)
        {
            var gen = Gen.Select(PropertyCheck.Buffer(PropertyCheck.AnyFloat, length), s_level, s_level);
            PropertyCheck.ForAll(
                gen,
                t =>
                {
                    var ((buffer, offset), lower, upper) = t;
                    var values = buffer.AsSpan(offset, length);
                    var above = new byte[length + 1];
                    var atLeast = new byte[length + 1];
                    var band = new byte[length + 1];
                    above[length] = atLeast[length] = band[length] = 9;
                    if (width is { } w)
                    {
                        Threshold.Run(values, above, lower, float.NaN, Threshold.Kind.Above, w);
                        Threshold.Run(values, atLeast, lower, float.NaN, Threshold.Kind.AtLeast, w);
                        Threshold.Run(values, band, lower, upper, Threshold.Kind.Band, w);
                    }
                    else
                    {
                        Threshold.Above(values, lower, above);
                        Threshold.AtLeast(values, lower, atLeast);
                        Threshold.Band(values, lower, upper, band);
                    }

                    for (var n = 0; n < length; n++)
                    {
                        var x = values[n];
                        var what = $"length {length}, offset {offset}, index {n}, x {x:R}, lower {lower:R}, upper {upper:R}, width {width?.ToString() ?? "widest"}";
                        Assert.True(above[n] == (x > lower ? 1 : 0), what + " (above)");
                        Assert.True(atLeast[n] == (x >= lower ? 1 : 0), what + " (at least)");
                        Assert.True(band[n] == (x >= lower && x <= upper ? 1 : 0), what + " (band)");
                    }

                    Assert.Equal(9, above[length]);
                    Assert.Equal(9, atLeast[length]);
                    Assert.Equal(9, band[length]);
                },
                cases: length < 200 ? 2 : 4,
                firstSeed: (ulong)length * 16);
        }
    }

    [Fact]
    public void Above_NaNVoxelsAndNaNThreshold_NeverPass()
    {
        var values = Enumerable.Range(0, 131).Select(n => n % 3 == 0 ? float.NaN : n).ToArray();
        var mask = new byte[values.Length];
        Threshold.AtLeast(values, float.NegativeInfinity, mask);
        Assert.Equal(values.Count(v => !float.IsNaN(v)), mask.Count(b => b == 1));
        Threshold.Above(values, float.NaN, mask);
        Assert.All(mask, b => Assert.Equal(0, b));
        Threshold.Band(values, float.NegativeInfinity, float.NaN, mask);
        Assert.All(mask, b => Assert.Equal(0, b));
    }

    [Fact]
    public void AtLeast_NegativeZeroAgainstZero_Passes()
    {
        var values = Enumerable.Repeat(-0f, 70).ToArray();
        var mask = new byte[70];
        Threshold.AtLeast(values, 0f, mask);
        Assert.All(mask, b => Assert.Equal(1, b));
        Threshold.Above(values, 0f, mask);
        Assert.All(mask, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Above_DestinationShorter_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => Threshold.Above(new float[65], 0f, new byte[64]));
        Assert.Equal("destination", e.ParamName);
        Assert.Contains("64", e.Message, StringComparison.Ordinal);
        Assert.Contains("65", e.Message, StringComparison.Ordinal);
        var volume = new Volume<float>(new ImageGeometry(3, 1, 1));
        var wrong = new Volume<byte>(new ImageGeometry(1, 2, 1));
        Assert.Throws<ArgumentException>(() => Threshold.Band(volume, 0f, 1f, wrong));
    }

    [Theory]
    [InlineData((3 << 18) + 1)] // 4 blocks of exactly 3 · 2^16: the last voxel fell outside every block.
    [InlineData((1 << 19) + 7)]
    [InlineData((5 << 18) + 63)]
    public void AtLeast_ParallelVolumeLengths_WritesEveryVoxel(int length)
    {
        // Regression: the parallel split rounded the block length down before padding it to a multiple of 64, so when
        // length / blocks was already such a multiple the last (length mod blocks) voxels were never written.
        var volume = new Volume<float>(new ImageGeometry(length, 1, 1));
        for (var n = 0; n < length; n++)
        {
            volume.Data[n] = n % 3;
        }

        var destination = new Volume<byte>(volume.Geometry);
        destination.Span.Fill(9);
        Threshold.AtLeast(volume, 1f, destination);
        for (var n = 0; n < length; n++)
        {
            if (destination.Data[n] != (n % 3 >= 1 ? 1 : 0))
            {
                Assert.Fail($"length {length}: voxel {n} is {destination.Data[n]}");
            }
        }
    }

    [Fact]
    public void Above_OddVolumes_EqualSpanOverload()
    {
        foreach (var (nx, ny, nz) in new[] { (1, 1, 1), (1, 7, 1), (7, 1, 1), (1, 1, 9), (5, 3, 7), (67, 3, 2) })
        {
            var volume = new Volume<float>(new ImageGeometry(nx, ny, nz));
            var rng = new Random(nx + (7 * ny) + (31 * nz));
            for (var n = 0; n < volume.Length; n++)
            {
                volume.Data[n] = rng.Next(4) == 0 ? float.NaN : (float)rng.NextDouble();
            }

            var expected = volume.Data.Select(x => x > 0.5f ? (byte)1 : (byte)0).ToArray();
            Assert.Equal(expected, Threshold.Above(volume, 0.5f).Data);
        }
    }
}
