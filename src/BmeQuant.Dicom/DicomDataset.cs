using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace BmeQuant.Dicom;

/// <summary>
/// An ordered set of DICOM elements (a dataset or a sequence item), kept sorted by tag. Typed getters come in
/// families (<c>GetString</c>/<c>TryGetString</c>/<c>GetStrings</c>, <c>GetValue&lt;T&gt;</c>/<c>TryGetValue&lt;T&gt;</c>/<c>GetValues&lt;T&gt;</c>);
/// decimal and integer strings parse with the invariant culture; missing tags throw
/// <see cref="DicomException"/> naming the tag and the file.
/// </summary>
public sealed partial class DicomDataset : IEnumerable<DicomItem>
{
    private readonly List<DicomItem> _items = [];
    private DicomCharset? _charset;

    /// <summary>Creates an empty dataset.</summary>
    public DicomDataset()
    {
    }

    /// <summary>The dataset holding the sequence this item belongs to, or null for a top-level dataset.</summary>
    public DicomDataset? Parent { get; internal set; }

    /// <summary>The file this dataset was read from (for messages), inherited by items.</summary>
    public string? SourcePath
    {
        get => _sourcePath ?? Parent?.SourcePath;
        internal set => _sourcePath = value;
    }

    private string? _sourcePath;

    /// <summary>Number of top-level elements.</summary>
    public int Count => _items.Count;

    /// <summary>True when the item was read with undefined length (written the same way).</summary>
    public bool UndefinedLength { get; set; } = true;

    /// <summary>Offset of this item's (FFFE,E000) tag in the source stream, or -1.</summary>
    public long StreamOffset { get; internal set; } = -1;

    internal DicomCharset Charset
    {
        get
        {
            if (_charset is not null)
            {
                return _charset;
            }

            var idx = IndexOf(DicomTag.SpecificCharacterSet);
            if (idx >= 0 && _items[idx] is DicomElement e && e.IsLoaded)
            {
                _charset = DicomCharset.FromTerms(Encoding.ASCII.GetString(e.Data.Span).Split('\\'));
                return _charset;
            }

            return Parent?.Charset ?? DicomCharset.Default;
        }
    }

    private string Where => SourcePath ?? "<dataset>";

    // ------------------------------------------------------------------ membership

    /// <summary>True when the dataset has an element with <paramref name="tag"/>.</summary>
    public bool Contains(DicomTag tag) => IndexOf(tag) >= 0;

    /// <summary>The element, sequence or fragment sequence with <paramref name="tag"/>, or null.</summary>
    public DicomItem? this[DicomTag tag]
    {
        get
        {
            var i = IndexOf(tag);
            return i >= 0 ? _items[i] : null;
        }
    }

    /// <summary>Gets the item with <paramref name="tag"/>; false when absent.</summary>
    public bool TryGetItem(DicomTag tag, out DicomItem item)
    {
        var i = IndexOf(tag);
        item = i >= 0 ? _items[i] : null!;
        return i >= 0;
    }

    /// <summary>The element with <paramref name="tag"/> (not a sequence).</summary>
    /// <exception cref="DicomException">Missing, or a sequence.</exception>
    public DicomElement GetElement(DicomTag tag) =>
        this[tag] switch
        {
            DicomElement e => e,
            null => throw Missing(tag),
            var other => throw new DicomException($"{Where}: {tag} {tag.Keyword} is {other.VR}, not a plain element") { FilePath = SourcePath },
        };

    /// <summary>The sequence with <paramref name="tag"/>.</summary>
    /// <exception cref="DicomException">Missing, or not a sequence.</exception>
    public DicomSequence GetSequence(DicomTag tag) =>
        this[tag] switch
        {
            DicomSequence s => s,
            null => throw Missing(tag),
            var other => throw new DicomException($"{Where}: {tag} {tag.Keyword} is {other.VR}, not a sequence") { FilePath = SourcePath },
        };

    /// <summary>Gets the sequence with <paramref name="tag"/>; false when absent or not a sequence.</summary>
    public bool TryGetSequence(DicomTag tag, out DicomSequence sequence)
    {
        sequence = (this[tag] as DicomSequence)!;
        return sequence is not null;
    }

