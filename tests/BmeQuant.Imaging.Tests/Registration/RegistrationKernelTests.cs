using System.Runtime.Intrinsics;
using BmeQuant.Imaging.Registration;

namespace BmeQuant.Imaging.Tests.Registration;

/// <summary>Tests of the internal pieces of the registration and bias-field loops.</summary>
public class RegistrationKernelTests
{
    private static ImageGeometry Oblique(int nx, int ny, int nz) =>
        new(nx, ny, nz, new Vector3D(0.9, 1.3, 2.7), new Vector3D(-10, 5, 3), Matrix3D.FromEulerXyz(0.3, -0.2, 0.7));

    private static Volume<float> Random(ImageGeometry g, int seed)
    {
        var v = new Volume<float>(g);
        var rng = new Random(seed);
        for (var n = 0; n < v.Length; n++)
        {
            v.Data[n] = (float)(rng.NextDouble() * 100);
        }

        return v;
    }

    [Fact]
    public void GradientInterpolator_VectorPath_EqualsScalarPathBitForBit()
    {
        var g = Oblique(13, 7, 5);
        var interp = new GradientInterpolator(Random(g, 1));
        var rng = new Random(2);
        for (var n = 0; n < 2000; n++)
        {
            double ci = (rng.NextDouble() * 14) - 0.5, cj = (rng.NextDouble() * 8) - 0.5, ck = (rng.NextDouble() * 6) - 0.5;
            var okVector = interp.Sample(ci, cj, ck, out var v);
            var okScalar = interp.SampleScalar(ci, cj, ck, out var value, out var gx, out var gy, out var gz);
            Assert.Equal(okScalar, okVector);
            Assert.Equal(value, v.GetElement(0));
            Assert.Equal(gx, v.GetElement(1));
            Assert.Equal(gy, v.GetElement(2));
            Assert.Equal(gz, v.GetElement(3));
        }
    }

