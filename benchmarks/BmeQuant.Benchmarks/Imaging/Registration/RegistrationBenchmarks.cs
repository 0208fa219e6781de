using BenchmarkDotNet.Attributes;
using BmeQuant.Imaging;
using BmeQuant.Imaging.BiasField;
using BmeQuant.Imaging.Registration;

namespace BmeQuant.Benchmarks.Imaging.Registration;

/// <summary>Seeded synthetic series for the registration and bias-field benchmarks.</summary>
internal static class RegistrationBenchmarkData
{
    private static readonly (Vector3D Center, Vector3D Radii, float Intensity)[] s_objects =
    [
        (new Vector3D(0, 0, 0), new Vector3D(80, 70, 40), 100),
        (new Vector3D(-30, 10, 5), new Vector3D(25, 18, 14), 210),
        (new Vector3D(32, -15, -8), new Vector3D(15, 22, 10), 45),
        (new Vector3D(15, 35, 10), new Vector3D(10, 10, 9), 300),
        (new Vector3D(-10, -38, -12), new Vector3D(20, 8, 8), 170),
    ];

    /// <summary>The known fixed → moving transform of the benchmark pair (3.5° about an oblique axis, 7 mm).</summary>
    public static RigidTransform Truth { get; } = RigidTransform.FromAxisAngle(new Vector3D(1, 2, 0.5), 3.5 * Math.PI / 180, new Vector3D(5, -4, 3), Vector3D.Zero);

    /// <summary>A series on an axial grid centred at the origin: image(y) = phantom(transform⁻¹(y)) + Gaussian noise σ 4.</summary>
    public static Volume<float> Series(int nx, int ny, int nz, Vector3D spacing, RigidTransform fixedToMoving, int seed)
    {
        var origin = new Vector3D(-(nx - 1) / 2.0 * spacing.X, -(ny - 1) / 2.0 * spacing.Y, -(nz - 1) / 2.0 * spacing.Z);
        var g = new ImageGeometry(nx, ny, nz, spacing, origin);
        var v = new Volume<float>(g);
        var inverse = fixedToMoving.Inverse();
        Parallel.For(0, nz, k =>
        {
            var rng = new Random(seed + k);
            for (var j = 0; j < ny; j++)
            {
                for (var i = 0; i < nx; i++)
                {
                    var p = inverse.TransformPoint(g.TransformIndexToPhysicalPoint(i, j, k));
                    double value = 0;
                    foreach (var (c, r, a) in s_objects)
                    {
                        var d = p - c;
                        var rho = Math.Sqrt((d.X * d.X / (r.X * r.X)) + (d.Y * d.Y / (r.Y * r.Y)) + (d.Z * d.Z / (r.Z * r.Z)));
                        value += (a - value) / (1 + Math.Exp(-(1 - rho) * 20));
                    }

                    var noise = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()) * 4;
                    v[i, j, k] = (float)Math.Abs(value + noise);
                }
            }
        });
        return v;
    }

    /// <summary>A biased series: the phantom times a smooth field (×0.7 … ×1.4) plus noise, and its body mask.</summary>
    public static (Volume<float> Image, Volume<byte> Mask) Biased(int nx, int ny, int nz, Vector3D spacing)
    {
        var image = Series(nx, ny, nz, spacing, RigidTransform.Identity, 11);
        var mask = image.CreateLike<byte>();
        var g = image.Geometry;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                for (var i = 0; i < nx; i++)
                {
                    var p = g.TransformIndexToPhysicalPoint(i, j, k);
                    var f = Math.Exp((0.25 * p.X / 100) + (0.2 * p.Y * p.Y / 10_000) - (0.1 * p.Z / 40));
                    image[i, j, k] *= (float)f;
                    var d = new Vector3D(p.X / 80, p.Y / 70, p.Z / 40);
                    mask[i, j, k] = d.Dot(d) <= 1 ? (byte)1 : (byte)0;
                }
            }
        }

        return (image, mask);
    }
}

