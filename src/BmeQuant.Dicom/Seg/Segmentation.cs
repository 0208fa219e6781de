using BmeQuant.Dicom.Sr;
using BmeQuant.Imaging;

namespace BmeQuant.Dicom.Seg;

/// <summary>One frame of a Segmentation: which segment, where, and from which source image.</summary>
/// <param name="Index">0-based frame index in the pixel data.</param>
/// <param name="SegmentNumber">Referenced Segment Number.</param>
/// <param name="ImagePositionPatient">Position of the frame's first pixel (mm, LPS).</param>
/// <param name="SourceSopInstanceUid">SOP Instance UID of the first Source Image of the frame, or null.</param>
public sealed record SegmentationFrame(int Index, int SegmentNumber, Vector3D ImagePositionPatient, string? SourceSopInstanceUid);

/// <summary>
/// A DICOM Segmentation read back: its segments, frames and pixels, and the masks rebuilt on a source grid.
/// </summary>
public sealed class Segmentation
{
    private readonly byte[] _pixels;

    private Segmentation(byte[] pixels) => _pixels = pixels;

    /// <summary>SOP Instance UID.</summary>
    public string SopInstanceUid { get; private init; } = string.Empty;

    /// <summary>Series Instance UID of the segmentation.</summary>
    public string SeriesInstanceUid { get; private init; } = string.Empty;

    /// <summary>Study Instance UID (the source study).</summary>
    public string StudyInstanceUid { get; private init; } = string.Empty;

    /// <summary>Frame of Reference UID.</summary>
    public string FrameOfReferenceUid { get; private init; } = string.Empty;

    /// <summary>Series Instance UIDs listed in the Referenced Series Sequence.</summary>
    public IReadOnlyList<string> ReferencedSeriesInstanceUids { get; private init; } = [];

    /// <summary>Binary or fractional.</summary>
    public SegmentationType Type { get; private init; }

    /// <summary>Rows of each frame.</summary>
    public int Rows { get; private init; }

    /// <summary>Columns of each frame.</summary>
    public int Columns { get; private init; }

    /// <summary>Row direction cosine (first three Image Orientation values).</summary>
    public Vector3D RowDirection { get; private init; }

    /// <summary>Column direction cosine (last three Image Orientation values).</summary>
    public Vector3D ColumnDirection { get; private init; }

    /// <summary>Pixel Spacing as (between rows, between columns) in mm.</summary>
    public (double Row, double Column) PixelSpacingMm { get; private init; }

    /// <summary>The segments.</summary>
    public IReadOnlyList<SegmentDescription> Segments { get; private init; } = [];

    /// <summary>The frames in pixel-data order.</summary>
    public IReadOnlyList<SegmentationFrame> Frames { get; private init; } = [];

    /// <summary>Reads a Part 10 file.</summary>
    /// <exception cref="DicomFormatException">Not a Segmentation, or an attribute needed to place the frames is missing or wrong.</exception>
    public static Segmentation Open(string path) => Read(DicomFile.Open(path).Dataset);

