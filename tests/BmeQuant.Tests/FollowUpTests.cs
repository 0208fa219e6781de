using BmeQuant.Phantoms;
using BmeQuant.Quantification;
using BmeQuant.Reporting;
using BmeQuant.Testing;

namespace BmeQuant.Tests;

public class FollowUpTests
{
    private static readonly Lazy<(PhantomStudy Study, StudyAnalysis[] Analyses)> s_visits = new(() =>
    {
        // Two visits of a small knee: a femoral lesion at baseline that shrinks at day 180.
        var acquisitions = PhantomPresets.DefaultAcquisitions(PhantomAnatomy.Knee)
            .Select(a => a with { Columns = 96, Rows = 96, PixelSpacingMm = a.PixelSpacingMm * 8 / 3 })
            .ToArray();
        var lesion = PhantomPresets.DefaultLesion(PhantomAnatomy.Knee, LesionPattern.Diffuse);
        var spec = new PhantomSpec(PhantomAnatomy.Knee, acquisitions, [new VisitSpec(0, [lesion]), new VisitSpec(180, [lesion.Scaled(0.5, 0.6)])]) { Seed = 5 };
        var study = PhantomGenerator.Generate(spec);
        var analyses = study.Visits
            .Select(v => BmeQuantStudy.FromInput(PhantomInputs.ToStudyInput(study, v), new DateOnly(2026, 1, 1).AddDays(v.DayOffset)).AnalyzeAsync().GetAwaiter().GetResult())
            .ToArray();
        return (study, analyses);
    });

    [Fact]
    public async Task CompareAsync_TimepointsOutOfOrder_OrdersByStudyDate()
    {
        var (study, analyses) = s_visits.Value;
        var comparison = await FollowUp.CompareAsync([analyses[1], analyses[0]], patient: "P1", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, comparison.Timepoints.Count);
        Assert.Equal(new[] { 0.0, 180.0 }, comparison.Timepoints.Select(t => t.DayOffset));
        Assert.Equal(analyses[0].Findings.Total.EdemaVolumeMm3, comparison.Timepoints[0].TotalEdemaVolumeMm3);
        Assert.True(study.Visits[1].Truth.TotalEdemaVolumeMm3 < study.Visits[0].Truth.TotalEdemaVolumeMm3);
        Assert.True(comparison.Timepoints[1].TotalEdemaVolumeMm3 < comparison.Timepoints[0].TotalEdemaVolumeMm3, "the shrinking lesion was measured larger at follow-up");
    }

    [Fact]
    public async Task CompareAsync_VolumeMeasureOption_ComparesThatVolumeOfTheFindings()
    {
        var (_, analyses) = s_visits.Value;
        var ct = TestContext.Current.CancellationToken;
        var weighted = await FollowUp.CompareAsync(analyses, cancellationToken: ct);
        var binary = await FollowUp.CompareAsync(analyses, ComparisonOptions.Default with { VolumeMeasure = VolumeMeasure.Binary }, cancellationToken: ct);

        // The two measures of a lesion differ (else this test could not tell them apart).
        Assert.NotEqual(analyses[0].Findings.Total.EdemaVolumeMm3, analyses[0].Findings.Total.FractionWeightedVolumeMm3, 0);
        Assert.Equal(VolumeMeasure.FractionWeighted, weighted.VolumeMeasure);
        Assert.Equal(analyses[0].Findings.Total.FractionWeightedVolumeMm3, weighted.BaselineToLatest.Total.FromMm3);
        Assert.Equal(analyses[1].Findings.Total.FractionWeightedVolumeMm3, weighted.BaselineToLatest.Total.ToMm3);
        var femur = analyses[0].Findings.Bones.Single(b => b.Name == weighted.Courses.MaxBy(c => c.VolumesMm3[0])!.Name);
        Assert.Equal(femur.FractionWeightedVolumeMm3, weighted.Courses.Single(c => c.Name == femur.Name).VolumesMm3[0]);
        Assert.Equal(VolumeMeasure.Binary, binary.VolumeMeasure);
        Assert.Equal(analyses[0].Findings.Total.EdemaVolumeMm3, binary.BaselineToLatest.Total.FromMm3);
        Assert.Equal(femur.EdemaVolumeMm3, binary.Courses.Single(c => c.Name == femur.Name).VolumesMm3[0]);
    }

    [Fact]
    public async Task CompareAsync_DayOffsetsOnEveryTimepoint_OverrideDates()
    {
        var (_, analyses) = s_visits.Value;
        var comparison = await FollowUp.CompareAsync([analyses[0] with { DayOffset = 10 }, analyses[1] with { DayOffset = 3 }], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(new[] { 3.0, 10.0 }, comparison.Timepoints.Select(t => t.DayOffset));
    }

    [Fact]
    public async Task CompareAsync_TimepointWithoutDate_ThrowsNamingIt()
    {
        var (_, analyses) = s_visits.Value;
        var undated = analyses[1] with { StudyDate = null, Label = "second visit" };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => FollowUp.CompareAsync([analyses[0], undated], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("second visit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteReportsAsync_Comparison_WritesHtmlJsonAndCsv()
    {
        var (_, analyses) = s_visits.Value;
        var ct = TestContext.Current.CancellationToken;
        var comparison = await FollowUp.CompareAsync(analyses, cancellationToken: ct);
        var folder = TestPaths.NewOutputFolder("followup-report");

        var files = await FollowUp.WriteReportsAsync(comparison, folder, cancellationToken: ct);

        Assert.Contains(files, f => f.EndsWith(".html", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".json", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".csv", StringComparison.Ordinal));
        Assert.All(files, f => Assert.True(new FileInfo(f).Length > 0, f));
    }

    [Fact]
    public async Task StudyAnalysisWriteAsync_WritesFindingsJsonThatRoundTripsTheTotal()
    {
        var (_, analyses) = s_visits.Value;
        var folder = TestPaths.NewOutputFolder("followup-findings");
        var files = await analyses[0].WriteAsync(folder, cancellationToken: TestContext.Current.CancellationToken);

        var json = files.Single(f => f.EndsWith(FindingsWriter.FindingsFileName, StringComparison.Ordinal));
        var read = FindingsAdapter.ReadFindingsJson(json);
        Assert.Equal(analyses[0].Findings.Total.EdemaVolumeMm3, read.TotalEdemaVolumeMm3, 6);
        Assert.Equal(analyses[0].Findings.Total.FractionWeightedVolumeMm3, read.TotalFractionWeightedVolumeMm3!.Value, 6);
        Assert.All(read.Regions, r => Assert.Equal(analyses[0].Findings.Bones.Single(b => b.Name == r.Name).FractionWeightedVolumeMm3, r.FractionWeightedVolumeMm3!.Value, 6));
    }
}
