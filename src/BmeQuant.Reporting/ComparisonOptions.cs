namespace BmeQuant.Reporting;

/// <summary>
/// Parameters of the follow-up comparison. The smallest detectable change (SDC) of a volume V is
/// max(<see cref="DetectionFloorMm3"/>, 2.77 × <see cref="RepeatabilityCoefficientOfVariation"/> × V), 2.77 = 1.96 × √2
/// being the factor from a within-subject SD to the 95 % limit for the difference of two measurements.
/// </summary>
public sealed record ComparisonOptions
{
    /// <summary>Documented defaults.</summary>
    public static ComparisonOptions Default { get; } = new();

    /// <summary>
    /// Coefficient of variation of repeated edema volumes of the same lesion (re-generated noise and repositioning).
    /// Default 0.05: the repeatability bar BmeQuant is tested against on phantoms (issue 6: CV ≤ 5 %).
    /// </summary>
    public double RepeatabilityCoefficientOfVariation { get; init; } = 0.05;

    /// <summary>
    /// Volume below which edema counts as absent, in mm³. Default 200 mm³ (0.2 mL): the largest false-edema volume
    /// tolerated on edema-free phantom controls.
    /// </summary>
    public double DetectionFloorMm3 { get; init; } = 200;

    /// <summary>
    /// Which edema volume is compared. Default <see cref="VolumeMeasure.FractionWeighted"/>: it follows the whole edema
    /// burden as it fades (partial-volume voxels count in proportion), which is what a resolving or migrating course
    /// changes; the binary outline drops faint edema first, so it overstates a regression and calls a faint remnant
    /// resolved. The detection floor and the repeatability below hold for both measures (see docs/report-csv.md).
    /// When a timepoint lacks fraction-weighted volumes (older findings.json), the binary volumes are compared for
    /// every timepoint and the report says so.
    /// </summary>
    public VolumeMeasure VolumeMeasure { get; init; } = VolumeMeasure.FractionWeighted;

    /// <summary>Confidence level of the trajectory's intervals (default 0.95).</summary>
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>The SDC of a volume of <paramref name="volumeMm3"/> mm³.</summary>
    public double SmallestDetectableChangeMm3(double volumeMm3) =>
        Math.Max(DetectionFloorMm3, 2.77 * RepeatabilityCoefficientOfVariation * Math.Max(0, volumeMm3));
}
