namespace BmeQuant.Dicom;

/// <summary>How the bytes of a value of one VR are interpreted.</summary>
public enum DicomValueKind
{
    /// <summary>Character string (possibly backslash-separated multiple values).</summary>
    Text,

    /// <summary>Little-endian binary numbers of <see cref="DicomVR.UnitSize"/> bytes each.</summary>
    Binary,

    /// <summary>Opaque bytes (OB, UN).</summary>
    Bytes,

    /// <summary>Sequence of items.</summary>
    Sequence,
}

/// <summary>
/// A DICOM value representation (PS3.5 §6.2) with the facts the reader and writer need: whether explicit VR
/// uses a 32-bit length, the padding byte, the size of one binary value and whether text is subject to
/// Specific Character Set.
/// </summary>
public sealed class DicomVR : IEquatable<DicomVR>
{
    private static readonly Dictionary<ushort, DicomVR> s_byCode = [];

    private DicomVR(string code, DicomValueKind kind, int unitSize, bool longLength, byte padding, bool charsetDependent, bool multiValued, int maxLength)
    {
        Code = code;
        Kind = kind;
        UnitSize = unitSize;
        HasLongLength = longLength;
        PaddingByte = padding;
        IsCharsetDependent = charsetDependent;
        IsMultiValuedText = multiValued;
        MaxLength = maxLength;
        s_byCode[(ushort)(code[0] | (code[1] << 8))] = this;
    }

    /// <summary>The two-letter code, e.g. "DS".</summary>
    public string Code { get; }

    /// <summary>How values of this VR are stored.</summary>
    public DicomValueKind Kind { get; }

    /// <summary>Size in bytes of one binary value (2 for US/SS/OW, 4 for UL/SL/FL/OF/OL/AT, 8 for FD/OD/SV/UV/OV; 1 otherwise).</summary>
    public int UnitSize { get; }

    /// <summary>True when explicit VR encoding uses two reserved bytes and a 32-bit length.</summary>
    public bool HasLongLength { get; }

    /// <summary>The byte that pads an odd-length value to even length (space for text, NUL for UI and binary).</summary>
    public byte PaddingByte { get; }

    /// <summary>True for text VRs decoded with the dataset's Specific Character Set (SH, LO, ST, LT, PN, UC, UT).</summary>
    public bool IsCharsetDependent { get; }

    /// <summary>True for text VRs whose values are separated by backslashes (all text VRs except ST, LT, UT, UR).</summary>
    public bool IsMultiValuedText { get; }

    /// <summary>Maximum length of one value in characters or bytes as the standard states it (0 when unbounded).</summary>
    public int MaxLength { get; }

