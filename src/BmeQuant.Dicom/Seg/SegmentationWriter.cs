using BmeQuant.Dicom.Sr;
using BmeQuant.Imaging;

namespace BmeQuant.Dicom.Seg;

/// <summary>Identity and labelling of a Segmentation object.</summary>
public sealed record SegmentationOptions
{
    /// <summary>Binary (1 bit) or fractional (8 bit) storage.</summary>
    public SegmentationType Type { get; init; } = SegmentationType.Binary;

    /// <summary>SOP Instance UID; null = generated. Pass a name-based UID (<see cref="DeterministicUid"/>) to make re-sending idempotent.</summary>
    public string? SopInstanceUid { get; init; }

    /// <summary>Series Instance UID; null = generated.</summary>
    public string? SeriesInstanceUid { get; init; }

    /// <summary>Series Number (0020,0011).</summary>
    public int SeriesNumber { get; init; } = 900;

    /// <summary>Series Description (0008,103E).</summary>
    public string SeriesDescription { get; init; } = "BmeQuant segmentation";

    /// <summary>Content Label (0070,0080), a code string (upper case, digits, underscore; at most 16).</summary>
    public string ContentLabel { get; init; } = "BMEQUANT";

    /// <summary>Content Description (0070,0081).</summary>
    public string ContentDescription { get; init; } = "Bone marrow edema and bone segmentation";

    /// <summary>Software Versions (0018,1020).</summary>
    public string SoftwareVersion { get; init; } = "0";

    /// <summary>Content Date/Time; null = now.</summary>
    public DateTimeOffset? ContentDateTime { get; init; }
}

/// <summary>
/// Builds DICOM Segmentation Storage objects (PS3.3 A.51) from masks on a source grid: one frame per segment and source
/// slice where the mask is non-empty, each with its Plane Position, the Segment Identification and a Derivation Image
/// reference to its source image; orientation and pixel measures shared; a two-dimension index (segment, slice position).
/// </summary>
public static class SegmentationWriter
{
    /// <summary>SOP Class UID of Segmentation Storage.</summary>
    public const string SegmentationStorageSopClassUid = "1.2.840.10008.5.1.4.1.1.66.4";

    /// <summary>Maximum Fractional Value (0062,000E) written for fractional segmentations.</summary>
    public const int MaximumFractionalValue = 255;

    private static readonly CodedConcept s_sourceImagePurpose = new("121322", "DCM", "Source image for image processing operation");
    private static readonly CodedConcept s_segmentationDerivation = new("113076", "DCM", "Segmentation");

