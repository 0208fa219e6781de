using System.Globalization;

namespace BmeQuant.Reporting;

/// <summary>
/// Compares the timepoints of one patient and joint: per bone or region and in total, consecutive pairs and baseline
/// against latest, migration between bones, and the trajectory of the total volume.
/// </summary>
public static class TimepointComparer
{
    /// <summary>Compares <paramref name="timepoints"/> (any order; sorted by <see cref="TimepointMeasures.DayOffset"/>).</summary>
    /// <exception cref="ArgumentException">Fewer than two timepoints.</exception>
    public static TimepointComparison Compare(IEnumerable<TimepointMeasures> timepoints, ComparisonOptions? options = null, string? patient = null)
    {
        ArgumentNullException.ThrowIfNull(timepoints);
        options ??= ComparisonOptions.Default;
        var ordered = timepoints.OrderBy(t => t.DayOffset).ToArray();
        if (ordered.Length < 2)
        {
            throw new ArgumentException($"A comparison needs at least two timepoints; got {ordered.Length}.", nameof(timepoints));
        }

        var names = RegionNames(ordered);
        var warnings = new List<string>();
        var measure = VolumeSelection.Effective(ordered, options.VolumeMeasure);
        if (measure != options.VolumeMeasure)
        {
            var missing = ordered.Where(t => !VolumeSelection.HasFractionWeighted(t)).Select(t => t.Label);
            warnings.Add($"Fraction-weighted volumes were asked for but {string.Join(", ", missing)} carries none (findings written before they existed); the binary volumes were compared at every timepoint.");
        }

        var intervals = new List<IntervalComparison>();
        for (var i = 1; i < ordered.Length; i++)
        {
            intervals.Add(CompareInterval(ordered[i - 1], ordered[i], names, options, measure, warnings));
        }

        var baselineToLatest = ordered.Length == 2 ? intervals[0] : CompareInterval(ordered[0], ordered[^1], names, options, measure, warnings);
        var courses = names.Select(n => new RegionCourse(
            n,
            ordered.Select(t => VolumeOf(t, n, measure)).ToArray(),
            baselineToLatest.Regions.First(r => r.Name == n).Status)).ToArray();

        var trajectory = ordered.Length >= 3 ? TrajectoryFitter.Fit(ordered, options with { VolumeMeasure = measure }) : null;
        var overall = OverallStatus(intervals, baselineToLatest, options);

        foreach (var t in ordered)
        {
            warnings.AddRange(t.Notes.Select(n => $"{t.Label}: {n}"));
        }

        if (ordered.Select(t => t.Anatomy).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            warnings.Add("The timepoints do not all image the same joint: " + string.Join(", ", ordered.Select(t => $"{t.Label}={t.Anatomy}")) + ".");
        }

        if (ordered.Where(t => t.Date is null).Any() && ordered.Any(t => t.Date is not null))
        {
            warnings.Add("Some timepoints have no acquisition date; day offsets were used to order them.");
        }

        var sdc = string.Create(
            CultureInfo.InvariantCulture,
            $"Volumes compared: {VolumeSelection.Describe(measure)}. A change counts only when it exceeds the smallest detectable change: the larger of {options.DetectionFloorMm3 / 1000:0.###} mL and 2.77 × {options.RepeatabilityCoefficientOfVariation:P0} of the earlier volume ({options.RepeatabilityCoefficientOfVariation:P0} being BmeQuant's repeatability on re-acquired phantoms). Edema below {options.DetectionFloorMm3 / 1000:0.###} mL counts as absent.");

        return new TimepointComparison
        {
            SoftwareVersion = ReportingInfo.Version,
            Patient = patient,
            Options = options,
            VolumeMeasure = measure,
            SmallestDetectableChangeStatement = sdc,
            Timepoints = ordered,
            Intervals = intervals,
            BaselineToLatest = baselineToLatest,
            Courses = courses,
            Trajectory = trajectory,
            OverallStatus = overall,
            Summary = Summarise(ordered, measure, baselineToLatest, intervals, overall, trajectory),
            Warnings = warnings,
        };
    }