    /// <summary>Removes the element with <paramref name="tag"/>; false when absent.</summary>
    public bool Remove(DicomTag tag)
    {
        var i = IndexOf(tag);
        if (i < 0)
        {
            return false;
        }

        _items.RemoveAt(i);
        if (tag == DicomTag.SpecificCharacterSet)
        {
            _charset = null;
        }

        return true;
    }

    /// <summary>Removes every element.</summary>
    public void Clear()
    {
        _items.Clear();
        _charset = null;
    }

    /// <summary>Elements in tag order.</summary>
    public IEnumerator<DicomItem> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // ------------------------------------------------------------------ private blocks

    /// <summary>
    /// Finds the tag of a private element: the block reserved by private creator <paramref name="creator"/> in
    /// <paramref name="group"/>, element offset <paramref name="elementOffset"/> (e.g. Philips "Philips MR Imaging DD 001", 0x0E → (2005,xx0E)).
    /// </summary>
    public bool TryGetPrivateTag(ushort group, string creator, byte elementOffset, out DicomTag tag)
    {
        tag = default;

        // Private creators are (gggg,0010)-(gggg,00FF): one binary search to the first, then a scan of the present ones
        // only (the dataset is sorted), instead of a lookup for each of the 240 possible elements.
        var i = IndexOf(new DicomTag(group, 0x10));
        for (i = i >= 0 ? i : ~i; i < _items.Count; i++)
        {
            var ct = _items[i].Tag;
            if (ct.Group != group || ct.Element > 0xFF)
            {
                break;
            }

            if (TryGetString(ct, out var c) && string.Equals(c.Trim(), creator, StringComparison.Ordinal))
            {
                tag = new DicomTag(group, (ushort)((ct.Element << 8) | elementOffset));
                return true;
            }
        }

        return false;
    }

    // ------------------------------------------------------------------ strings

    /// <summary>The value as text: text VRs decoded with Specific Character Set and trimmed of padding; binary values formatted and joined by backslashes.</summary>
    /// <exception cref="DicomException">Missing or a sequence.</exception>
    public string GetString(DicomTag tag) => TryGetString(tag, out var s) ? s : throw Missing(tag);

    /// <summary>The value as text, or false when the tag is absent, a sequence, or not loaded.</summary>
    public bool TryGetString(DicomTag tag, out string value)
    {
        value = string.Empty;
        if (this[tag] is not DicomElement e || !e.IsLoaded)
        {
            return false;
        }

        value = ElementToString(e);
        return true;
    }

    /// <summary>The value as text, or <paramref name="defaultValue"/> when absent.</summary>
    public string GetStringOrDefault(DicomTag tag, string defaultValue) => TryGetString(tag, out var s) ? s : defaultValue;

    /// <summary>The values of a multi-valued element (split at backslashes for text VRs), each trimmed.</summary>
    public string[] GetStrings(DicomTag tag)
    {
        var e = GetElement(tag);
        return ElementToStrings(e);
    }

    internal string ElementToString(DicomElement e)
    {
        if (e.VR.Kind == DicomValueKind.Text)
        {
            var raw = Charset.Decode(e.Data.Span, e.VR);
            return TrimText(raw, e.VR);
        }

        return string.Join('\\', ElementToStrings(e));
    }

    internal string[] ElementToStrings(DicomElement e)
    {
        if (e.VR.Kind == DicomValueKind.Text)
        {
            var raw = Charset.Decode(e.Data.Span, e.VR);
            if (!e.VR.IsMultiValuedText)
            {
                return raw.Length == 0 ? [] : [TrimText(raw, e.VR)];
            }

            var t = TrimText(raw, e.VR);
            return t.Length == 0 ? [] : t.Split('\\').Select(p => TrimText(p, e.VR)).ToArray();
        }

        if (e.VR == DicomVR.AT)
        {
            return DicomValueCodec.ReadTags(e.Data.Span).Select(t => t.ToString()).ToArray();
        }

        if (e.VR == DicomVR.UN && e.Length <= 1024 && IsPrintable(e.Data.Span))
        {
            // Unknown (private) values that are plain text read as text, split like other multi-valued text.
            var text = TrimText(Charset.Decode(e.Data.Span, DicomVR.LO), DicomVR.LO);
            return text.Length == 0 ? [] : text.Split('\\');
        }

        if (e.VR.Kind == DicomValueKind.Bytes)
        {
            return e.Data.Span.ToArray().Select(b => b.ToString(CultureInfo.InvariantCulture)).ToArray();
        }

        var nums = DicomValueCodec.ReadNumbers(e.VR, e.Data.Span);
        return nums.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    private static bool IsPrintable(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (b is (< 0x20 and not 0x0D and not 0x0A and not 0x09 and not 0x1B and not 0) or 0x7F)
            {
                return false;
            }
        }

        return data.Length > 0;
    }

