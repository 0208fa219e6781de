namespace BmeQuant.Dicom;

/// <summary>One entry of a <see cref="DicomDataset"/>: an element with a value, a sequence or encapsulated Pixel Data.</summary>
public abstract class DicomItem
{
    private protected DicomItem(DicomTag tag, DicomVR vr)
    {
        Tag = tag;
        VR = vr;
    }

    /// <summary>The tag.</summary>
    public DicomTag Tag { get; }

    /// <summary>The value representation.</summary>
    public DicomVR VR { get; }

    /// <summary>Byte offset of the element's tag in the stream it was read from (inflated stream for Deflated syntax), or -1.</summary>
    public long StreamOffset { get; internal set; } = -1;

    /// <summary>Tag, VR and keyword.</summary>
    public override string ToString() => $"{Tag} {VR} {Tag.Keyword}";
}

/// <summary>An element whose value is a byte string (text or binary numbers, always held little-endian).</summary>
public sealed class DicomElement : DicomItem
{
    private ReadOnlyMemory<byte> _data;
    private readonly DeferredValue? _deferred;

    /// <summary>Creates an element from its little-endian value bytes (odd lengths are allowed and padded on write).</summary>
    public DicomElement(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> data)
        : base(tag, vr)
    {
        ArgumentNullException.ThrowIfNull(vr);
        if (vr == DicomVR.SQ)
        {
            throw new ArgumentException("Use DicomSequence for SQ elements", nameof(vr));
        }

        _data = data;
        Length = data.Length;
    }

    internal DicomElement(DicomTag tag, DicomVR vr, DeferredValue deferred)
        : base(tag, vr)
    {
        _deferred = deferred;
        Length = deferred.Length;
    }

    /// <summary>Length of the value in bytes as stored (may be odd for non-conformant files).</summary>
    public long Length { get; }

    /// <summary>False when the value was skipped (header-only read) or left in the file to be read on demand.</summary>
    public bool IsLoaded => _deferred is null;

    /// <summary>True when the value can be read: loaded, or deferred to a file that is still readable.</summary>
    public bool IsAvailable => _deferred is null || _deferred.Source is not null;

    /// <summary>The value bytes (little-endian). A deferred value is read from its file on each call, not cached.</summary>
    /// <exception cref="DicomException">The value was skipped and cannot be read, or is larger than 2 GB.</exception>
    public ReadOnlyMemory<byte> Data => _deferred is null ? _data : _deferred.ReadAll(Tag);

    internal DeferredValue? Deferred => _deferred;

    /// <summary>Reads <paramref name="destination"/>.Length bytes of the value starting at <paramref name="offset"/> (works for deferred values &gt; 2 GB).</summary>
    internal void ReadRange(long offset, Span<byte> destination)
    {
        if (_deferred is null)
        {
            _data.Span.Slice(checked((int)offset), destination.Length).CopyTo(destination);
        }
        else
        {
            _deferred.Read(Tag, offset, destination);
        }
    }
}

/// <summary>A sequence (SQ) of items, each a nested dataset.</summary>
public sealed class DicomSequence : DicomItem
{
    /// <summary>Creates a sequence with the given items.</summary>
    public DicomSequence(DicomTag tag, params IEnumerable<DicomDataset> items)
        : base(tag, DicomVR.SQ)
    {
        Items = [.. items];
    }

    /// <summary>The items in order.</summary>
    public List<DicomDataset> Items { get; }

    /// <summary>True when the sequence was read with (and will be written with) undefined length and a delimitation item.</summary>
    public bool UndefinedLength { get; set; } = true;

    /// <summary>True when the sequence was read from a UN element and re-parsed as implicit VR little endian.</summary>
    public bool WasUN { get; internal set; }
}

/// <summary>One fragment of encapsulated Pixel Data.</summary>
public sealed class DicomFragment
{
    private readonly ReadOnlyMemory<byte> _data;
    private readonly DeferredValue? _deferred;

    /// <summary>Creates a fragment from its bytes.</summary>
    public DicomFragment(ReadOnlyMemory<byte> data)
    {
        _data = data;
        Length = data.Length;
    }

