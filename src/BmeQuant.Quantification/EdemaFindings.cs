using System.Text.Json.Serialization;
using BmeQuant.Imaging;

namespace BmeQuant.Quantification;

/// <summary>
/// The result of one analysis: per bone, per region and in total, with the masks, the reference, the threshold and
/// everything the numbers depend on (software version, options, input series). Immutable.
/// </summary>
public sealed record EdemaFindings
{
    /// <summary>Version of the findings.json schema (docs/findings.schema.json).</summary>
    public const string CurrentSchemaVersion = "1.0.0";

    /// <summary>Schema version of this record.</summary>
    public string SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Version of BmeQuant.Quantification that produced it.</summary>
    public required string SoftwareVersion { get; init; }

    /// <summary>Every parameter used.</summary>
    public required AnalysisOptions Options { get; init; }

    /// <summary>Input series and masks.</summary>
    public required InputProvenance Inputs { get; init; }

    /// <summary>How T1 was brought onto the fluid-sensitive grid and how well they agree.</summary>
    public required AlignmentReport Alignment { get; init; }

    /// <summary>The normal-marrow reference distribution.</summary>
    public required ReferenceMarrow Reference { get; init; }

    /// <summary>The edema threshold applied.</summary>
    public required ThresholdReport Threshold { get; init; }

    /// <summary>All bones together.</summary>
    public required RegionFindings Total { get; init; }

    /// <summary>One entry per bone or labelled region, by label.</summary>
    public required IReadOnlyList<RegionFindings> Bones { get; init; }

    /// <summary>Automated SPARCC-style sacroiliac score, when the anatomy is <see cref="Anatomy.SacroiliacJoint"/> and the bones are named.</summary>
    public SparccScore? Sparcc { get; init; }

    /// <summary>Subchondral low-signal bands found inside edema (fracture line or necrosis band).</summary>
    public required IReadOnlyList<SubchondralBand> LowSignalBands { get; init; }

    /// <summary>The partial-volume model behind the binary volume's edge and the fraction-weighted volume (null in findings written before it existed).</summary>
    public EdemaFractionModel? EdemaFraction { get; init; }

    /// <summary>Total edema volume at threshold ∓ <see cref="AnalysisOptions.ThresholdSensitivityFraction"/>.</summary>
    public required ThresholdSensitivity Sensitivity { get; init; }

    /// <summary>Non-fatal remarks (e.g. measures skipped for lack of input).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>The masks on the analysis grid (not serialised: written as NIfTI).</summary>
    [JsonIgnore]
    public FindingsMasks Masks { get; init; } = null!;
}

/// <summary>The masks behind the findings, on the fluid-sensitive grid.</summary>
/// <param name="Edema">1 = edema.</param>
/// <param name="Bones">Bone label map (0 = background).</param>
/// <param name="DepthZones">0 = outside edema, 1.. = edema in depth band 1.. (0–5, 5–10, &gt;10 mm by default).</param>
/// <param name="Reference">1 = normal-marrow reference voxels used.</param>
public sealed record FindingsMasks(Volume<byte> Edema, Volume<int> Bones, Volume<byte> DepthZones, Volume<byte> Reference);

/// <summary>Inputs of the analysis.</summary>
/// <param name="FluidSensitive">The fluid-sensitive series.</param>
/// <param name="T1">The T1 series, or null.</param>
/// <param name="BoneLabels">"given: FILE" or "automatic".</param>
/// <param name="ReferenceMask">"given: FILE" or "estimated".</param>
/// <param name="Anatomy">Joint imaged.</param>
/// <param name="GridSize">Analysis grid size (x, y, z voxels).</param>
/// <param name="GridSpacingMm">Analysis grid spacing (mm).</param>
public sealed record InputProvenance(
    SeriesProvenance FluidSensitive,
    SeriesProvenance? T1,
    string BoneLabels,
    string ReferenceMask,
    Anatomy Anatomy,
    IReadOnlyList<int> GridSize,
    IReadOnlyList<double> GridSpacingMm);

