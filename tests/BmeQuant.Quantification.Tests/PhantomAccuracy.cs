using System.Globalization;
using System.Text;
using BmeQuant.Imaging;
using BmeQuant.Phantoms;

namespace BmeQuant.Quantification.Tests;

/// <summary>One phantom accuracy case: a joint, a lesion pattern, the noise level and the field strength.</summary>
internal sealed record PhantomCase(PhantomAnatomy Anatomy, LesionPattern Pattern, double Snr, double Tesla, int Seed)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Anatomy} {Pattern} SNR {Snr:F0} {Tesla:F1} T seed {Seed}");
}

/// <summary>What the analysis found on one case, against the phantom's truth.</summary>
internal sealed record PhantomOutcome(
    PhantomCase Case,
    double Dice,
    double MeasuredMm3,
    double WeightedMm3,
    double TruthExtentMm3,
    double TruthIntegralMm3,
    string ExpectedPattern,
    string MeasuredPattern,
    string PatternEvidence = "",
    string FullEdemaDescription = "")
{
    /// <summary>Relative error of the measured volume against the truth mask's volume (edema fraction ≥ 0.5).</summary>
    public double ExtentVolumeError => TruthExtentMm3 > 0 ? (MeasuredMm3 - TruthExtentMm3) / TruthExtentMm3 : double.NaN;

    /// <summary>Relative error against the fraction-weighted truth volume (∫ edema fraction).</summary>
    public double IntegralVolumeError => TruthIntegralMm3 > 0 ? (MeasuredMm3 - TruthIntegralMm3) / TruthIntegralMm3 : double.NaN;

    /// <summary>Relative error of the fraction-weighted volume against the fraction-weighted truth (like with like).</summary>
    public double WeightedVolumeError => TruthIntegralMm3 > 0 ? (WeightedMm3 - TruthIntegralMm3) / TruthIntegralMm3 : double.NaN;

    public bool PatternRight => ExpectedPattern == MeasuredPattern;
}

/// <summary>
/// Builds reduced-size phantoms (the joint's default protocol at a coarser in-plane matrix so a case takes seconds),
/// analyses them with the phantom's own bone labels (as <c>PhantomInputs</c> does) and <see cref="Options"/>, and compares with the truth:
/// the fluid-sensitive series' edema fraction ≥ 0.5 is the truth mask, the visit truth gives the volumes.
/// </summary>
internal static class PhantomAccuracy
{
    /// <summary>
    /// The defaults with the binary volume defined as the phantom's truth is (voxels at least half edematous,
    /// <see cref="AnalysisOptions.MinimumEdemaFraction"/> 0.5), so that binary volume and truth mask compare like with like.
    /// </summary>
    public static AnalysisOptions Options { get; } = AnalysisOptions.Default with { MinimumEdemaFraction = 0.5 };

    /// <summary>In-plane matrix of the reduced protocols (the field of view is kept).</summary>
    public const int Matrix = 128;

    public static IReadOnlyList<AcquisitionSpec> ReducedAcquisitions(PhantomAnatomy anatomy) =>
        PhantomPresets.DefaultAcquisitions(anatomy)
            .Select(a => a with { Columns = Matrix, Rows = Matrix, PixelSpacingMm = a.PixelSpacingMm * a.Columns / Matrix })
            .ToArray();

    /// <summary>One visit at the plateau of the natural course, repositioned by a seeded random pose.</summary>
    public static PhantomSpec Spec(PhantomCase c, bool withLesion = true)
    {
        var lesion = PhantomPresets.DefaultLesion(c.Anatomy, c.Pattern);
        var rng = new Random(c.Seed);
        double Signed() => (2 * rng.NextDouble()) - 1;
        var pose = new RigidPose(new Vector3D(2 * Signed(), 2 * Signed(), 3 * Signed()), new Vector3D(3 * Signed(), 3 * Signed(), 3 * Signed()));
        var visit = new VisitSpec(45, withLesion ? [lesion] : []) { Repositioning = pose };
        return new PhantomSpec(c.Anatomy, ReducedAcquisitions(c.Anatomy), [visit])
        {
            Seed = c.Seed,
            Snr = c.Snr,
            FieldStrengthTesla = c.Tesla,
            Supersampling = 2,
            TruthStepMm = 0.6,
        };
    }

    public static StudyInput Input(PhantomStudy study, PhantomVisit visit, out PhantomSeries fluid)
    {
        fluid = visit.Series.First(s => s.Sequence.Sequence != PhantomSequence.T1SpinEcho);
        var t1 = visit.Series.First(s => s.Sequence.Sequence == PhantomSequence.T1SpinEcho);
        var labels = new Volume<int>(fluid.BoneLabels.Geometry);
        for (var n = 0; n < labels.Length; n++)
        {
            labels.Data[n] = fluid.BoneLabels.Data[n];
        }

        return new StudyInput(fluid.Image, t1.Image)
        {
            BoneLabels = labels,
            LabelNames = study.BoneNames.Select((name, i) => (Label: i + 1, Name: name)).ToDictionary(x => x.Label, x => x.Name),
            BoneLabelsSource = "phantom bone labels",
            Anatomy = study.Spec.Anatomy switch
            {
                PhantomAnatomy.Knee => Anatomy.Knee,
                PhantomAnatomy.Hip => Anatomy.Hip,
                PhantomAnatomy.Ankle => Anatomy.Ankle,
                _ => Anatomy.SacroiliacJoint,
            },
        };
    }

