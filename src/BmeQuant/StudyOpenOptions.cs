using BmeQuant.Dicom.Series;
using BmeQuant.Quantification;

namespace BmeQuant;

/// <summary>
/// How a study is opened. Immutable; every property has a documented default, so <c>new StudyOpenOptions()</c>
/// (or null) opens a folder with roles picked automatically and the anatomy read from the headers.
/// </summary>
public sealed record StudyOpenOptions
{
    /// <summary>The defaults.</summary>
    public static StudyOpenOptions Default { get; } = new();

    /// <summary>The joint imaged; null (default) = from header evidence (BodyPartExamined, study/series descriptions), else <see cref="Quantification.Anatomy.Unknown"/>.</summary>
    public Anatomy? Anatomy { get; init; }

    /// <summary>Optional bone label map (NIfTI: 0 = background, each positive label a bone or region), e.g. from another tool. Null (default) = bones segmented automatically.</summary>
    public string? BoneMaskPath { get; init; }

    /// <summary>Names of the labels of <see cref="BoneMaskPath"/> (missing labels are named "label N"); null (default) = all numbered.</summary>
    public IReadOnlyDictionary<int, string>? BoneLabelNames { get; init; }

    /// <summary>Optional normal-marrow mask drawn by a reader (NIfTI, non-zero = reference). Null (default) = estimated.</summary>
    public string? ReferenceMaskPath { get; init; }

    /// <summary>
    /// When a folder holds several studies, the StudyInstanceUID (0020,000D) of the one to open. Null (default): the
    /// folder must hold exactly one study with both a T1 and a fluid-sensitive series, else opening fails listing them.
    /// </summary>
    public string? StudyInstanceUid { get; init; }

    /// <summary>How DICOM series are assembled into volumes (default strict: irregular or tilted stacks are refused, not resampled).</summary>
    public SeriesAssemblyOptions Assembly { get; init; } = SeriesAssemblyOptions.Default;

    /// <summary>Whether a T1 series is required (default false: without one, T1 support and T1 ratios are skipped and bones must come from <see cref="BoneMaskPath"/>).</summary>
    public bool RequireT1 { get; init; }

    /// <summary>Bounds the parallelism of header discovery and pixel decoding (default -1 = all cores).</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>
    /// Header discoveries already made by the caller, keyed by the folder path exactly as it is passed in (the batch
    /// preflight reads every header once to check limits and identifiers; the loader reuses that instead of walking
    /// and parsing the folder a second time).
    /// </summary>
    internal IReadOnlyDictionary<string, BmeQuant.Dicom.Series.DiscoveryResult>? Discovered { get; init; }
}
