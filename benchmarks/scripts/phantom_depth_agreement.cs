#:project ../../src/BmeQuant.Phantoms/BmeQuant.Phantoms.csproj
#:project ../../src/BmeQuant.Quantification/BmeQuant.Quantification.csproj
#:property Nullable=enable
#:property AssemblyName=BmeQuant.Benchmarks
#:property TieredCompilation=false
#:property PublishAot=false

// Depth agreement of the analysis with the phantom truth on the depth-specified lesion patterns (subchondral, subcortical
// patchy): the phantom-accuracy subset's cases (one per joint at SNR 25 and 3 T, seeds of the full grid; reduced 128²
// protocols, phantom bone labels, MinimumEdemaFraction 0.5, as tests/BmeQuant.Quantification.Tests/PhantomAccuracy.cs
// builds them). Per case: the lesion's specified depth and truth.json's maximum depth (edema fraction ≥ 0.5), the
// analysis's maximum and 95th-percentile depth in the lesion's bone, and the binary edema volume per depth band (0–5,
// 5–10, > 10 mm) measured vs truth, where the truth's band of a voxel (fraction ≥ 0.5 on the fluid-sensitive grid) is
// the phantom's own depth at the voxel centre (the lesion's true depth field; the bone's first-order distance for
// patterns without one). The analysis measures depth from the ARTICULAR surface (bone surface facing another bone), the
// phantom from the nearest bone surface: the two agree for subchondral lesions under an articular surface; subcortical
// foci lie under non-articular cortex, so their measured depths are far larger by definition.
//
//
// Articular surface reach (2026-11-30, helper K/K2): the knee read several mm deep while the articular surface was the
// surface within 6 mm of another bone (ArticularReachMm), not because of the depth definition or the grid. On the
// analysis grid (1.3 × 1.3 × 3.85 mm) the femoral condyle lies 5–9 mm from the tibial plateau over the lesion (two
// cartilage layers, 4.2 mm, plus voxel steps), so at 6 mm the femur's articular surface was 21 voxels (tibia 38) and 57 %
// of the femoral lesion lay > 2 mm deeper from it than below the bone surface. The articular surface now has its own
// reach, AnalysisOptions.ArticularSurfaceReachMm (default 10 mm; the SPARCC joint line keeps ArticularReachMm 6).
// BMEQUANT_ARTICULAR_SURFACE_REACH_MM overrides it for a run (6 gives the former numbers).
//
//   dotnet run -c Release --file benchmarks/scripts/phantom_depth_agreement.cs
//   BMEQUANT_ARTICULAR_SURFACE_REACH_MM=6 dotnet run -c Release --file benchmarks/scripts/phantom_depth_agreement.cs
using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Geometry;
using BmeQuant.Quantification;

var inv = CultureInfo.InvariantCulture;
var anatomies = Enum.GetValues<PhantomAnatomy>();
LesionPattern[] patterns = [LesionPattern.Subchondral, LesionPattern.Diffuse, LesionPattern.SubcorticalPatchy, LesionPattern.MultifocalPatchy];
var reachText = Environment.GetEnvironmentVariable("BMEQUANT_ARTICULAR_SURFACE_REACH_MM");
var options = AnalysisOptions.Default with { MinimumEdemaFraction = 0.5 };
if (!string.IsNullOrEmpty(reachText))
{
    options = options with { ArticularSurfaceReachMm = double.Parse(reachText, CultureInfo.InvariantCulture) };
}

Console.WriteLine(string.Create(inv, $"articular surface reach {options.ArticularSurfaceReachMm} mm"));
Console.WriteLine("case                                spec D  truth max | measured max  p95 | bands 0-5 / 5-10 / >10 mm3: measured (truth)          | band |error| sum");
double totalError = 0, totalTruth = 0;

// The subset's depth-specified cases (full-grid seed of joint × pattern at SNR 25, 3 T), then a tibial-plateau lesion
// 12 mm deep (the bone whose first-order depth was furthest from the true one).
var cases = new List<(PhantomAnatomy Anatomy, LesionSpec Lesion, int Seed)>();
for (var a = 0; a < anatomies.Length; a++)
{
    for (var p = 0; p < patterns.Length; p++)
    {
        if (patterns[p] is LesionPattern.Subchondral or LesionPattern.SubcorticalPatchy)
        {
            cases.Add((anatomies[a], PhantomPresets.DefaultLesion(anatomies[a], patterns[p]), 100 + (((((a * 4) + p) * 3) + 1) * 2) + 1));
        }
    }
}

