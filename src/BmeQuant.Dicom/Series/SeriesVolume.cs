using BmeQuant.Imaging;

namespace BmeQuant.Dicom.Series;

/// <summary>Where one output slice of a <see cref="SeriesVolume"/> came from.</summary>
/// <param name="SliceIndex">The k index in the volume.</param>
/// <param name="SopInstanceUid">SOPInstanceUID of the source image (of the first source when interpolated).</param>
/// <param name="FrameIndex">Frame of the source in a multi-frame object (0 otherwise).</param>
/// <param name="FilePath">The source file.</param>
/// <param name="Interpolated">True when the slice was interpolated between two acquired slices.</param>
public sealed record SliceProvenance(int SliceIndex, string SopInstanceUid, int FrameIndex, string FilePath, bool Interpolated);

/// <summary>A series turned into a volume: modality values, LPS geometry, and where every slice came from.</summary>
public sealed class SeriesVolume
{
    internal SeriesVolume(DicomSeries series, SeriesGeometry geometry, Volume<float> volume, IReadOnlyList<SliceProvenance> provenance)
    {
        Series = series;
        GeometryReport = geometry;
        Volume = volume;
        Provenance = provenance;
        SliceIndexBySopInstanceUid = provenance
            .Where(p => !p.Interpolated && series.Instances.First(i => i.SopInstanceUid == p.SopInstanceUid).NumberOfFrames == 1)
            .GroupBy(p => p.SopInstanceUid, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().SliceIndex, StringComparer.Ordinal);
    }

    /// <summary>The series the volume was built from.</summary>
    public DicomSeries Series { get; }

    /// <summary>The geometry analysis used (problems found and resampling applied).</summary>
    public SeriesGeometry GeometryReport { get; }

    /// <summary>The voxels: modality values (stored × RescaleSlope + RescaleIntercept of each image or frame), x fastest.</summary>
    public Volume<float> Volume { get; }

    /// <summary>One entry per output slice.</summary>
    public IReadOnlyList<SliceProvenance> Provenance { get; }

    /// <summary>SOPInstanceUID → slice index for single-frame images used as acquired (multi-frame sources are in <see cref="Provenance"/>).</summary>
    public IReadOnlyDictionary<string, int> SliceIndexBySopInstanceUid { get; }
}
