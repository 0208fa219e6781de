using BenchmarkDotNet.Attributes;
using BmeQuant.Imaging;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Geometry;

namespace BmeQuant.Benchmarks.Phantoms;

/// <summary>
/// Distance of the knee's femur, tibia and body compounds at 4,096 fixed points around the joint, parts evaluated four at
/// a time (<c>Vectorized</c> true) or one by one (the scalar reference; same bits).
/// </summary>
public class CompoundShapeDistanceBenchmarks
{
    private CompoundShape[] _shapes = [];
    private Vector3D[] _points = [];

    [Params(false, true)]
    public bool Vectorized { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var model = AnatomyLibrary.Get(PhantomAnatomy.Knee);
        _shapes = [(CompoundShape)model.Bones[0].Shape, (CompoundShape)model.Bones[1].Shape, (CompoundShape)model.Body];
        var rng = new Random(1);
        _points = [.. Enumerable.Range(0, 4096).Select(_ => new Vector3D((rng.NextDouble() * 120) - 60, (rng.NextDouble() * 120) - 60, (rng.NextDouble() * 160) - 80))];
        CompoundShape.Vectorized = Vectorized;
    }

    [GlobalCleanup]
    public void Cleanup() => CompoundShape.Vectorized = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated;

    [Benchmark]
    public double Distances()
    {
        double sum = 0;
        foreach (var shape in _shapes)
        {
            foreach (var p in _points)
            {
                sum += shape.Distance(p);
            }
        }

        return sum;
    }
}

/// <summary>Construction of the true-depth field of the knee study's femoral subchondral lesion (one per lesion and visit).</summary>
public class DepthFieldBenchmarks
{
    private BoneModel _bone = null!;

    [GlobalSetup]
    public void Setup() => _bone = AnatomyLibrary.Get(PhantomAnatomy.Knee).Bones[0];

    [Benchmark]
    public int BuildFemurLesionField() => new DepthField(_bone.Shape, _bone.SurfacePoint, 16.0, 11.3, LesionField.DepthStepMm).SurfacePointCount;
}
