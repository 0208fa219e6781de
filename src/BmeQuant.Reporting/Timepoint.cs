using System.Text.Json.Serialization;
using BmeQuant.Imaging;

namespace BmeQuant.Reporting;

/// <summary>The measures of one bone or region at one timepoint, as read from findings.</summary>
/// <param name="Name">Bone or region name (the key matched across timepoints).</param>
/// <param name="EdemaVolumeMm3">Binary edema volume (voxels at least the analysis' minimum edema fraction).</param>
/// <param name="RegionVolumeMm3">Volume of the bone or region.</param>
/// <param name="EdemaToNormalMarrow">Mean fluid signal in edema / normal marrow, or null.</param>
/// <param name="Pattern">Pattern class ("none", "subchondral", …).</param>
/// <param name="FociCount">Number of lesions.</param>
/// <param name="Centroid">Centroid of the edema in patient coordinates (LPS mm), or null when none or unknown.</param>
public sealed record RegionMeasure(
    string Name,
    double EdemaVolumeMm3,
    double RegionVolumeMm3,
    double? EdemaToNormalMarrow,
    string Pattern,
    int FociCount,
    Vector3D? Centroid = null)
{
    /// <summary>Edema volume in mL.</summary>
    public double EdemaVolumeMilliliters => EdemaVolumeMm3 / 1000.0;

    /// <summary>
    /// Fraction-weighted (partial-volume) edema volume, mm³: Σ voxel volume × estimated edema fraction; null when the
    /// findings did not carry it.
    /// </summary>
    public double? FractionWeightedVolumeMm3 { get; init; }
}

/// <summary>Optional images of a timepoint for the HTML report (all on the fluid-sensitive grid).</summary>
/// <param name="FluidSensitive">STIR / fat-suppressed series.</param>
/// <param name="T1">T1 series on the same grid, or null.</param>
/// <param name="Edema">Edema mask (1 = edema).</param>
/// <param name="BoneLabels">Bone label map on the same grid, or null; with <paramref name="BoneNames"/> it enables per-bone
/// registration between timepoints and per-bone lesion overlap.</param>
/// <param name="BoneNames">Names of the labels of <paramref name="BoneLabels"/> (matched across timepoints by name).</param>
public sealed record TimepointImages(
    Volume<float> FluidSensitive,
    Volume<float>? T1,
    Volume<byte> Edema,
    Volume<int>? BoneLabels = null,
    IReadOnlyDictionary<int, string>? BoneNames = null)
{
    /// <summary>
    /// The analysis' partial-volume anchor as a ratio: fluid-sensitive signal of fully edematous marrow / normal-marrow
    /// median (findings' <c>edemaFraction.fullEdemaFluidSignal</c> / <c>reference.fluidMedian</c>), or null when unknown.
    /// With bone labels it enables the paired re-measurement of each bone's fraction-weighted edema between timepoints
    /// (<see cref="LesionOverlap.LaterRemeasuredMm3"/>).
    /// </summary>
    public double? FullEdemaSignalRatio { get; init; }
}

/// <summary>One visit of a patient: when it was, and the measures per bone or region.</summary>
public sealed record TimepointMeasures
{
    /// <summary>Display label (e.g. "baseline", "visit 2", the study date).</summary>
    public required string Label { get; init; }

    /// <summary>Acquisition date, when known (de-identified data may only have day offsets).</summary>
    public DateOnly? Date { get; init; }

    /// <summary>Days since the first timepoint (or any fixed origin); orders the timepoints.</summary>
    public required double DayOffset { get; init; }

    /// <summary>Per bone or region, in the order of the findings.</summary>
    public required IReadOnlyList<RegionMeasure> Regions { get; init; }

    /// <summary>Total binary edema volume over all bones.</summary>
    public required double TotalEdemaVolumeMm3 { get; init; }

    /// <summary>Total fraction-weighted edema volume over all bones, mm³; null when the findings did not carry it.</summary>
    public double? TotalFractionWeightedVolumeMm3 { get; init; }

    /// <summary>Joint imaged (e.g. "Knee").</summary>
    public string Anatomy { get; init; } = "Unknown";

    /// <summary>Input series UIDs and sources of the analysis (provenance).</summary>
    public IReadOnlyList<string> InputSeries { get; init; } = [];

    /// <summary>Where the findings came from (file or folder).</summary>
    public string? Source { get; init; }

    /// <summary>Edema volume at threshold −/+ a fraction (repeatability evidence), when known.</summary>
    public VolumeRange? ThresholdSensitivityMm3 { get; init; }

    /// <summary>Warnings and notes carried from the analysis.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Images for the report, or null (not serialised).</summary>
    [JsonIgnore]
    public TimepointImages? Images { get; init; }
}

/// <summary>A pair of volumes (e.g. edema volume at threshold −10 % and +10 %).</summary>
/// <param name="LowerMm3">First volume.</param>
/// <param name="UpperMm3">Second volume.</param>
public sealed record VolumeRange(double LowerMm3, double UpperMm3);