    [Fact]
    public void GradientInterpolator_LinearRampOnObliqueGrid_GivesPhysicalGradientAndValue()
    {
        var g = Oblique(9, 8, 6);
        var image = new Volume<float>(g);
        var a = new Vector3D(0.5, -1.5, 2.0);
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    image[i, j, k] = (float)(a.Dot(g.TransformIndexToPhysicalPoint(i, j, k)) + 7);
                }
            }
        }

        var interp = new GradientInterpolator(image);
        var c = new Vector3D(3.3, 4.6, 2.2);
        Assert.True(interp.SampleScalar(c.X, c.Y, c.Z, out var value, out var gx, out var gy, out var gz));
        Assert.Equal(a.Dot(g.TransformIndexToPhysicalPoint(c)) + 7, value, 3);
        Assert.Equal(a.X, gx, 4);
        Assert.Equal(a.Y, gy, 4);
        Assert.Equal(a.Z, gz, 4);
        Assert.False(interp.SampleScalar(-0.01, 1, 1, out _, out _, out _, out _));
        Assert.False(interp.SampleScalar(1, 1, 5.01, out _, out _, out _, out _));
    }

    [Theory]
    [InlineData(RegistrationMetric.MattesMutualInformation)]
    [InlineData(RegistrationMetric.NormalizedCorrelation)]
    public void MetricEvaluator_AnalyticGradient_MatchesFiniteDifferences(RegistrationMetric metric)
    {
        // A smooth blob image; the moving is the fixed displaced, so the metric has a clear slope at identity.
        var g = new ImageGeometry(40, 36, 30, new Vector3D(1, 1, 1.2), new Vector3D(-20, -18, -18));
        var image = new Volume<float>(g);
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var p = g.TransformIndexToPhysicalPoint(i, j, k);
                    var d1 = p - new Vector3D(3, -2, 1);
                    var d2 = p - new Vector3D(-6, 5, -3);
                    image[i, j, k] = (float)((100 * Math.Exp(-d1.Dot(d1) / 60)) + (60 * Math.Exp(-d2.Dot(d2) / 30)) + (0.5 * p.X));
                }
            }
        }

        var rng = new Random(3);
        var count = 6000;
        double[] x = new double[count], y = new double[count], z = new double[count];
        var values = new float[count];
        for (var n = 0; n < count; n++)
        {
            var p = new Vector3D((rng.NextDouble() - 0.5) * 24, (rng.NextDouble() - 0.5) * 22, (rng.NextDouble() - 0.5) * 20);
            (x[n], y[n], z[n]) = (p.X, p.Y, p.Z);
            var c = g.TransformPhysicalPointToContinuousIndex(p);
            values[n] = RigidResampler.Trilinear(image.Data, g.SizeX, g.SizeY, g.SizeZ, c.X, c.Y, c.Z, 0);
        }

        var evaluator = new MetricEvaluator(x, y, z, values, new GradientInterpolator(image), metric, 32, -1);
        var at = RigidTransform.FromAxisAngle(new Vector3D(1, 1, 0), 0.05, new Vector3D(1.2, -0.8, 0.6), Vector3D.Zero);
        Span<double> gradient = stackalloc double[6];
        evaluator.Evaluate(at, gradient, out _);

        // Central differences along each local parameter (rotation in rad, translation in mm).
        Span<double> numeric = stackalloc double[6];
        Span<double> scratch = stackalloc double[6];
        for (var p = 0; p < 6; p++)
        {
            var h = p < 3 ? 2e-3 : 0.05;
            var e = new double[6];
            e[p] = h;
            var plus = evaluator.Evaluate(at.Update(new Vector3D(e[0], e[1], e[2]), new Vector3D(e[3], e[4], e[5])), scratch, out _);
            var minus = evaluator.Evaluate(at.Update(new Vector3D(-e[0], -e[1], -e[2]), new Vector3D(-e[3], -e[4], -e[5])), scratch, out _);
            numeric[p] = (plus - minus) / (2 * h);
        }

        // The analytic gradient uses the interpolated central-difference image gradient, not the exact derivative
        // of the trilinear interpolant, so agreement is close but not exact: direction cosine > 0.99 and norms within 10 %.
        double dot = 0, na = 0, nn = 0;
        for (var p = 0; p < 6; p++)
        {
            dot += gradient[p] * numeric[p];
            na += gradient[p] * gradient[p];
            nn += numeric[p] * numeric[p];
        }

        var cosine = dot / Math.Sqrt(na * nn);
        Assert.True(cosine > 0.99, $"cosine {cosine:F5}; analytic [{string.Join(", ", gradient.ToArray())}], numeric [{string.Join(", ", numeric.ToArray())}]");
        Assert.InRange(Math.Sqrt(na / nn), 0.9, 1.1);
    }

    [Fact]
    public void CubicBSplineDerivative_MatchesFiniteDifference()
    {
        for (var u = -2.5; u <= 2.5; u += 0.0625)
        {
            if (Math.Abs(Math.Abs(u) - 1) < 1e-9 || Math.Abs(u) < 1e-9)
            {
                continue;
            }

            var numeric = (MetricEvaluator.CubicBSpline(u + 1e-6) - MetricEvaluator.CubicBSpline(u - 1e-6)) / 2e-6;
            Assert.Equal(numeric, MetricEvaluator.CubicBSplineDerivative(u), 1e-6);
        }
    }

    [Fact]
    public void BlockAverage_PreservesMeanAndPhysicalExtent()
    {
        var g = Oblique(12, 9, 6);
        var image = Random(g, 4);
        var shrunk = PyramidOps.BlockAverage(image, 3, 3, 2);
        Assert.Equal(4, shrunk.SizeX);
        Assert.Equal(3, shrunk.SizeY);
        Assert.Equal(3, shrunk.SizeZ);
        Assert.Equal(image.Data.Average(), shrunk.Data.Average(), 3);

        // The first block's centre is the mean position of its voxels.
        var expected = g.TransformIndexToPhysicalPoint(1, 1, 0.5);
        Assert.True((shrunk.Geometry.Origin - expected).Length < 1e-9);
        double block = 0;
        for (var k = 0; k < 2; k++)
        {
            for (var j = 0; j < 3; j++)
            {
                for (var i = 0; i < 3; i++)
                {
                    block += image[i, j, k];
                }
            }
        }

        Assert.Equal(block / 18, shrunk[0, 0, 0], 3);
    }

    [Fact]
    public void GaussianSmoothInPlace_ConstantImage_Unchanged_AndSpikeSpreadsWithUnitSum()
    {
        var g = new ImageGeometry(21, 21, 21, 1, 1, 2);
        var image = new Volume<float>(g);
        image.Span.Fill(5);
        PyramidOps.GaussianSmoothInPlace(image, 1.5);
        Assert.All(image.Data, v => Assert.Equal(5f, v, 4));

        var spike = new Volume<float>(g);
        spike[10, 10, 10] = 1;
        PyramidOps.GaussianSmoothInPlace(spike, 1.5);
        Assert.Equal(1.0, spike.Data.Sum(v => (double)v), 4);
        Assert.True(spike[10, 10, 10] < 0.1 && spike[11, 10, 10] > 0);
    }

    [Fact]
    public void ShrinkFactors_ThickSlices_AreNotShrunkFurther()
    {
        var g = new ImageGeometry(320, 320, 24, new Vector3D(0.7, 0.7, 3.5), Vector3D.Zero);
        Assert.Equal((4, 4, 1), PyramidOps.ShrinkFactors(g, 4));
        Assert.Equal((8, 8, 2), PyramidOps.ShrinkFactors(g, 8));
    }

    [Theory]
    [InlineData(2, 2, 1)]
    [InlineData(3, 2, 2)]
    [InlineData(4, 4, 1)]
    [InlineData(1, 3, 2)]
    public void BlockAverage_VectorRows_EqualScalarReferenceWithPartialBlocks(int fx, int fy, int fz)
    {
        // Odd sizes leave partial blocks on every far border; 37 voxels per row exercise the vector tail.
        var image = Random(Oblique(37, 23, 7), 11);
        var fast = PyramidOps.BlockAverage(image, fx, fy, fz);
        var reference = PyramidOps.BlockAverageScalar(image, fx, fy, fz);
        Assert.True(fast.Geometry.IsSameGrid(reference.Geometry));
        for (var n = 0; n < fast.Length; n++)
        {
            Assert.True(Math.Abs(fast.Data[n] - reference.Data[n]) <= 1e-4f, $"voxel {n}: {fast.Data[n]} vs {reference.Data[n]}");
        }
    }

    [Theory]
    [InlineData(0.8)]
    [InlineData(2.5)]
    public void GaussianSmoothInPlace_VectorRows_EqualScalarReference(double sigmaMm)
    {
        // Kernels wider than the short z axis (7 slices) replicate the edge rows on both sides.
        var image = Random(Oblique(37, 23, 7), 12);
        var reference = image.Clone();
        PyramidOps.GaussianSmoothInPlace(image, sigmaMm);
        PyramidOps.GaussianSmoothScalarInPlace(reference, sigmaMm);
        for (var n = 0; n < image.Length; n++)
        {
            Assert.True(Math.Abs(image.Data[n] - reference.Data[n]) <= 1e-3f, $"voxel {n}: {image.Data[n]} vs {reference.Data[n]}");
        }

        // Smoothing did something (the random image's spread shrinks).
        Assert.True(Spread(image.Data) < 0.8 * Spread(Random(Oblique(37, 23, 7), 12).Data));
    }

    private static double Spread(float[] values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }

    [Fact]
    public void RowMath_VectorLoops_EqualScalarArithmeticOnOddLengths()
    {
        // 37 = four 8-lane vectors and a 5-element tail; the lanes do the scalar multiply and add (never fused).
        var a = Random(Oblique(37, 1, 1), 21).Data;
        var b = Random(Oblique(37, 1, 1), 22).Data;
        var sum = (float[])b.Clone();
        var scaled = new float[37];
        var accumulated = (float[])b.Clone();
        var difference = new float[37];
        RowMath.AddInto(a, sum);
        RowMath.Scale(a, 0.3f, scaled);
        RowMath.AddScaled(a, 0.3f, accumulated);
        RowMath.ScaledDifference(a, b, 0.5f, difference);
        for (var i = 0; i < 37; i++)
        {
            Assert.Equal(b[i] + a[i], sum[i]);
            Assert.Equal(a[i] * 0.3f, scaled[i]);
            Assert.Equal(b[i] + (a[i] * 0.3f), accumulated[i]);
            Assert.Equal((a[i] - b[i]) * 0.5f, difference[i]);
        }
    }

    [Fact]
    public void RowMath_InputShorterThanOutput_Throws()
    {
        // The loops read through unchecked references: a short input must be refused, not read past its end.
        var shortRow = new float[36];
        var row = new float[37];
        Assert.Throws<ArgumentException>(() => RowMath.AddInto(shortRow, new float[37]));
        Assert.Throws<ArgumentException>(() => RowMath.Scale(shortRow, 2f, new float[37]));
        Assert.Throws<ArgumentException>(() => RowMath.AddScaled(shortRow, 2f, new float[37]));
        Assert.Throws<ArgumentException>(() => RowMath.ScaledDifference(row, shortRow, 2f, new float[37]));
    }
}
