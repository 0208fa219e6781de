using BmeQuant.Reporting;

namespace BmeQuant.Reporting.Tests;

public class TimepointComparerTests
{
    internal static TimepointMeasures Tp(string label, double day, params (string Bone, double Mm3)[] bones) => new()
    {
        Label = label,
        DayOffset = day,
        Date = new DateOnly(2026, 1, 1).AddDays((int)day),
        // Binary and fraction-weighted volumes equal, so these tests hold under either measure (VolumeMeasureTests
        // covers where they differ).
        Regions = bones.Select(b => new RegionMeasure(b.Bone, b.Mm3, 50_000, b.Mm3 > 0 ? 2.5 : null, b.Mm3 > 0 ? "diffuse" : "none", b.Mm3 > 0 ? 1 : 0) { FractionWeightedVolumeMm3 = b.Mm3 }).ToArray(),
        TotalEdemaVolumeMm3 = bones.Sum(b => b.Mm3),
        TotalFractionWeightedVolumeMm3 = bones.Sum(b => b.Mm3),
        Anatomy = "Knee",
    };

    [Theory]
    [InlineData(5000, 5000 * 1.1, ChangeStatus.Stable)] // 10 % < 2.77 × 5 % = 13.85 %
    [InlineData(5000, 5000 * 1.2, ChangeStatus.Worsening)]
    [InlineData(5000, 5000 * 0.8, ChangeStatus.Improving)]
    [InlineData(5000, 100, ChangeStatus.Resolved)]
    [InlineData(50, 3000, ChangeStatus.New)]
    [InlineData(50, 150, ChangeStatus.None)]
    [InlineData(1000, 1150, ChangeStatus.Stable)] // change below the 200 mm³ floor
    public void Classify_UsesSmallestDetectableChange(double from, double to, ChangeStatus expected)
    {
        Assert.Equal(expected, TimepointComparer.Classify(from, to, ComparisonOptions.Default));
    }

    [Fact]
    public void Compare_EdemaMovesFromFemurToTibia_ReportsMigrationWithSourceAndDestination()
    {
        var c = TimepointComparer.Compare(
        [
            Tp("t0", 0, ("femur", 8000), ("tibia", 0)),
            Tp("t1", 60, ("femur", 0), ("tibia", 6000)),
        ]);

        var m = Assert.Single(c.BaselineToLatest.Migrations);
        Assert.Equal("femur", m.From);
        Assert.Equal("tibia", m.To);
        Assert.Equal(8000, m.LostMm3, 6);
        Assert.Equal(6000, m.GainedMm3, 6);
        Assert.Equal(ChangeStatus.Migrated, c.OverallStatus);
        Assert.Equal(ChangeStatus.Resolved, c.Courses.Single(x => x.Name == "femur").Status);
        Assert.Equal(ChangeStatus.New, c.Courses.Single(x => x.Name == "tibia").Status);
    }

    [Fact]
    public void Compare_BothBonesShrink_NoMigration()
    {
        var c = TimepointComparer.Compare(
        [
            Tp("t0", 0, ("femur", 8000), ("tibia", 4000)),
            Tp("t1", 60, ("femur", 3000), ("tibia", 1000)),
        ]);

        Assert.Empty(c.BaselineToLatest.Migrations);
        Assert.Equal(ChangeStatus.Improving, c.OverallStatus);
        Assert.Equal(-62.5, c.BaselineToLatest.Regions.Single(r => r.Name == "femur").ChangePercent!.Value, 6);
    }

    [Fact]
    public void Compare_UnorderedInput_SortsByDayOffset()
    {
        var c = TimepointComparer.Compare([Tp("late", 90, ("femur", 1000)), Tp("early", 0, ("femur", 9000))]);
        Assert.Equal("early", c.Timepoints[0].Label);
        Assert.Equal(ChangeStatus.Improving, c.OverallStatus);
    }

    [Fact]
    public void Compare_OneTimepoint_Throws()
    {
        Assert.Throws<ArgumentException>(() => TimepointComparer.Compare([Tp("t0", 0, ("femur", 1000))]));
    }

    [Fact]
    public void Compare_MigratedThenResolvedEverywhere_OverallResolved()
    {
        var c = TimepointComparer.Compare(
        [
            Tp("t0", 0, ("femur", 8000), ("tibia", 0)),
            Tp("t1", 60, ("femur", 0), ("tibia", 6000)),
            Tp("t2", 200, ("femur", 0), ("tibia", 0)),
        ]);

        Assert.Single(c.Intervals[0].Migrations);
        Assert.Equal(ChangeStatus.Resolved, c.OverallStatus);
        Assert.Contains("femur → tibia", c.Summary, StringComparison.Ordinal);
    }
}
