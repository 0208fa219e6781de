using System.Text.Json.Serialization;

namespace BmeQuant.Quantification;

/// <summary>How a marrow voxel is declared edematous relative to the normal-marrow reference.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EdemaRule>))]
public enum EdemaRule
{
    /// <summary>
    /// Default: a robust z-score of the smoothed fluid-sensitive signal (median and IQR/1.349 of normal marrow),
    /// plus <see cref="AnalysisOptions.T1SupportWeight"/> × the robust z-score of T1 hypointensity, above
    /// <c>K</c> (default 3); voxels bright on T1 (fat) are vetoed.
    /// </summary>
    Robust,

    /// <summary>
    /// Upper quartile + k·IQR of the normal-bone fluid-sensitive signal (the rule used for hyperintense
    /// inflammation volume in spondyloarthritis). With <c>K</c> null, k is adaptive: the smallest k ≥ 1.5 for
    /// which at most 1 % of the normal-marrow voxels lie above the threshold (capped at 4).
    /// </summary>
    Q3Iqr,

    /// <summary>Mean + k·SD of normal marrow (k default 2); sensitive to outliers in the reference.</summary>
    MeanSd,
}

/// <summary>
/// Every parameter of an analysis, with documented defaults. Immutable; written into the findings.
/// All sizes are in mm or mm³, never voxels.
/// </summary>
public sealed record AnalysisOptions
{
    /// <summary>The defaults.</summary>
    public static AnalysisOptions Default { get; } = new();

    /// <summary>Edema rule (default <see cref="EdemaRule.Robust"/>).</summary>
    public EdemaRule Rule { get; init; } = EdemaRule.Robust;

    /// <summary>
    /// The rule's multiplier: z threshold for <see cref="EdemaRule.Robust"/> (default 3), k of Q3 + k·IQR
    /// (default adaptive) or of mean + k·SD (default 2). Null = the rule's default.
    /// </summary>
    public double? K { get; init; }

    /// <summary>Weight of T1 hypointensity (robust z) added to the fluid z-score by the robust rule (default 0.5; 0 = ignore T1).</summary>
    public double T1SupportWeight { get; init; } = 0.5;

    /// <summary>
    /// Voxels whose T1 signal is more than this many robust SDs above normal marrow are fat or partial volume
    /// with fat, never edema (default 1.0; +∞ disables). Applies to every rule when a T1 series is given, except to
    /// voxels whose fluid signal lies more than twice the rule's margin (threshold − normal-marrow median) above the
    /// median: fat is dark on a fat-suppressed series, so such a voxel is not fatty marrow whatever its T1.
    /// </summary>
    public double T1BrightVetoZ { get; init; } = 1.0;

    /// <summary>In-plane Gaussian sigma in mm applied inside the bones to both series before thresholding (default 0 = none: smoothing dilates lesions by about a voxel at a low threshold).</summary>
    public double SmoothingSigmaMm { get; init; }

    /// <summary>
    /// Partial volume at the cortex and next to joint fluid: voxels closer than this to the bone surface are
    /// excluded (default 0 mm = none; the T1-bright veto and the minimum lesion size already remove most of it).
    /// </summary>
    public double SurfaceMarginMm { get; init; }

    /// <summary>
    /// A lesion's edge: its voxels whose fluid signal has risen at least this fraction of the way from the normal-marrow
    /// median to the lesion's core (the median of the lesion's fluid signal at the rule's threshold). With linear
    /// partial-volume mixing this keeps the voxels at least that fraction as edematous as the core (default 0.4: the
    /// visibly hyperintense marrow readers outline; agreement with the real sacroiliac readers is flat for 0.2–0.4 and
    /// falls above, see docs/methods.md). For "at least half-edematous marrow" set
    /// <see cref="MinimumEdemaFraction"/>. 0 keeps every voxel above the rule's threshold.
    /// </summary>
    public double LesionEdgeFraction { get; init; } = 0.4;

    /// <summary>
    /// Binary edema volume: when above 0, a lesion voxel counts only when its estimated edema fraction (partial-volume
    /// model between normal marrow and fully edematous, fat-free marrow; see docs/methods.md) is at least this, e.g.
    /// 0.5 for "at least half-edematous marrow" (the phantoms' truth). Default 0: the lesion's relative edge
    /// (<see cref="LesionEdgeFraction"/>) alone decides, which follows readers' outlines of visibly hyperintense
    /// marrow (on real sacroiliac scans 0.5 cut the agreement with readers by half). The fraction-weighted volume is
    /// reported either way and does not depend on it.
    /// </summary>
    public double MinimumEdemaFraction { get; init; }

