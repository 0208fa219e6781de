using System.Globalization;

namespace BmeQuant.Dicom;

/// <summary>
/// A DICOM data element tag (group, element), formatted as <c>(gggg,eeee)</c>. Every public keyword of the
/// standard's registry has a static field (generated in DicomTag.g.cs), e.g. <see cref="SeriesDescription"/>.
/// </summary>
public readonly partial struct DicomTag : IEquatable<DicomTag>, IComparable<DicomTag>
{
    /// <summary>Creates a tag from its group and element numbers.</summary>
    public DicomTag(ushort group, ushort element)
    {
        Value = ((uint)group << 16) | element;
    }

    /// <summary>Creates a tag from its 32-bit value <c>0xggggeeee</c>.</summary>
    public DicomTag(uint value)
    {
        Value = value;
    }

    /// <summary>The tag as <c>0xggggeeee</c>.</summary>
    public uint Value { get; }

    /// <summary>The group number.</summary>
    public ushort Group => (ushort)(Value >> 16);

    /// <summary>The element number.</summary>
    public ushort Element => (ushort)Value;

    /// <summary>True for tags in an odd group (private data elements), excluding groups 0001, 0003, 0005, 0007 and FFFF.</summary>
    public bool IsPrivate => (Group & 1) == 1 && Group > 0x0008 && Group != 0xFFFF;

    /// <summary>True for a private creator element (gggg,0010)-(gggg,00FF) in an odd group.</summary>
    public bool IsPrivateCreator => IsPrivate && Element >= 0x0010 && Element <= 0x00FF;

    /// <summary>True for a group length element (gggg,0000).</summary>
    public bool IsGroupLength => Element == 0;

    /// <summary>The standard keyword, or an empty string for private and unknown tags.</summary>
    public string Keyword => DicomDictionary.Lookup(this)?.Keyword ?? string.Empty;

    /// <summary>The standard's name of the element, or "Private Tag"/"Unknown Tag".</summary>
    public string Name => DicomDictionary.Lookup(this)?.Name ?? (IsPrivateCreator ? "Private Creator" : IsPrivate ? "Private Tag" : "Unknown Tag");

    /// <summary>Item (FFFE,E000).</summary>
    internal static DicomTag ItemTag => new(0xFFFEE000);

    /// <summary>Item Delimitation Item (FFFE,E00D).</summary>
    internal static DicomTag ItemDelimitationTag => new(0xFFFEE00D);

    /// <summary>Sequence Delimitation Item (FFFE,E0DD).</summary>
    internal static DicomTag SequenceDelimitationTag => new(0xFFFEE0DD);

    /// <summary>Parses <c>(gggg,eeee)</c>, <c>gggg,eeee</c>, <c>ggggeeee</c> or a keyword.</summary>
    /// <exception cref="FormatException">The text is none of these.</exception>
    public static DicomTag Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (TryParse(text, out var tag))
        {
            return tag;
        }

        throw new FormatException($"'{text}' is not a DICOM tag: expected (gggg,eeee), ggggeeee or a keyword");
    }

    /// <summary>Parses <c>(gggg,eeee)</c>, <c>gggg,eeee</c>, <c>ggggeeee</c> or a keyword; false when it is none of these.</summary>
    public static bool TryParse(string? text, out DicomTag tag)
    {
        tag = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim().TrimStart('(').TrimEnd(')').Replace(",", string.Empty, StringComparison.Ordinal);
        if (s.Length == 8 && uint.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v))
        {
            tag = new DicomTag(v);
            return true;
        }

        var entry = DicomDictionary.LookupKeyword(text.Trim());
        if (entry is not null && entry.Mask == 0xFFFFFFFF)
        {
            tag = new DicomTag(entry.Tag);
            return true;
        }

        return false;
    }

    /// <inheritdoc/>
    public bool Equals(DicomTag other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DicomTag t && t.Value == Value;

    /// <inheritdoc/>
    public override int GetHashCode() => (int)Value;

    /// <inheritdoc/>
    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    /// <summary>The tag as <c>(gggg,eeee)</c> in upper-case hexadecimal.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Group:X4},{Element:X4})");

    /// <summary>Equality.</summary>
    public static bool operator ==(DicomTag left, DicomTag right) => left.Value == right.Value;

    /// <summary>Inequality.</summary>
    public static bool operator !=(DicomTag left, DicomTag right) => left.Value != right.Value;

    /// <summary>Ordering by (group, element).</summary>
    public static bool operator <(DicomTag left, DicomTag right) => left.Value < right.Value;

    /// <summary>Ordering by (group, element).</summary>
    public static bool operator >(DicomTag left, DicomTag right) => left.Value > right.Value;

    /// <summary>Ordering by (group, element).</summary>
    public static bool operator <=(DicomTag left, DicomTag right) => left.Value <= right.Value;

    /// <summary>Ordering by (group, element).</summary>
    public static bool operator >=(DicomTag left, DicomTag right) => left.Value >= right.Value;
}