/// <summary>How the T1 series was placed on the analysis grid.</summary>
/// <param name="Method">"none" (no T1), "same-grid", "geometry" (resampled through patient coordinates) or "geometry+rigid".</param>
/// <param name="ResidualMisalignmentMm">Estimated remaining misalignment in mm (RMS displacement over the bone region after the chosen method), or null when not measured.</param>
/// <param name="RegistrationCorrectionMm">RMS displacement applied by rigid registration over the bone region, or null.</param>
/// <param name="Note">What was done and why.</param>
public sealed record AlignmentReport(string Method, double? ResidualMisalignmentMm, double? RegistrationCorrectionMm, string Note)
{
    /// <summary>Translation (x, y, z in mm, patient LPS) of the applied rigid refinement at the registration region's centre (fluid-sensitive → T1 point), or null when none was applied.</summary>
    public IReadOnlyList<double>? TranslationMm { get; init; }

    /// <summary>Rotation angle in degrees of the applied rigid refinement, or null when none was applied.</summary>
    public double? RotationDegrees { get; init; }
}

/// <summary>Normal-marrow reference statistics (modality values).</summary>
/// <param name="Source">"mask" or "estimated".</param>
/// <param name="VolumeMm3">Reference volume.</param>
/// <param name="FluidMedian">Median of the (smoothed) fluid-sensitive signal.</param>
/// <param name="FluidQ1">Lower quartile.</param>
/// <param name="FluidQ3">Upper quartile.</param>
/// <param name="FluidMean">Mean.</param>
/// <param name="FluidSd">Standard deviation.</param>
/// <param name="T1Median">Median T1 signal, or null.</param>
/// <param name="T1RobustSd">IQR/1.349 of T1, or null.</param>
public sealed record ReferenceMarrow(string Source, double VolumeMm3, double FluidMedian, double FluidQ1, double FluidQ3, double FluidMean, double FluidSd, double? T1Median, double? T1RobustSd);

/// <summary>The edema threshold.</summary>
/// <param name="Rule">Rule name ("robust", "q3-iqr", "mean-sd").</param>
/// <param name="K">Multiplier used (adaptive k resolved).</param>
/// <param name="FluidThreshold">Fluid-sensitive signal above which a voxel with normal T1 is edema (modality value).</param>
/// <param name="Description">The rule in words with its numbers.</param>
public sealed record ThresholdReport(string Rule, double K, double FluidThreshold, string Description);

/// <summary>The partial-volume model of edema fraction: fraction = (S − normal-marrow median) / (full − normal-marrow median), clamped to 0–1.</summary>
/// <param name="FullEdemaFluidSignal">Fluid-sensitive signal of fully edematous (fat-free) marrow, modality value (NaN when not estimable): the anchor of the binary edge and of follow-up re-measurement, fitted over every hyperintense marrow voxel. The edema fractions behind the fraction-weighted volume use the fit over the lesions brighter than muscle, given in <paramref name="Description"/> when it differs (docs/methods.md, "Partial-volume model").</param>
/// <param name="Source">"t1-fat-loss" (fluid rise per unit of T1 fat loss, muscle as fat-free anchor), "lesion-peak" (99th percentile of the hyperintense marrow) or "none".</param>
/// <param name="MinimumFraction">Fraction from which a voxel counts in the binary volume.</param>
/// <param name="BinaryEdgeFluidSignal">Fluid-sensitive signal at <paramref name="MinimumFraction"/> (the least edge level of every lesion), or NaN.</param>
/// <param name="Description">How the anchor was obtained, with its numbers, and the anchor of the edema fractions when it differs.</param>
public sealed record EdemaFractionModel(double FullEdemaFluidSignal, string Source, double MinimumFraction, double BinaryEdgeFluidSignal, string Description);