    private static string TrimText(string s, DicomVR vr)
    {
        if (vr == DicomVR.UI)
        {
            return s.TrimEnd('\0', ' ').TrimStart(' ');
        }

        if (vr == DicomVR.LT || vr == DicomVR.ST || vr == DicomVR.UT)
        {
            return s.TrimEnd(' ', '\0');
        }

        return s.Trim(' ', '\0');
    }

    // ------------------------------------------------------------------ typed values

    /// <summary>Value number <paramref name="index"/> converted to <typeparamref name="T"/> (string, numeric types, <see cref="DicomTag"/>).</summary>
    /// <exception cref="DicomException">Missing, fewer values, or a value that is not a number of type <typeparamref name="T"/>.</exception>
    public T GetValue<T>(DicomTag tag, int index = 0)
    {
        var values = GetValues<T>(tag);
        if (index < 0 || index >= values.Length)
        {
            throw new DicomException($"{Where}: {tag} {tag.Keyword} has {values.Length} value(s); value {index + 1} was requested") { FilePath = SourcePath };
        }

        return values[index];
    }

    /// <summary>Value number <paramref name="index"/> as <typeparamref name="T"/>; false when absent, empty or not convertible.</summary>
    public bool TryGetValue<T>(DicomTag tag, out T value, int index = 0)
    {
        value = default!;
        if (this[tag] is not DicomElement e || !e.IsLoaded)
        {
            return false;
        }

        try
        {
            var values = Convert<T>(e);
            if (index < 0 || index >= values.Length)
            {
                return false;
            }

            value = values[index];
            return true;
        }
        catch (DicomException)
        {
            return false;
        }
    }

    /// <summary>Value number <paramref name="index"/>, or <paramref name="defaultValue"/> when absent or not convertible.</summary>
    public T GetValueOrDefault<T>(DicomTag tag, T defaultValue, int index = 0) => TryGetValue<T>(tag, out var v, index) ? v : defaultValue;

    /// <summary>Every value converted to <typeparamref name="T"/>.</summary>
    /// <exception cref="DicomException">Missing, or a value not convertible to <typeparamref name="T"/>.</exception>
    public T[] GetValues<T>(DicomTag tag) => Convert<T>(GetElement(tag));

    /// <summary>Every value as <typeparamref name="T"/>; false when absent, not loaded or not convertible.</summary>
    public bool TryGetValues<T>(DicomTag tag, out T[] values)
    {
        values = [];
        if (this[tag] is not DicomElement e || !e.IsLoaded)
        {
            return false;
        }

        try
        {
            values = Convert<T>(e);
            return true;
        }
        catch (DicomException)
        {
            return false;
        }
    }

    private T[] Convert<T>(DicomElement e)
    {
        var tag = e.Tag;
        if (typeof(T) == typeof(string))
        {
            return (T[])(object)ElementToStrings(e);
        }

        if (typeof(T) == typeof(DicomTag))
        {
            if (e.VR != DicomVR.AT)
            {
                throw new DicomException($"{Where}: {tag} {tag.Keyword} is {e.VR}, not AT") { FilePath = SourcePath };
            }

            return (T[])(object)DicomValueCodec.ReadTags(e.Data.Span);
        }

        if (e.VR.Kind == DicomValueKind.Text)
        {
            var strings = ElementToStrings(e);
            var result = new T[strings.Length];
            for (var i = 0; i < strings.Length; i++)
            {
                if (!DicomValueCodec.TryParseNumber<T>(strings[i], out result[i]))
                {
                    throw new DicomFormatException($"{Where}: {tag} {tag.Keyword} ({e.VR}) value {i + 1} '{strings[i]}' is not a {typeof(T).Name}") { FilePath = SourcePath, Offset = e.StreamOffset };
                }
            }

            return result;
        }

        if (e.VR.Kind == DicomValueKind.Bytes && typeof(T) == typeof(byte))
        {
            return (T[])(object)e.Data.ToArray();
        }

        if (e.VR.Kind is DicomValueKind.Sequence)
        {
            throw new DicomException($"{Where}: {tag} is a sequence") { FilePath = SourcePath };
        }

        var nums = DicomValueCodec.ReadNumbers(e.VR, e.Data.Span);
        var output = new T[nums.Length];
        for (var i = 0; i < nums.Length; i++)
        {
            if (!DicomValueCodec.TryConvertNumber<T>(nums[i], out output[i]))
            {
                throw new DicomFormatException($"{Where}: {tag} {tag.Keyword} ({e.VR}) value {i + 1} = {nums[i]} does not fit {typeof(T).Name}") { FilePath = SourcePath, Offset = e.StreamOffset };
            }
        }

        return output;
    }

