using BmeQuant.Imaging.Filters;

namespace BmeQuant.Imaging.Tests.Filters;

public class ResamplerTests
{
    [Theory]
    [InlineData(Interpolation.Nearest)]
    [InlineData(Interpolation.Linear)]
    [InlineData(Interpolation.BSpline3)]
    [InlineData(Interpolation.Lanczos3)]
    public void Resample_OntoItsOwnGrid_ReturnsTheInput(Interpolation interpolation)
    {
        var v = FilterTestData.RandomVolume(17, 13, 7, new Vector3D(0.7, 0.8, 2.2), 9);
        var r = Resampler.Resample(v, v.Geometry, interpolation);

        // Nearest, linear and Lanczos (weights snap to one tap) are exact at voxel centres; the B-spline prefilter round trip is float-accurate.
        var tolerance = interpolation == Interpolation.BSpline3 ? 1e-3 : 0;
        for (var n = 0; n < v.Length; n++)
        {
            Assert.True(Math.Abs(r.Data[n] - v.Data[n]) <= tolerance, $"voxel {n}: {r.Data[n]} vs {v.Data[n]}");
        }
    }

    [Theory]
    [InlineData(Interpolation.Linear)]
    [InlineData(Interpolation.BSpline3)]
    public void Resample_LinearFieldOntoRotatedGrid_IsExactInside(Interpolation interpolation)
    {
        // f(p) = 3 + 0.5x − 0.25y + 0.75z is reproduced exactly by trilinear and cubic B-spline interpolation
        // away from the edges (B-spline: mirror extension bends it within 2 voxels of an edge).
        var source = new Volume<float>(new ImageGeometry(40, 36, 30, new Vector3D(0.9, 1.1, 1.3), new Vector3D(-15, -20, -18)));
        static double F(Vector3D p) => 3 + (0.5 * p.X) - (0.25 * p.Y) + (0.75 * p.Z);
        Fill(source, F);
        var target = new ImageGeometry(15, 14, 9, new Vector3D(1.0, 1.0, 1.5), new Vector3D(-4, -6, -5), Matrix3D.FromEulerXyz(0.2, -0.15, 0.35));
        var r = Resampler.Resample(source, target, interpolation, outsideValue: -999);
        var margin = interpolation == Interpolation.BSpline3 ? 3.0 : 0.0;
        var checkedCount = 0;
        for (var k = 0; k < target.SizeZ; k++)
        {
            for (var j = 0; j < target.SizeY; j++)
            {
                for (var i = 0; i < target.SizeX; i++)
                {
                    var p = target.TransformIndexToPhysicalPoint(i, j, k);
                    var c = source.Geometry.TransformPhysicalPointToContinuousIndex(p);
                    if (c.X < margin || c.Y < margin || c.Z < margin || c.X > 39 - margin || c.Y > 35 - margin || c.Z > 29 - margin)
                    {
                        continue;
                    }

                    checkedCount++;
                    Assert.True(Math.Abs(r[i, j, k] - F(p)) <= 1e-3, $"({i},{j},{k}): {r[i, j, k]} vs {F(p)}");
                }
            }
        }

        Assert.True(checkedCount > target.VoxelCount / 2, $"only {checkedCount} voxels inside");
    }

    [Fact]
    public void Resample_WithTranslation_EqualsResamplingOntoTheShiftedGrid()
    {
        var v = FilterTestData.RandomVolume(20, 18, 10, new Vector3D(1, 1, 2), 4);
        var shift = new Vector3D(2.3, -1.7, 3.1);
        var target = new ImageGeometry(12, 10, 6, new Vector3D(1.2, 0.9, 1.7), new Vector3D(4, 5, 4));
        var viaTransform = Resampler.Resample(v, target, Interpolation.Linear, 0, new AffineTransform3D(Matrix3D.Identity, shift));
        var viaGrid = Resampler.Resample(v, target.WithOrigin(target.Origin + shift), Interpolation.Linear, 0);
        for (var n = 0; n < viaGrid.Length; n++)
        {
            Assert.True(Math.Abs(viaGrid.Data[n] - viaTransform.Data[n]) <= 1e-3, $"voxel {n}");
        }
    }