/// <summary>Edema volume when the threshold moves by ∓ a fraction.</summary>
/// <param name="Fraction">The fraction (0.10).</param>
/// <param name="VolumeAtLowerThresholdMm3">Volume at threshold × (1 − fraction) on the rule's scale.</param>
/// <param name="VolumeMm3">Volume at the threshold.</param>
/// <param name="VolumeAtHigherThresholdMm3">Volume at threshold × (1 + fraction).</param>
public sealed record ThresholdSensitivity(double Fraction, double VolumeAtLowerThresholdMm3, double VolumeMm3, double VolumeAtHigherThresholdMm3);

/// <summary>Measures of one bone, one region or the total.</summary>
public sealed record RegionFindings
{
    /// <summary>Bone or region name ("total" for all).</summary>
    public required string Name { get; init; }

    /// <summary>Label in the bone map (0 for the total).</summary>
    public required int Label { get; init; }

    /// <summary>Bone (region) volume.</summary>
    public required double RegionVolumeMm3 { get; init; }

    /// <summary>Edema volume.</summary>
    public required double EdemaVolumeMm3 { get; init; }

    /// <summary>Edema volume in mL.</summary>
    public double EdemaVolumeMilliliters => EdemaVolumeMm3 / 1000.0;

    /// <summary>Edema as % of the region.</summary>
    public required double PercentOfRegion { get; init; }

    /// <summary>Edema as % of all bone (for the total equals <see cref="PercentOfRegion"/>).</summary>
    public required double PercentOfAllBone { get; init; }

    /// <summary>Intensity-weighted burden: Σ voxel volume × (fluid signal − reference median) / (threshold − reference median), in mm³-equivalents.</summary>
    public required double IntensityWeightedBurdenMm3 { get; init; }

    /// <summary>
    /// Fraction-weighted (partial-volume) edema volume, mm³: Σ voxel volume × estimated edema fraction over every
    /// hyperintense lesion voxel, fractions from the fluid-sensitive signal between normal marrow (0) and fully
    /// edematous marrow (1, <see cref="EdemaFindings.EdemaFraction"/>). Comparable with a fraction-weighted truth;
    /// a faint lesion that is nowhere half edematous has a binary volume near 0 but a weighted volume.
    /// </summary>
    public double FractionWeightedVolumeMm3 { get; init; }

    /// <summary>Fraction-weighted edema volume in mL.</summary>
    public double FractionWeightedVolumeMilliliters => FractionWeightedVolumeMm3 / 1000.0;

    /// <summary>Grades by the published thirds and quarters.</summary>
    public required Grades Grades { get; init; }

    /// <summary>Where the edema lies.</summary>
    public required Distribution Distribution { get; init; }

    /// <summary>Signal ratios from modality values.</summary>
    public required SignalRatios Signal { get; init; }
}

/// <summary>Semi-quantitative grades from the edema fraction of a region (0 = no edema).</summary>
/// <param name="Worms">WORMS: 1 &lt;25 %, 2 25–50 %, 3 &gt;50 %.</param>
/// <param name="Moaks">MOAKS: 1 &lt;33 %, 2 33–66 %, 3 &gt;66 %.</param>
/// <param name="Berlin">Berlin (per bone, same thirds as MOAKS).</param>
public sealed record Grades(int Worms, int Moaks, int Berlin);

/// <summary>One depth band of edema from the articular surface.</summary>
/// <param name="FromMm">Lower edge (inclusive).</param>
/// <param name="ToMm">Upper edge (exclusive), null for the last band.</param>
/// <param name="VolumeMm3">Edema volume in the band.</param>
public sealed record DepthBand(double FromMm, double? ToMm, double VolumeMm3);

/// <summary>Distribution of edema.</summary>
public sealed record Distribution
{
    /// <summary>"articular surface" when other bones face this one across a joint, else "bone surface".</summary>
    public required string DepthReference { get; init; }

