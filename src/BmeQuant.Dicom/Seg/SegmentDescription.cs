using BmeQuant.Dicom.Sr;
using BmeQuant.Imaging;

namespace BmeQuant.Dicom.Seg;

/// <summary>How segment pixels are stored (PS3.3 C.8.20.2 Segmentation Type).</summary>
public enum SegmentationType
{
    /// <summary>One bit per pixel: in or out.</summary>
    Binary,

    /// <summary>One byte per pixel: a probability 0…<see cref="SegmentationWriter.MaximumFractionalValue"/>.</summary>
    Fractional,
}

/// <summary>
/// One segment of a DICOM Segmentation (an item of the Segment Sequence, PS3.3 C.8.20.4): number, label, what it is
/// (Segmented Property Category and Type), where (Anatomic Region and modifier) and how it was made.
/// </summary>
public sealed record SegmentDescription
{
    /// <summary>Segment Number (0062,0004), 1-based and unique within the object.</summary>
    public required int Number { get; init; }

    /// <summary>Segment Label (0062,0005), e.g. "Edema" or "Femur".</summary>
    public required string Label { get; init; }

    /// <summary>Segmented Property Category (0062,0003), e.g. <c>(49755003, SCT, "Morphologically Altered Structure")</c>.</summary>
    public required CodedConcept Category { get; init; }

    /// <summary>Segmented Property Type (0062,000F), e.g. <c>(79654002, SCT, "Edema")</c>.</summary>
    public required CodedConcept Type { get; init; }

    /// <summary>Anatomic Region (0008,2218), or null.</summary>
    public CodedConcept? AnatomicRegion { get; init; }

    /// <summary>Anatomic Region Modifier (0008,2220) inside the region item (e.g. left or right), or null.</summary>
    public CodedConcept? AnatomicRegionModifier { get; init; }

    /// <summary>Segment Algorithm Type (0062,0008): AUTOMATIC, SEMIAUTOMATIC or MANUAL.</summary>
    public string AlgorithmType { get; init; } = "AUTOMATIC";

    /// <summary>Segment Algorithm Name (0062,0009), required unless MANUAL (e.g. "BmeQuant 1.0.0").</summary>
    public string? AlgorithmName { get; init; }

    /// <summary>Recommended display colour as 0xRRGGBB (written as CIELab, (0062,000D)), or null.</summary>
    public int? RecommendedDisplayRgb { get; init; }
}

/// <summary>A segment and its mask on the source grid (binary: non-zero = inside; fractional: 0…255 = probability × 255).</summary>
/// <param name="Segment">What the segment is.</param>
/// <param name="Mask">The mask, on the grid of <see cref="SourceImageSet.Geometry"/>.</param>
public sealed record SegmentMask(SegmentDescription Segment, Volume<byte> Mask);
