using BmeQuant.Reporting;

namespace BmeQuant.Reporting.Tests;

public class TrajectoryFitterTests
{
    private static TimepointMeasures[] Course(Func<double, double> volume, params double[] days) =>
        days.Select(d => TimepointComparerTests.Tp($"d{d}", d, ("femur", volume(d)))).ToArray();

    [Fact]
    public void Fit_ExactExponentialDecay_RecoversHalfLifeAndResolutionDay()
    {
        const double v0 = 20_000, halfLife = 45;
        var t = TrajectoryFitter.Fit(Course(d => v0 * Math.Pow(0.5, d / halfLife), 0, 30, 60, 90), ComparisonOptions.Default)!;

        Assert.Equal("resolving", t.Course);
        Assert.Equal(halfLife, t.HalfLifeDays!.Value, 6);
        Assert.Equal(v0, t.InitialVolumeMm3, 3);
        Assert.Equal(1.0, t.RSquared, 9);

        // V0 · 2^(−t/h) = 200 mm³  →  t = h · log2(V0 / 200)
        Assert.Equal(halfLife * Math.Log2(v0 / 200), t.ProjectedResolutionDay!.Value, 4);
        Assert.Equal(new DateOnly(2026, 1, 1).AddDays((int)Math.Round(t.ProjectedResolutionDay.Value)), t.ProjectedResolutionDate);
    }

    [Fact]
    public void Fit_NoisyDecay_IntervalContainsTrueRate()
    {
        var noise = new[] { 1.04, 0.95, 1.03, 0.97, 1.02 };
        var days = new double[] { 0, 20, 40, 60, 80 };
        var i = 0;
        var t = TrajectoryFitter.Fit(Course(d => 15_000 * Math.Exp(-d / 50) * noise[i++], days), ComparisonOptions.Default)!;

        Assert.NotNull(t.DecayRateLowerPerDay);
        Assert.InRange(1.0 / 50, t.DecayRateLowerPerDay!.Value, t.DecayRateUpperPerDay!.Value);
        Assert.True(t.HalfLifeLowerDays < t.HalfLifeDays && t.HalfLifeDays < t.HalfLifeUpperDays);
    }

    [Fact]
    public void Fit_GrowingLesion_SaysNotResolving()
    {
        var t = TrajectoryFitter.Fit(Course(d => 2000 * Math.Exp(d / 100), 0, 30, 60), ComparisonOptions.Default)!;
        Assert.Equal("not resolving", t.Course);
        Assert.Null(t.HalfLifeDays);
        Assert.Null(t.ProjectedResolutionDay);
    }

    [Fact]
    public void Fit_LastVisitBelowFloor_SaysResolved()
    {
        var t = TrajectoryFitter.Fit(Course(d => d < 100 ? 10_000 * Math.Exp(-d / 30) : 0, 0, 30, 60, 180), ComparisonOptions.Default)!;
        Assert.Equal("resolved", t.Course);
        Assert.Equal(3, t.PointsUsed);
    }

    [Fact]
    public void Fit_TwoTimepoints_ReturnsNull()
    {
        Assert.Null(TrajectoryFitter.Fit(Course(d => 1000, 0, 10), ComparisonOptions.Default));
    }
}
