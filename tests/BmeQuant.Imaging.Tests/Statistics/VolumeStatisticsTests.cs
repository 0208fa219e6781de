using BmeQuant.Imaging.Statistics;
using BmeQuant.Imaging.Tests.Kernels;

namespace BmeQuant.Imaging.Tests.Statistics;

public class VolumeStatisticsTests
{
    [Theory]
    [InlineData(5, 7, 3)]
    [InlineData(101, 67, 41)]
    public void Summarize_MaskedVolume_MatchesDirectDefinition(int nx, int ny, int nz)
    {
        var g = new ImageGeometry(nx, ny, nz);
        var v = new Volume<float>(g, KernelTestData.Floats((int)g.VoxelCount, nx, 3000));
        var m = new Volume<byte>(g, KernelTestData.Mask((int)g.VoxelCount, ny));
        var inside = v.Data.Where((x, n) => m.Data[n] != 0).Select(x => (double)x).ToArray();
        var mean = inside.Average();
        var s = VolumeStatistics.Summarize(v, m);
        Assert.Equal(inside.Length, s.Count);
        Assert.Equal(inside.Min(), s.Min);
        Assert.Equal(inside.Max(), s.Max);
        Assert.Equal(mean, s.Mean, 1e-9 * 3000);
        Assert.Equal(Math.Sqrt(inside.Sum(x => (x - mean) * (x - mean)) / inside.Length), s.StandardDeviation, 1e-6);

        var all = VolumeStatistics.Summarize(v);
        Assert.Equal(v.Length, all.Count);
        Assert.Equal(v.Data.Sum(x => (double)x), all.Sum, 1e-6 * v.Length);
    }

    [Fact]
    public void Summarize_EmptyMask_CountZeroAndNaN()
    {
        var g = new ImageGeometry(4, 4, 4);
        var s = VolumeStatistics.Summarize(new Volume<float>(g), new Volume<byte>(g));
        Assert.Equal(0, s.Count);
        Assert.True(double.IsNaN(s.Mean) && double.IsNaN(s.Min) && double.IsNaN(s.Variance));
    }
}
