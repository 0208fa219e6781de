using BmeQuant.Imaging;
using BmeQuant.Quantification;

namespace BmeQuant;

/// <summary>Where a series of a study was read from.</summary>
public enum SeriesSourceKind
{
    /// <summary>A DICOM series (one stack of one SeriesInstanceUID).</summary>
    Dicom,

    /// <summary>A NIfTI-1/2 file (.nii or .nii.gz).</summary>
    Nifti,

    /// <summary>A volume given in memory.</summary>
    Memory,
}

/// <summary>One series of an opened study: its volume (modality values, LPS geometry in mm) and where it came from.</summary>
/// <param name="Volume">The voxels, rescale applied.</param>
/// <param name="Provenance">SeriesInstanceUID, description and source, as written into the findings.</param>
/// <param name="Kind">DICOM, NIfTI or in-memory.</param>
/// <param name="Role">The role found from the header evidence (e.g. "Stir", "T1"), or null when it was given, not classified.</param>
/// <param name="RoleEvidence">The header facts behind <paramref name="Role"/> (empty when not classified).</param>
/// <param name="InstanceCount">Number of DICOM SOP instances read (0 for NIfTI or memory).</param>
public sealed record StudySeries(
    Volume<float> Volume,
    SeriesProvenance Provenance,
    SeriesSourceKind Kind,
    string? Role,
    IReadOnlyList<string> RoleEvidence,
    int InstanceCount);