    // ------------------------------------------------------------------ adding

    /// <summary>Adds an item; throws when the tag is already present.</summary>
    /// <exception cref="ArgumentException">The tag is already present.</exception>
    public DicomDataset Add(DicomItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var i = IndexOf(item.Tag);
        if (i >= 0)
        {
            throw new ArgumentException($"{item.Tag} {item.Tag.Keyword} is already in the dataset; use AddOrUpdate", nameof(item));
        }

        Insert(~i, item);
        return this;
    }

    /// <summary>Adds or replaces an item.</summary>
    public DicomDataset AddOrUpdate(DicomItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var i = IndexOf(item.Tag);
        if (i >= 0)
        {
            _items[i] = item;
            Attach(item);
            if (item.Tag == DicomTag.SpecificCharacterSet)
            {
                _charset = null;
            }
        }
        else
        {
            Insert(~i, item);
        }

        return this;
    }

    /// <summary>Adds text values (joined with backslashes) with the dictionary VR of <paramref name="tag"/> (LO for unknown tags).</summary>
    public DicomDataset Add(DicomTag tag, params string[] values) => Add(MakeText(tag, DefaultTextVR(tag), values));

    /// <summary>Adds text values with an explicit VR.</summary>
    public DicomDataset Add(DicomTag tag, DicomVR vr, params string[] values) => Add(MakeText(tag, vr, values));

    /// <summary>Adds or replaces text values with the dictionary VR of <paramref name="tag"/>.</summary>
    public DicomDataset AddOrUpdate(DicomTag tag, params string[] values) => AddOrUpdate(MakeText(tag, DefaultTextVR(tag), values));

    /// <summary>Adds or replaces text values with an explicit VR.</summary>
    public DicomDataset AddOrUpdate(DicomTag tag, DicomVR vr, params string[] values) => AddOrUpdate(MakeText(tag, vr, values));

    /// <summary>
    /// Adds numbers with the dictionary VR of <paramref name="tag"/>: binary VRs (US, SS, UL, SL, FL, FD, OB, OW, OF, OD, …)
    /// store them little-endian, DS and IS format them invariantly. Where the dictionary allows several VRs
    /// (US or SS, OB or OW) the one matching <typeparamref name="T"/> is chosen.
    /// </summary>
    public DicomDataset Add<T>(DicomTag tag, params T[] values)
        where T : unmanaged => Add(MakeNumbers(tag, ChooseVR<T>(tag), values));

    /// <summary>Adds numbers with an explicit VR.</summary>
    public DicomDataset Add<T>(DicomTag tag, DicomVR vr, params T[] values)
        where T : unmanaged => Add(MakeNumbers(tag, vr, values));

    /// <summary>Adds or replaces numbers with the dictionary VR of <paramref name="tag"/> (see <see cref="Add{T}(DicomTag, T[])"/>).</summary>
    public DicomDataset AddOrUpdate<T>(DicomTag tag, params T[] values)
        where T : unmanaged => AddOrUpdate(MakeNumbers(tag, ChooseVR<T>(tag), values));

    /// <summary>Adds or replaces numbers with an explicit VR.</summary>
    public DicomDataset AddOrUpdate<T>(DicomTag tag, DicomVR vr, params T[] values)
        where T : unmanaged => AddOrUpdate(MakeNumbers(tag, vr, values));

    /// <summary>Adds a sequence of items.</summary>
    public DicomDataset Add(DicomTag tag, params DicomDataset[] items) => Add(new DicomSequence(tag, items));