    [Fact]
    public void Resample_PointsBeyondHalfAVoxel_GetTheOutsideValue()
    {
        var v = new Volume<float>(new ImageGeometry(4, 4, 4));
        v.Span.Fill(5);
        var target = new ImageGeometry(10, 1, 1, new Vector3D(0.25, 1, 1), new Vector3D(3.0, 1, 1));

        // x = 3.0, 3.25, 3.5 lie within half a voxel of the last centre (3); 3.75 and beyond are outside.
        var r = Resampler.Resample(v, target, Interpolation.Linear, outsideValue: -1);
        Assert.Equal([5f, 5f, 5f, -1f, -1f, -1f, -1f, -1f, -1f, -1f], r.Data);
        var nearest = Resampler.ResampleNearest(v, target, -1f);
        Assert.Equal(r.Data, nearest.Data);
    }

    [Fact]
    public void ResampleMaskFraction_HalfPlaneThroughVoxelMiddles_GivesOneHalf()
    {
        // Fine mask (0.25 mm) with foreground at x < 5.0 mm; coarse 1 mm voxels centred at 0.5, 1.5, …, so the voxel
        // centred at 5.0 mm is split in half.
        var fine = new Volume<byte>(new ImageGeometry(40, 8, 8, new Vector3D(0.25, 0.25, 0.25), new Vector3D(0.125, 0.125, 0.125)));
        for (var k = 0; k < 8; k++)
        {
            for (var j = 0; j < 8; j++)
            {
                for (var i = 0; i < 20; i++)
                {
                    fine[i, j, k] = 1;
                }
            }
        }

        var coarse = new ImageGeometry(9, 2, 2, new Vector3D(1, 1, 1), new Vector3D(1.0, 0.5, 0.5));
        var fraction = Resampler.ResampleMaskFraction(fine, coarse, subsamplesPerAxis: 4);
        Assert.Equal([1f, 1f, 1f, 1f, 0.5f, 0f, 0f, 0f, 0f], fraction.Data.Take(9).ToArray());
        var nearest = Resampler.ResampleNearest(fine, coarse);
        Assert.Equal(1, nearest[3, 0, 0]);
        Assert.Equal(0, nearest[5, 0, 0]);
    }

    [Fact]
    public void ResampleMaskFraction_Ellipsoid_TotalVolumeMatchesAnalytic()
    {
        // A finely voxelised ellipsoid (semi-axes 7, 5, 4 mm) brought to 1.5 mm voxels keeps its volume through the
        // fractions (within 1.5 %), which nearest-neighbour masks cannot promise.
        var fine = new Volume<byte>(new ImageGeometry(64, 48, 40, new Vector3D(0.3, 0.3, 0.3), Vector3D.Zero));
        var c = new Vector3D(9.1, 7.2, 5.9);
        for (var k = 0; k < 40; k++)
        {
            for (var j = 0; j < 48; j++)
            {
                for (var i = 0; i < 64; i++)
                {
                    var p = fine.Geometry.TransformIndexToPhysicalPoint(i, j, k) - c;
                    fine[i, j, k] = Math.Pow(p.X / 7, 2) + Math.Pow(p.Y / 5, 2) + Math.Pow(p.Z / 4, 2) <= 1 ? (byte)1 : (byte)0;
                }
            }
        }

        var coarse = new ImageGeometry(14, 11, 9, new Vector3D(1.5, 1.5, 1.5), new Vector3D(-0.5, -0.5, -0.5));
        var fraction = Resampler.ResampleMaskFraction(fine, coarse, subsamplesPerAxis: 6);
        var volume = fraction.Data.Sum(x => (double)x) * coarse.VoxelVolumeMm3;
        var analytic = 4.0 / 3.0 * Math.PI * 7 * 5 * 4;
        Assert.InRange(volume, analytic * 0.985, analytic * 1.015);
    }

