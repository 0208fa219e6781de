using BmeQuant.Imaging.Filters;

namespace BmeQuant.Imaging.Tests.Filters;

public class MedianFilterTests
{
    [Theory]
    [InlineData(37, 23, 11, 1, 1, 1)]
    [InlineData(17, 9, 5, 2, 1, 0)]
    [InlineData(9, 13, 7, 1, 2, 1)]
    [InlineData(5, 5, 5, 3, 3, 1)]
    [InlineData(1, 7, 3, 1, 1, 1)]
    public void ApplyVoxels_RandomOddVolume_SimdEqualsSortingReference(int nx, int ny, int nz, int rx, int ry, int rz)
    {
        var v = FilterTestData.RandomVolume(nx, ny, nz, new Vector3D(1, 1, 1), nx + ny);
        var reference = MedianFilter.ApplyReference(v, rx, ry, rz);
        Assert.Equal(0, FilterTestData.Differences(reference, MedianFilter.ApplyVoxels(v, rx, ry, rz)));
        Assert.Equal(0, FilterTestData.Differences(reference, MedianFilter.ApplyVoxels(v, rx, ry, rz, useSimd: false)));
    }

    [Fact]
    public void Apply_RadiusMm_UsesPerAxisRadii()
    {
        var v = FilterTestData.RandomVolume(21, 19, 6, new Vector3D(0.4, 0.4, 3), 5);
        Assert.Equal(0, FilterTestData.Differences(MedianFilter.ApplyReference(v, 2, 2, 0), MedianFilter.Apply(v, 1.0)));
    }

    [Fact]
    public void Apply_SpikeInConstantVolume_IsRemoved()
    {
        var v = new Volume<float>(new ImageGeometry(10, 10, 10));
        v.Span.Fill(4);
        v[5, 5, 5] = 1000;
        v[0, 0, 0] = -1000;
        Assert.All(MedianFilter.ApplyVoxels(v, 1, 1, 1).Data, x => Assert.Equal(4f, x));
    }

    [Fact]
    public void Select_RandomArrays_ReturnsKthSmallest()
    {
        var rng = new Random(3);
        for (var trial = 0; trial < 200; trial++)
        {
            var a = Enumerable.Range(0, 1 + rng.Next(60)).Select(_ => (float)rng.Next(20)).ToArray();
            var k = rng.Next(a.Length);
            var sorted = a.Order().ToArray();
            Assert.Equal(sorted[k], MedianFilter.Select(a, k));
        }
    }
}