cases.Add((PhantomAnatomy.Knee, new LesionSpec("lesion", LesionPattern.Subchondral, "Tibia") { SizeMm = 14, DepthMm = 12 }, 103));
{
    foreach (var (anatomy, lesion, seed) in cases)
    {
        var pattern = lesion.Pattern;
        var rng = new Random(seed);
        double Signed() => (2 * rng.NextDouble()) - 1;
        var pose = new RigidPose(new Vector3D(2 * Signed(), 2 * Signed(), 3 * Signed()), new Vector3D(3 * Signed(), 3 * Signed(), 3 * Signed()));
        var visitSpec = new VisitSpec(45, [lesion]) { Repositioning = pose };
        var acquisitions = PhantomPresets.DefaultAcquisitions(anatomy).Select(x => x with { Columns = 128, Rows = 128, PixelSpacingMm = x.PixelSpacingMm * x.Columns / 128 }).ToArray();
        var spec = new PhantomSpec(anatomy, acquisitions, [visitSpec]) { Seed = seed, Snr = 25, FieldStrengthTesla = 3, Supersampling = 2, TruthStepMm = 0.6 };
        var study = PhantomGenerator.Generate(spec);
        var visit = study.Visits[0];
        var fluid = visit.Series.First(s => s.Sequence.Sequence != PhantomSequence.T1SpinEcho);
        var t1 = visit.Series.First(s => s.Sequence.Sequence == PhantomSequence.T1SpinEcho);
        var labels = new Volume<int>(fluid.BoneLabels.Geometry);
        for (var n = 0; n < labels.Length; n++)
        {
            labels.Data[n] = fluid.BoneLabels.Data[n];
        }

        var input = new StudyInput(fluid.Image, t1.Image)
        {
            BoneLabels = labels,
            LabelNames = study.BoneNames.Select((name, i) => (Label: i + 1, Name: name)).ToDictionary(x => x.Label, x => x.Name),
            BoneLabelsSource = "phantom bone labels",
            Anatomy = anatomy switch { PhantomAnatomy.Knee => Anatomy.Knee, PhantomAnatomy.Hip => Anatomy.Hip, PhantomAnatomy.Ankle => Anatomy.Ankle, _ => Anatomy.SacroiliacJoint },
        };
        var findings = EdemaAnalyzer.Analyze(input, options, CancellationToken.None);
        var truth = visit.Truth.Lesions.Single();
        var bone = findings.Bones.Single(x => x.Name == truth.Bone);

        // Truth per band: voxels of the fluid-sensitive grid at least half edematous, at the phantom's depth of their centre.
        var model = AnatomyLibrary.Get(anatomy);
        var scene = new Scene(model, visitSpec.Lesions, visitSpec.FlexionDeg, visitSpec.EffusionMm);
        var field = scene.Lesions[0];
        var b = field.BoneIndex;
        var motion = SeriesRenderer.SeriesMotion(spec, 0, fluid.Index);
        var toAnatomy = Pose.Create(model, spec.Side, visitSpec.Repositioning, motion);
        var g = fluid.Geometry;
        var voxel = g.Spacing.X * g.Spacing.Y * g.Spacing.Z;
        var truthBands = new double[3];
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    if (fluid.EdemaFraction[i, j, k] < 0.5f)
                    {
                        continue;
                    }

                    var lp = scene.ToBoneFrame(b, toAnatomy.ToAnatomy(g.TransformIndexToPhysicalPoint(i, j, k)));
                    var depth = field.TrueDepth(lp, -model.Bones[b].Shape.Distance(lp));
                    truthBands[depth < 5 ? 0 : depth < 10 ? 1 : 2] += voxel;
                }
            }
        }

        var measured = bone.Distribution.DepthBands.Select(x => x.VolumeMm3).ToArray();
        var bandError = measured.Zip(truthBands).Sum(x => Math.Abs(x.First - x.Second));
        totalError += bandError;
        totalTruth += truthBands.Sum();
        Console.WriteLine(string.Create(inv, $"{anatomy,-5} {lesion.Bone,-9} {pattern,-17} {truth.DepthMm,6:F1} {truth.MaxDepthMm,9:F1} | {bone.Distribution.MaxDepthMm,12:F1} {bone.Distribution.P95DepthMm,4:F1} | {measured[0],7:F0} ({truthBands[0],5:F0}) / {measured[1],6:F0} ({truthBands[1],5:F0}) / {measured[2],6:F0} ({truthBands[2],5:F0}) | {bandError,6:F0} ({bandError / truthBands.Sum():P0} of truth)"));
    }
}

Console.WriteLine(string.Create(inv, $"all cases: sum of |band volume error| {totalError:F0} mm3 = {totalError / totalTruth:P1} of the truth volume"));
