using System.Text.Json.Serialization;

namespace BmeQuant.Reporting;

/// <summary>Change of one bone or region (or the total) between two timepoints.</summary>
/// <param name="Name">Bone or region ("total" for all).</param>
/// <param name="FromMm3">Edema volume at the earlier timepoint (the compared <see cref="VolumeMeasure"/>).</param>
/// <param name="ToMm3">Edema volume at the later timepoint (the compared <see cref="VolumeMeasure"/>).</param>
/// <param name="ChangeMm3">
/// To − From; or, when both timepoints' images allowed it (<see cref="ChangeMethod"/> "paired"), the change re-measured
/// over the same aligned tissue at both timepoints (<see cref="LaterRemeasuredMm3"/> − <see cref="EarlierRemeasuredMm3"/>;
/// for the total, the sum of the bones' changes).
/// </param>
/// <param name="ChangePercent">Change as % of From, or null when From is below the detection floor.</param>
/// <param name="SmallestDetectableChangeMm3">SDC used to call the status.</param>
/// <param name="EdemaToNormalMarrowChange">Change of the edema / normal marrow signal ratio, when both are known.</param>
/// <param name="Status">Status of this bone or region.</param>
public sealed record RegionChange(
    string Name,
    double FromMm3,
    double ToMm3,
    double ChangeMm3,
    double? ChangePercent,
    double SmallestDetectableChangeMm3,
    double? EdemaToNormalMarrowChange,
    ChangeStatus Status)
{
    /// <summary>
    /// How <see cref="ChangeMm3"/> was obtained: "paired" (re-measured over the same aligned tissue at both timepoints,
    /// see <see cref="LesionOverlap.LaterRemeasuredMm3"/>) or "difference" (To − From of the two analyses).
    /// </summary>
    public string ChangeMethod { get; init; } = "difference";

    /// <summary>Fraction-weighted edema re-measured at the earlier timepoint over the aligned footprint (mm³), or null.</summary>
    public double? EarlierRemeasuredMm3 { get; init; }

    /// <summary>
    /// Fraction-weighted edema re-measured at the later timepoint over the aligned footprint (mm³), or null. When the
    /// analysis finds no edema left (To below the detection floor) but this remnant is at or above the floor, the bone is
    /// <see cref="ChangeStatus.Improving"/>, not <see cref="ChangeStatus.Resolved"/>.
    /// </summary>
    public double? LaterRemeasuredMm3 { get; init; }
}

/// <summary>Edema that left one bone or region and appeared in another between two timepoints.</summary>
/// <param name="From">Source bone or region (edema resolved or decreased).</param>
/// <param name="To">Destination bone or region (edema new or increased).</param>
/// <param name="LostMm3">Volume lost at the source.</param>
/// <param name="GainedMm3">Volume gained at the destination.</param>
public sealed record Migration(string From, string To, double LostMm3, double GainedMm3);

/// <summary>Comparison of two timepoints.</summary>
/// <param name="FromLabel">Earlier timepoint.</param>
/// <param name="ToLabel">Later timepoint.</param>
/// <param name="Days">Days between them.</param>
/// <param name="Regions">Per bone or region.</param>
/// <param name="Total">All bones together.</param>
/// <param name="Migrations">Migrations found.</param>
/// <param name="Status">Status of the joint as a whole.</param>
public sealed record IntervalComparison(
    string FromLabel,
    string ToLabel,
    double Days,
    IReadOnlyList<RegionChange> Regions,
    RegionChange Total,
    IReadOnlyList<Migration> Migrations,
    ChangeStatus Status)
{
    /// <summary>
    /// Voxel-wise overlap of the edema per bone and in total after aligning the later study to the earlier one; empty
    /// when either timepoint has no images (e.g. compared from findings.json files alone).
    /// </summary>
    public IReadOnlyList<LesionOverlap> Overlaps { get; init; } = [];
}