    /// <summary>AE: Application Entity.</summary>
    public static readonly DicomVR AE = new("AE", DicomValueKind.Text, 1, false, 0x20, false, true, 16);
    /// <summary>AS: Age String.</summary>
    public static readonly DicomVR AS = new("AS", DicomValueKind.Text, 1, false, 0x20, false, true, 4);
    /// <summary>AT: Attribute Tag.</summary>
    public static readonly DicomVR AT = new("AT", DicomValueKind.Binary, 4, false, 0, false, false, 4);
    /// <summary>CS: Code String.</summary>
    public static readonly DicomVR CS = new("CS", DicomValueKind.Text, 1, false, 0x20, false, true, 16);
    /// <summary>DA: Date.</summary>
    public static readonly DicomVR DA = new("DA", DicomValueKind.Text, 1, false, 0x20, false, true, 8);
    /// <summary>DS: Decimal String.</summary>
    public static readonly DicomVR DS = new("DS", DicomValueKind.Text, 1, false, 0x20, false, true, 16);
    /// <summary>DT: Date Time.</summary>
    public static readonly DicomVR DT = new("DT", DicomValueKind.Text, 1, false, 0x20, false, true, 26);
    /// <summary>FD: Floating Point Double.</summary>
    public static readonly DicomVR FD = new("FD", DicomValueKind.Binary, 8, false, 0, false, false, 8);
    /// <summary>FL: Floating Point Single.</summary>
    public static readonly DicomVR FL = new("FL", DicomValueKind.Binary, 4, false, 0, false, false, 4);
    /// <summary>IS: Integer String.</summary>
    public static readonly DicomVR IS = new("IS", DicomValueKind.Text, 1, false, 0x20, false, true, 12);
    /// <summary>LO: Long String.</summary>
    public static readonly DicomVR LO = new("LO", DicomValueKind.Text, 1, false, 0x20, true, true, 64);
    /// <summary>LT: Long Text.</summary>
    public static readonly DicomVR LT = new("LT", DicomValueKind.Text, 1, false, 0x20, true, false, 10240);
    /// <summary>OB: Other Byte.</summary>
    public static readonly DicomVR OB = new("OB", DicomValueKind.Bytes, 1, true, 0, false, false, 0);
    /// <summary>OD: Other Double.</summary>
    public static readonly DicomVR OD = new("OD", DicomValueKind.Binary, 8, true, 0, false, false, 0);
    /// <summary>OF: Other Float.</summary>
    public static readonly DicomVR OF = new("OF", DicomValueKind.Binary, 4, true, 0, false, false, 0);
    /// <summary>OL: Other Long.</summary>
    public static readonly DicomVR OL = new("OL", DicomValueKind.Binary, 4, true, 0, false, false, 0);
    /// <summary>OV: Other 64-bit Very Long.</summary>
    public static readonly DicomVR OV = new("OV", DicomValueKind.Binary, 8, true, 0, false, false, 0);
    /// <summary>OW: Other Word.</summary>
    public static readonly DicomVR OW = new("OW", DicomValueKind.Binary, 2, true, 0, false, false, 0);
    /// <summary>PN: Person Name.</summary>
    public static readonly DicomVR PN = new("PN", DicomValueKind.Text, 1, false, 0x20, true, true, 64 * 5);
    /// <summary>SH: Short String.</summary>
    public static readonly DicomVR SH = new("SH", DicomValueKind.Text, 1, false, 0x20, true, true, 16);
    /// <summary>SL: Signed Long.</summary>
    public static readonly DicomVR SL = new("SL", DicomValueKind.Binary, 4, false, 0, false, false, 4);
    /// <summary>SQ: Sequence of Items.</summary>
    public static readonly DicomVR SQ = new("SQ", DicomValueKind.Sequence, 1, true, 0, false, false, 0);
    /// <summary>SS: Signed Short.</summary>
    public static readonly DicomVR SS = new("SS", DicomValueKind.Binary, 2, false, 0, false, false, 2);
    /// <summary>ST: Short Text.</summary>
    public static readonly DicomVR ST = new("ST", DicomValueKind.Text, 1, false, 0x20, true, false, 1024);
    /// <summary>SV: Signed 64-bit Very Long.</summary>
    public static readonly DicomVR SV = new("SV", DicomValueKind.Binary, 8, true, 0, false, false, 8);
    /// <summary>TM: Time.</summary>
    public static readonly DicomVR TM = new("TM", DicomValueKind.Text, 1, false, 0x20, false, true, 14);
    /// <summary>UC: Unlimited Characters.</summary>
    public static readonly DicomVR UC = new("UC", DicomValueKind.Text, 1, true, 0x20, true, true, 0);
    /// <summary>UI: Unique Identifier (UID).</summary>
    public static readonly DicomVR UI = new("UI", DicomValueKind.Text, 1, false, 0x00, false, true, 64);
    /// <summary>UL: Unsigned Long.</summary>
    public static readonly DicomVR UL = new("UL", DicomValueKind.Binary, 4, false, 0, false, false, 4);
    /// <summary>UN: Unknown.</summary>
    public static readonly DicomVR UN = new("UN", DicomValueKind.Bytes, 1, true, 0, false, false, 0);
    /// <summary>UR: Universal Resource Identifier or Locator (URI/URL).</summary>
    public static readonly DicomVR UR = new("UR", DicomValueKind.Text, 1, true, 0x20, false, false, 0);
    /// <summary>US: Unsigned Short.</summary>
    public static readonly DicomVR US = new("US", DicomValueKind.Binary, 2, false, 0, false, false, 2);
    /// <summary>UT: Unlimited Text.</summary>
    public static readonly DicomVR UT = new("UT", DicomValueKind.Text, 1, true, 0x20, true, false, 0);
    /// <summary>UV: Unsigned 64-bit Very Long.</summary>
    public static readonly DicomVR UV = new("UV", DicomValueKind.Binary, 8, true, 0, false, false, 8);

    /// <summary>Every VR of PS3.5 (2022).</summary>
    public static IReadOnlyCollection<DicomVR> All => s_byCode.Values;

    /// <summary>Looks up a two-letter code; false when it is not a VR.</summary>
    public static bool TryParse(string? code, out DicomVR vr)
    {
        vr = UN;
        return code is { Length: 2 } && TryParse((byte)code[0], (byte)code[1], out vr);
    }

    /// <summary>Looks up the VR whose code is the two bytes <paramref name="first"/>, <paramref name="second"/>.</summary>
    internal static bool TryParse(byte first, byte second, out DicomVR vr) =>
        s_byCode.TryGetValue((ushort)(first | (second << 8)), out vr!);

    /// <summary>Looks up a two-letter code.</summary>
    /// <exception cref="FormatException">Not a VR code.</exception>
    public static DicomVR Parse(string code) =>
        TryParse(code, out var vr) ? vr : throw new FormatException($"'{code}' is not a DICOM VR");

    /// <inheritdoc/>
    public bool Equals(DicomVR? other) => ReferenceEquals(this, other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    /// <inheritdoc/>
    public override int GetHashCode() => Code.GetHashCode(StringComparison.Ordinal);

    /// <summary>The two-letter code.</summary>
    public override string ToString() => Code;
}
