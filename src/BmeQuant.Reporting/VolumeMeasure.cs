namespace BmeQuant.Reporting;

/// <summary>Which edema volume a follow-up comparison compares (statuses, changes, migrations and the trajectory).</summary>
public enum VolumeMeasure
{
    /// <summary>
    /// The binary (reader-like) volume: every voxel at or above the analysis' minimum edema fraction counts whole,
    /// the others not at all (<c>edemaVolumeMm3</c> in findings.json).
    /// </summary>
    Binary,

    /// <summary>
    /// The fraction-weighted (partial-volume) volume: Σ voxel volume × estimated edema fraction over the hyperintense
    /// marrow (<c>fractionWeightedVolumeMm3</c> in findings.json). Faint edema that fades below half-edematous marrow
    /// still counts in proportion, so a regressing lesion shrinks smoothly instead of vanishing from the outline first.
    /// </summary>
    FractionWeighted,
}

/// <summary>Picks the compared volume out of the measures.</summary>
internal static class VolumeSelection
{
    /// <summary>The volume of <paramref name="region"/> under <paramref name="measure"/> (binary when the weighted one is unknown).</summary>
    public static double Of(RegionMeasure region, VolumeMeasure measure) =>
        measure == VolumeMeasure.FractionWeighted && region.FractionWeightedVolumeMm3 is { } w ? w : region.EdemaVolumeMm3;

    /// <summary>The total volume of <paramref name="timepoint"/> under <paramref name="measure"/> (binary when the weighted one is unknown).</summary>
    public static double Total(TimepointMeasures timepoint, VolumeMeasure measure) =>
        measure == VolumeMeasure.FractionWeighted && timepoint.TotalFractionWeightedVolumeMm3 is { } w ? w : timepoint.TotalEdemaVolumeMm3;

    /// <summary>Whether every region and the total of <paramref name="timepoint"/> carry a fraction-weighted volume.</summary>
    public static bool HasFractionWeighted(TimepointMeasures timepoint) =>
        timepoint.TotalFractionWeightedVolumeMm3 is not null && timepoint.Regions.All(r => r.FractionWeightedVolumeMm3 is not null);

    /// <summary>
    /// The measure actually compared: the requested one, or <see cref="VolumeMeasure.Binary"/> when a fraction-weighted
    /// comparison is asked for but some timepoint lacks those volumes (findings written before they existed), so that
    /// every timepoint is measured the same way.
    /// </summary>
    public static VolumeMeasure Effective(IReadOnlyList<TimepointMeasures> timepoints, VolumeMeasure requested) =>
        requested == VolumeMeasure.FractionWeighted && !timepoints.All(HasFractionWeighted) ? VolumeMeasure.Binary : requested;

    /// <summary>Words for reports.</summary>
    public static string Describe(VolumeMeasure measure) => measure switch
    {
        VolumeMeasure.FractionWeighted => "fraction-weighted (Σ voxel volume × estimated edema fraction)",
        _ => "binary (voxels at least the analysis' minimum edema fraction, counted whole)",
    };

    /// <summary>Short name for tables and the chart.</summary>
    public static string ShortName(VolumeMeasure measure) => measure == VolumeMeasure.FractionWeighted ? "fraction-weighted" : "binary";
}
