using BmeQuant.Imaging;
using BmeQuant.Phantoms.Geometry;

namespace BmeQuant.Phantoms.Tests;

/// <summary>
/// A subchondral lesion reaches the depth it was specified with (issue 5: exact truth): its edema ends at the specified
/// true depth below the articular surface, measured independently by casting rays from the edge point to the bone surface,
/// and truth.json's maximum depth says the same. Before the true-depth fields the bones' first-order distances set the
/// depth: a tibial lesion "12 mm deep" ended 7 mm under the plateau.
/// </summary>
public class PhantomLesionDepthTests
{
    private readonly ITestOutputHelper _output;

    public PhantomLesionDepthTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(PhantomAnatomy.Knee, "Tibia", 12.0)]
    [InlineData(PhantomAnatomy.Knee, "Femur", 10.0)]
    [InlineData(PhantomAnatomy.Hip, "Femur", 10.0)]
    public void Generate_SubchondralLesion_EndsAtSpecifiedTrueDepth(PhantomAnatomy anatomy, string boneName, double depthMm)
    {
        // Sharp edge (0.5 mm), full peak: along the lesion's axis the fraction is (1 − 0.3·depth/D)·step(D − depth), so the
        // edge (step = 1/2) is where the fraction falls through 0.35.
        var lesion = new LesionSpec("deep", LesionPattern.Subchondral, boneName) { SizeMm = 16, DepthMm = depthMm, PeakFraction = 1, EdgeWidthMm = 0.5 };
        var model = AnatomyLibrary.Get(anatomy);
        var b = model.BoneIndex(boneName);
        var bone = model.Bones[b];
        var scene = new Scene(model, [lesion], 0, 0);

        // The articular axis is the surface normal at the lesion's surface point for these bones (the condyle's and the
        // femoral head's semi-axis, the plateau's vertical): points along it at the scene's own resolution.
        double Fraction(double s)
        {
            scene.Evaluate(scene.ToAnatomyFrame(b, bone.SurfacePoint - (bone.ArticularDirection * s)), out var value);
            return value.Bone == b ? value.Edema : 0;
        }

        const double step = 0.01;
        var edge = double.NaN;
        for (var s = 3.0; s < depthMm + 5; s += step)
        {
            var f0 = Fraction(s);
            var f1 = Fraction(s + step);
            if (f0 >= 0.35 && f1 < 0.35)
            {
                edge = s + (step * (f0 - 0.35) / (f0 - f1));
                break;
            }
        }

        Assert.False(double.IsNaN(edge), "the lesion's fraction never falls through 0.35 along its axis");
        var edgePoint = bone.SurfacePoint - (bone.ArticularDirection * edge);
        var rayDepth = RayCastDepth(bone.Shape, edgePoint);
        var firstOrder = -bone.Shape.Distance(edgePoint);

        var spec = PhantomGeneratorTests.Small(anatomy, [lesion], PhantomGeneratorTests.Grid(PhantomSequence.Stir, SliceOrientation.Sagittal, 8, 2, 1, 3)) with
        {
            AddNoise = false,
            TruthStepMm = 0.4,
        };
        var truth = PhantomGenerator.Generate(spec).Visits[0].Truth.Lesions[0];
        _output.WriteLine($"{anatomy} {boneName}: specified {depthMm} mm; edge on the axis at {edge:F3} mm, ray-cast depth there {rayDepth:F3} mm (bone's first-order depth {firstOrder:F2}); truth max depth (f ≥ 0.5) {truth.MaxDepthMm:F3} mm");

        Assert.InRange(rayDepth, depthMm - 0.5, depthMm + 0.5);
        Assert.Equal(depthMm, truth.DepthMm);

        // f ≥ 0.5 ends a little above the edge (where the grade times the step falls to 0.5), within a truth lattice step.
        Assert.InRange(truth.MaxDepthMm, depthMm - 0.8, depthMm + 0.3);
    }

    /// <summary>Distance from <paramref name="p"/> to the surface: the shortest of 1,800 rays (0.01 mm steps) to leave the solid.</summary>
    private static double RayCastDepth(Shape shape, Vector3D p)
    {
        const int polar = 30;
        var best = double.MaxValue;
        for (var a = 0; a < polar; a++)
        {
            for (var c = 0; c < 2 * polar; c++)
            {
                var theta = Math.PI * (a + 0.5) / polar;
                var phi = Math.PI * c / polar;
                var dir = new Vector3D(Math.Sin(theta) * Math.Cos(phi), Math.Sin(theta) * Math.Sin(phi), Math.Cos(theta));
                for (var t = 0.0; t < Math.Min(best, 30); t += 0.01)
                {
                    if (shape.Distance(p + (dir * t)) >= 0)
                    {
                        best = t;
                        break;
                    }
                }
            }
        }

        return best;
    }
}
