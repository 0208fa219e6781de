using System.Globalization;
using BmeQuant.Imaging;

namespace BmeQuant.Dicom.Series;

/// <summary>
/// The header facts of one DICOM image file (one SOP instance), read without its pixel data, and the 2-D images
/// (<see cref="Slices"/>) it holds: one for a classic image, one per frame for an enhanced multi-frame object.
/// </summary>
public sealed class DicomInstance
{
    private DicomInstance(string filePath, DicomDataset header, TransferSyntax transferSyntax)
    {
        FilePath = filePath;
        Header = header;
        TransferSyntax = transferSyntax;
    }

    /// <summary>The file it was read from.</summary>
    public string FilePath { get; }

    /// <summary>The dataset without its pixel data (kept for classification, de-identification checks and sidecars).</summary>
    public DicomDataset Header { get; }

    /// <summary>The transfer syntax of the file.</summary>
    public TransferSyntax TransferSyntax { get; }

    /// <summary>SOPInstanceUID (0008,0018).</summary>
    public string SopInstanceUid { get; private init; } = string.Empty;

    /// <summary>SOPClassUID (0008,0016).</summary>
    public string SopClassUid { get; private init; } = string.Empty;

    /// <summary>SeriesInstanceUID (0020,000E).</summary>
    public string SeriesInstanceUid { get; private init; } = string.Empty;

    /// <summary>StudyInstanceUID (0020,000D).</summary>
    public string StudyInstanceUid { get; private init; } = string.Empty;

    /// <summary>PatientID (0010,0020), empty when absent.</summary>
    public string PatientId { get; private init; } = string.Empty;

    /// <summary>Rows (0028,0010).</summary>
    public int Rows { get; private init; }

    /// <summary>Columns (0028,0011).</summary>
    public int Columns { get; private init; }

    /// <summary>Number of frames (0028,0008), 1 when absent.</summary>
    public int NumberOfFrames { get; private init; } = 1;

    /// <summary>InstanceNumber (0020,0013), 0 when absent.</summary>
    public int InstanceNumber { get; private init; }

    /// <summary>True for an enhanced (multi-frame, functional-group) object.</summary>
    public bool IsEnhanced { get; private init; }

    /// <summary>When the image is a mosaic (several slices tiled into one image: Siemens MOSAIC, UIH), the reason; else null.</summary>
    public string? MosaicEvidence { get; private init; }

    /// <summary>ImageType (0008,0008) values, upper case.</summary>
    public IReadOnlyList<string> ImageType { get; private init; } = [];

    /// <summary>The 2-D images of this instance (one per frame).</summary>
    public IReadOnlyList<DicomSlice> Slices { get; private set; } = [];

    /// <summary>True when the instance has pixel rows and columns (an image rather than a raw-data, report or DICOMDIR object).</summary>
    public bool IsImage => Rows > 0 && Columns > 0 && HasPixelData;

    /// <summary>True when the dataset has a Pixel Data, Float Pixel Data or Double Float Pixel Data element.</summary>
    public bool HasPixelData { get; private init; }

    /// <summary>Builds the instance facts from a header dataset.</summary>
    internal static DicomInstance FromDataset(string filePath, DicomDataset ds, TransferSyntax ts)
    {
        var imageType = ds.TryGetString(DicomTag.ImageType, out var it)
            ? it.Split('\\').Select(s => s.Trim().ToUpperInvariant()).Where(s => s.Length > 0).ToArray()
            : [];
        var perFrame = ds.TryGetSequence(DicomTag.PerFrameFunctionalGroupsSequence, out var pf) ? pf : null;
        var frames = Math.Max(1, ds.GetValueOrDefault(DicomTag.NumberOfFrames, 1));
        var rows = ds.GetValueOrDefault(DicomTag.Rows, 0);
        var columns = ds.GetValueOrDefault(DicomTag.Columns, 0);
        var inst = new DicomInstance(filePath, ds, ts)
        {
            SopInstanceUid = ds.GetStringOrDefault(DicomTag.SOPInstanceUID, string.Empty),
            SopClassUid = ds.GetStringOrDefault(DicomTag.SOPClassUID, string.Empty),
            SeriesInstanceUid = ds.GetStringOrDefault(DicomTag.SeriesInstanceUID, string.Empty),
            StudyInstanceUid = ds.GetStringOrDefault(DicomTag.StudyInstanceUID, string.Empty),
            PatientId = ds.GetStringOrDefault(DicomTag.PatientID, string.Empty),
            Rows = rows,
            Columns = columns,
            NumberOfFrames = frames,
            InstanceNumber = ds.GetValueOrDefault(DicomTag.InstanceNumber, 0),
            IsEnhanced = perFrame is not null || ds.Contains(DicomTag.SharedFunctionalGroupsSequence),
            ImageType = imageType,
            MosaicEvidence = DetectMosaic(ds, imageType, rows, columns),
            HasPixelData = ds.Contains(DicomTag.PixelData) || ds.Contains(DicomTag.FloatPixelData) || ds.Contains(DicomTag.DoubleFloatPixelData),
        };
        var slices = new DicomSlice[inst.IsImage ? frames : 0];
        for (var f = 0; f < slices.Length; f++)
        {
            slices[f] = BuildSlice(inst, ds, f);
        }

        inst.Slices = slices;
        return inst;
    }

