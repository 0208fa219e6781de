using System.Globalization;
using System.Text.Json;
using BmeQuant.Reporting;
using BmeQuant.Testing;

namespace BmeQuant.Reporting.Tests;

/// <summary>
/// The comparison compares the volume <see cref="ComparisonOptions.VolumeMeasure"/> names (fraction-weighted by
/// default) everywhere: statuses, changes, migrations, courses, the trajectory and the report files. The timepoints
/// here have binary and fraction-weighted volumes that lead to different statuses, so a path that reads the wrong one
/// fails.
/// </summary>
public class VolumeMeasureTests
{
    /// <summary>A timepoint whose bones have a binary and a fraction-weighted volume each.</summary>
    internal static TimepointMeasures Tp(string label, double day, params (string Bone, double BinaryMm3, double WeightedMm3)[] bones) => new()
    {
        Label = label,
        DayOffset = day,
        Regions = bones.Select(b => new RegionMeasure(b.Bone, b.BinaryMm3, 50_000, null, "subchondral", 1) { FractionWeightedVolumeMm3 = b.WeightedMm3 }).ToArray(),
        TotalEdemaVolumeMm3 = bones.Sum(b => b.BinaryMm3),
        TotalFractionWeightedVolumeMm3 = bones.Sum(b => b.WeightedMm3),
        Anatomy = "Knee",
    };

    /// <summary>
    /// A faint remnant: the binary outline drops below the 200 mm³ floor (resolved) while 1500 mm³ of edema remain by
    /// fraction (improving).
    /// </summary>
    private static TimepointMeasures[] FaintRemnant =>
    [
        Tp("t0", 0, ("femur", 4000, 3000), ("tibia", 0, 0)),
        Tp("t1", 90, ("femur", 100, 1500), ("tibia", 0, 0)),
    ];

    [Fact]
    public void Default_IsFractionWeighted()
    {
        Assert.Equal(VolumeMeasure.FractionWeighted, ComparisonOptions.Default.VolumeMeasure);
    }

    [Fact]
    public void Compare_DefaultOptions_ComparesFractionWeightedVolumes()
    {
        var c = TimepointComparer.Compare(FaintRemnant);

        Assert.Equal(VolumeMeasure.FractionWeighted, c.VolumeMeasure);
        var femur = c.BaselineToLatest.Regions.Single(r => r.Name == "femur");
        Assert.Equal(3000, femur.FromMm3);
        Assert.Equal(1500, femur.ToMm3);
        Assert.Equal(-1500, femur.ChangeMm3);
        Assert.Equal(-50, femur.ChangePercent!.Value, 9);
        Assert.Equal(ComparisonOptions.Default.SmallestDetectableChangeMm3(3000), femur.SmallestDetectableChangeMm3);
        Assert.Equal(ChangeStatus.Improving, femur.Status);
        Assert.Equal(-1500, c.BaselineToLatest.Total.ChangeMm3);
        Assert.Equal(ChangeStatus.Improving, c.OverallStatus);
        Assert.Equal(new[] { 3000.0, 1500.0 }, c.Courses.Single(x => x.Name == "femur").VolumesMm3);
        Assert.Contains("fraction-weighted", c.SmallestDetectableChangeStatement, StringComparison.Ordinal);
        Assert.Contains("3.0 mL", c.Summary, StringComparison.Ordinal);
        Assert.Empty(c.Warnings);
    }

