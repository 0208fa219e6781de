using BmeQuant.Imaging;

namespace BmeQuant.Quantification;

/// <summary>The joint imaged; selects bone names, the epiphysis model and joint-specific scores.</summary>
public enum Anatomy
{
    /// <summary>Not known: bones are numbered, not named.</summary>
    Unknown,

    /// <summary>Knee: femur, tibia, patella, fibula.</summary>
    Knee,

    /// <summary>Hip: femoral head/neck, acetabulum.</summary>
    Hip,

    /// <summary>Ankle and hindfoot: tibia, fibula, talus, calcaneus, navicular …</summary>
    Ankle,

    /// <summary>Sacroiliac joints: sacrum, ilium left and right.</summary>
    SacroiliacJoint,
}

/// <summary>Where one input series came from, copied into the findings for provenance.</summary>
/// <param name="SeriesInstanceUid">DICOM SeriesInstanceUID, or null for a NIfTI file without one.</param>
/// <param name="SeriesDescription">DICOM SeriesDescription or the NIfTI <c>descrip</c> field.</param>
/// <param name="Source">File or folder the series was read from (as the user gave it).</param>
public sealed record SeriesProvenance(string? SeriesInstanceUid, string? SeriesDescription, string? Source);

/// <summary>
/// One study to quantify: the fluid-sensitive fat-suppressed series (STIR, PD/T2 fat-sat, Dixon water), the T1
/// series, and optionally a bone label map and a normal-marrow reference mask. Voxel values must be modality
/// values (rescale applied). T1, labels and reference may lie on other grids: they are brought onto the
/// fluid-sensitive grid through their patient geometry.
/// </summary>
public sealed record StudyInput
{
    /// <summary>Creates an input from the two series.</summary>
    /// <param name="fluidSensitive">STIR or other fat-suppressed fluid-sensitive series (the analysis grid).</param>
    /// <param name="t1">T1-weighted series, or null when none was acquired (T1 support and T1 ratios are then skipped).</param>
    public StudyInput(Volume<float> fluidSensitive, Volume<float>? t1)
    {
        ArgumentNullException.ThrowIfNull(fluidSensitive);
        FluidSensitive = fluidSensitive;
        T1 = t1;
    }

    /// <summary>Fluid-sensitive fat-suppressed series; its grid is the analysis grid.</summary>
    public Volume<float> FluidSensitive { get; }

    /// <summary>T1-weighted series, or null.</summary>
    public Volume<float>? T1 { get; }

    /// <summary>Provenance of <see cref="FluidSensitive"/>.</summary>
    public SeriesProvenance FluidSensitiveSeries { get; init; } = new(null, null, null);

    /// <summary>Provenance of <see cref="T1"/>.</summary>
    public SeriesProvenance? T1Series { get; init; }

    /// <summary>
    /// Optional label map (0 = background, each positive label a bone or region), e.g. from another tool or a reader.
    /// When null, bones are segmented automatically.
    /// </summary>
    public Volume<int>? BoneLabels { get; init; }

    /// <summary>Names of the labels of <see cref="BoneLabels"/>; missing labels are named "label N".</summary>
    public IReadOnlyDictionary<int, string>? LabelNames { get; init; }

    /// <summary>Source of <see cref="BoneLabels"/> for provenance (file name).</summary>
    public string? BoneLabelsSource { get; init; }

    /// <summary>Optional mask of normal marrow drawn by a reader (non-zero = reference).</summary>
    public Volume<byte>? ReferenceMask { get; init; }

    /// <summary>Source of <see cref="ReferenceMask"/> for provenance (file name).</summary>
    public string? ReferenceMaskSource { get; init; }

    /// <summary>The joint imaged (names bones, enables joint-specific scores).</summary>
    public Anatomy Anatomy { get; init; } = Anatomy.Unknown;

    /// <summary>
    /// What was adapted while the inputs were read (a grid taken from another series, a header transform chosen over
    /// another, a series picked among several …), each naming the file; copied first into the findings' notes.
    /// </summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>A copy with other volumes and every other property kept.</summary>
    internal StudyInput WithVolumes(Volume<float> fluidSensitive, Volume<float>? t1) => new(fluidSensitive, t1)
    {
        FluidSensitiveSeries = FluidSensitiveSeries,
        T1Series = T1Series,
        BoneLabels = BoneLabels,
        LabelNames = LabelNames,
        BoneLabelsSource = BoneLabelsSource,
        ReferenceMask = ReferenceMask,
        ReferenceMaskSource = ReferenceMaskSource,
        Anatomy = Anatomy,
        Notes = Notes,
    };
}