    private static string? DetectMosaic(DicomDataset ds, string[] imageType, int rows, int columns)
    {
        if (imageType.Contains("MOSAIC"))
        {
            return "ImageType (0008,0008) contains MOSAIC";
        }

        if (ds.TryGetPrivateTag(0x0019, "SIEMENS MR HEADER", 0x0A, out var n) && ds.TryGetValue<int>(n, out var count) && count > 1)
        {
            return FormattableString.Invariant($"Siemens NumberOfImagesInMosaic {n} = {count}");
        }

        // UIH: the acquisition matrix "a*b" in (0065,xx04) of "Image Private Header" tiles into larger Rows x Columns.
        if (ds.TryGetPrivateTag(0x0065, "Image Private Header", 0x04, out var m) && ds.TryGetString(m, out var matrix))
        {
            var parts = matrix.Split('*');
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var a)
                && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var b)
                && a > 0 && b > 0 && rows % b == 0 && columns % a == 0 && (rows > b || columns > a))
            {
                return FormattableString.Invariant($"UIH acquisition matrix {m} '{matrix}' tiled into {rows}x{columns} (mosaic)");
            }
        }

        return null;
    }

    private static DicomSlice BuildSlice(DicomInstance inst, DicomDataset ds, int frame)
    {
        var groups = FunctionalGroups(ds, frame);
        var ipp = FromGroups(groups, DicomTag.PlanePositionSequence, DicomTag.ImagePositionPatient) ?? Doubles(ds, DicomTag.ImagePositionPatient);
        var iop = FromGroups(groups, DicomTag.PlaneOrientationSequence, DicomTag.ImageOrientationPatient) ?? Doubles(ds, DicomTag.ImageOrientationPatient);
        var ps = FromGroups(groups, DicomTag.PixelMeasuresSequence, DicomTag.PixelSpacing) ?? Doubles(ds, DicomTag.PixelSpacing);
        var thickness = FromGroups(groups, DicomTag.PixelMeasuresSequence, DicomTag.SliceThickness) ?? Doubles(ds, DicomTag.SliceThickness);
        var te = FromGroups(groups, DicomTag.MREchoSequence, DicomTag.EffectiveEchoTime) ?? Doubles(ds, DicomTag.EchoTime);
        var temporal = FromGroups(groups, DicomTag.FrameContentSequence, DicomTag.TemporalPositionIndex) ?? Doubles(ds, DicomTag.TemporalPositionIdentifier);
        var stack = FromGroups(groups, DicomTag.FrameContentSequence, DicomTag.InStackPositionNumber);

        return new DicomSlice
        {
            Instance = inst,
            FrameIndex = frame,
            Position = ipp is { Length: >= 3 } && ipp.Take(3).All(double.IsFinite) ? new Vector3D(ipp[0], ipp[1], ipp[2]) : null,
            RowCosine = iop is { Length: >= 6 } && iop.Take(6).All(double.IsFinite) ? new Vector3D(iop[0], iop[1], iop[2]) : null,
            ColumnCosine = iop is { Length: >= 6 } && iop.Take(6).All(double.IsFinite) ? new Vector3D(iop[3], iop[4], iop[5]) : null,
            RowSpacingMm = ps is { Length: >= 2 } && ps[0] > 0 && ps[1] > 0 ? ps[0] : null,
            ColumnSpacingMm = ps is { Length: >= 2 } && ps[0] > 0 && ps[1] > 0 ? ps[1] : null,
            SliceThicknessMm = thickness is { Length: >= 1 } && thickness[0] > 0 ? thickness[0] : null,
            EchoTimeMs = te is { Length: >= 1 } ? te[0] : null,
            EchoNumber = ds.TryGetValue<int>(DicomTag.EchoNumbers, out var en) ? en : null,
            TemporalPosition = temporal is { Length: >= 1 } ? (int)temporal[0] : null,
            AcquisitionNumber = ds.TryGetValue<int>(DicomTag.AcquisitionNumber, out var an) ? an : null,
            InStackPosition = stack is { Length: >= 1 } ? (int)stack[0] : null,
        };
    }

    private static DicomDataset[] FunctionalGroups(DicomDataset ds, int frame)
    {
        var list = new List<DicomDataset>(2);
        if (ds.TryGetSequence(DicomTag.PerFrameFunctionalGroupsSequence, out var pf) && frame < pf.Items.Count)
        {
            list.Add(pf.Items[frame]);
        }

        if (ds.TryGetSequence(DicomTag.SharedFunctionalGroupsSequence, out var sh) && sh.Items.Count > 0)
        {
            list.Add(sh.Items[0]);
        }

        return [.. list];
    }

    private static double[]? FromGroups(DicomDataset[] groups, DicomTag sequence, DicomTag tag)
    {
        foreach (var g in groups)
        {
            if (g.TryGetSequence(sequence, out var s) && s.Items.Count > 0 && Doubles(s.Items[0], tag) is { } v)
            {
                return v;
            }
        }

        return null;
    }

    private static double[]? Doubles(DicomDataset ds, DicomTag tag) =>
        ds.TryGetValues<double>(tag, out var v) && v.Length > 0 ? v : null;

    /// <inheritdoc/>
    public override string ToString() => FilePath;
}