    [Fact]
    public void Compare_BinaryOption_ComparesBinaryVolumes()
    {
        var c = TimepointComparer.Compare(FaintRemnant, ComparisonOptions.Default with { VolumeMeasure = VolumeMeasure.Binary });

        Assert.Equal(VolumeMeasure.Binary, c.VolumeMeasure);
        var femur = c.BaselineToLatest.Regions.Single(r => r.Name == "femur");
        Assert.Equal(4000, femur.FromMm3);
        Assert.Equal(100, femur.ToMm3);
        Assert.Equal(ChangeStatus.Resolved, femur.Status);
        Assert.Equal(ChangeStatus.Resolved, c.OverallStatus);
        Assert.Equal(new[] { 4000.0, 100.0 }, c.Courses.Single(x => x.Name == "femur").VolumesMm3);
        Assert.Contains("binary", c.SmallestDetectableChangeStatement, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_MigrationOnlyBeyondTheBinaryOutline_FollowsTheMeasure()
    {
        // By fraction the femur loses 2000 mm³ and the tibia gains 2000 mm³ from nothing: a migration. The binary
        // outlines shrink and grow by less than the SDC (stable, none): no migration.
        TimepointMeasures[] tps =
        [
            Tp("t0", 0, ("femur", 3000, 4000), ("tibia", 0, 0)),
            Tp("t1", 60, ("femur", 2900, 2000), ("tibia", 150, 2000)),
        ];

        var weighted = TimepointComparer.Compare(tps);
        var m = Assert.Single(weighted.BaselineToLatest.Migrations);
        Assert.Equal(("femur", "tibia", 2000.0, 2000.0), (m.From, m.To, m.LostMm3, m.GainedMm3));
        Assert.Equal(ChangeStatus.Migrated, weighted.OverallStatus);

        var binary = TimepointComparer.Compare(tps, ComparisonOptions.Default with { VolumeMeasure = VolumeMeasure.Binary });
        Assert.Empty(binary.BaselineToLatest.Migrations);
        Assert.Equal(ChangeStatus.Stable, binary.OverallStatus);
    }

    [Fact]
    public void Compare_TimepointWithoutWeightedVolumes_ComparesBinaryEverywhereAndWarns()
    {
        var old = FaintRemnant[1] with
        {
            Label = "old findings",
            TotalFractionWeightedVolumeMm3 = null,
            Regions = FaintRemnant[1].Regions.Select(r => r with { FractionWeightedVolumeMm3 = null }).ToArray(),
        };

        var c = TimepointComparer.Compare([FaintRemnant[0], old]);

        Assert.Equal(VolumeMeasure.FractionWeighted, c.Options.VolumeMeasure);
        Assert.Equal(VolumeMeasure.Binary, c.VolumeMeasure);
        Assert.Equal(4000, c.BaselineToLatest.Total.FromMm3);
        Assert.Equal(100, c.BaselineToLatest.Total.ToMm3);
        Assert.Contains(c.Warnings, w => w.Contains("old findings", StringComparison.Ordinal) && w.Contains("binary", StringComparison.Ordinal));
    }

    [Fact]
    public void Fit_FollowsTheComparedMeasure()
    {
        // Weighted halves every 30 days; the binary outline falls faster (8000 → 2000 → 500: half-life 15 days).
        TimepointMeasures[] tps =
        [
            Tp("t0", 0, ("femur", 8000, 8000)),
            Tp("t1", 30, ("femur", 2000, 4000)),
            Tp("t2", 60, ("femur", 500, 2000)),
        ];

        var weighted = TimepointComparer.Compare(tps).Trajectory!;
        Assert.Equal(30, weighted.HalfLifeDays!.Value, 6);
        Assert.Equal(8000, weighted.InitialVolumeMm3, 6);

        var binary = TrajectoryFitter.Fit(tps, ComparisonOptions.Default with { VolumeMeasure = VolumeMeasure.Binary })!;
        Assert.Equal(15, binary.HalfLifeDays!.Value, 6);
    }

    [Fact]
    public void ToCsv_ChangeRowsAreNamedAfterTheComparedVolume()
    {
        var weighted = ReportWriters.ToCsv(TimepointComparer.Compare(FaintRemnant));
        var rows = weighted.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToArray();
        string Value(string bone, string measure, string tp) => rows.Single(r => r[1] == tp && r[4] == bone && r[6] == measure)[7];

        Assert.Equal("4000", Value("femur", "edema_volume", "t0"));
        Assert.Equal("3000", Value("femur", "edema_volume_fraction_weighted", "t0"));
        Assert.Equal("1500", Value("total", "edema_volume_fraction_weighted", "t1"));
        Assert.Equal("-1500", Value("femur", "edema_volume_fraction_weighted_change_from_previous", "t1"));
        Assert.Equal("improving", rows.Single(r => r[4] == "femur" && r[6] == "edema_volume_fraction_weighted_change_from_baseline")[9]);
        Assert.DoesNotContain(rows, r => r[6].StartsWith("edema_volume_change", StringComparison.Ordinal));

        var binary = ReportWriters.ToCsv(TimepointComparer.Compare(FaintRemnant, ComparisonOptions.Default with { VolumeMeasure = VolumeMeasure.Binary }));
        var binaryRows = binary.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToArray();
        var femur = binaryRows.Single(r => r[4] == "femur" && r[6] == "edema_volume_change_from_previous");
        Assert.Equal(("-3900", "resolved"), (femur[7], femur[9]));
        Assert.DoesNotContain(binaryRows, r => r[6].StartsWith("edema_volume_fraction_weighted_change", StringComparison.Ordinal));
    }

    [Fact]
    public void WriteJson_RecordsTheMeasureAskedAndCompared()
    {
        var path = Path.Combine(TestPaths.NewOutputFolder("report-measure"), "report.json");
        ReportWriters.WriteJson(TimepointComparer.Compare(FaintRemnant), path);

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.Equal("fractionWeighted", root.GetProperty("volumeMeasure").GetString());
        Assert.Equal("fractionWeighted", root.GetProperty("options").GetProperty("volumeMeasure").GetString());
        var t1 = root.GetProperty("timepoints")[1];
        Assert.Equal(1500, t1.GetProperty("totalFractionWeightedVolumeMm3").GetDouble());
        Assert.Equal(100, t1.GetProperty("totalEdemaVolumeMm3").GetDouble());
        Assert.Equal(1500, t1.GetProperty("regions")[0].GetProperty("fractionWeightedVolumeMm3").GetDouble());
        Assert.Equal(-1500, root.GetProperty("baselineToLatest").GetProperty("total").GetProperty("changeMm3").GetDouble());
    }

    [Fact]
    public void Render_StatesTheComparedVolumeAndShowsBoth()
    {
        var html = HtmlReport.Render(TimepointComparer.Compare(FaintRemnant));

        Assert.Contains("Volume compared</td><td>fraction-weighted", html, StringComparison.Ordinal);
        Assert.Contains("Total edema, fraction-weighted (mL)", html, StringComparison.Ordinal);
        // t1's table: binary 0.10 mL and fraction-weighted 1.50 mL side by side.
        Assert.Contains("<td>femur</td><td>0.10</td><td>1.50</td>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReadFindingsJson_FractionWeightedVolumes_ReadWhenPresent(bool present)
    {
        var weighted = present ? ", \"fractionWeightedVolumeMm3\": 1234.5" : string.Empty;
        var totalWeighted = present ? ", \"fractionWeightedVolumeMm3\": 2345.5" : string.Empty;
        var json = string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "total": { "edemaVolumeMm3": 3000{{totalWeighted}} },
              "bones": [ { "name": "Femur", "edemaVolumeMm3": 2000, "regionVolumeMm3": 90000{{weighted}},
                           "distribution": { "pattern": "subchondral", "fociCount": 1 } } ]
            }
            """);
        var path = Path.Combine(TestPaths.NewOutputFolder("findings-weighted-" + present.ToString(CultureInfo.InvariantCulture)), "findings.json");
        File.WriteAllText(path, json);

        var t = FindingsAdapter.ReadFindingsJson(path);

        Assert.Equal(3000, t.TotalEdemaVolumeMm3);
        Assert.Equal(2000, t.Regions[0].EdemaVolumeMm3);
        Assert.Equal(present ? 2345.5 : null, t.TotalFractionWeightedVolumeMm3);
        Assert.Equal(present ? 1234.5 : null, t.Regions[0].FractionWeightedVolumeMm3);
    }
}