    /// <summary>Adds or replaces a sequence of items.</summary>
    public DicomDataset AddOrUpdate(DicomTag tag, params DicomDataset[] items) => AddOrUpdate(new DicomSequence(tag, items));

    /// <summary>A deep copy (deferred values stay deferred).</summary>
    public DicomDataset Clone()
    {
        var copy = new DicomDataset { UndefinedLength = UndefinedLength, _sourcePath = _sourcePath };
        foreach (var item in _items)
        {
            copy._items.Add(CloneItem(item, copy));
        }

        return copy;
    }

    private static DicomItem CloneItem(DicomItem item, DicomDataset newParent)
    {
        switch (item)
        {
            case DicomSequence s:
                var seq = new DicomSequence(s.Tag, s.Items.Select(i => i.Clone())) { UndefinedLength = s.UndefinedLength };
                foreach (var i in seq.Items)
                {
                    i.Parent = newParent;
                }

                return seq;
            default:
                return item;
        }
    }

    private DicomElement MakeText(DicomTag tag, DicomVR vr, string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (vr.Kind != DicomValueKind.Text)
        {
            throw new ArgumentException($"{tag} {tag.Keyword}: text given for VR {vr}", nameof(values));
        }

        var text = string.Join('\\', values);
        if (vr.IsCharsetDependent && !Ascii.IsValid(text) && tag != DicomTag.SpecificCharacterSet)
        {
            var root = this;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            if (!Charset.CanEncode(text))
            {
                // Non-ASCII text and no charset able to hold it: declare UTF-8 on the top-level dataset.
                root.AddOrUpdate(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
            }
        }

        var bytes = Charset.Encode(text, vr);
        return new DicomElement(tag, vr, bytes);
    }

    private static DicomVR DefaultTextVR(DicomTag tag)
    {
        var entry = DicomDictionary.Lookup(tag);
        if (entry is null)
        {
            return tag.IsPrivateCreator ? DicomVR.LO : DicomVR.LO;
        }

        return entry.VRs.FirstOrDefault(v => v.Kind == DicomValueKind.Text) ?? entry.VR;
    }

    private static DicomVR ChooseVR<T>(DicomTag tag)
        where T : unmanaged
    {
        var entry = DicomDictionary.Lookup(tag);
        var candidates = entry?.VRs ?? [];
        DicomVR? natural = typeof(T) switch
        {
            var t when t == typeof(byte) => DicomVR.OB,
            var t when t == typeof(sbyte) => DicomVR.OB,
            var t when t == typeof(ushort) => DicomVR.US,
            var t when t == typeof(short) => DicomVR.SS,
            var t when t == typeof(uint) => DicomVR.UL,
            var t when t == typeof(int) => DicomVR.SL,
            var t when t == typeof(float) => DicomVR.FL,
            var t when t == typeof(double) => DicomVR.FD,
            var t when t == typeof(long) => DicomVR.SV,
            var t when t == typeof(ulong) => DicomVR.UV,
            _ => null,
        };
        if (candidates.Length == 0)
        {
            return natural ?? throw new ArgumentException($"{tag}: no VR for values of type {typeof(T).Name}", nameof(tag));
        }

        if (candidates.Length == 1)
        {
            return candidates[0];
        }

        if (natural is not null && candidates.Contains(natural))
        {
            return natural;
        }

        // OB or OW: 16-bit words go to OW; US or SS or OW: 16-bit signedness decides.
        var size = Marshal.SizeOf<T>();
        return candidates.FirstOrDefault(c => c.UnitSize == size) ?? candidates[0];
    }

    private static DicomElement MakeNumbers<T>(DicomTag tag, DicomVR vr, T[] values)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        if (vr.Kind == DicomValueKind.Text)
        {
            var text = string.Join('\\', values.Select(v => DicomValueCodec.FormatNumber(v, vr)));
            return new DicomElement(tag, vr, Encoding.ASCII.GetBytes(text));
        }

        if (vr.Kind == DicomValueKind.Sequence)
        {
            throw new ArgumentException($"{tag} {tag.Keyword} is a sequence; numbers cannot be its value", nameof(vr));
        }

        var size = Marshal.SizeOf<T>();
        if (vr.Kind == DicomValueKind.Bytes || typeof(T) == typeof(byte) || (size == vr.UnitSize && IsSameKind<T>(vr)))
        {
            // Raw copy: OB/UN take any bytes, matching binary types are stored as they are (little-endian host).
            var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("Big-endian hosts are not supported");
            }

            return new DicomElement(tag, vr, bytes);
        }

