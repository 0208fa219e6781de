using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Tests;

/// <summary>
/// The analysis' own checks of in-memory inputs (issue 6, for library callers that do not go through the CLI loader):
/// non-finite, shifted and constant series, negative labels, the input's notes.
/// </summary>
public class InputChecksTests
{
    private static readonly Vector3D s_lesion = new(6, 6, 4);

    [Fact]
    public void Analyze_NaNVoxelsInTheFluidSeries_SetToZeroWithANoteAndTheSameEdema()
    {
        var study = SyntheticStudy.Create(s_lesion, noiseSd: 10, seed: 4);
        var clean = EdemaAnalyzer.Analyze(study.Input(), cancellationToken: TestContext.Current.CancellationToken);
        var fluid = Copy(study.Fluid);
        var rng = new Random(9);
        for (var n = 0; n < 50; n++)
        {
            fluid.Data[rng.Next(fluid.Length)] = n % 2 == 0 ? float.NaN : float.PositiveInfinity;
        }

        var findings = EdemaAnalyzer.Analyze(With(study, fluid, study.T1), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains(findings.Notes, n => n.Contains("'stir.nii.gz'", StringComparison.Ordinal) && n.Contains("50 voxel(s)", StringComparison.Ordinal) && n.Contains("not finite", StringComparison.Ordinal));
        Assert.True(double.IsFinite(findings.Threshold.FluidThreshold));
        Assert.InRange(findings.Total.EdemaVolumeMm3, 0.97 * clean.Total.EdemaVolumeMm3, 1.03 * clean.Total.EdemaVolumeMm3);
    }

    [Fact]
    public void Analyze_FluidSeriesShiftedBelowZero_ShiftedBackWithANoteAndTheSameEdema()
    {
        var study = SyntheticStudy.Create(s_lesion, noiseSd: 10, seed: 5);
        var clean = EdemaAnalyzer.Analyze(study.Input(), cancellationToken: TestContext.Current.CancellationToken);
        var fluid = Copy(study.Fluid);
        for (var n = 0; n < fluid.Length; n++)
        {
            fluid.Data[n] -= 1000;
        }

        var findings = EdemaAnalyzer.Analyze(With(study, fluid, study.T1), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains(findings.Notes, n => n.Contains("'stir.nii.gz'", StringComparison.Ordinal) && n.Contains("shifted by", StringComparison.Ordinal));
        Assert.InRange(findings.Total.EdemaVolumeMm3, 0.9 * clean.Total.EdemaVolumeMm3, 1.1 * clean.Total.EdemaVolumeMm3);
        Assert.True(findings.Threshold.FluidThreshold > 0);
    }

    [Fact]
    public void Analyze_FluidSeriesWithoutFiniteOrConstant_ThrowsNamingTheSeries()
    {
        var study = SyntheticStudy.Create(s_lesion, noiseSd: 10, seed: 6);
        var nan = new Volume<float>(study.Fluid.Geometry);
        nan.Data.AsSpan().Fill(float.NaN);
        var flat = new Volume<float>(study.Fluid.Geometry);
        flat.Data.AsSpan().Fill(42);

        var noFinite = Assert.Throws<QuantificationException>(() => EdemaAnalyzer.Analyze(With(study, nan, study.T1), cancellationToken: TestContext.Current.CancellationToken));
        var constant = Assert.Throws<QuantificationException>(() => EdemaAnalyzer.Analyze(With(study, flat, study.T1), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("'stir.nii.gz' holds no finite voxel", noFinite.Message, StringComparison.Ordinal);
        Assert.Contains("'stir.nii.gz' holds the same value (42)", constant.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_ConstantT1_IgnoredWithBonesGivenRefusedWithout()
    {
        var study = SyntheticStudy.Create(s_lesion, noiseSd: 10, seed: 7);
        var flat = new Volume<float>(study.T1.Geometry);
        flat.Data.AsSpan().Fill(500);

        var findings = EdemaAnalyzer.Analyze(With(study, study.Fluid, flat), cancellationToken: TestContext.Current.CancellationToken);
        var ex = Assert.Throws<QuantificationException>(() => EdemaAnalyzer.Analyze(With(study, study.Fluid, flat) with { BoneLabels = null }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Null(findings.Inputs.T1);
        Assert.Contains(findings.Notes, n => n.Contains("'t1.nii.gz' holds the same value (500)", StringComparison.Ordinal) && n.Contains("ignored", StringComparison.Ordinal));
        Assert.True(findings.Total.EdemaVolumeMm3 > 0);
        Assert.Contains("'t1.nii.gz' holds the same value", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--bone-mask", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_NegativeLabelsAndInputNotes_NegativeIsBackgroundAndNotesComeFirst()
    {
        var study = SyntheticStudy.Create(s_lesion, noiseSd: 10, seed: 8);
        var labels = new Volume<int>(study.Labels.Geometry);
        for (var n = 0; n < labels.Length; n++)
        {
            labels.Data[n] = study.Labels.Data[n] == 2 ? -2 : study.Labels.Data[n];
        }

        var input = With(study, study.Fluid, study.T1) with { BoneLabels = labels, BoneLabelsSource = "seg.nii.gz", Notes = ["read by the caller"] };

        var findings = EdemaAnalyzer.Analyze(input, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("read by the caller", findings.Notes[0]);
        Assert.Equal(["tibia"], findings.Bones.Select(b => b.Name));
        Assert.Contains(findings.Notes, n => n.Contains("'seg.nii.gz'", StringComparison.Ordinal) && n.Contains("negative labels", StringComparison.Ordinal));
        Assert.Equal(0, findings.Masks.Bones.Data.Min());
    }

    private static StudyInput With(SyntheticStudy study, Volume<float> fluid, Volume<float> t1) => new(fluid, t1)
    {
        FluidSensitiveSeries = new SeriesProvenance(null, "STIR", "stir.nii.gz"),
        T1Series = new SeriesProvenance(null, "T1", "t1.nii.gz"),
        BoneLabels = study.Labels,
        LabelNames = new Dictionary<int, string> { [1] = "tibia", [2] = "femur" },
        Anatomy = Anatomy.Knee,
    };

    private static Volume<float> Copy(Volume<float> v)
    {
        var copy = new Volume<float>(v.Geometry);
        v.Data.CopyTo(copy.Data, 0);
        return copy;
    }
}
