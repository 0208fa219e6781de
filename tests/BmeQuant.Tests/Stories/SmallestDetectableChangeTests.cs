using System.Globalization;
using BmeQuant.Phantoms;
using BmeQuant.Quantification;
using BmeQuant.Reporting;

namespace BmeQuant.Tests.Stories;

/// <summary>
/// The follow-up's smallest detectable change (<see cref="ComparisonOptions"/>: repeatability CV 5 %, detection floor
/// 200 mm³) must hold for the volume it compares by default, the fraction-weighted one: its CV over re-generations of
/// one lesion (new noise and repositioning) at most the CV the SDC assumes, and its false edema on edema-free controls
/// below the floor. Reduced protocols (128² matrix), as in the quantification's own repeatability test.
/// </summary>
public class SmallestDetectableChangeTests(ITestOutputHelper output)
{
    private static bool Full => Environment.GetEnvironmentVariable("BMEQUANT_FULL_VALIDATION") == "1";

    [Fact]
    public void FractionWeightedVolume_RegeneratedLesion_CoefficientOfVariationWithinTheSdcRepeatability()
    {
        var seeds = Full ? Enumerable.Range(200, 10).ToArray() : [201, 202, 203];
        var weighted = new List<double>();
        var binary = new List<double>();
        foreach (var seed in seeds)
        {
            var findings = Analyze(Case(seed, withLesion: true));
            weighted.Add(findings.Total.FractionWeightedVolumeMm3);
            binary.Add(findings.Total.EdemaVolumeMm3);
        }

        var cvWeighted = CoefficientOfVariation(weighted);
        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"fraction-weighted CV {cvWeighted:P2} over {string.Join(", ", weighted.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))} mm³; binary CV {CoefficientOfVariation(binary):P2} over {string.Join(", ", binary.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))} mm³");
        output.WriteLine(summary);
        Assert.True(weighted.Average() > 1000, summary);
        Assert.True(cvWeighted <= ComparisonOptions.Default.RepeatabilityCoefficientOfVariation, summary);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void FractionWeightedVolume_EdemaFreeControl_BelowTheDetectionFloor(int seed)
    {
        var findings = Analyze(Case(seed, withLesion: false));
        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"control seed {seed}: false edema fraction-weighted {findings.Total.FractionWeightedVolumeMm3:F0} mm³, binary {findings.Total.EdemaVolumeMm3:F0} mm³ (floor {ComparisonOptions.Default.DetectionFloorMm3:F0} mm³)");
        output.WriteLine(summary);
        Assert.True(findings.Total.FractionWeightedVolumeMm3 < ComparisonOptions.Default.DetectionFloorMm3, summary);
    }

    /// <summary>A knee subchondral lesion at the plateau of its course (or none), repositioned by a seeded pose, reduced protocol.</summary>
    private static PhantomSpec Case(int seed, bool withLesion)
    {
        var lesion = PhantomPresets.DefaultLesion(PhantomAnatomy.Knee, LesionPattern.Subchondral);
        var rng = new Random(seed);
        double Signed() => (2 * rng.NextDouble()) - 1;
        var pose = new RigidPose(new Imaging.Vector3D(2 * Signed(), 2 * Signed(), 3 * Signed()), new Imaging.Vector3D(3 * Signed(), 3 * Signed(), 3 * Signed()));
        return new PhantomSpec(PhantomAnatomy.Knee, PhantomStoryTests.ReducedAcquisitions(PhantomAnatomy.Knee), [new VisitSpec(45, withLesion ? [lesion] : []) { Repositioning = pose }])
        {
            Seed = seed,
            Supersampling = 2,
            TruthStepMm = 0.6,
        };
    }

    private static EdemaFindings Analyze(PhantomSpec spec)
    {
        var study = PhantomGenerator.Generate(spec);
        return EdemaAnalyzer.Analyze(PhantomInputs.ToStudyInput(study, study.Visits[0]), AnalysisOptions.Default, TestContext.Current.CancellationToken);
    }

    private static double CoefficientOfVariation(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) / mean;
    }
}