    /// <summary>Reads a Segmentation dataset.</summary>
    /// <exception cref="DicomFormatException">Not a Segmentation, or an attribute needed to place the frames is missing or wrong.</exception>
    public static Segmentation Read(DicomDataset ds)
    {
        ArgumentNullException.ThrowIfNull(ds);
        var sopClass = ds.GetStringOrDefault(DicomTag.SOPClassUID, string.Empty);
        if (sopClass != SegmentationWriter.SegmentationStorageSopClassUid)
        {
            throw Format(ds, $"(0008,0016) SOPClassUID is '{sopClass}', expected Segmentation Storage {SegmentationWriter.SegmentationStorageSopClassUid}");
        }

        var typeText = ds.GetStringOrDefault(DicomTag.SegmentationType, string.Empty);
        var type = typeText switch
        {
            "BINARY" => SegmentationType.Binary,
            "FRACTIONAL" => SegmentationType.Fractional,
            _ => throw Format(ds, $"(0062,0001) SegmentationType is '{typeText}', expected BINARY or FRACTIONAL"),
        };
        var rows = ds.GetValueOrDefault(DicomTag.Rows, 0);
        var columns = ds.GetValueOrDefault(DicomTag.Columns, 0);
        var frameCount = ds.GetValueOrDefault(DicomTag.NumberOfFrames, 1);
        if (rows <= 0 || columns <= 0 || frameCount <= 0)
        {
            throw Format(ds, $"Rows {rows}, Columns {columns}, NumberOfFrames {frameCount}: expected positive numbers");
        }

        var segments = new List<SegmentDescription>();
        foreach (var item in ds.GetSequence(DicomTag.SegmentSequence).Items)
        {
            var region = item.TryGetSequence(DicomTag.AnatomicRegionSequence, out var rs) && rs.Items.Count > 0 ? rs.Items[0] : null;
            segments.Add(new SegmentDescription
            {
                Number = item.GetValue<int>(DicomTag.SegmentNumber),
                Label = item.GetStringOrDefault(DicomTag.SegmentLabel, string.Empty),
                Category = CodedConcept.FromSequence(item, DicomTag.SegmentedPropertyCategoryCodeSequence) ?? throw Format(ds, "segment without (0062,0003) SegmentedPropertyCategoryCodeSequence"),
                Type = CodedConcept.FromSequence(item, DicomTag.SegmentedPropertyTypeCodeSequence) ?? throw Format(ds, "segment without (0062,000F) SegmentedPropertyTypeCodeSequence"),
                AnatomicRegion = region is null ? null : CodedConcept.FromItem(region),
                AnatomicRegionModifier = region is null ? null : CodedConcept.FromSequence(region, DicomTag.AnatomicRegionModifierSequence),
                AlgorithmType = item.GetStringOrDefault(DicomTag.SegmentAlgorithmType, string.Empty),
                AlgorithmName = item.TryGetString(DicomTag.SegmentAlgorithmName, out var an) ? an : null,
            });
        }

        var shared = ds.TryGetSequence(DicomTag.SharedFunctionalGroupsSequence, out var sh) && sh.Items.Count > 0 ? sh.Items[0] : new DicomDataset();
        var perFrame = ds.TryGetSequence(DicomTag.PerFrameFunctionalGroupsSequence, out var pf) ? pf.Items : [];
        if (perFrame.Count != frameCount)
        {
            throw Format(ds, $"(5200,9230) PerFrameFunctionalGroupsSequence has {perFrame.Count} items for NumberOfFrames {frameCount}");
        }

        double[] Macro(DicomDataset frame, DicomTag sequence, DicomTag tag, int count)
        {
            foreach (var source in new[] { frame, shared })
            {
                if (source.TryGetSequence(sequence, out var s) && s.Items.Count > 0 && s.Items[0].TryGetValues<double>(tag, out var v) && v.Length == count)
                {
                    return v;
                }
            }

            throw Format(ds, $"frame lacks {tag} {tag.Keyword} ({count} values) in {sequence} {sequence.Keyword}, per-frame or shared");
        }

        var orientation = Macro(perFrame.Count > 0 ? perFrame[0] : shared, DicomTag.PlaneOrientationSequence, DicomTag.ImageOrientationPatient, 6);
        var spacing = Macro(perFrame.Count > 0 ? perFrame[0] : shared, DicomTag.PixelMeasuresSequence, DicomTag.PixelSpacing, 2);
        var frames = new SegmentationFrame[frameCount];
        for (var f = 0; f < frameCount; f++)
        {
            var item = perFrame[f];
            var pos = Macro(item, DicomTag.PlanePositionSequence, DicomTag.ImagePositionPatient, 3);
            int segment;
            if (item.TryGetSequence(DicomTag.SegmentIdentificationSequence, out var si) && si.Items.Count > 0)
            {
                segment = si.Items[0].GetValue<int>(DicomTag.ReferencedSegmentNumber);
            }
            else if (shared.TryGetSequence(DicomTag.SegmentIdentificationSequence, out var ssi) && ssi.Items.Count > 0)
            {
                segment = ssi.Items[0].GetValue<int>(DicomTag.ReferencedSegmentNumber);
            }
            else
            {
                throw Format(ds, $"frame {f + 1} lacks (0062,000A) SegmentIdentificationSequence");
            }

            string? sourceUid = null;
            if (item.TryGetSequence(DicomTag.DerivationImageSequence, out var di) && di.Items.Count > 0
                && di.Items[0].TryGetSequence(DicomTag.SourceImageSequence, out var src) && src.Items.Count > 0)
            {
                sourceUid = src.Items[0].GetStringOrDefault(DicomTag.ReferencedSOPInstanceUID, string.Empty);
            }

            frames[f] = new SegmentationFrame(f, segment, new Vector3D(pos[0], pos[1], pos[2]), sourceUid);
        }

        var pixels = ds.GetElement(DicomTag.PixelData).Data.ToArray();
        var needed = type == SegmentationType.Fractional ? (long)rows * columns * frameCount : (((long)rows * columns * frameCount) + 7) / 8;
        if (pixels.Length < needed)
        {
            throw Format(ds, $"(7FE0,0010) PixelData has {pixels.Length} bytes, expected at least {needed} for {frameCount} frames of {rows}×{columns} ({typeText})");
        }

        var referenced = ds.TryGetSequence(DicomTag.ReferencedSeriesSequence, out var rss)
            ? rss.Items.Select(i => i.GetStringOrDefault(DicomTag.SeriesInstanceUID, string.Empty)).Where(s => s.Length > 0).ToArray()
            : [];

        return new Segmentation(pixels)
        {
            SopInstanceUid = ds.GetStringOrDefault(DicomTag.SOPInstanceUID, string.Empty),
            SeriesInstanceUid = ds.GetStringOrDefault(DicomTag.SeriesInstanceUID, string.Empty),
            StudyInstanceUid = ds.GetStringOrDefault(DicomTag.StudyInstanceUID, string.Empty),
            FrameOfReferenceUid = ds.GetStringOrDefault(DicomTag.FrameOfReferenceUID, string.Empty),
            ReferencedSeriesInstanceUids = referenced,
            Type = type,
            Rows = rows,
            Columns = columns,
            RowDirection = new Vector3D(orientation[0], orientation[1], orientation[2]),
            ColumnDirection = new Vector3D(orientation[3], orientation[4], orientation[5]),
            PixelSpacingMm = (spacing[0], spacing[1]),
            Segments = segments,
            Frames = frames,
        };
    }

