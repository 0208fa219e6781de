namespace BmeQuant.Dicom;

/// <summary>
/// A DICOM transfer syntax with its encoding facts: VR explicit or implicit, byte order, deflate, and whether
/// Pixel Data is encapsulated (compressed). Unknown UIDs are treated as encapsulated Explicit VR Little Endian.
/// </summary>
public sealed class TransferSyntax : IEquatable<TransferSyntax>
{
    private static readonly Dictionary<string, TransferSyntax> s_known = new(StringComparer.Ordinal);

    private TransferSyntax(string uid, bool explicitVR, bool bigEndian, bool deflated, bool encapsulated, bool lossy, string? transcodeCommand, bool register = true)
    {
        Uid = uid;
        Name = DicomUidRegistry.Lookup(uid)?.Name ?? "Unknown transfer syntax " + uid;
        IsExplicitVR = explicitVR;
        IsBigEndian = bigEndian;
        IsDeflated = deflated;
        IsEncapsulated = encapsulated;
        IsLossy = lossy;
        TranscodeCommand = transcodeCommand;
        if (register)
        {
            s_known[uid] = this;
        }
    }

    /// <summary>The UID, e.g. 1.2.840.10008.1.2.1.</summary>
    public string Uid { get; }

    /// <summary>The standard's name, e.g. "Explicit VR Little Endian".</summary>
    public string Name { get; }

    /// <summary>True when each element carries its VR.</summary>
    public bool IsExplicitVR { get; }

    /// <summary>True for Explicit VR Big Endian (retired).</summary>
    public bool IsBigEndian { get; }

    /// <summary>True when the dataset after the File Meta group is deflated (RFC 1951).</summary>
    public bool IsDeflated { get; }

    /// <summary>True when Pixel Data is encapsulated (fragments, usually compressed).</summary>
    public bool IsEncapsulated { get; }

    /// <summary>True when the compression may lose information.</summary>
    public bool IsLossy { get; }

    /// <summary>A command that transcodes this syntax to an uncompressed one, when one exists (e.g. dcmdjpeg).</summary>
    public string? TranscodeCommand { get; }

    /// <summary>Implicit VR Little Endian, the default transfer syntax (1.2.840.10008.1.2).</summary>
    public static readonly TransferSyntax ImplicitVRLittleEndian = new("1.2.840.10008.1.2", false, false, false, false, false, null);
    /// <summary>Explicit VR Little Endian (1.2.840.10008.1.2.1).</summary>
    public static readonly TransferSyntax ExplicitVRLittleEndian = new("1.2.840.10008.1.2.1", true, false, false, false, false, null);
    /// <summary>Encapsulated Uncompressed Explicit VR Little Endian (1.2.840.10008.1.2.1.98).</summary>
    public static readonly TransferSyntax EncapsulatedUncompressedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.98", true, false, false, true, false, null);
    /// <summary>Deflated Explicit VR Little Endian (the dataset after the meta group is deflate-compressed) (1.2.840.10008.1.2.1.99).</summary>
    public static readonly TransferSyntax DeflatedExplicitVRLittleEndian = new("1.2.840.10008.1.2.1.99", true, false, true, false, false, null);
    /// <summary>Explicit VR Big Endian (retired) (1.2.840.10008.1.2.2).</summary>
    public static readonly TransferSyntax ExplicitVRBigEndian = new("1.2.840.10008.1.2.2", true, true, false, false, false, null);
    /// <summary>JPEG Baseline (Process 1), lossy 8-bit (1.2.840.10008.1.2.4.50).</summary>
    public static readonly TransferSyntax JpegBaseline = new("1.2.840.10008.1.2.4.50", true, false, false, true, true, "dcmdjpeg");
    /// <summary>JPEG Extended (Process 2 and 4), lossy 12-bit (1.2.840.10008.1.2.4.51).</summary>
    public static readonly TransferSyntax JpegExtended = new("1.2.840.10008.1.2.4.51", true, false, false, true, true, "dcmdjpeg");
    /// <summary>JPEG Lossless, Non-Hierarchical (Process 14) (1.2.840.10008.1.2.4.57).</summary>
    public static readonly TransferSyntax JpegLossless = new("1.2.840.10008.1.2.4.57", true, false, false, true, false, "dcmdjpeg");
    /// <summary>JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, Selection Value 1) (1.2.840.10008.1.2.4.70).</summary>
    public static readonly TransferSyntax JpegLosslessSV1 = new("1.2.840.10008.1.2.4.70", true, false, false, true, false, "dcmdjpeg");
    /// <summary>JPEG-LS Lossless (1.2.840.10008.1.2.4.80).</summary>
    public static readonly TransferSyntax JpegLsLossless = new("1.2.840.10008.1.2.4.80", true, false, false, true, false, "dcmdjpls");
    /// <summary>JPEG-LS Lossy (Near-Lossless) (1.2.840.10008.1.2.4.81).</summary>
    public static readonly TransferSyntax JpegLsNearLossless = new("1.2.840.10008.1.2.4.81", true, false, false, true, true, "dcmdjpls");
    /// <summary>JPEG 2000 Image Compression (Lossless Only) (1.2.840.10008.1.2.4.90).</summary>
    public static readonly TransferSyntax Jpeg2000Lossless = new("1.2.840.10008.1.2.4.90", true, false, false, true, false, null);
    /// <summary>JPEG 2000 Image Compression (lossless or lossy) (1.2.840.10008.1.2.4.91).</summary>
    public static readonly TransferSyntax Jpeg2000 = new("1.2.840.10008.1.2.4.91", true, false, false, true, true, null);