/// <summary>One 2-D image of a series: a classic single-frame file or one frame of an enhanced object, with its plane.</summary>
public sealed class DicomSlice
{
    /// <summary>The instance holding the image.</summary>
    public required DicomInstance Instance { get; init; }

    /// <summary>Frame index in the instance (0 for single-frame images).</summary>
    public int FrameIndex { get; init; }

    /// <summary>ImagePositionPatient: centre of the first transmitted pixel, LPS mm; null when absent.</summary>
    public Vector3D? Position { get; init; }

    /// <summary>Direction of the rows (first three values of ImageOrientationPatient); null when absent.</summary>
    public Vector3D? RowCosine { get; init; }

    /// <summary>Direction of the columns (last three values of ImageOrientationPatient); null when absent.</summary>
    public Vector3D? ColumnCosine { get; init; }

    /// <summary>PixelSpacing[0]: distance between rows (y), mm.</summary>
    public double? RowSpacingMm { get; init; }

    /// <summary>PixelSpacing[1]: distance between columns (x), mm.</summary>
    public double? ColumnSpacingMm { get; init; }

    /// <summary>SliceThickness, mm (never used for spacing).</summary>
    public double? SliceThicknessMm { get; init; }

    /// <summary>EchoTime (or EffectiveEchoTime of an enhanced frame), ms.</summary>
    public double? EchoTimeMs { get; init; }

    /// <summary>EchoNumbers (0018,0086).</summary>
    public int? EchoNumber { get; init; }

    /// <summary>TemporalPositionIdentifier (classic) or TemporalPositionIndex (enhanced frame).</summary>
    public int? TemporalPosition { get; init; }

    /// <summary>AcquisitionNumber (0020,0012).</summary>
    public int? AcquisitionNumber { get; init; }

    /// <summary>InStackPositionNumber of an enhanced frame.</summary>
    public int? InStackPosition { get; init; }

    /// <summary>File path and frame.</summary>
    public override string ToString() => Instance.NumberOfFrames > 1
        ? string.Create(CultureInfo.InvariantCulture, $"{Instance.FilePath} frame {FrameIndex + 1}")
        : Instance.FilePath;
}
