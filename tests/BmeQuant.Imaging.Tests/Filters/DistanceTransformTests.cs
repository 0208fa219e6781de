using BmeQuant.Imaging.Filters;

namespace BmeQuant.Imaging.Tests.Filters;

public class DistanceTransformTests
{
    [Fact]
    public void OutsideMm_SinglePoint_IsExactEuclideanDistanceWithAnisotropicSpacing()
    {
        var g = new ImageGeometry(21, 17, 9, new Vector3D(0.55, 0.6, 2.5), new Vector3D(5, -2, 1));
        var mask = new Volume<byte>(g);
        mask[7, 11, 3] = 1;
        var d = DistanceTransform.OutsideMm(mask);
        var centre = g.TransformIndexToPhysicalPoint(7, 11, 3);
        for (var k = 0; k < 9; k++)
        {
            for (var j = 0; j < 17; j++)
            {
                for (var i = 0; i < 21; i++)
                {
                    var expected = (g.TransformIndexToPhysicalPoint(i, j, k) - centre).Length;
                    Assert.True(Math.Abs(d[i, j, k] - expected) <= 1e-4, $"({i},{j},{k}): {d[i, j, k]} vs {expected}");
                }
            }
        }
    }

    [Fact]
    public void SignedMm_Sphere_ApproximatesDistanceToTheSurface()
    {
        // Ball of radius 6 mm on 0.5×0.6×1.5 mm voxels. Outside, the nearest foreground centre lies inside the ball,
        // so it is at least as far as the sphere and at most one voxel diagonal farther; inside, symmetrically.
        // Hence analytic ≤ signed ≤ analytic + diagonal outside and analytic − diagonal ≤ signed ≤ analytic inside.
        var g = new ImageGeometry(41, 37, 15, new Vector3D(0.5, 0.6, 1.5), Vector3D.Zero);
        var c = new Vector3D(10.2, 11.1, 10.4);
        const double radius = 6.0;
        var mask = new Volume<byte>(g);
        for (var k = 0; k < 15; k++)
        {
            for (var j = 0; j < 37; j++)
            {
                for (var i = 0; i < 41; i++)
                {
                    mask[i, j, k] = (g.TransformIndexToPhysicalPoint(i, j, k) - c).Length <= radius ? (byte)1 : (byte)0;
                }
            }
        }

        var signed = DistanceTransform.SignedMm(mask);
        var inside = DistanceTransform.InsideMm(mask);
        var outside = DistanceTransform.OutsideMm(mask);
        var diagonal = g.Spacing.Length;
        for (var n = 0; n < mask.Length; n++)
        {
            int i = n % 41, j = n / 41 % 37, k = n / (41 * 37);
            var analytic = (g.TransformIndexToPhysicalPoint(i, j, k) - c).Length - radius;
            var (low, high) = mask.Data[n] != 0 ? (analytic - diagonal, analytic) : (analytic, analytic + diagonal);
            Assert.True(signed.Data[n] >= low - 1e-5 && signed.Data[n] <= high + 1e-5, $"({i},{j},{k}): signed {signed.Data[n]} vs analytic {analytic}");
            Assert.Equal(mask.Data[n] != 0 ? -inside.Data[n] : outside.Data[n], signed.Data[n]);
            Assert.True(mask.Data[n] != 0 ? signed.Data[n] < 0 : signed.Data[n] > 0);
        }

        // The centre's depth is close to R.
        var centreIndex = g.TransformPhysicalPointToContinuousIndex(c);
        Assert.InRange(inside[(int)Math.Round(centreIndex.X), (int)Math.Round(centreIndex.Y), (int)Math.Round(centreIndex.Z)], radius - 1, radius + 1);
    }

    [Theory]
    [InlineData(13, 11, 7, 1)]
    [InlineData(1, 9, 5, 2)]
    [InlineData(8, 1, 1, 3)]
    [InlineData(17, 5, 1, 4)]
    public void InsideAndOutside_RandomMask_EqualBruteForce(int nx, int ny, int nz, int seed)
    {
        var mask = FilterTestData.RandomMask(nx, ny, nz, new Vector3D(0.7, 0.45, 1.9), seed);
        var inside = DistanceTransform.InsideMm(mask);
        var outside = DistanceTransform.OutsideMm(mask);
        var g = mask.Geometry;
        for (var p = 0; p < mask.Length; p++)
        {
            double bestBg = double.PositiveInfinity, bestFg = double.PositiveInfinity;
            var pp = g.TransformIndexToPhysicalPoint(p % nx, p / nx % ny, p / (nx * ny));
            for (var q = 0; q < mask.Length; q++)
            {
                var d = (g.TransformIndexToPhysicalPoint(q % nx, q / nx % ny, q / (nx * ny)) - pp).Length;
                if (mask.Data[q] != 0)
                {
                    bestFg = Math.Min(bestFg, d);
                }
                else
                {
                    bestBg = Math.Min(bestBg, d);
                }
            }

            var expectedInside = mask.Data[p] != 0 ? bestBg : 0;
            var expectedOutside = mask.Data[p] == 0 ? bestFg : 0;
            Assert.True(double.IsPositiveInfinity(expectedInside) ? float.IsPositiveInfinity(inside.Data[p]) : Math.Abs(inside.Data[p] - expectedInside) <= 1e-4, $"inside at {p}: {inside.Data[p]} vs {expectedInside}");
            Assert.True(double.IsPositiveInfinity(expectedOutside) ? float.IsPositiveInfinity(outside.Data[p]) : Math.Abs(outside.Data[p] - expectedOutside) <= 1e-4, $"outside at {p}: {outside.Data[p]} vs {expectedOutside}");
        }
    }

    [Fact]
    public void InsideMm_NoBackground_IsInfinite()
    {
        var mask = new Volume<byte>(new ImageGeometry(4, 3, 2));
        mask.Span.Fill(1);
        Assert.All(DistanceTransform.InsideMm(mask).Data, v => Assert.True(float.IsPositiveInfinity(v)));
        Assert.All(DistanceTransform.OutsideMm(mask).Data, v => Assert.Equal(0f, v));
    }
}
