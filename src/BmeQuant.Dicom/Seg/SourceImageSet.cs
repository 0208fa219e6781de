using BmeQuant.Dicom.Series;
using BmeQuant.Imaging;

namespace BmeQuant.Dicom.Seg;

/// <summary>One source image (a slice of the source grid) that a derived object references.</summary>
/// <param name="SopClassUid">Its SOP Class UID.</param>
/// <param name="SopInstanceUid">Its SOP Instance UID.</param>
/// <param name="FrameNumber">1-based frame number inside a multi-frame source, or null for a single-frame image.</param>
public sealed record SourceImage(string SopClassUid, string SopInstanceUid, int? FrameNumber = null);

/// <summary>
/// The source series a segmentation or report is derived from: its grid (slice k of the geometry is
/// <see cref="Slices"/>[k]), the image each slice came from, and the header that supplies patient and study attributes.
/// The grid must be the one DICOM defines for the images: index i along the row direction (columns), j along the
/// column direction (rows), k across slices.
/// </summary>
public sealed class SourceImageSet
{
    /// <summary>Creates a source description.</summary>
    /// <param name="geometry">The source grid.</param>
    /// <param name="slices">One entry per slice k (null for a slice without a source image, e.g. interpolated).</param>
    /// <param name="header">A source image header: Patient, General Study and Frame of Reference attributes are copied from it.</param>
    /// <exception cref="ArgumentException">The slice count differs from the grid's SizeZ, or the header lacks StudyInstanceUID / SeriesInstanceUID.</exception>
    public SourceImageSet(ImageGeometry geometry, IReadOnlyList<SourceImage?> slices, DicomDataset header)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentNullException.ThrowIfNull(header);
        if (slices.Count != geometry.SizeZ)
        {
            throw new ArgumentException($"{slices.Count} source slices given for a grid of {geometry.SizeZ} slices", nameof(slices));
        }

        Geometry = geometry;
        Slices = slices;
        Header = header;
        StudyInstanceUid = header.GetStringOrDefault(DicomTag.StudyInstanceUID, string.Empty);
        SeriesInstanceUid = header.GetStringOrDefault(DicomTag.SeriesInstanceUID, string.Empty);
        FrameOfReferenceUid = header.GetStringOrDefault(DicomTag.FrameOfReferenceUID, string.Empty);
        if (StudyInstanceUid.Length == 0 || SeriesInstanceUid.Length == 0)
        {
            throw new ArgumentException($"source header lacks (0020,000D) StudyInstanceUID or (0020,000E) SeriesInstanceUID (found '{StudyInstanceUid}', '{SeriesInstanceUid}')", nameof(header));
        }
    }

    /// <summary>The source grid (masks written against it must lie on it).</summary>
    public ImageGeometry Geometry { get; }

    /// <summary>The source image of each slice k.</summary>
    public IReadOnlyList<SourceImage?> Slices { get; }

    /// <summary>The header patient and study attributes come from.</summary>
    public DicomDataset Header { get; }

    /// <summary>StudyInstanceUID of the source.</summary>
    public string StudyInstanceUid { get; }

    /// <summary>SeriesInstanceUID of the source.</summary>
    public string SeriesInstanceUid { get; }

    /// <summary>FrameOfReferenceUID of the source (empty when absent; a new one is then generated for the derived object).</summary>
    public string FrameOfReferenceUid { get; }

    /// <summary>The distinct source images, in slice order.</summary>
    public IEnumerable<SourceImage> Images => Slices.OfType<SourceImage>().DistinctBy(s => s.SopInstanceUid);

    /// <summary>Describes an assembled DICOM series: its volume's grid, the SOP instance of each slice and the first header.</summary>
    public static SourceImageSet FromSeriesVolume(SeriesVolume volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        var classByInstance = volume.Series.Instances.ToDictionary(i => i.SopInstanceUid, i => (i.SopClassUid, i.NumberOfFrames), StringComparer.Ordinal);
        var slices = new SourceImage?[volume.Volume.SizeZ];
        foreach (var p in volume.Provenance)
        {
            if (p.Interpolated || (uint)p.SliceIndex >= (uint)slices.Length || !classByInstance.TryGetValue(p.SopInstanceUid, out var info))
            {
                continue;
            }

            slices[p.SliceIndex] = new SourceImage(info.SopClassUid, p.SopInstanceUid, info.NumberOfFrames > 1 ? p.FrameIndex + 1 : null);
        }

        return new SourceImageSet(volume.Volume.Geometry, slices, volume.Series.Header);
    }
}
