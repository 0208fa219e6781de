using System.Runtime.Intrinsics;
using BmeQuant.Imaging.Kernels;
using BmeQuant.Imaging.Thresholding;

namespace BmeQuant.Imaging.Tests.Kernels;

/// <summary>
/// The property checks of <see cref="VoxelConvertPropertyTests"/>, <see cref="VoxelStatisticsPropertyTests"/> and
/// <see cref="ThresholdPropertyTests"/> run on each kernel body at a forced widest width: Vector512, 256, 128 and
/// scalar. Production runs only the widest accelerated width, so without these the Vector512 bodies never run on an
/// AVX2 machine (.NET executes non-accelerated vector operations in software: same results, slower). A forced width
/// still falls back to the narrower bodies and the scalar tail for short remainders, exactly as a machine with that
/// widest width does, so the inputs (lengths 0 .. 3 × 64 + 1 and a few large ones, offsets 0..3, special values)
/// reach every remainder of every body.
/// </summary>
public class SimdWidthPropertyTests
{
    /// <summary>The widths (bits; 0 = scalar) every body runs at.</summary>
    public static TheoryData<int> Widths => new() { 512, 256, 128, 0 };

    [Theory]
    [MemberData(nameof(Widths))]
    public void ToFloat_Byte_ForcedWidth_EqualScalarReferenceBitForBit(int width) =>
        VoxelConvertPropertyTests.CheckConversion(
            VoxelConvertPropertyTests.s_byte, b => b, (s, d, slope, intercept) => VoxelConvert.ToFloat(s.Span, d.Span, slope, intercept, (SimdWidth)width));

    [Theory]
    [MemberData(nameof(Widths))]
    public void ToFloat_UInt16_ForcedWidth_EqualScalarReferenceBitForBit(int width) =>
        VoxelConvertPropertyTests.CheckConversion(
            VoxelConvertPropertyTests.s_ushort, u => u, (s, d, slope, intercept) => VoxelConvert.ToFloat(s.Span, d.Span, slope, intercept, (SimdWidth)width));

    [Theory]
    [MemberData(nameof(Widths))]
    public void ToFloat_Int16_ForcedWidth_EqualScalarReferenceBitForBit(int width) =>
        VoxelConvertPropertyTests.CheckConversion(
            VoxelConvertPropertyTests.s_short, v => v, (s, d, slope, intercept) => VoxelConvert.ToFloat(s.Span, d.Span, slope, intercept, (SimdWidth)width));

    [Theory]
    [MemberData(nameof(Widths))]
    public void ToFloat_Float_ForcedWidth_EqualScalarReferenceBitForBit(int width) =>
        VoxelConvertPropertyTests.CheckConversion(
            PropertyCheck.AnyFloat, v => v, (s, d, slope, intercept) => VoxelConvert.ToFloat(s.Span, d.Span, slope, intercept, (SimdWidth)width));

    [Theory]
    [MemberData(nameof(Widths))]
    public void Accumulate_Unmasked_ForcedWidth_MatchScalarReference(int width) =>
        VoxelStatisticsPropertyTests.CheckAccumulate(PropertyCheck.AnyFloat, masked: false, VoxelStatisticsPropertyTests.s_shift, (SimdWidth)width);

    [Theory]
    [MemberData(nameof(Widths))]
    public void Accumulate_Masked_ForcedWidth_MatchScalarReference(int width) =>
        VoxelStatisticsPropertyTests.CheckAccumulate(PropertyCheck.AnyFloat, masked: true, VoxelStatisticsPropertyTests.s_shift, (SimdWidth)width);

    [Theory]
    [MemberData(nameof(Widths))]
    public void AboveAtLeastBand_ForcedWidth_MatchScalarComparisons(int width) =>
        ThresholdPropertyTests.CheckAboveAtLeastBand((SimdWidth)width);

    [Theory]
    [MemberData(nameof(Widths))]
    public void Accumulate_SignedZerosAndNaNAtEveryLane_ForcedWidth_MinMaxExact(int width)
    {
        // A NaN or a -0 in each lane position of a 512-bit body (and the tail) in turn: min/max reductions across lanes.
        const int length = 3 * 64 + 5;
        for (var at = 0; at < length; at += 7)
        {
            var values = Enumerable.Range(0, length).Select(n => n % 2 == 0 ? 0f : 1f).ToArray();
            values[at] = -0f;
            var a = VoxelStatistics.Accumulate(values, default, 0f, (SimdWidth)width);
            Assert.True(double.IsNegative(a.Min) && a.Min == 0, $"width {width}, -0 at {at}: min {a.Min:R}");
            Assert.Equal(1, a.Max);
            values[at] = float.NaN;
            var mask = Enumerable.Repeat((byte)1, length).ToArray();
            var inside = VoxelStatistics.Accumulate(values, mask, 0f, (SimdWidth)width);
            Assert.True(double.IsNaN(inside.Min) && double.IsNaN(inside.Max) && double.IsNaN(inside.Sum), $"width {width}, NaN at {at} inside");
            mask[at] = 0;
            var outside = VoxelStatistics.Accumulate(values, mask, 0f, (SimdWidth)width);
            Assert.Equal(length - 1, outside.Count);
            Assert.Equal(0, outside.Min);
            Assert.Equal(1, outside.Max);
        }
    }

    [Fact]
    public void Pack_AllOnesOrZeroLanes_Avx2AndPortableGiveElementOrder()
    {
        // Threshold's 256-bit body packs four compare results with AVX2 packs and a permute; the portable narrowing
        // runs only without AVX2 (never on this machine through the kernel). Both must give the lanes in element order.
        var rng = new Random(20261130);
        var lanes = new int[32];
        for (var trial = 0; trial < 200; trial++)
        {
            for (var n = 0; n < lanes.Length; n++)
            {
                lanes[n] = rng.Next(2) == 0 ? 0 : -1;
            }

            var c = new Vector256<int>[4];
            for (var v = 0; v < 4; v++)
            {
                c[v] = Vector256.Create(lanes.AsSpan(8 * v, 8));
            }

            var packed = Threshold.Pack(c[0], c[1], c[2], c[3]);
            var portable = Threshold.PackPortable(c[0], c[1], c[2], c[3]);
            for (var n = 0; n < lanes.Length; n++)
            {
                var expected = (byte)lanes[n];
                Assert.True(packed.GetElement(n) == expected, $"trial {trial}, lane {n}: AVX2 pack {packed.GetElement(n)}, expected {expected}");
                Assert.True(portable.GetElement(n) == expected, $"trial {trial}, lane {n}: portable {portable.GetElement(n)}, expected {expected}");
            }
        }
    }
}
