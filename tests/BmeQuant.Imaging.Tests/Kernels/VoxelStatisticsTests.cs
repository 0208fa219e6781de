using BmeQuant.Imaging.Kernels;

namespace BmeQuant.Imaging.Tests.Kernels;

public class VoxelStatisticsTests
{
    private static void AssertSame(StatisticsAccumulator expected, StatisticsAccumulator actual, int len)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Min, actual.Min);
        Assert.Equal(expected.Max, actual.Max);

        // Sums accumulate in double in a different order: bound the difference by n·ε·Σ|terms| (terms < 1e6 here).
        var tolerance = Math.Max(1e-9, len * 1e-16 * 1e6 * Math.Max(1, len));
        Assert.True(Math.Abs(expected.ShiftedSum - actual.ShiftedSum) <= tolerance, $"len {len}: Σ {expected.ShiftedSum} vs {actual.ShiftedSum}");
        Assert.True(Math.Abs(expected.ShiftedSumOfSquares - actual.ShiftedSumOfSquares) <= tolerance * 1e3, $"len {len}: Σ² {expected.ShiftedSumOfSquares} vs {actual.ShiftedSumOfSquares}");
    }

    [Fact]
    public void Accumulate_Unmasked_EqualsScalarPath()
    {
        foreach (var len in KernelTestData.Lengths)
        {
            var v = KernelTestData.Floats(len, len + 10);
            AssertSame(VoxelStatistics.Scalar(v, default, 100f), VoxelStatistics.Accumulate(v, default, 100f), len);
        }
    }

    [Fact]
    public void Accumulate_Masked_EqualsScalarPath()
    {
        foreach (var len in KernelTestData.Lengths)
        {
            var v = KernelTestData.Floats(len, len + 20);
            var m = KernelTestData.Mask(len, len + 30);
            AssertSame(VoxelStatistics.Scalar(v, m, -5f), VoxelStatistics.Accumulate(v, m, -5f), len);
        }
    }

    [Fact]
    public void Accumulate_Masked_MatchesDirectDefinition()
    {
        var v = KernelTestData.Floats(1025, 5);
        var m = KernelTestData.Mask(1025, 6);
        var inside = v.Where((x, n) => m[n] != 0).Select(x => (double)x).ToArray();
        var mean = inside.Average();
        var variance = inside.Sum(x => (x - mean) * (x - mean)) / inside.Length;
        var a = VoxelStatistics.Accumulate(v, m, v[0]);
        Assert.Equal(inside.Length, a.Count);
        Assert.Equal(inside.Min(), a.Min);
        Assert.Equal(inside.Max(), a.Max);
        Assert.Equal(inside.Sum(), a.Sum, 1e-6);
        Assert.Equal(mean, a.Mean, 1e-9);
        Assert.Equal(variance, a.PopulationVariance, 1e-6);
        Assert.Equal(variance * inside.Length / (inside.Length - 1), a.SampleVariance, 1e-6);
    }

    [Fact]
    public void Accumulate_LargeOffsetData_VarianceStaysAccurate()
    {
        // Values 1e6 ± 1: an unshifted Σx² would lose the variance to cancellation.
        var rng = new Random(9);
        var v = new float[1025];
        for (var n = 0; n < v.Length; n++)
        {
            v[n] = 1_000_000f + (rng.Next(2) == 0 ? -1f : 1f);
        }

        var a = VoxelStatistics.Accumulate(v, default, v[0]);
        var mean = v.Average(x => (double)x);
        Assert.Equal(v.Sum(x => ((double)x - mean) * ((double)x - mean)) / v.Length, a.PopulationVariance, 1e-9);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(100)]
    [InlineData(1024)]
    public void MinMax_NaNInside_PropagatesNaN_NaNOutsideMask_Ignored(int len)
    {
        var v = KernelTestData.Floats(len, 1);
        v[len / 2] = float.NaN;
        var (min, max) = VoxelStatistics.MinMax(v);
        Assert.True(float.IsNaN(min) && float.IsNaN(max));
        Assert.True(double.IsNaN(VoxelStatistics.Sum(v)));
        var m = Enumerable.Repeat((byte)1, len).ToArray();
        m[len / 2] = 0;
        (min, max) = VoxelStatistics.MinMax(v, m);
        Assert.False(float.IsNaN(min) || float.IsNaN(max));
    }

    [Fact]
    public void MinMax_Empty_IsNaN_AndSumZero()
    {
        var (min, max) = VoxelStatistics.MinMax([]);
        Assert.True(float.IsNaN(min) && float.IsNaN(max));
        Assert.Equal(0, VoxelStatistics.Sum([]));
        Assert.Equal(0, VoxelStatistics.Accumulate(new float[40], new byte[40]).Count);
    }
}