    /// <summary>Copies the pixels of frame <paramref name="frameIndex"/> (row-major; binary as 0/1, fractional as stored 0…255).</summary>
    public void CopyFrame(int frameIndex, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frameIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frameIndex, Frames.Count);
        var n = Rows * Columns;
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, n, nameof(destination));
        if (Type == SegmentationType.Fractional)
        {
            _pixels.AsSpan(frameIndex * n, n).CopyTo(destination);
            return;
        }

        var bit = (long)frameIndex * n;
        for (var p = 0; p < n; p++, bit++)
        {
            destination[p] = (byte)((_pixels[bit >> 3] >> (int)(bit & 7)) & 1);
        }
    }

    /// <summary>
    /// Rebuilds segment <paramref name="segmentNumber"/> on <paramref name="grid"/>: each frame is placed on the slice whose
    /// position it has; slices without a frame stay 0.
    /// </summary>
    /// <param name="segmentNumber">The segment.</param>
    /// <param name="grid">The source grid (same rows, columns, orientation and spacing as the frames).</param>
    /// <param name="toleranceMm">How far a frame position may lie from a grid slice origin.</param>
    /// <exception cref="DicomFormatException">A frame does not lie on a slice of <paramref name="grid"/>, or the frame size or orientation differs.</exception>
    public Volume<byte> ToMask(int segmentNumber, ImageGeometry grid, double toleranceMm = 0.01)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (Rows != grid.SizeY || Columns != grid.SizeX)
        {
            throw new DicomFormatException($"SEG {SopInstanceUid}: frames are {Rows} rows × {Columns} columns; the grid has {grid.SizeY} × {grid.SizeX}");
        }

        var row = grid.Direction.Column(0);
        var col = grid.Direction.Column(1);
        if ((row - RowDirection).Length > 1e-4 || (col - ColumnDirection).Length > 1e-4)
        {
            throw new DicomFormatException($"SEG {SopInstanceUid}: frame orientation {RowDirection} {ColumnDirection} differs from the grid's {row} {col}");
        }

        var mask = new Volume<byte>(grid);
        foreach (var frame in Frames)
        {
            if (frame.SegmentNumber != segmentNumber)
            {
                continue;
            }

            var c = grid.TransformPhysicalPointToContinuousIndex(frame.ImagePositionPatient);
            var k = (int)Math.Round(c.Z);
            var off = grid.TransformIndexToPhysicalPoint(0, 0, k) - frame.ImagePositionPatient;
            if (k < 0 || k >= grid.SizeZ || off.Length > toleranceMm)
            {
                throw new DicomFormatException($"SEG {SopInstanceUid}: frame {frame.Index + 1} at {frame.ImagePositionPatient} lies {off.Length:G3} mm from the nearest slice origin of the grid (slice {k}); expected within {toleranceMm} mm");
            }

            CopyFrame(frame.Index, mask.Slice(k));
        }

        return mask;
    }

    private static DicomFormatException Format(DicomDataset ds, string message) =>
        new($"{ds.SourcePath ?? "<dataset>"}: {message}") { FilePath = ds.SourcePath };
}