    public static string ExpectedPattern(LesionPattern pattern) => pattern switch
    {
        LesionPattern.Subchondral => "subchondral",
        LesionPattern.Diffuse => "diffuse",
        LesionPattern.SubcorticalPatchy => "subcortical",
        LesionPattern.MultifocalPatchy => "patchy-multifocal",
        _ => "none",
    };

    public static PhantomOutcome Run(PhantomCase c, CancellationToken cancellationToken)
    {
        var study = PhantomGenerator.Generate(Spec(c));
        var visit = study.Visits[0];
        var findings = EdemaAnalyzer.Analyze(Input(study, visit, out var fluid), Options, cancellationToken);
        var truth = new Volume<byte>(fluid.Geometry);
        for (var i = 0; i < truth.Length; i++)
        {
            truth.Data[i] = (byte)(fluid.EdemaFraction.Data[i] >= 0.5f ? 1 : 0);
        }

        var lesion = visit.Truth.Lesions.Single();
        var bone = findings.Bones.Single(b => b.Name == lesion.Bone);
        return new PhantomOutcome(
            c,
            ReaderAgreement.Dice(findings.Masks.Edema, truth),
            findings.Total.EdemaVolumeMm3,
            findings.Total.FractionWeightedVolumeMm3,
            visit.Truth.Bones.Sum(b => b.EdemaExtentVolumeMm3),
            visit.Truth.TotalEdemaVolumeMm3,
            ExpectedPattern(c.Pattern),
            bone.Distribution.Pattern,
            bone.Distribution.PatternEvidence,
            (findings.EdemaFraction?.Description ?? "") + string.Create(CultureInfo.InvariantCulture, $"; normal marrow fluid median {findings.Reference.FluidMedian:F1}, threshold {findings.Threshold.FluidThreshold:F1}") + TruthMixingLine(fluid));
    }

    /// <summary>
    /// The phantom's own mixing line on the fluid-sensitive image: least squares of the image on the true edema
    /// fraction over bone voxels whose six face neighbours are in the same bone and whose fraction is above 0.02.
    /// </summary>
    public static string TruthMixingLine(PhantomSeries fluid)
    {
        var img = fluid.Image.Data;
        var fr = fluid.EdemaFraction.Data;
        var lab = fluid.BoneLabels.Data;
        var g = fluid.Geometry;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ, sxy = nx * ny;
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy2 = 0;
        for (var k = 1; k < nz - 1; k++)
        {
            for (var j = 1; j < ny - 1; j++)
            {
                for (var i = 1; i < nx - 1; i++)
                {
                    var at = i + (j * nx) + (k * sxy);
                    var l = lab[at];
                    if (l == 0 || fr[at] <= 0.02f || lab[at - 1] != l || lab[at + 1] != l || lab[at - nx] != l || lab[at + nx] != l || lab[at - sxy] != l || lab[at + sxy] != l)
                    {
                        continue;
                    }

                    n++;
                    sx += fr[at];
                    sy += img[at];
                    sxx += fr[at] * (double)fr[at];
                    sxy2 += fr[at] * (double)img[at];
                }
            }
        }

        var b = ((n * sxy2) - (sx * sy)) / ((n * sxx) - (sx * sx));
        var a = (sy - (b * sx)) / n;
        return string.Create(CultureInfo.InvariantCulture, $"; truth line over {n:F0} voxels: image {a:F1} + {b:F1} × fraction, fully edematous {a + b:F1}");
    }

    public static string Table(IEnumerable<PhantomOutcome> outcomes)
    {
        var sb = new StringBuilder();
        sb.AppendLine("weighted (primary volume) = Σ estimated fraction vs truth ∫f; binary = voxels ≥ half edematous vs truth f ≥ 0.5 (volumes in mm³)");
        sb.AppendLine("case                                         Dice  binary  truth(f>=0.5)  err   weighted  truth(∫f)  err    pattern (expected)");
        foreach (var o in outcomes)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{o.Case,-44} {o.Dice,5:F3} {o.MeasuredMm3,7:F0} {o.TruthExtentMm3,14:F0} {o.ExtentVolumeError,6:P0} {o.WeightedMm3,8:F0} {o.TruthIntegralMm3,10:F0} {o.WeightedVolumeError,6:P0}  {o.MeasuredPattern} ({o.ExpectedPattern})");
        }

        return sb.ToString();
    }

    /// <summary>Each case's pattern evidence and fully-edematous-marrow estimate (for diagnosing a case).</summary>
    public static string Details(IEnumerable<PhantomOutcome> outcomes)
    {
        var sb = new StringBuilder();
        foreach (var o in outcomes)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{o.Case}: pattern {o.MeasuredPattern}: {o.PatternEvidence}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"    fully edematous marrow: {o.FullEdemaDescription}");
        }

        return sb.ToString();
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[(v.Length / 2) - 1] + v[v.Length / 2]);
    }
}
