using System.Globalization;

namespace BmeQuant.Dicom.Series;

/// <summary>
/// One stack of a series: slices of one SeriesInstanceUID that share orientation, size, echo, image type and
/// (for 4-D data) time point, so they can form one 3-D volume. A SeriesInstanceUID that mixes these is split into
/// several <see cref="DicomSeries"/>, each saying in <see cref="SplitDescription"/> what sets it apart.
/// </summary>
public sealed class DicomSeries
{
    private readonly Lock _lock = new();
    private SeriesGeometry? _geometry;

    internal DicomSeries(IReadOnlyList<DicomSlice> slices, string? splitDescription, int volumeIndex, int volumeCount)
    {
        Slices = slices;
        SplitDescription = splitDescription;
        VolumeIndex = volumeIndex;
        VolumeCount = volumeCount;
        var h = slices[0].Instance.Header;
        Header = h;
        SeriesInstanceUid = slices[0].Instance.SeriesInstanceUid;
        StudyInstanceUid = slices[0].Instance.StudyInstanceUid;
        PatientId = slices[0].Instance.PatientId;
        SeriesNumber = h.TryGetValue<int>(DicomTag.SeriesNumber, out var sn) ? sn : null;
        SeriesDescription = h.GetStringOrDefault(DicomTag.SeriesDescription, string.Empty);
        Modality = h.GetStringOrDefault(DicomTag.Modality, string.Empty);
        Manufacturer = h.GetStringOrDefault(DicomTag.Manufacturer, string.Empty);
        Instances = slices.Select(s => s.Instance).Distinct().ToArray();
    }

    /// <summary>SeriesInstanceUID (0020,000E).</summary>
    public string SeriesInstanceUid { get; }

    /// <summary>StudyInstanceUID (0020,000D).</summary>
    public string StudyInstanceUid { get; }

    /// <summary>PatientID (0010,0020).</summary>
    public string PatientId { get; }

    /// <summary>SeriesNumber (0020,0011), null when absent.</summary>
    public int? SeriesNumber { get; }

    /// <summary>SeriesDescription (0008,103E).</summary>
    public string SeriesDescription { get; }

    /// <summary>Modality (0008,0060).</summary>
    public string Modality { get; }

    /// <summary>Manufacturer (0008,0070).</summary>
    public string Manufacturer { get; }

    /// <summary>The header of the first instance (for classification and sidecars).</summary>
    public DicomDataset Header { get; }

    /// <summary>The instances contributing slices.</summary>
    public IReadOnlyList<DicomInstance> Instances { get; }

    /// <summary>The 2-D images (unsorted; see <see cref="Geometry"/> for volume order).</summary>
    public IReadOnlyList<DicomSlice> Slices { get; }

    /// <summary>What distinguishes this stack from the others of the same SeriesInstanceUID (e.g. "echo 2 (TE 80 ms)", "volume 3/10"), or null when the series was not split.</summary>
    public string? SplitDescription { get; }

    /// <summary>Index of this 3-D volume in a 4-D series (0 for 3-D data).</summary>
    public int VolumeIndex { get; }

    /// <summary>Number of 3-D volumes of the 4-D series this belongs to (1 for 3-D data).</summary>
    public int VolumeCount { get; }

    /// <summary>Rows of each image.</summary>
    public int Rows => Slices[0].Instance.Rows;

    /// <summary>Columns of each image.</summary>
    public int Columns => Slices[0].Instance.Columns;

    /// <summary>A label for messages: series number, description, split and UID.</summary>
    public string Label => string.Create(
        CultureInfo.InvariantCulture,
        $"#{SeriesNumber?.ToString(CultureInfo.InvariantCulture) ?? "?"} '{SeriesDescription}'{(SplitDescription is null ? string.Empty : " [" + SplitDescription + "]")} ({SeriesInstanceUid})");

    /// <summary>The geometry under the default (strict) options, computed once from the headers.</summary>
    public SeriesGeometry Geometry
    {
        get
        {
            lock (_lock)
            {
                return _geometry ??= SeriesGeometry.Analyze(Slices, Label, SeriesInstanceUid, SeriesAssemblyOptions.Default);
            }
        }
    }

    /// <summary>Analyses the geometry under <paramref name="options"/> (headers only).</summary>
    public SeriesGeometry AnalyzeGeometry(SeriesAssemblyOptions? options = null) =>
        options is null || options == SeriesAssemblyOptions.Default ? Geometry : SeriesGeometry.Analyze(Slices, Label, SeriesInstanceUid, options);

    /// <summary>
    /// Reads the pixels and builds the volume: modality values (rescale applied per image or frame), geometry in LPS,
    /// provenance (SOPInstanceUID → slice index).
    /// </summary>
    /// <exception cref="InconsistentSeriesException">The stack cannot be one regular volume under <paramref name="options"/>.</exception>
    /// <exception cref="DicomException">A file or its pixel data is unreadable (the message names the file).</exception>
    public SeriesVolume ToVolume(SeriesAssemblyOptions? options = null, CancellationToken cancellationToken = default) =>
        SeriesAssembler.Assemble(this, AnalyzeGeometry(options), cancellationToken);

    /// <inheritdoc/>
    public override string ToString() => Label;
}