/// <summary>Exponential fit of the total edema volume over time: V(t) = V0 · exp(−λ t).</summary>
/// <param name="PointsUsed">Timepoints with edema above the detection floor used in the fit.</param>
/// <param name="InitialVolumeMm3">Fitted V0 at day 0 of the first timepoint.</param>
/// <param name="DecayRatePerDay">λ (positive when shrinking).</param>
/// <param name="DecayRateLowerPerDay">Lower end of λ's confidence interval, or null with two points.</param>
/// <param name="DecayRateUpperPerDay">Upper end of λ's confidence interval, or null with two points.</param>
/// <param name="HalfLifeDays">ln 2 / λ, or null when not shrinking.</param>
/// <param name="HalfLifeLowerDays">Lower end of the half-life's interval, or null.</param>
/// <param name="HalfLifeUpperDays">Upper end of the half-life's interval, or null (unbounded when λ's interval reaches 0).</param>
/// <param name="ProjectedResolutionDay">Day offset at which the fit falls below the detection floor, or null.</param>
/// <param name="ProjectedResolutionDate">That day as a date, when the first timepoint's date is known.</param>
/// <param name="RSquared">Coefficient of determination of the log-linear fit.</param>
/// <param name="Course">"resolving", "resolved", "not resolving" or "uncertain".</param>
/// <param name="Statement">One sentence for the report.</param>
public sealed record Trajectory(
    int PointsUsed,
    double InitialVolumeMm3,
    double DecayRatePerDay,
    double? DecayRateLowerPerDay,
    double? DecayRateUpperPerDay,
    double? HalfLifeDays,
    double? HalfLifeLowerDays,
    double? HalfLifeUpperDays,
    double? ProjectedResolutionDay,
    DateOnly? ProjectedResolutionDate,
    double RSquared,
    string Course,
    string Statement);

/// <summary>Status of one bone or region over the whole follow-up.</summary>
/// <param name="Name">Bone or region.</param>
/// <param name="VolumesMm3">Edema volume (the compared <see cref="VolumeMeasure"/>) at each timepoint, in timepoint order.</param>
/// <param name="Status">Status from baseline to the latest timepoint.</param>
public sealed record RegionCourse(
    string Name,
    IReadOnlyList<double> VolumesMm3,
    ChangeStatus Status);

/// <summary>The follow-up of one patient and joint over any number of timepoints.</summary>
public sealed record TimepointComparison
{
    /// <summary>Version of the report schema (docs/report.schema.json).</summary>
    public const string CurrentSchemaVersion = "1.2.0";

    /// <summary>Schema version.</summary>
    public string SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Software version.</summary>
    public required string SoftwareVersion { get; init; }

    /// <summary>Patient identifier as given by the caller (pseudonym in research use).</summary>
    public string? Patient { get; init; }

    /// <summary>Parameters, as asked for.</summary>
    public required ComparisonOptions Options { get; init; }

    /// <summary>
    /// The edema volume actually compared in every change, status, course and trajectory: the one of
    /// <see cref="ComparisonOptions.VolumeMeasure"/>, or <see cref="VolumeMeasure.Binary"/> when a timepoint lacked
    /// fraction-weighted volumes (then a warning says so).
    /// </summary>
    public VolumeMeasure VolumeMeasure { get; init; } = VolumeMeasure.Binary;

    /// <summary>How "stable" is defined, in words, with the numbers.</summary>
    public required string SmallestDetectableChangeStatement { get; init; }

    /// <summary>The timepoints in date order.</summary>
    public required IReadOnlyList<TimepointMeasures> Timepoints { get; init; }

    /// <summary>Each consecutive pair.</summary>
    public required IReadOnlyList<IntervalComparison> Intervals { get; init; }

    /// <summary>Baseline against the latest timepoint.</summary>
    public required IntervalComparison BaselineToLatest { get; init; }

    /// <summary>Per bone or region over the whole course.</summary>
    public required IReadOnlyList<RegionCourse> Courses { get; init; }

    /// <summary>Fit of the total volume over time (three or more timepoints), or null.</summary>
    public Trajectory? Trajectory { get; init; }

    /// <summary>Status of the joint over the whole course.</summary>
    public required ChangeStatus OverallStatus { get; init; }

    /// <summary>One-sentence summary for a clinician.</summary>
    public required string Summary { get; init; }

    /// <summary>Every warning from the analyses and the comparison.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
}