    /// <summary>Builds the dataset.</summary>
    /// <exception cref="ArgumentException">No segments, duplicate or non-positive segment numbers, or a mask not on the source grid.</exception>
    public static DicomDataset Build(SourceImageSet source, IReadOnlyList<SegmentMask> segments, SegmentationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(segments);
        options ??= new SegmentationOptions();
        Validate(source, segments);
        var g = source.Geometry;
        var when = options.ContentDateTime ?? DateTimeOffset.UtcNow;

        var ds = new DicomDataset();
        DerivedObjectModules.CopyPatientAndStudy(source.Header, ds);
        ds.AddOrUpdate(DicomTag.SOPClassUID, SegmentationStorageSopClassUid);
        ds.AddOrUpdate(DicomTag.SOPInstanceUID, options.SopInstanceUid ?? DicomUid.Generate());
        ds.AddOrUpdate(DicomTag.Modality, "SEG");
        ds.AddOrUpdate(DicomTag.SeriesInstanceUID, options.SeriesInstanceUid ?? DicomUid.Generate());
        ds.AddOrUpdate(DicomTag.SeriesNumber, options.SeriesNumber);
        ds.AddOrUpdate(DicomTag.SeriesDescription, options.SeriesDescription);
        ds.AddOrUpdate(DicomTag.InstanceNumber, 1);
        ds.AddOrUpdate(DicomTag.FrameOfReferenceUID, source.FrameOfReferenceUid.Length > 0 ? source.FrameOfReferenceUid : DicomUid.Generate());
        ds.AddOrUpdate(DicomTag.PositionReferenceIndicator, Array.Empty<string>());
        DerivedObjectModules.AddEquipment(ds, options.SoftwareVersion);
        DerivedObjectModules.AddContentDateTime(ds, when);
        ds.AddOrUpdate(DicomTag.ImageType, "DERIVED", "PRIMARY");
        ds.AddOrUpdate(DicomTag.ContentLabel, options.ContentLabel);
        ds.AddOrUpdate(DicomTag.ContentDescription, options.ContentDescription);
        ds.AddOrUpdate(DicomTag.ContentCreatorName, "BmeQuant");
        ds.AddOrUpdate(DicomTag.LossyImageCompression, "00");

        var fractional = options.Type == SegmentationType.Fractional;
        ds.AddOrUpdate(DicomTag.SamplesPerPixel, (ushort)1);
        ds.AddOrUpdate(DicomTag.PhotometricInterpretation, "MONOCHROME2");
        ds.AddOrUpdate(DicomTag.Rows, (ushort)g.SizeY);
        ds.AddOrUpdate(DicomTag.Columns, (ushort)g.SizeX);
        ds.AddOrUpdate(DicomTag.BitsAllocated, (ushort)(fractional ? 8 : 1));
        ds.AddOrUpdate(DicomTag.BitsStored, (ushort)(fractional ? 8 : 1));
        ds.AddOrUpdate(DicomTag.HighBit, (ushort)(fractional ? 7 : 0));
        ds.AddOrUpdate(DicomTag.PixelRepresentation, (ushort)0);
        ds.AddOrUpdate(DicomTag.SegmentationType, fractional ? "FRACTIONAL" : "BINARY");
        if (fractional)
        {
            ds.AddOrUpdate(DicomTag.SegmentationFractionalType, "PROBABILITY");
            ds.AddOrUpdate(DicomTag.MaximumFractionalValue, (ushort)MaximumFractionalValue);
        }

        ds.AddOrUpdate(DicomTag.SegmentSequence, segments.Select(s => SegmentItem(s.Segment)).ToArray());

        // Shared functional groups: orientation and pixel measures of the source grid.
        var row = g.Direction.Column(0);
        var col = g.Direction.Column(1);
        var shared = new DicomDataset();
        var orientation = new DicomDataset();
        orientation.Add(DicomTag.ImageOrientationPatient, row.X, row.Y, row.Z, col.X, col.Y, col.Z);
        shared.Add(DicomTag.PlaneOrientationSequence, orientation);
        var measures = new DicomDataset();
        measures.Add(DicomTag.PixelSpacing, g.Spacing.Y, g.Spacing.X);
        measures.Add(DicomTag.SliceThickness, g.Spacing.Z);
        measures.Add(DicomTag.SpacingBetweenSlices, g.Spacing.Z);
        shared.Add(DicomTag.PixelMeasuresSequence, measures);
        ds.AddOrUpdate(DicomTag.SharedFunctionalGroupsSequence, shared);

        // Dimensions: referenced segment number, then image position.
        var dimensionUid = DicomUid.Generate();
        var organization = new DicomDataset();
        organization.Add(DicomTag.DimensionOrganizationUID, dimensionUid);
        ds.AddOrUpdate(DicomTag.DimensionOrganizationSequence, organization);
        ds.AddOrUpdate(DicomTag.DimensionOrganizationType, "3D");
        ds.AddOrUpdate(
            DicomTag.DimensionIndexSequence,
            DimensionItem(dimensionUid, DicomTag.ReferencedSegmentNumber, DicomTag.SegmentIdentificationSequence, "ReferencedSegmentNumber"),
            DimensionItem(dimensionUid, DicomTag.ImagePositionPatient, DicomTag.PlanePositionSequence, "ImagePositionPatient"));

        // Frames: per segment, the slices where its mask is non-empty.
        var frames = new List<(SegmentMask Segment, int K)>();
        foreach (var s in segments)
        {
            for (var k = 0; k < g.SizeZ; k++)
            {
                if (s.Mask.Slice(k).ContainsAnyExcept((byte)0))
                {
                    frames.Add((s, k));
                }
            }
        }

        if (frames.Count == 0)
        {
            // Every mask is empty: one empty frame keeps the object valid (Number of Frames must be at least 1).
            frames.Add((segments[0], 0));
        }

        var perFrame = new DicomDataset[frames.Count];
        for (var f = 0; f < frames.Count; f++)
        {
            perFrame[f] = FrameItem(source, frames[f].Segment.Segment.Number, frames[f].K);
        }

        ds.AddOrUpdate(DicomTag.PerFrameFunctionalGroupsSequence, perFrame);
        ds.AddOrUpdate(DicomTag.NumberOfFrames, frames.Count);

        // Common Instance Reference: the source series and its images.
        var referencedSeries = new DicomDataset();
        referencedSeries.Add(DicomTag.SeriesInstanceUID, source.SeriesInstanceUid);
        referencedSeries.Add(DicomTag.ReferencedInstanceSequence, source.Images.Select(i => DerivedObjectModules.SopReference(i with { FrameNumber = null })).ToArray());
        ds.AddOrUpdate(DicomTag.ReferencedSeriesSequence, referencedSeries);

        ds.AddOrUpdate(new DicomElement(DicomTag.PixelData, DicomVR.OB, PackFrames(frames, g, fractional)));
        return ds;
    }