        var doubles = values.Select(v => System.Convert.ToDouble(v, CultureInfo.InvariantCulture)).ToArray();
        return new DicomElement(tag, vr, DicomValueCodec.WriteNumbers(vr, doubles, tag));
    }

    private static bool IsSameKind<T>(DicomVR vr)
    {
        var t = typeof(T);
        if (vr == DicomVR.FL || vr == DicomVR.OF)
        {
            return t == typeof(float);
        }

        if (vr == DicomVR.FD || vr == DicomVR.OD)
        {
            return t == typeof(double);
        }

        if (t == typeof(float) || t == typeof(double))
        {
            return false;
        }

        return vr != DicomVR.AT;
    }

    /// <summary>Formats a number as a Decimal String (DS) value: invariant culture, at most 16 characters, as precise as that allows.</summary>
    /// <exception cref="ArgumentException">NaN or infinity.</exception>
    public static string FormatDecimalString(double value) => DicomValueCodec.FormatDecimalString(value);

    // ------------------------------------------------------------------ internals

    internal int IndexOf(DicomTag tag)
    {
        var lo = 0;
        var hi = _items.Count - 1;
        var v = tag.Value;
        if (hi >= 0 && _items[hi].Tag.Value < v)
        {
            return ~(hi + 1);
        }

        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var m = _items[mid].Tag.Value;
            if (m == v)
            {
                return mid;
            }

            if (m < v)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }

    /// <summary>Appends during parsing (tags usually ascend; out-of-order and duplicate tags are tolerated: last wins).</summary>
    internal void AddParsed(DicomItem item)
    {
        var i = IndexOf(item.Tag);
        if (i >= 0)
        {
            _items[i] = item;
        }
        else
        {
            _items.Insert(~i, item);
        }

        Attach(item);
    }

    private void Insert(int index, DicomItem item)
    {
        _items.Insert(index, item);
        Attach(item);
        if (item.Tag == DicomTag.SpecificCharacterSet)
        {
            _charset = null;
        }
    }

    private void Attach(DicomItem item)
    {
        if (item is DicomSequence s)
        {
            foreach (var d in s.Items)
            {
                d.Parent = this;
            }
        }
    }

    private DicomException Missing(DicomTag tag) =>
        new($"{Where}: {tag} {tag.Keyword} is missing") { FilePath = SourcePath };
}

/// <summary>Binary and text number conversions shared by the dataset and the pixel code.</summary>
internal static class DicomValueCodec
{
    public static DicomTag[] ReadTags(ReadOnlySpan<byte> data)
    {
        var n = data.Length / 4;
        var tags = new DicomTag[n];
        for (var i = 0; i < n; i++)
        {
            var g = BinaryPrimitives.ReadUInt16LittleEndian(data[(4 * i)..]);
            var e = BinaryPrimitives.ReadUInt16LittleEndian(data[(4 * i + 2)..]);
            tags[i] = new DicomTag(g, e);
        }

        return tags;
    }

    /// <summary>Reads the binary values of <paramref name="vr"/> as decimals (exact for every integer and float type).</summary>
    public static decimal[] ReadNumbers(DicomVR vr, ReadOnlySpan<byte> data)
    {
        var size = vr.UnitSize;
        var n = size == 0 ? 0 : data.Length / size;
        var result = new decimal[n];
        for (var i = 0; i < n; i++)
        {
            var s = data.Slice(i * size, size);
            result[i] = vr.Code switch
            {
                "US" or "OW" => BinaryPrimitives.ReadUInt16LittleEndian(s),
                "SS" => BinaryPrimitives.ReadInt16LittleEndian(s),
                "UL" or "OL" => BinaryPrimitives.ReadUInt32LittleEndian(s),
                "SL" => BinaryPrimitives.ReadInt32LittleEndian(s),
                "SV" => BinaryPrimitives.ReadInt64LittleEndian(s),
                "UV" or "OV" => BinaryPrimitives.ReadUInt64LittleEndian(s),
                "FL" or "OF" => ToDecimal(BinaryPrimitives.ReadSingleLittleEndian(s)),
                "FD" or "OD" => ToDecimal(BinaryPrimitives.ReadDoubleLittleEndian(s)),
                _ => s[0],
            };
        }

        return result;
    }