    /// <summary>
    /// Drop lesions whose peak (99th percentile of the fluid signal) is not brighter than muscle on the fluid-sensitive
    /// series (haematopoietic marrow islands are at most about as bright as muscle; edema is brighter). Needs T1 to
    /// find muscle; without it the check is skipped (default true).
    /// </summary>
    public bool RequireBrighterThanMuscle { get; init; } = true;

    /// <summary>Lesions (26-connected) smaller than this are dropped (default 30 mm³).</summary>
    public double MinimumLesionVolumeMm3 { get; init; } = 30;

    /// <summary>Edema holes smaller than this, fully enclosed within a slice, are filled (default 20 mm³; 0 = none).</summary>
    public double FillHolesUpToMm3 { get; init; } = 20;

    /// <summary>
    /// The SPARCC joint line: the articular surface voxels of the sacrum and an ilium with the other bone within this
    /// distance (default 6 mm). The articular surface that depths are measured from has its own, wider reach
    /// (<see cref="ArticularSurfaceReachMm"/>).
    /// </summary>
    public double ArticularReachMm { get; init; } = 6;

    /// <summary>
    /// A bone surface voxel belongs to the articular surface (the surface depths, depth bands, subchondral fraction and
    /// pattern class are measured from) when another bone lies within this distance (default 10 mm). The facing bone
    /// lies across two cartilage layers (about 2 mm each in the knee) plus up to a voxel step on each side on thick-slice
    /// grids: over a femoral condyle the tibial plateau is 5–9 mm away on a 1.3 × 1.3 × 3.85 mm grid, so a shorter
    /// reach leaves only the contact point articular and reads subchondral edema several mm too deep.
    /// </summary>
    public double ArticularSurfaceReachMm { get; init; } = 10;

    /// <summary>Upper edges of the depth bands from the articular surface (default 5 and 10 mm: 0–5, 5–10, &gt;10 mm).</summary>
    public IReadOnlyList<double> DepthBandEdgesMm { get; init; } = [5.0, 10.0];

    /// <summary>Edema within this depth of the articular surface is subchondral (default 5 mm).</summary>
    public double SubchondralDepthMm { get; init; } = 5;

    /// <summary>SPARCC "deep" lesion: at least this deep from the articular surface (default 10 mm).</summary>
    public double DeepLesionDepthMm { get; init; } = 10;

    /// <summary>WORMS cut points in % of region (default 25 and 50: grade 1 &lt;25 %, 2 25–50 %, 3 &gt;50 %).</summary>
    public IReadOnlyList<double> WormsCutsPercent { get; init; } = [25.0, 50.0];

    /// <summary>MOAKS and Berlin cut points in % of region (default 33 and 66).</summary>
    public IReadOnlyList<double> MoaksCutsPercent { get; init; } = [33.0, 66.0];

    /// <summary>Subchondral low-signal band thickness flag in the knee (default &gt; 4 mm).</summary>
    public double BandThicknessFlagMm { get; init; } = 4;

    /// <summary>Subchondral low-signal band length flag in the knee (default &gt; 14 mm).</summary>
    public double BandLengthFlagMm { get; init; } = 14;

    /// <summary>Low-signal band thickness flag in the femoral head (default ≥ 4 mm).</summary>
    public double FemoralHeadBandThicknessFlagMm { get; init; } = 4;

    /// <summary>Relative threshold change for the sensitivity check (default 0.10: volume at threshold ∓10 %).</summary>
    public double ThresholdSensitivityFraction { get; init; } = 0.10;

    /// <summary>Refine the T1-to-fluid alignment by rigid registration when they disagree (default true).</summary>
    public bool RegisterSeries { get; init; } = true;

    /// <summary>
    /// The rigid refinement of T1 is used only when it raises the mutual information of the two series over the
    /// bone region by at least this fraction (default 0.02 = 2 %) ...
    /// </summary>
    public double RegistrationMinimumGain { get; init; } = 0.02;

    /// <summary>
    /// ... and moves the bone region by at least this RMS distance (default 0.5 mm); smaller corrections are within
    /// the registration's own repeatability and the geometry-only alignment is kept.
    /// </summary>
    public double RegistrationMinimumCorrectionMm { get; init; } = 0.5;

    /// <summary>
    /// Estimate a smooth multiplicative bias field (coil sensitivity) of each series inside the bones (N4-style) and
    /// divide it out before the reference is measured (default false: the phantom and real-scan accuracy figures in
    /// docs/methods.md were measured without it; turn it on for strongly inhomogeneous surface-coil images).
    /// </summary>
    public bool CorrectBiasField { get; init; }

    /// <summary>
    /// Per-bone reference: a bone whose own normal-marrow median (fluid-sensitive or T1) differs from the joint's by
    /// more than this fraction is thresholded against its own reference (default 0.25 = 25 %; 0 = always per bone;
    /// +∞ = one reference for all bones). Not used when a reference mask is given.
    /// </summary>
    public double PerBoneReferenceDifference { get; init; } = 0.25;