    /// <summary>Builds the dataset and writes it as a Part 10 file (Explicit VR Little Endian).</summary>
    public static DicomDataset Write(string path, SourceImageSet source, IReadOnlyList<SegmentMask> segments, SegmentationOptions? options = null)
    {
        var ds = Build(source, segments, options);
        DicomWriter.Write(path, ds);
        return ds;
    }

    private static void Validate(SourceImageSet source, IReadOnlyList<SegmentMask> segments)
    {
        if (segments.Count == 0)
        {
            throw new ArgumentException("a segmentation needs at least one segment", nameof(segments));
        }

        var numbers = new HashSet<int>();
        foreach (var s in segments)
        {
            ArgumentNullException.ThrowIfNull(s);
            if (s.Segment.Number < 1 || s.Segment.Number > ushort.MaxValue || !numbers.Add(s.Segment.Number))
            {
                throw new ArgumentException($"segment '{s.Segment.Label}': number {s.Segment.Number} is not positive or not unique", nameof(segments));
            }

            if (!s.Mask.Geometry.IsSameGrid(source.Geometry))
            {
                throw new ArgumentException($"segment '{s.Segment.Label}': mask grid {s.Mask.Geometry} is not the source grid {source.Geometry}", nameof(segments));
            }
        }
    }

    private static DicomDataset SegmentItem(SegmentDescription s)
    {
        var item = new DicomDataset();
        item.Add(DicomTag.SegmentNumber, (ushort)s.Number);
        item.Add(DicomTag.SegmentLabel, s.Label);
        item.Add(DicomTag.SegmentAlgorithmType, s.AlgorithmType);
        if (s.AlgorithmName is { Length: > 0 } name)
        {
            item.Add(DicomTag.SegmentAlgorithmName, name);
        }

        DerivedObjectModules.AddCode(item, DicomTag.SegmentedPropertyCategoryCodeSequence, s.Category);
        DerivedObjectModules.AddCode(item, DicomTag.SegmentedPropertyTypeCodeSequence, s.Type);
        if (s.AnatomicRegion is { } region)
        {
            var r = region.ToItem();
            if (s.AnatomicRegionModifier is { } modifier)
            {
                r.Add(DicomTag.AnatomicRegionModifierSequence, modifier.ToItem());
            }

            item.Add(DicomTag.AnatomicRegionSequence, r);
        }

        if (s.RecommendedDisplayRgb is { } rgb)
        {
            item.Add(DicomTag.RecommendedDisplayCIELabValue, RgbToDicomLab(rgb));
        }

        return item;
    }