    // Part 1 JPEG 2000 (.90/.91) decodes with the managed codec, so it has no transcode hint; Part 2 multi-component
    // (.92/.93) has no codec here and dcmtk has no JPEG 2000 support, so its refusal names GDCM's decompression.
    /// <summary>JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only) (1.2.840.10008.1.2.4.92).</summary>
    public static readonly TransferSyntax Jpeg2000Part2Lossless = new("1.2.840.10008.1.2.4.92", true, false, false, true, false, "gdcmconv --raw");
    /// <summary>JPEG 2000 Part 2 Multi-component Image Compression (1.2.840.10008.1.2.4.93).</summary>
    public static readonly TransferSyntax Jpeg2000Part2 = new("1.2.840.10008.1.2.4.93", true, false, false, true, true, "gdcmconv --raw");
    /// <summary>RLE Lossless (1.2.840.10008.1.2.5).</summary>
    public static readonly TransferSyntax RleLossless = new("1.2.840.10008.1.2.5", true, false, false, true, false, "dcmdrle");

    /// <summary>The transfer syntax for <paramref name="uid"/>; unknown UIDs give an encapsulated Explicit VR Little Endian syntax.</summary>
    public static TransferSyntax Lookup(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        uid = uid.Trim().TrimEnd('\0', ' ');
        if (s_known.TryGetValue(uid, out var ts))
        {
            return ts;
        }

        var info = DicomUidRegistry.Lookup(uid);
        var isJpeg = uid.StartsWith("1.2.840.10008.1.2.4.", StringComparison.Ordinal);
        return new TransferSyntax(uid, true, false, false, true, isJpeg, null, register: false);
    }

    /// <summary>True when <paramref name="uid"/> names a transfer syntax this library knows the encoding of.</summary>
    public static bool IsKnown(string uid) => s_known.ContainsKey(uid) || DicomUidRegistry.Lookup(uid)?.Type == "Transfer Syntax";

    /// <inheritdoc/>
    public bool Equals(TransferSyntax? other) => other is not null && other.Uid == Uid;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TransferSyntax);

    /// <inheritdoc/>
    public override int GetHashCode() => Uid.GetHashCode(StringComparison.Ordinal);

    /// <summary>Name and UID.</summary>
    public override string ToString() => $"{Name} ({Uid})";
}
