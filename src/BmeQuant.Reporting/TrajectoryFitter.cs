using System.Globalization;
using MathNet.Numerics.Distributions;

namespace BmeQuant.Reporting;

/// <summary>
/// Fits V(t) = V0 · exp(−λ t) to the total edema volume (the measure of <see cref="ComparisonOptions.VolumeMeasure"/>,
/// binary for every timepoint when one lacks fraction-weighted volumes) by least squares on ln V (timepoints whose edema is at or above
/// the detection floor), with a Student-t confidence interval on λ, and derives the half-life and the day the fit
/// falls below the floor.
/// </summary>
public static class TrajectoryFitter
{
    /// <summary>Fits the trajectory; null when fewer than three timepoints are given.</summary>
    public static Trajectory? Fit(IReadOnlyList<TimepointMeasures> ordered, ComparisonOptions options)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        ArgumentNullException.ThrowIfNull(options);
        if (ordered.Count < 3)
        {
            return null;
        }

        var floor = options.DetectionFloorMm3;
        var measure = VolumeSelection.Effective(ordered, options.VolumeMeasure);
        double Total(TimepointMeasures t) => VolumeSelection.Total(t, measure);
        var day0 = ordered[0].DayOffset;
        var points = ordered.Where(t => Total(t) >= floor).Select(t => (X: t.DayOffset - day0, Y: Math.Log(Total(t)))).ToArray();
        var last = ordered[^1];
        if (points.Length < 2)
        {
            var resolvedAt = ordered.FirstOrDefault(t => Total(t) < floor && t.DayOffset > day0);
            var statement = points.Length == 1 && resolvedAt is not null
                ? $"Edema had resolved by {resolvedAt.Label}; too few positive timepoints to fit a decay."
                : "Too few timepoints with edema to fit a trajectory.";
            return new Trajectory(points.Length, points.Length == 1 ? Math.Exp(points[0].Y) : 0, 0, null, null, null, null, null, null, null, 0,
                Total(last) < floor ? "resolved" : "uncertain", statement);
        }

        var n = points.Length;
        double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
        double sxx = points.Sum(p => (p.X - mx) * (p.X - mx)), sxy = points.Sum(p => (p.X - mx) * (p.Y - my));
        if (sxx <= 0)
        {
            return new Trajectory(n, Math.Exp(my), 0, null, null, null, null, null, null, null, 0, "uncertain", "All timepoints with edema are on the same day; no trajectory.");
        }

        var slope = sxy / sxx;
        var intercept = my - (slope * mx);
        var ssTot = points.Sum(p => (p.Y - my) * (p.Y - my));
        var ssRes = points.Sum(p => Math.Pow(p.Y - (intercept + (slope * p.X)), 2));
        var r2 = ssTot > 0 ? 1 - (ssRes / ssTot) : 1;
        var lambda = -slope;

        double? lo = null, hi = null;
        if (n > 2)
        {
            var se = Math.Sqrt(ssRes / (n - 2) / sxx);
            var t = StudentT.InvCDF(0, 1, n - 2, 1 - ((1 - options.ConfidenceLevel) / 2));
            lo = lambda - (t * se);
            hi = lambda + (t * se);
        }

        double? halfLife = lambda > 0 ? Math.Log(2) / lambda : null;
        double? halfLifeLo = hi is > 0 ? Math.Log(2) / hi.Value : null;
        double? halfLifeHi = lo is > 0 ? Math.Log(2) / lo.Value : null;

        double? resolutionDay = null;
        DateOnly? resolutionDate = null;
        if (lambda > 0)
        {
            // ln(floor) = intercept − λ t  →  t = (intercept − ln floor) / λ
            resolutionDay = day0 + ((intercept - Math.Log(floor)) / lambda);
            if (ordered[0].Date is { } d0)
            {
                resolutionDate = d0.AddDays((int)Math.Round(resolutionDay.Value - day0));
            }
        }

        string course;
        string sentence;
        var inv = CultureInfo.InvariantCulture;
        if (Total(last) < floor)
        {
            course = "resolved";
            sentence = string.Create(inv, $"The edema resolved by {last.Label}; fitted half-life {Fmt(halfLife)} days.");
        }
        else if (lambda <= 0)
        {
            course = "not resolving";
            sentence = string.Create(inv, $"The volume does not follow a resolving course (it grew by {-lambda * 100:0.00} % per day on the fit).");
        }
        else if (lo is not null && lo <= 0)
        {
            course = "uncertain";
            sentence = string.Create(inv, $"The volume tends to decrease (half-life {Fmt(halfLife)} days) but the {options.ConfidenceLevel:P0} interval of the decay rate includes no decay; the data do not establish a resolving course.");
        }
        else
        {
            course = "resolving";
            var when = resolutionDate is { } rd ? rd.ToString("yyyy-MM-dd", inv) : string.Create(inv, $"day {resolutionDay:0}");
            sentence = string.Create(inv, $"Resolving: half-life {Fmt(halfLife)} days ({options.ConfidenceLevel:P0} CI {Fmt(halfLifeLo)}–{Fmt(halfLifeHi)}); projected below {floor / 1000:0.###} mL around {when}.");
        }

        if (r2 < 0.8 && n > 2 && course is "resolving" or "uncertain")
        {
            sentence += string.Create(inv, $" The fit is poor (R² = {r2:0.00}): the course is not a simple exponential decay.");
        }

        return new Trajectory(n, Math.Exp(intercept), lambda, lo, hi, halfLife, halfLifeLo, halfLifeHi, resolutionDay, resolutionDate, r2, course, sentence);
    }

    private static string Fmt(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("0", CultureInfo.InvariantCulture) : "∞";
}