/// <summary>
/// Rigid registration of a 256×256×30 series (0.9×0.9×3 mm) onto a 320×320×24 one (0.7×0.7×3.5 mm), default
/// options (3 levels, 50 000 samples per level).
/// </summary>
[MemoryDiagnoser]
public class RigidRegistrationBenchmarks
{
    private Volume<float> _fixed = null!;
    private Volume<float> _moving = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fixed = RegistrationBenchmarkData.Series(320, 320, 24, new Vector3D(0.7, 0.7, 3.5), RigidTransform.Identity, 1);
        _moving = RegistrationBenchmarkData.Series(256, 256, 30, new Vector3D(0.9, 0.9, 3.0), RegistrationBenchmarkData.Truth, 2);
    }

    [Benchmark(Baseline = true)]
    public RigidRegistrationResult MattesMutualInformation() => RigidRegistration.Register(_fixed, _moving);

    [Benchmark]
    public RigidRegistrationResult NormalizedCorrelation() =>
        RigidRegistration.Register(_fixed, _moving, new RigidRegistrationOptions { Metric = RegistrationMetric.NormalizedCorrelation });
}

/// <summary>One metric + gradient evaluation over 50 000 samples at full resolution (the optimiser's inner loop).</summary>
[MemoryDiagnoser]
public class RegistrationMetricBenchmarks
{
    private MetricEvaluator _mutualInformation = null!;
    private MetricEvaluator _correlation = null!;
    private readonly double[] _gradient = new double[6];

    [GlobalSetup]
    public void Setup()
    {
        var fixedImage = RegistrationBenchmarkData.Series(320, 320, 24, new Vector3D(0.7, 0.7, 3.5), RigidTransform.Identity, 1);
        var moving = new GradientInterpolator(RegistrationBenchmarkData.Series(256, 256, 30, new Vector3D(0.9, 0.9, 3.0), RegistrationBenchmarkData.Truth, 2));
        var rng = new Random(3);
        var count = 50_000;
        double[] x = new double[count], y = new double[count], z = new double[count];
        var values = new float[count];
        var g = fixedImage.Geometry;
        var offsets = Enumerable.Range(0, count).Select(_ => rng.Next(fixedImage.Length)).Order().ToArray();
        for (var n = 0; n < count; n++)
        {
            var o = offsets[n];
            var k = o / g.SliceLength;
            var j = (o % g.SliceLength) / g.SizeX;
            var i = o % g.SizeX;
            var p = g.TransformIndexToPhysicalPoint(i, j, k);
            (x[n], y[n], z[n]) = (p.X, p.Y, p.Z);
            values[n] = fixedImage.Data[o];
        }

        _mutualInformation = new MetricEvaluator(x, y, z, values, moving, RegistrationMetric.MattesMutualInformation, 40, -1);
        _correlation = new MetricEvaluator(x, y, z, values, moving, RegistrationMetric.NormalizedCorrelation, 40, -1);
    }

    [Benchmark(Baseline = true)]
    public double MattesMutualInformation() => _mutualInformation.Evaluate(RegistrationBenchmarkData.Truth, _gradient, out _);

    [Benchmark]
    public double NormalizedCorrelation() => _correlation.Evaluate(RegistrationBenchmarkData.Truth, _gradient, out _);
}

/// <summary>N4-style bias-field correction of a 320×320×30 series (0.7×0.7×3 mm), default options, with a body mask.</summary>
[MemoryDiagnoser]
public class BiasFieldCorrectionBenchmarks
{
    private Volume<float> _image = null!;
    private Volume<byte> _mask = null!;

    [GlobalSetup]
    public void Setup() => (_image, _mask) = RegistrationBenchmarkData.Biased(320, 320, 30, new Vector3D(0.7, 0.7, 3.0));

    [Benchmark]
    public BiasFieldCorrectionResult Correct() => BiasFieldCorrection.Correct(_image, _mask);
}