    private static decimal ToDecimal(double d)
    {
        if (double.IsNaN(d) || double.IsInfinity(d) || Math.Abs(d) > 7.9e28)
        {
            return 0m;
        }

        return (decimal)d;
    }

    public static bool TryConvertNumber<T>(decimal value, out T result)
    {
        result = default!;
        try
        {
            object boxed = typeof(T) switch
            {
                var t when t == typeof(double) => (double)value,
                var t when t == typeof(float) => (float)value,
                var t when t == typeof(decimal) => value,
                var t when t == typeof(int) => checked((int)value),
                var t when t == typeof(uint) => checked((uint)value),
                var t when t == typeof(short) => checked((short)value),
                var t when t == typeof(ushort) => checked((ushort)value),
                var t when t == typeof(long) => checked((long)value),
                var t when t == typeof(ulong) => checked((ulong)value),
                var t when t == typeof(byte) => checked((byte)value),
                var t when t == typeof(sbyte) => checked((sbyte)value),
                _ => throw new InvalidCastException(),
            };
            result = (T)boxed;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
        catch (InvalidCastException)
        {
            return false;
        }
    }

    public static bool TryParseNumber<T>(string text, out T result)
    {
        result = default!;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }

        if (typeof(T) == typeof(double) || typeof(T) == typeof(float) || typeof(T) == typeof(decimal))
        {
            if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                return false;
            }

            object boxed = typeof(T) == typeof(double) ? d : typeof(T) == typeof(float) ? (float)d : (decimal)d;
            result = (T)boxed;
            return true;
        }

        if (decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && decimal.Truncate(m) == m)
        {
            return TryConvertNumber(m, out result);
        }

        return false;
    }

    public static string FormatNumber<T>(T value, DicomVR vr)
        where T : unmanaged
    {
        if (vr == DicomVR.IS)
        {
            return System.Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        }

        var d = System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
        if (vr == DicomVR.DS)
        {
            return FormatDecimalString(d);
        }

        return d.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Formats a DS value in at most 16 characters, as precisely as that allows.</summary>
    public static string FormatDecimalString(double d)
    {
        if (!double.IsFinite(d))
        {
            throw new ArgumentException($"DS cannot hold {d}", nameof(d));
        }

        var r = d.ToString("R", CultureInfo.InvariantCulture);
        if (r.Length <= 16)
        {
            return r;
        }

        for (var digits = 15; digits > 0; digits--)
        {
            var s = d.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if (s.Length <= 16)
            {
                return s;
            }
        }

        return d.ToString("E6", CultureInfo.InvariantCulture);
    }

    public static byte[] WriteNumbers(DicomVR vr, double[] values, DicomTag tag)
    {
        var size = vr.UnitSize;
        var bytes = new byte[values.Length * size];
        for (var i = 0; i < values.Length; i++)
        {
            var s = bytes.AsSpan(i * size, size);
            var v = values[i];
            try
            {
                switch (vr.Code)
                {
                    case "US" or "OW": BinaryPrimitives.WriteUInt16LittleEndian(s, checked((ushort)v)); break;
                    case "SS": BinaryPrimitives.WriteInt16LittleEndian(s, checked((short)v)); break;
                    case "UL" or "OL": BinaryPrimitives.WriteUInt32LittleEndian(s, checked((uint)v)); break;
                    case "SL": BinaryPrimitives.WriteInt32LittleEndian(s, checked((int)v)); break;
                    case "SV": BinaryPrimitives.WriteInt64LittleEndian(s, checked((long)v)); break;
                    case "UV" or "OV": BinaryPrimitives.WriteUInt64LittleEndian(s, checked((ulong)v)); break;
                    case "FL" or "OF": BinaryPrimitives.WriteSingleLittleEndian(s, (float)v); break;
                    case "FD" or "OD": BinaryPrimitives.WriteDoubleLittleEndian(s, v); break;
                    default: throw new ArgumentException($"{tag}: cannot store numbers as {vr}", nameof(vr));
                }
            }
            catch (OverflowException ex)
            {
                throw new ArgumentException($"{tag} {tag.Keyword}: {v} does not fit VR {vr}", nameof(values), ex);
            }
        }

        return bytes;
    }
}