    [Fact]
    public void ResampleLanczos3_BandLimitedSignalOntoRotatedGrid_ErrorSmallAndBelowTrilinear()
    {
        // A smooth signal with periods of 7–11 voxels: the windowed sinc follows it to a small fraction of the
        // amplitude (interior, 3 voxels from the edges) and clearly better than trilinear interpolation.
        var source = new Volume<float>(new ImageGeometry(48, 44, 40, new Vector3D(1.0, 0.9, 1.2), new Vector3D(-24, -20, -24)));
        static double F(Vector3D p) => 100 + (40 * Math.Sin((2 * Math.PI * p.X / 9.0) + 0.3)) + (30 * Math.Cos(2 * Math.PI * p.Y / 8.0)) + (20 * Math.Sin((2 * Math.PI * p.Z / 13.0) - 0.7));
        Fill(source, F);
        var target = new ImageGeometry(24, 22, 14, new Vector3D(0.8, 0.75, 1.1), new Vector3D(-9, -8, -7), Matrix3D.FromEulerXyz(0.1, 0.2, -0.3));
        var lanczos = Resampler.Resample(source, target, Interpolation.Lanczos3, outsideValue: float.NaN);
        var linear = Resampler.Resample(source, target, Interpolation.Linear, outsideValue: float.NaN);
        double maxLanczos = 0, maxLinear = 0;
        var checkedCount = 0;
        for (var k = 0; k < target.SizeZ; k++)
        {
            for (var j = 0; j < target.SizeY; j++)
            {
                for (var i = 0; i < target.SizeX; i++)
                {
                    var p = target.TransformIndexToPhysicalPoint(i, j, k);
                    var c = source.Geometry.TransformPhysicalPointToContinuousIndex(p);
                    if (c.X < 3 || c.Y < 3 || c.Z < 3 || c.X > 44 || c.Y > 40 || c.Z > 36)
                    {
                        continue;
                    }

                    checkedCount++;
                    maxLanczos = Math.Max(maxLanczos, Math.Abs(lanczos[i, j, k] - F(p)));
                    maxLinear = Math.Max(maxLinear, Math.Abs(linear[i, j, k] - F(p)));
                }
            }
        }

        Assert.True(checkedCount > target.VoxelCount / 2, $"only {checkedCount} voxels inside");

        // Amplitudes sum to 90: Lanczos within 2 % of that, and at most a third of the trilinear error.
        Assert.True(maxLanczos < 1.8, $"Lanczos max error {maxLanczos}");
        Assert.True(maxLanczos < maxLinear / 3, $"Lanczos {maxLanczos} vs trilinear {maxLinear}");
    }

    [Fact]
    public void ResampleLanczos3_Constant_PreservedEverywhereIncludingEdges()
    {
        var source = new Volume<float>(new ImageGeometry(13, 9, 5, new Vector3D(0.7, 0.8, 2.2), Vector3D.Zero));
        source.Span.Fill(123.5f);
        var target = new ImageGeometry(20, 15, 9, new Vector3D(0.45, 0.5, 1.1), new Vector3D(-0.3, -0.35, -1.0), Matrix3D.FromEulerXyz(0.05, -0.04, 0.1));
        var r = Resampler.Resample(source, target, Interpolation.Lanczos3, outsideValue: float.NaN);
        var inside = 0;
        foreach (var value in r.Data)
        {
            if (!float.IsNaN(value))
            {
                inside++;
                Assert.True(Math.Abs(value - 123.5) <= 1e-4, $"{value}");
            }
        }

        Assert.True(inside > r.Length / 2, $"only {inside} voxels inside");
    }

    [Fact]
    public void Lanczos_SimdPath_EqualsScalarReference()
    {
        var v = FilterTestData.RandomVolume(29, 23, 17, new Vector3D(1, 1, 1), 21);
        var rng = new Random(4);
        for (var n = 0; n < 4000; n++)
        {
            double x = (rng.NextDouble() * 30) - 0.5, y = (rng.NextDouble() * 24) - 0.5, z = (rng.NextDouble() * 18) - 0.5;
            var simd = Lanczos.Evaluate(v.Data, 29, 23, 17, x, y, z, allowSimd: true);
            var scalar = Lanczos.Evaluate(v.Data, 29, 23, 17, x, y, z, allowSimd: false);

            // Values are in [−200, 800]: float accumulation of 216 taps stays within 1e-3 of the double sum.
            Assert.True(Math.Abs(simd - scalar) <= 1e-3, $"({x}, {y}, {z}): {simd} vs {scalar}");
        }
    }

    [Theory]
    [InlineData(10.25)]
    [InlineData(10.5)]
    [InlineData(10.9)]
    [InlineData(0.3)]
    public void LanczosWeights_EqualTheNormalisedKernel(double x)
    {
        Span<double> w = stackalloc double[Lanczos.Taps];
        var f = Lanczos.Weights(x, 40, w);
        Assert.Equal((int)Math.Floor(x), f);
        double total = 0;
        for (var m = 0; m < Lanczos.Taps; m++)
        {
            total += Lanczos.Kernel(x - (f - 2 + m));
        }

        for (var m = 0; m < Lanczos.Taps; m++)
        {
            Assert.Equal(Lanczos.Kernel(x - (f - 2 + m)) / total, w[m], 12);
        }
    }

    private static void Fill(Volume<float> v, Func<Vector3D, double> f)
    {
        for (var k = 0; k < v.SizeZ; k++)
        {
            for (var j = 0; j < v.SizeY; j++)
            {
                for (var i = 0; i < v.SizeX; i++)
                {
                    v[i, j, k] = (float)f(v.Geometry.TransformIndexToPhysicalPoint(i, j, k));
                }
            }
        }
    }
}