    /// <summary>Edema volume per depth band.</summary>
    public required IReadOnlyList<DepthBand> DepthBands { get; init; }

    /// <summary>Fraction of the edema volume within <see cref="AnalysisOptions.SubchondralDepthMm"/> of the articular surface.</summary>
    public required double SubchondralFraction { get; init; }

    /// <summary>Fraction of the edema volume within <see cref="AnalysisOptions.SubchondralDepthMm"/> of a non-articular (cortical) surface.</summary>
    public required double SubcorticalFraction { get; init; }

    /// <summary>Largest depth of edema from the articular surface.</summary>
    public required double MaxDepthMm { get; init; }

    /// <summary>95th percentile of edema depth.</summary>
    public required double P95DepthMm { get; init; }

    /// <summary>Extent of the edema along the bone's long axis from the articular surface, as % of the bone's extent along that axis.</summary>
    public required double EpiphysealExtentPercent { get; init; }

    /// <summary>Extent of the edema along the bone's long axis from the articular surface (mm).</summary>
    public required double EpiphysealExtentMm { get; init; }

    /// <summary>Number of separate lesions (26-connected, after the minimum size).</summary>
    public required int FociCount { get; init; }

    /// <summary>Largest focus as a fraction of the edema volume.</summary>
    public required double LargestFocusFraction { get; init; }

    /// <summary>Pattern class: "none", "subchondral", "diffuse", "subcortical", "patchy-multifocal".</summary>
    public required string Pattern { get; init; }

    /// <summary>The numbers and rule that led to <see cref="Pattern"/>.</summary>
    public required string PatternEvidence { get; init; }
}

/// <summary>Signal ratios (null when an input is missing or the edema is empty).</summary>
/// <param name="EdemaToNormalMarrow">Mean fluid signal in edema / mean in normal marrow.</param>
/// <param name="EdemaToMuscle">Mean fluid signal in edema / median of muscle (estimated soft tissue outside bone).</param>
/// <param name="T1EdemaToNormalMarrow">Mean T1 signal in edema / mean T1 in normal marrow.</param>
/// <param name="ContrastToNoise">(mean edema − mean normal) / SD of normal marrow on the fluid series.</param>
public sealed record SignalRatios(double? EdemaToNormalMarrow, double? EdemaToMuscle, double? T1EdemaToNormalMarrow, double? ContrastToNoise);

/// <summary>Subchondral low-signal band inside edema.</summary>
/// <param name="Bone">Bone name.</param>
/// <param name="ThicknessMm">Largest thickness perpendicular to the articular surface.</param>
/// <param name="LengthMm">Length along the articular surface.</param>
/// <param name="ThicknessFlag">Thickness beyond the published prognostic threshold.</param>
/// <param name="LengthFlag">Length beyond the published prognostic threshold.</param>
public sealed record SubchondralBand(string Bone, double ThicknessMm, double LengthMm, bool ThicknessFlag, bool LengthFlag);

/// <summary>Automated SPARCC-style sacroiliac score (per slice: 4 quadrants, +1 per joint with a deep lesion, +1 per joint with an intense lesion).</summary>
/// <param name="Total">Sum over scored slices.</param>
/// <param name="SlicesScored">Slices scored: the (up to) 6 consecutive slices with the most edema in the joint regions.</param>
/// <param name="QuadrantScore">Quadrants (ilium/sacrum × upper/lower) with edema, per joint side, summed.</param>
/// <param name="DepthScore">Joint-slices with a lesion ≥ deep depth.</param>
/// <param name="IntensityScore">Joint-slices with a lesion as bright as the fluid proxy (see docs/methods.md, "SPARCC").</param>
public sealed record SparccScore(int Total, int SlicesScored, int QuadrantScore, int DepthScore, int IntensityScore)
{
    /// <summary>Per joint and scored slice: which quadrants, deep and intense were counted.</summary>
    public IReadOnlyList<SparccJointSlice> Details { get; init; } = [];
}