    /// <summary>The status of one volume pair under <paramref name="options"/>.</summary>
    public static ChangeStatus Classify(double fromMm3, double toMm3, ComparisonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var floor = options.DetectionFloorMm3;
        bool before = fromMm3 >= floor, after = toMm3 >= floor;
        if (!before && !after)
        {
            return ChangeStatus.None;
        }

        if (before && !after)
        {
            return ChangeStatus.Resolved;
        }

        if (!before)
        {
            return ChangeStatus.New;
        }

        var change = toMm3 - fromMm3;
        var sdc = options.SmallestDetectableChangeMm3(fromMm3);
        return Math.Abs(change) <= sdc ? ChangeStatus.Stable : change < 0 ? ChangeStatus.Improving : ChangeStatus.Worsening;
    }

    private static IntervalComparison CompareInterval(
        TimepointMeasures from, TimepointMeasures to, IReadOnlyList<string> names, ComparisonOptions options, VolumeMeasure measure, List<string> warnings)
    {
        var regions = names.Select(n => Change(n, VolumeOf(from, n, measure), VolumeOf(to, n, measure), RatioOf(from, n), RatioOf(to, n), options)).ToArray();
        var total = Change("total", VolumeSelection.Total(from, measure), VolumeSelection.Total(to, measure), null, null, options);
        var migrations = FindMigrations(regions);
        IReadOnlyList<LesionOverlap> overlaps = [];
        if (from.Images is { } a && to.Images is { } b)
        {
            overlaps = LesionOverlapAnalyzer.Compute(a, b, from.Label, to.Label, warnings);
            migrations.AddRange(FindMigrationsWithinBones(regions, overlaps, options));
        }

        var status = migrations.Count > 0 ? ChangeStatus.Migrated : total.Status;
        return new IntervalComparison(from.Label, to.Label, to.DayOffset - from.DayOffset, regions, total, migrations, status) { Overlaps = overlaps };
    }

    /// <summary>
    /// Migration inside one bone: its volume did not resolve nor appear, but after alignment the edema left one place
    /// (resolved part beyond the SDC) and appeared in another (new part beyond the SDC) with little overlap (Dice &lt;
    /// <see cref="WithinBoneMigrationMaxDice"/>), e.g. from the medial to the lateral femoral condyle.
    /// </summary>
    private static IEnumerable<Migration> FindMigrationsWithinBones(IReadOnlyList<RegionChange> regions, IReadOnlyList<LesionOverlap> overlaps, ComparisonOptions options)
    {
        foreach (var o in overlaps.Where(o => o.Name != "total"))
        {
            var region = regions.FirstOrDefault(r => r.Name == o.Name);
            if (region is null || region.Status is not (ChangeStatus.Stable or ChangeStatus.Improving or ChangeStatus.Worsening))
            {
                continue;
            }

            if (o.ResolvedMm3 > options.SmallestDetectableChangeMm3(o.EarlierMm3)
                && o.NewMm3 > options.SmallestDetectableChangeMm3(o.EarlierMm3)
                && (o.Dice ?? 0) < WithinBoneMigrationMaxDice)
            {
                yield return new Migration(o.Name, o.Name + " (elsewhere in the bone)", o.ResolvedMm3, o.NewMm3);
            }
        }
    }

    /// <summary>Largest Dice between the two timepoints' edema of one bone that still counts as migration within the bone.</summary>
    public const double WithinBoneMigrationMaxDice = 0.2;

    private static RegionChange Change(string name, double from, double to, double? ratioFrom, double? ratioTo, ComparisonOptions options)
    {
        var status = Classify(from, to, options);
        double? percent = from >= options.DetectionFloorMm3 ? 100.0 * (to - from) / from : null;
        double? ratioChange = ratioFrom is { } a && ratioTo is { } b ? b - a : null;
        return new RegionChange(name, from, to, to - from, percent, options.SmallestDetectableChangeMm3(from), ratioChange, status);
    }