    internal DicomFragment(DeferredValue deferred)
    {
        _deferred = deferred;
        Length = deferred.Length;
    }

    /// <summary>Length in bytes.</summary>
    public long Length { get; }

    /// <summary>The fragment's bytes (read from the file when deferred).</summary>
    public ReadOnlyMemory<byte> Data => _deferred is null ? _data : _deferred.ReadAll(DicomTag.PixelData);

    /// <summary>Offset of the fragment's item tag in the source stream, or -1.</summary>
    public long StreamOffset { get; internal set; } = -1;

    internal void ReadPrefix(Span<byte> destination)
    {
        if (_deferred is null)
        {
            _data.Span[..destination.Length].CopyTo(destination);
        }
        else
        {
            _deferred.Read(DicomTag.PixelData, 0, destination);
        }
    }

    internal void CopyTo(Span<byte> destination)
    {
        if (_deferred is null)
        {
            _data.Span.CopyTo(destination);
        }
        else
        {
            _deferred.Read(DicomTag.PixelData, 0, destination);
        }
    }
}

/// <summary>Encapsulated Pixel Data: a Basic Offset Table and a list of fragments.</summary>
public sealed class DicomFragmentSequence : DicomItem
{
    /// <summary>Creates encapsulated pixel data.</summary>
    public DicomFragmentSequence(DicomTag tag, DicomVR vr, uint[] basicOffsetTable, IEnumerable<DicomFragment> fragments)
        : base(tag, vr)
    {
        BasicOffsetTable = basicOffsetTable;
        Fragments = [.. fragments];
    }

    /// <summary>The Basic Offset Table (first item): offsets of each frame's first fragment, relative to the first fragment's item tag. Empty when absent.</summary>
    public uint[] BasicOffsetTable { get; set; }

    /// <summary>The fragments in order (without the offset table item).</summary>
    public List<DicomFragment> Fragments { get; }
}

/// <summary>A value left in its file: read on demand.</summary>
internal sealed class DeferredValue(string? source, long offset, long length, string? displayName)
{
    /// <summary>The file to read from, or null when the value was skipped in a non-seekable stream.</summary>
    public string? Source { get; } = source;

    public long Offset { get; } = offset;

    public long Length { get; } = length;

    public ReadOnlyMemory<byte> ReadAll(DicomTag tag)
    {
        if (Length > Array.MaxLength)
        {
            throw new DicomException($"{displayName ?? "<stream>"}: {tag} value of {Length} bytes is too large to load at once; read it frame by frame") { FilePath = Source };
        }

        var buffer = new byte[Length];
        Read(tag, 0, buffer);
        return buffer;
    }

    public void Read(DicomTag tag, long offset, Span<byte> destination)
    {
        if (Source is null)
        {
            throw new DicomException($"{displayName ?? "<stream>"}: {tag} {tag.Keyword} was skipped (header-only read of a non-seekable stream); read the file again with pixel data") { FilePath = displayName };
        }

        if (offset < 0 || offset + destination.Length > Length)
        {
            throw new DicomFormatException($"{Source}: {tag} read of {destination.Length} bytes at {offset} is outside the value of {Length} bytes") { FilePath = Source, Offset = Offset + offset };
        }

        try
        {
            // A bare handle and positional reads: the bytes go from the page cache straight into the destination.
            using var handle = File.OpenHandle(Source, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.None);
            var done = 0;
            while (done < destination.Length)
            {
                var n = RandomAccess.Read(handle, destination[done..], Offset + offset + done);
                if (n <= 0)
                {
                    throw new DicomFormatException($"{Source}: file ends inside {tag} value at offset {Offset + offset + done}; expected {destination.Length} bytes") { FilePath = Source, Offset = Offset + offset };
                }

                done += n;
            }
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException)
        {
            throw new DicomException($"{Source}: cannot read {tag} value at offset {Offset + offset}: {ex.Message}", ex) { FilePath = Source };
        }
        catch (IOException ex)
        {
            throw new DicomException($"{Source}: cannot read {tag} value at offset {Offset + offset}: {ex.Message}", ex) { FilePath = Source };
        }
    }
}
