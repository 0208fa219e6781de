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

        var ratio = measure == VolumeMeasure.FractionWeighted ? PatientFullEdemaRatio(ordered) : null;
        var intervals = new List<IntervalComparison>();
        for (var i = 1; i < ordered.Length; i++)
        {
            intervals.Add(CompareInterval(ordered[i - 1], ordered[i], names, options, measure, ratio, warnings));
        }

        // Baseline to latest: a remnant at the latest timepoint may lie where only an intermediate timepoint had edema
        // (outside the baseline's footprint), so the last interval's re-measured remnants count as evidence too.
        var baselineToLatest = ordered.Length == 2
            ? intervals[0]
            : CompareInterval(ordered[0], ordered[^1], names, options, measure, ratio, warnings, intervals[^1].Overlaps);
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

        if (intervals.Append(baselineToLatest).Any(i => i.Total.ChangeMethod == "paired"))
        {
            sdc += " Changes were measured pairwise: each bone's fraction-weighted edema re-read at both timepoints over the same aligned tissue (the edema of either widened by 3 mm), each timepoint on its own grid against its own surrounding marrow; a bone the analysis finds clear is called resolved only when no remnant reaching both the floor and 3 × its uncertainty (from the surrounding marrow's noise and level variation) is re-measured where the edema was.";
        }

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

    /// <summary>
    /// One partial-volume anchor for the patient (the median over the timepoints of fully edematous / normal marrow
    /// signal), so that every timepoint's re-measured fractions are on the same scale; null unless every timepoint has
    /// images with the anchor.
    /// </summary>
    private static double? PatientFullEdemaRatio(IReadOnlyList<TimepointMeasures> ordered)
    {
        var ratios = ordered.Select(t => t.Images?.FullEdemaSignalRatio).ToArray();
        if (ratios.Any(r => r is not > 1))
        {
            return null;
        }

        var sorted = ratios.Select(r => r!.Value).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]);
    }

    private static IntervalComparison CompareInterval(
        TimepointMeasures from,
        TimepointMeasures to,
        IReadOnlyList<string> names,
        ComparisonOptions options,
        VolumeMeasure measure,
        double? fullEdemaRatio,
        List<string> warnings,
        IReadOnlyList<LesionOverlap>? laterEvidence = null)
    {
        IReadOnlyList<LesionOverlap> overlaps = [];
        if (from.Images is { } a && to.Images is { } b)
        {
            overlaps = LesionOverlapAnalyzer.Compute(a, b, from.Label, to.Label, warnings, fullEdemaRatio);
        }

        LesionOverlap? Paired(string name) =>
            overlaps.FirstOrDefault(o => o.Name == name && o.EarlierRemeasuredMm3 is not null && o.LaterRemeasuredMm3 is not null);

        LesionOverlap? Evidence(string name) => laterEvidence?.FirstOrDefault(o => o.Name == name && o.LaterRemeasuredMm3 is not null);

        var regions = names.Select(n => Change(n, VolumeOf(from, n, measure), VolumeOf(to, n, measure), RatioOf(from, n), RatioOf(to, n), options, Paired(n), Evidence(n))).ToArray();
        var total = TotalChange(VolumeSelection.Total(from, measure), VolumeSelection.Total(to, measure), regions, options);
        var migrations = FindMigrations(regions);
        if (overlaps.Count > 0)
        {
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

    private static RegionChange Change(
        string name, double from, double to, double? ratioFrom, double? ratioTo, ComparisonOptions options, LesionOverlap? paired, LesionOverlap? laterEvidence = null)
    {
        double? ratioChange = ratioFrom is { } a && ratioTo is { } b ? b - a : null;
        if (paired is null)
        {
            var status = Classify(from, to, options);
            double? percent = from >= options.DetectionFloorMm3 ? 100.0 * (to - from) / from : null;
            return new RegionChange(name, from, to, to - from, percent, options.SmallestDetectableChangeMm3(from), ratioChange, status);
        }

        var earlier = paired.EarlierRemeasuredMm3!.Value;
        var later = paired.LaterRemeasuredMm3!.Value;
        var uncertainty = paired.LaterUncertaintyMm3;
        if (to < options.DetectionFloorMm3 && laterEvidence is { LaterRemeasuredMm3: { } other } && IsRemnant(other, laterEvidence.LaterUncertaintyMm3, options)
            && !IsRemnant(later, uncertainty, options))
        {
            // No outline at the later timepoint, no remnant where this pair's edema was, but one where the edema of the
            // timepoint just before it was: the bone still has that much.
            later = other;
            uncertainty = laterEvidence.LaterUncertaintyMm3;
        }

        var change = later - earlier;
        return new RegionChange(
            name,
            from,
            to,
            change,
            from >= options.DetectionFloorMm3 ? 100.0 * change / from : null,
            options.SmallestDetectableChangeMm3(from),
            ratioChange,
            ClassifyPaired(from, to, change, IsRemnant(later, uncertainty, options), options))
        {
            ChangeMethod = "paired",
            EarlierRemeasuredMm3 = earlier,
            LaterRemeasuredMm3 = later,
        };
    }

    /// <summary>
    /// The status from the analyses' volumes for presence and the paired change for its size. Resolved needs both the
    /// analysis and the re-measurement to find less than the detection floor: a remnant the analysis no longer outlines
    /// but that re-measures at or above the floor where the lesion was leaves the bone Improving (a lesion fading below
    /// the analysis' outline first, as a regressing BMES does). New is the analysis' call alone.
    /// </summary>
    private static ChangeStatus ClassifyPaired(double from, double to, double change, bool remnant, ComparisonOptions options)
    {
        var floor = options.DetectionFloorMm3;
        var before = from >= floor;
        var after = to >= floor || (before && remnant);
        if (!before && !after)
        {
            return ChangeStatus.None;
        }

        if (before != after)
        {
            return before ? ChangeStatus.Resolved : ChangeStatus.New;
        }

        var sdc = options.SmallestDetectableChangeMm3(from);
        return Math.Abs(change) <= sdc ? ChangeStatus.Stable : change < 0 ? ChangeStatus.Improving : ChangeStatus.Worsening;
    }

    /// <summary>How many times its uncertainty a re-measured remnant must be, besides reaching the detection floor.</summary>
    public const double RemnantSignificance = 3;

    /// <summary>
    /// A re-measured remnant counts as edema left when it reaches the detection floor and
    /// <see cref="RemnantSignificance"/> times the marrow's own variation around it (unknown variation: no).
    /// </summary>
    private static bool IsRemnant(double laterRemeasuredMm3, double? uncertaintyMm3, ComparisonOptions options) =>
        laterRemeasuredMm3 >= options.DetectionFloorMm3 && uncertaintyMm3 is { } u && laterRemeasuredMm3 >= RemnantSignificance * u;

    /// <summary>
    /// The total's change: To − From, with each paired bone's difference replaced by its paired change; its presence at
    /// the later timepoint counts the bones' remnants (<see cref="ClassifyPaired"/>).
    /// </summary>
    private static RegionChange TotalChange(double from, double to, IReadOnlyList<RegionChange> regions, ComparisonOptions options)
    {
        var pairedRegions = regions.Where(r => r.ChangeMethod == "paired").ToArray();
        if (pairedRegions.Length == 0)
        {
            return Change("total", from, to, null, null, options, null);
        }

        var change = to - from + pairedRegions.Sum(r => r.ChangeMm3 - (r.ToMm3 - r.FromMm3));
        var remnants = pairedRegions.Where(r => r.ToMm3 < options.DetectionFloorMm3 && r.Status != ChangeStatus.Resolved && r.Status != ChangeStatus.None)
            .Sum(r => r.LaterRemeasuredMm3!.Value - r.ToMm3);
        return new RegionChange(
            "total",
            from,
            to,
            change,
            from >= options.DetectionFloorMm3 ? 100.0 * change / from : null,
            options.SmallestDetectableChangeMm3(from),
            null,
            ClassifyPaired(from, to + remnants, change, remnants > 0, options))
        {
            ChangeMethod = "paired",
            EarlierRemeasuredMm3 = pairedRegions.Sum(r => r.EarlierRemeasuredMm3!.Value),
            LaterRemeasuredMm3 = pairedRegions.Sum(r => r.LaterRemeasuredMm3!.Value),
        };
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
            return latestTotal >= options.DetectionFloorMm3 || baselineToLatest.Total.Status != ChangeStatus.Resolved ? ChangeStatus.Migrated : ChangeStatus.Resolved;
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