    private static DicomDataset DimensionItem(string organizationUid, DicomTag pointer, DicomTag group, string label)
    {
        var item = new DicomDataset();
        item.Add(DicomTag.DimensionOrganizationUID, organizationUid);
        item.Add(DerivedObjectModules.AttributeTags(DicomTag.DimensionIndexPointer, pointer));
        item.Add(DerivedObjectModules.AttributeTags(DicomTag.FunctionalGroupPointer, group));
        item.Add(DicomTag.DimensionDescriptionLabel, label);
        return item;
    }

    private static DicomDataset FrameItem(SourceImageSet source, int segmentNumber, int k)
    {
        var item = new DicomDataset();
        var content = new DicomDataset();
        content.Add(DicomTag.DimensionIndexValues, (uint)segmentNumber, (uint)(k + 1));
        item.Add(DicomTag.FrameContentSequence, content);

        var position = new DicomDataset();
        var p = source.Geometry.TransformIndexToPhysicalPoint(0, 0, k);
        position.Add(DicomTag.ImagePositionPatient, p.X, p.Y, p.Z);
        item.Add(DicomTag.PlanePositionSequence, position);

        var identification = new DicomDataset();
        identification.Add(DicomTag.ReferencedSegmentNumber, (ushort)segmentNumber);
        item.Add(DicomTag.SegmentIdentificationSequence, identification);

        if (source.Slices[k] is { } image)
        {
            var reference = DerivedObjectModules.SopReference(image);
            DerivedObjectModules.AddCode(reference, DicomTag.PurposeOfReferenceCodeSequence, s_sourceImagePurpose);
            var derivation = new DicomDataset();
            derivation.Add(DicomTag.SourceImageSequence, reference);
            DerivedObjectModules.AddCode(derivation, DicomTag.DerivationCodeSequence, s_segmentationDerivation);
            item.Add(DicomTag.DerivationImageSequence, derivation);
        }

        return item;
    }

    /// <summary>Frames back to back: binary frames as one continuous bit stream (LSB first, frames not byte-aligned), fractional as bytes; padded to even length.</summary>
    private static byte[] PackFrames(List<(SegmentMask Segment, int K)> frames, ImageGeometry g, bool fractional)
    {
        var framePixels = (long)g.SliceLength;
        var total = fractional ? framePixels * frames.Count : ((framePixels * frames.Count) + 7) / 8;
        var bytes = new byte[total + (total & 1)];
        long bit = 0;
        foreach (var (segment, k) in frames)
        {
            var slice = segment.Mask.Slice(k);
            if (fractional)
            {
                slice.CopyTo(bytes.AsSpan((int)bit));
                bit += framePixels;
                continue;
            }

            for (var p = 0; p < slice.Length; p++, bit++)
            {
                if (slice[p] != 0)
                {
                    bytes[bit >> 3] |= (byte)(1 << (int)(bit & 7));
                }
            }
        }

        return bytes;
    }

    /// <summary>sRGB (D65) → CIELab scaled as DICOM stores it (L 0…100 → 0…65535, a and b −128…127 → 0…65535).</summary>
    internal static ushort[] RgbToDicomLab(int rgb)
    {
        static double Linear(int c)
        {
            var v = c / 255.0;
            return v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
        }

        var r = Linear((rgb >> 16) & 0xFF);
        var gr = Linear((rgb >> 8) & 0xFF);
        var b = Linear(rgb & 0xFF);
        var x = ((0.4124 * r) + (0.3576 * gr) + (0.1805 * b)) / 0.95047;
        var y = (0.2126 * r) + (0.7152 * gr) + (0.0722 * b);
        var z = ((0.0193 * r) + (0.1192 * gr) + (0.9505 * b)) / 1.08883;
        static double F(double t) => t > 216.0 / 24389 ? Math.Cbrt(t) : ((24389.0 / 27 * t) + 16) / 116;
        var l = (116 * F(y)) - 16;
        var a = 500 * (F(x) - F(y));
        var bb = 200 * (F(y) - F(z));
        static ushort Scale(double v, double lo, double hi) => (ushort)Math.Clamp(Math.Round((v - lo) / (hi - lo) * 65535), 0, 65535);
        return [Scale(l, 0, 100), Scale(a, -128, 127), Scale(bb, -128, 127)];
    }
}