    /// <summary>
    /// Migration: a bone or region whose edema resolved or shrank beyond the SDC while another one's edema is new or
    /// grew beyond the SDC, at least one side being a complete change (resolved or new). Sources and destinations are
    /// paired largest loss with largest gain.
    /// </summary>
    private static List<Migration> FindMigrations(IReadOnlyList<RegionChange> regions)
    {
        var sources = regions.Where(r => r.Status is ChangeStatus.Resolved or ChangeStatus.Improving).OrderBy(r => r.ChangeMm3).ToList();
        var destinations = regions.Where(r => r.Status is ChangeStatus.New or ChangeStatus.Worsening).OrderByDescending(r => r.ChangeMm3).ToList();
        var result = new List<Migration>();
        var n = Math.Min(sources.Count, destinations.Count);
        for (var i = 0; i < n; i++)
        {
            var s = sources[i];
            var d = destinations[i];
            if (s.Status == ChangeStatus.Resolved || d.Status == ChangeStatus.New)
            {
                result.Add(new Migration(s.Name, d.Name, -s.ChangeMm3, d.ChangeMm3));
            }
        }

        return result;
    }

    private static ChangeStatus OverallStatus(IReadOnlyList<IntervalComparison> intervals, IntervalComparison baselineToLatest, ComparisonOptions options)
    {
        var latestTotal = baselineToLatest.Total.ToMm3;
        if (intervals.Any(i => i.Migrations.Count > 0) || baselineToLatest.Migrations.Count > 0)
        {
            // Edema that moved and is still present is a migration; if it has gone everywhere, the course resolved.
            return latestTotal >= options.DetectionFloorMm3 ? ChangeStatus.Migrated : ChangeStatus.Resolved;
        }

        return baselineToLatest.Total.Status;
    }

    private static string Summarise(
        IReadOnlyList<TimepointMeasures> ordered,
        VolumeMeasure measure,
        IntervalComparison baselineToLatest,
        IReadOnlyList<IntervalComparison> intervals,
        ChangeStatus overall,
        Trajectory? trajectory)
    {
        var first = ordered[0];
        var last = ordered[^1];
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"{StatusWord(overall)}: total edema ({VolumeSelection.ShortName(measure)}) {VolumeSelection.Total(first, measure) / 1000:0.0} mL at {first.Label} → {VolumeSelection.Total(last, measure) / 1000:0.0} mL at {last.Label} ({last.DayOffset - first.DayOffset:0} days).");
        var migrations = intervals.SelectMany(i => i.Migrations.Select(m => (i, m))).ToList();
        if (migrations.Count > 0)
        {
            text += " Migration: " + string.Join("; ", migrations.Select(x => $"{x.m.From} → {x.m.To} ({x.i.FromLabel} to {x.i.ToLabel})")) + ".";
        }

        if (trajectory is not null)
        {
            text += " " + trajectory.Statement;
        }

        return text;
    }

    /// <summary>The status as a word for reports.</summary>
    public static string StatusWord(ChangeStatus status) => status switch
    {
        ChangeStatus.None => "No edema",
        ChangeStatus.Resolved => "Resolved",
        ChangeStatus.Improving => "Improving",
        ChangeStatus.Stable => "Stable",
        ChangeStatus.Worsening => "Worsening",
        ChangeStatus.Migrated => "Migrated",
        ChangeStatus.New => "New edema",
        _ => status.ToString(),
    };

    private static List<string> RegionNames(IReadOnlyList<TimepointMeasures> ordered)
    {
        var names = new List<string>();
        foreach (var t in ordered)
        {
            foreach (var r in t.Regions)
            {
                if (!names.Contains(r.Name, StringComparer.Ordinal))
                {
                    names.Add(r.Name);
                }
            }
        }

        return names;
    }

    private static double VolumeOf(TimepointMeasures t, string name, VolumeMeasure measure) =>
        t.Regions.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.Ordinal)) is { } r ? VolumeSelection.Of(r, measure) : 0;

    private static double? RatioOf(TimepointMeasures t, string name) =>
        t.Regions.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.Ordinal))?.EdemaToNormalMarrow;
}
