using BmeQuant.Imaging.Statistics;
using BmeQuant.Imaging.Tests.Kernels;

namespace BmeQuant.Imaging.Tests.Statistics;

public class LabelStatisticsTests
{
    [Fact]
    public void Compute_RandomLabels_MatchDirectDefinitionPerLabel()
    {
        var g = new ImageGeometry(23, 19, 11, new Vector3D(0.5, 0.7, 3), new Vector3D(-10, 5, 100), Matrix3D.FromEulerXyz(0.2, -0.4, 1.1));
        var v = new Volume<float>(g, KernelTestData.Floats((int)g.VoxelCount, 1, 2000));
        var labels = new Volume<int>(g);
        var rng = new Random(2);
        for (var n = 0; n < labels.Length; n++)
        {
            labels.Data[n] = rng.Next(5) == 0 ? 0 : rng.Next(1, 5) * 3; // labels 3, 6, 9, 12 (gaps on purpose)
        }

        var result = LabelStatistics.Compute(v, labels, [10, 50, 90]);
        Assert.Equal([3, 6, 9, 12], result.Select(r => r.Label));
        foreach (var r in result)
        {
            var idx = Enumerable.Range(0, v.Length).Where(n => labels.Data[n] == r.Label).ToArray();
            var x = idx.Select(n => (double)v.Data[n]).ToArray();
            var mean = x.Average();
            Assert.Equal(idx.Length, r.Count);
            Assert.Equal(idx.Length * 0.5 * 0.7 * 3, r.VolumeMm3, 1e-9);
            Assert.Equal(mean, r.Mean, 1e-9);
            Assert.Equal(Math.Sqrt(x.Sum(a => (a - mean) * (a - mean)) / x.Length), r.StandardDeviation, 1e-9);
            Assert.Equal(x.Min(), r.Min);
            Assert.Equal(x.Max(), r.Max);
            var ci = idx.Average(n => n % 23);
            var cj = idx.Average(n => n / 23 % 19);
            var ck = idx.Average(n => n / (23 * 19));
            var c = g.TransformIndexToPhysicalPoint(ci, cj, ck);
            Assert.True((c - r.CentroidMm).Length < 1e-9, $"centroid {r.CentroidMm} vs {c}");
            var sub = idx.Select(n => v.Data[n]).ToArray();
            Assert.Equal(Percentiles.Compute(sub, 50), r.Percentiles[50]);
            Assert.Equal(Percentiles.Compute(sub, 90), r.Percentiles[90]);
        }
    }

    [Fact]
    public void Compute_Mask_CentroidOfBlockInMm()
    {
        var g = new ImageGeometry(10, 10, 10, new Vector3D(0.5, 0.5, 2), new Vector3D(1, 2, 3));
        var image = new Volume<float>(g);
        var mask = new Volume<byte>(g);
        for (var k = 2; k <= 3; k++)
        {
            for (var j = 4; j <= 6; j++)
            {
                for (var i = 1; i <= 4; i++)
                {
                    mask[i, j, k] = 7;
                    image[i, j, k] = i + j + k;
                }
            }
        }

        var r = LabelStatistics.Compute(image, mask)!;
        Assert.Equal(24, r.Count);
        Assert.Equal(24 * 0.5, r.VolumeMm3, 1e-12);
        Assert.Equal(new Vector3D(1 + (2.5 * 0.5), 2 + (5 * 0.5), 3 + (2.5 * 2)), r.CentroidMm);
        Assert.Equal(2.5 + 5 + 2.5, r.Mean, 1e-12);
        Assert.Equal(1 + 4 + 2, r.Min);
        Assert.Null(LabelStatistics.Compute(image, new Volume<byte>(g)));
    }

    [Fact]
    public void Compute_NegativeLabel_Refused()
    {
        var g = new ImageGeometry(2, 2, 2);
        var labels = new Volume<int>(g);
        labels[1, 1, 1] = -1;
        Assert.Throws<ArgumentException>(() => LabelStatistics.Compute(new Volume<float>(g), labels));
    }

    [Fact]
    public void CentroidIndex_ScatteredVoxels_MeanIndexAndNullWhenEmpty()
    {
        var mask = new Volume<byte>(new ImageGeometry(7, 5, 4));
        Assert.Null(LabelStatistics.CentroidIndex(mask));
        mask[1, 0, 0] = 1;
        mask[6, 4, 3] = 255;
        mask[2, 3, 2] = 1;
        var c = LabelStatistics.CentroidIndex(mask);
        Assert.NotNull(c);
        Assert.Equal(3.0, c.Value.X, 12);
        Assert.Equal(7.0 / 3, c.Value.Y, 12);
        Assert.Equal(5.0 / 3, c.Value.Z, 12);
    }
}