    /// <summary>Bounds the work of parallel loops (default -1 = all cores).</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>The rule's multiplier after defaults are applied (adaptive q3-iqr returns null: it is chosen from the data).</summary>
    internal double? EffectiveK => K ?? Rule switch
    {
        EdemaRule.Robust => 3.0,
        EdemaRule.MeanSd => 2.0,
        _ => null,
    };

    /// <summary>Rejects out-of-range values with the parameter named.</summary>
    internal void Validate()
    {
        static void Check(bool ok, string name, object value, string expected)
        {
            if (!ok)
            {
                throw new ArgumentOutOfRangeException(name, value, $"AnalysisOptions.{name} must be {expected}; found {value}.");
            }
        }

        Check(K is null || (double.IsFinite(K.Value) && K.Value >= 0), nameof(K), K!, "a finite number ≥ 0 or null");
        Check(double.IsFinite(T1SupportWeight) && T1SupportWeight >= 0, nameof(T1SupportWeight), T1SupportWeight, "finite and ≥ 0");
        Check(!double.IsNaN(T1BrightVetoZ), nameof(T1BrightVetoZ), T1BrightVetoZ, "a number (+∞ disables)");
        Check(double.IsFinite(SmoothingSigmaMm) && SmoothingSigmaMm >= 0, nameof(SmoothingSigmaMm), SmoothingSigmaMm, "finite and ≥ 0 mm");
        Check(double.IsFinite(SurfaceMarginMm) && SurfaceMarginMm >= 0, nameof(SurfaceMarginMm), SurfaceMarginMm, "finite and ≥ 0 mm");
        Check(LesionEdgeFraction is >= 0 and < 1, nameof(LesionEdgeFraction), LesionEdgeFraction, "in [0, 1)");
        Check(double.IsFinite(RegistrationMinimumGain) && RegistrationMinimumGain >= 0, nameof(RegistrationMinimumGain), RegistrationMinimumGain, "finite and ≥ 0");
        Check(double.IsFinite(RegistrationMinimumCorrectionMm) && RegistrationMinimumCorrectionMm >= 0, nameof(RegistrationMinimumCorrectionMm), RegistrationMinimumCorrectionMm, "finite and ≥ 0 mm");
        Check(PerBoneReferenceDifference >= 0, nameof(PerBoneReferenceDifference), PerBoneReferenceDifference, "≥ 0 (+∞ = never)");
        Check(MinimumEdemaFraction is >= 0 and < 1, nameof(MinimumEdemaFraction), MinimumEdemaFraction, "in [0, 1)");
        Check(double.IsFinite(MinimumLesionVolumeMm3) && MinimumLesionVolumeMm3 >= 0, nameof(MinimumLesionVolumeMm3), MinimumLesionVolumeMm3, "finite and ≥ 0 mm³");
        Check(double.IsFinite(FillHolesUpToMm3) && FillHolesUpToMm3 >= 0, nameof(FillHolesUpToMm3), FillHolesUpToMm3, "finite and ≥ 0 mm³");
        Check(double.IsFinite(ArticularReachMm) && ArticularReachMm > 0, nameof(ArticularReachMm), ArticularReachMm, "finite and > 0 mm");
        Check(double.IsFinite(ArticularSurfaceReachMm) && ArticularSurfaceReachMm > 0, nameof(ArticularSurfaceReachMm), ArticularSurfaceReachMm, "finite and > 0 mm");
        Check(DepthBandEdgesMm.Count > 0 && DepthBandEdgesMm.All(double.IsFinite) && DepthBandEdgesMm.Zip(DepthBandEdgesMm.Skip(1)).All(p => p.First < p.Second) && DepthBandEdgesMm[0] > 0, nameof(DepthBandEdgesMm), string.Join(",", DepthBandEdgesMm), "positive, finite and increasing");
        Check(WormsCutsPercent.Count == 2 && WormsCutsPercent[0] < WormsCutsPercent[1], nameof(WormsCutsPercent), string.Join(",", WormsCutsPercent), "two increasing percentages");
        Check(MoaksCutsPercent.Count == 2 && MoaksCutsPercent[0] < MoaksCutsPercent[1], nameof(MoaksCutsPercent), string.Join(",", MoaksCutsPercent), "two increasing percentages");
        Check(ThresholdSensitivityFraction is > 0 and < 1, nameof(ThresholdSensitivityFraction), ThresholdSensitivityFraction, "in (0, 1)");
        Check(SubchondralDepthMm > 0 && DeepLesionDepthMm > 0, nameof(SubchondralDepthMm), SubchondralDepthMm, "> 0 mm");
    }
}
