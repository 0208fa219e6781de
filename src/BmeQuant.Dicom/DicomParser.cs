using System.Buffers.Binary;
using System.Globalization;

namespace BmeQuant.Dicom;

/// <summary>The element-level parser: datasets, sequences, items, encapsulated Pixel Data, UN re-parsing, bounds and caps.</summary>
internal sealed class DicomParser
{
    private const uint UndefinedLength = 0xFFFFFFFF;
    private readonly DicomReadOptions _options;
    private readonly string _display;
    private readonly string? _filePath;

    public DicomParser(DicomReadOptions options, string? filePath)
    {
        _options = options;
        _filePath = filePath;
        _display = filePath ?? "<stream>";
    }

    public List<DicomReadProblem> Problems { get; } = [];

    /// <summary>Large values read into pooled arrays; the <see cref="DicomFile"/> returns them to the pool when disposed.</summary>
    public List<PooledValue> Leases { get; } = [];

    /// <summary>True when reading stopped at <see cref="DicomReadOptions.StopAtTag"/>.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Where deferred values are read from (null: values must be loaded, or are lost when skipped).</summary>
    public string? DeferSource { get; set; }

    public DicomFormatException Error(long offset, DicomTag? tag, string message) =>
        new($"{_display}: offset {offset}{(tag is { } t ? " " + t + " " + t.Keyword : string.Empty)}: {message}") { FilePath = _filePath, Offset = offset };

    public void Note(long offset, DicomTag? tag, string message) => Problems.Add(new DicomReadProblem(tag, offset, message));

    /// <summary>
    /// Reads elements into <paramref name="ds"/> until <paramref name="end"/> (absolute position; -1 for undefined) or,
    /// for an undefined-length item, its Item Delimitation; for the top level, until the end of the stream.
    /// </summary>
    public void ReadDataset(DicomStreamReader r, DicomDataset ds, long end, bool explicitVR, bool bigEndian, int depth, bool isItem, Func<DicomTag, bool>? continueWhile = null)
    {
        while (true)
        {
            if (end >= 0 && r.Position >= end)
            {
                return;
            }

            if (!r.TryEnsure(8))
            {
                if (depth == 0 && end < 0)
                {
                    if (r.Available > 0)
                    {
                        Note(r.Position, null, $"{r.Available} trailing byte(s) after the last element ignored");
                    }

                    return;
                }

                throw Error(r.Position, null, isItem ? "stream ends inside a sequence item; expected more elements or an Item Delimitation (FFFE,E00D)" : "stream ends inside the dataset; expected an element");
            }

            if (continueWhile is not null)
            {
                var peek = r.Peek(4);
                var g = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(peek) : BinaryPrimitives.ReadUInt16LittleEndian(peek);
                var el = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(peek[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(peek[2..]);
                if (!continueWhile(new DicomTag(g, el)))
                {
                    return;
                }
            }

            var offset = r.Position;
            var group = r.ReadUInt16(bigEndian);
            var element = r.ReadUInt16(bigEndian);
            var tag = new DicomTag(group, element);

            if (tag == DicomTag.ItemDelimitationTag)
            {
                _ = r.ReadUInt32(bigEndian);
                if (isItem && end < 0)
                {
                    return;
                }

                Note(offset, tag, "Item Delimitation outside an undefined-length item ignored");
                continue;
            }

            if (tag == DicomTag.SequenceDelimitationTag)
            {
                _ = r.ReadUInt32(bigEndian);
                if (isItem && end < 0)
                {
                    throw Error(offset, tag, "Sequence Delimitation inside an undefined-length item; expected an Item Delimitation (FFFE,E00D) first");
                }

                Note(offset, tag, "stray Sequence Delimitation ignored");
                continue;
            }

            if (depth == 0 && _options.StopAtTag is { } stop && tag >= stop)
            {
                Stopped = true;
                return;
            }

            DicomVR vr;
            long length;
            var vrExplicit = false;
            if (explicitVR && DicomVR.TryParse(r.Peek(2)[0], r.Peek(2)[1], out vr))
            {
                vrExplicit = true;
                _ = r.ReadUInt16(false);
                if (vr.HasLongLength)
                {
                    if (!r.TryEnsure(6))
                    {
                        throw Error(offset, tag, "stream ends inside the element header");
                    }

                    _ = r.ReadUInt16(bigEndian);
                    length = r.ReadUInt32(bigEndian);
                }
                else
                {
                    length = r.ReadUInt16(bigEndian);
                }
            }
            else
            {
                if (explicitVR)
                {
                    var p = r.Peek(2);
                    Note(offset, tag, string.Create(CultureInfo.InvariantCulture, $"VR bytes 0x{p[0]:X2} 0x{p[1]:X2} are not a VR in an explicit VR dataset; read as implicit VR"));
                }

                length = r.ReadUInt32(bigEndian);
                vr = ImplicitVR(tag, ds);
            }

            ReadValue(r, ds, tag, vr, vrExplicit, length, end, explicitVR, bigEndian, depth, offset);
        }
    }

    private static DicomVR ImplicitVR(DicomTag tag, DicomDataset ds)
    {
        var entry = tag.IsGroupLength ? null : DicomDictionary.Lookup(tag);
        if (entry is null || entry.VRs.Length == 1)
        {
            return DicomDictionary.ImplicitVR(tag);
        }

        // Ambiguous VRs resolved from the dataset (PS3.5 Annex A.1 note): pixel data words, pixel representation.
        if (entry.VRs.Contains(DicomVR.OW) && entry.VRs.Contains(DicomVR.OB))
        {
            return ds.TryGetValue<int>(DicomTag.BitsAllocated, out var bits) && bits <= 8 ? DicomVR.OB : DicomVR.OW;
        }

        if (entry.VRs.Contains(DicomVR.SS) && entry.VRs.Contains(DicomVR.US))
        {
            return ds.TryGetValue<int>(DicomTag.PixelRepresentation, out var pr) && pr == 1 ? DicomVR.SS : DicomVR.US;
        }

        return entry.VR;
    }

    private void ReadValue(DicomStreamReader r, DicomDataset ds, DicomTag tag, DicomVR vr, bool vrExplicit, long length, long end, bool explicitVR, bool bigEndian, int depth, long offset)
    {
        var undefined = length == UndefinedLength;
        var isPixelData = tag == DicomTag.PixelData || tag == DicomTag.FloatPixelData || tag == DicomTag.DoubleFloatPixelData;

        if (undefined && tag == DicomTag.PixelData && depth == 0)
        {
            ReadFragments(r, ds, tag, vr == DicomVR.UN ? DicomVR.OB : vr, offset);
            return;
        }

        if (vr == DicomVR.SQ || (undefined && (vr == DicomVR.UN || !vrExplicit)))
        {
            // Undefined-length UN holds a sequence in implicit VR little endian (PS3.5 §6.2.2 note, CP-246).
            var asImplicit = vr == DicomVR.UN || (!explicitVR && !vrExplicit);
            var seq = new DicomSequence(tag) { UndefinedLength = undefined, StreamOffset = offset, WasUN = vr == DicomVR.UN };
            ds.AddParsed(seq);
            ReadSequenceItems(r, seq, ds, undefined ? -1 : CheckedEnd(r, tag, length, end, offset), asImplicit ? false : explicitVR, asImplicit ? false : bigEndian, depth, offset);
            return;
        }

        if (undefined)
        {
            throw Error(offset, tag, $"undefined length (FFFFFFFF) on VR {vr}; only SQ, UN and Pixel Data may have undefined length");
        }

        var valueEnd = CheckedEnd(r, tag, length, end, offset);
        _ = valueEnd;
        var defer = DeferSource is not null && length >= _options.DeferValuesLargerThanBytes && vr.Kind is DicomValueKind.Binary or DicomValueKind.Bytes && vr != DicomVR.UN;
        if ((isPixelData && depth == 0 && !_options.ReadPixelData) || defer)
        {
            var deferred = new DeferredValue(DeferSource, r.RawPosition, length, _display);
            if (!r.TrySkip(length))
            {
                throw Error(offset, tag, $"value length {length} runs past the end of the stream");
            }

            ds.AddParsed(new DicomElement(tag, vr, deferred) { StreamOffset = offset });
            return;
        }

        if (vr != DicomVR.UN && TryReadPooled(r, tag, length, offset) is { } pooled)
        {
            if (bigEndian && vr.Kind == DicomValueKind.Binary && vr.UnitSize > 1)
            {
                SwapInPlace(pooled.GetSpan(), vr == DicomVR.AT ? 2 : vr.UnitSize);
            }

            ds.AddParsed(new DicomElement(tag, vr, pooled.Memory) { StreamOffset = offset });
            return;
        }

        var data = ReadBytes(r, tag, length, offset);
        if (bigEndian && vr.Kind == DicomValueKind.Binary && vr.UnitSize > 1)
        {
            SwapInPlace(data, vr == DicomVR.AT ? 2 : vr.UnitSize);
        }

        if (vr == DicomVR.UN && !bigEndian)
        {
            if (data.Length >= 8 && BinaryPrimitives.ReadUInt32LittleEndian(data) == 0xE000FFFE)
            {
                if (TryReparseUN(ds, tag, data, offset, depth))
                {
                    return;
                }
            }
            else if (!tag.IsPrivate && DicomDictionary.Lookup(tag) is { } entry && entry.VR != DicomVR.UN && entry.VR != DicomVR.SQ)
            {
                vr = ImplicitVR(tag, ds);
            }
        }

        ds.AddParsed(new DicomElement(tag, vr, data) { StreamOffset = offset });
    }

    private bool TryReparseUN(DicomDataset ds, DicomTag tag, byte[] data, long offset, int depth)
    {
        var seq = new DicomSequence(tag) { UndefinedLength = false, StreamOffset = offset, WasUN = true };
        var problems = Problems.Count;
        try
        {
            var sub = new DicomStreamReader(new MemoryStream(data, false), offset + 12, 4096);
            ReadSequenceItems(sub, seq, ds, data.Length + offset + 12, false, false, depth, offset);
            ds.AddParsed(seq);
            return true;
        }
        catch (DicomFormatException)
        {
            Problems.RemoveRange(problems, Problems.Count - problems);
            Note(offset, tag, "UN value starts like a sequence but does not parse as implicit VR items; kept as UN");
            return false;
        }
    }

    private long CheckedEnd(DicomStreamReader r, DicomTag tag, long length, long end, long offset)
    {
        var start = r.Position;
        if (end >= 0 && start + length > end)
        {
            throw Error(offset, tag, $"value length {length} runs past the end of its enclosing item or sequence at offset {end}");
        }

        if (length > r.Remaining)
        {
            throw Error(offset, tag, $"value length {length} exceeds the {r.Remaining} bytes left in the stream");
        }

        return start + length;
    }

    /// <summary>
    /// Reads a large value (<see cref="PooledValue.MinPooledBytes"/> to <see cref="PooledValue.MaxPooledBytes"/>, from a
    /// seekable stream whose remaining length was checked) into a
    /// pooled array lent to the file being read (<see cref="Leases"/>); null for values read the ordinary way.
    /// </summary>
    private PooledValue? TryReadPooled(DicomStreamReader r, DicomTag tag, long length, long offset)
    {
        if (length < PooledValue.MinPooledBytes || length > PooledValue.MaxPooledBytes || length > _options.MaxValueLengthBytes || !r.CanSeek)
        {
            return null;
        }

        var pooled = PooledValue.Rent((int)length, _display);
        if (!r.TryRead(pooled.GetSpan()))
        {
            pooled.Release();
            throw Error(offset, tag, $"stream ends inside the value; expected {length} bytes");
        }

        Leases.Add(pooled);
        return pooled;
    }

    /// <summary>Releases every pooled value lent so far (reading failed: nobody will see them).</summary>
    public void ReleaseLeases()
    {
        foreach (var lease in Leases)
        {
            lease.Release();
        }

        Leases.Clear();
    }

    private byte[] ReadBytes(DicomStreamReader r, DicomTag tag, long length, long offset)
    {
        if (length > _options.MaxValueLengthBytes || length > Array.MaxLength)
        {
            throw Error(offset, tag, $"value length {length} exceeds the allocation cap of {_options.MaxValueLengthBytes} bytes (DicomReadOptions.MaxValueLengthBytes)");
        }

        if (r.CanSeek || length <= 1 << 20)
        {
            // Filled completely below (or the read fails), so large values skip the zeroing of a fresh array.
            var data = length >= 4096 ? GC.AllocateUninitializedArray<byte>((int)length) : new byte[length];
            if (!r.TryRead(data))
            {
                throw Error(offset, tag, $"stream ends inside the value; expected {length} bytes");
            }

            return data;
        }

        // Non-seekable: grow with the data actually received, so a lying length cannot force a large allocation.
        var buffer = new byte[1 << 20];
        long done = 0;
        while (done < length)
        {
            if (done == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(length, (long)buffer.Length * 2));
            }

            var chunk = (int)Math.Min(buffer.Length - done, length - done);
            if (!r.TryRead(buffer.AsSpan((int)done, chunk)))
            {
                throw Error(offset, tag, $"stream ends inside the value; expected {length} bytes");
            }

            done += chunk;
        }

        return buffer;
    }

    private void ReadSequenceItems(DicomStreamReader r, DicomSequence seq, DicomDataset parent, long end, bool explicitVR, bool bigEndian, int depth, long seqOffset)
    {
        if (depth + 1 > _options.MaxSequenceDepth)
        {
            throw Error(seqOffset, seq.Tag, $"sequences nested deeper than {_options.MaxSequenceDepth} levels (DicomReadOptions.MaxSequenceDepth)");
        }

        while (true)
        {
            if (end >= 0 && r.Position >= end)
            {
                return;
            }

            if (!r.TryEnsure(8))
            {
                throw Error(r.Position, seq.Tag, "stream ends inside the sequence; expected an Item (FFFE,E000) or Sequence Delimitation (FFFE,E0DD)");
            }

            var offset = r.Position;
            var group = r.ReadUInt16(bigEndian);
            var element = r.ReadUInt16(bigEndian);
            var tag = new DicomTag(group, element);
            var length = r.ReadUInt32(bigEndian);
            if (tag == DicomTag.SequenceDelimitationTag)
            {
                if (end >= 0)
                {
                    Note(offset, seq.Tag, "Sequence Delimitation in a defined-length sequence");
                }

                return;
            }

            if (tag == DicomTag.ItemDelimitationTag)
            {
                Note(offset, seq.Tag, "stray Item Delimitation in a sequence ignored");
                continue;
            }

            if (tag != DicomTag.ItemTag)
            {
                throw Error(offset, seq.Tag, $"expected an Item (FFFE,E000) in the sequence, found {tag}");
            }

            var item = new DicomDataset { UndefinedLength = length == UndefinedLength, StreamOffset = offset, Parent = parent };
            seq.Items.Add(item);
            long itemEnd = -1;
            if (length != UndefinedLength)
            {
                itemEnd = CheckedEnd(r, seq.Tag, length, end, offset);
            }

            ReadDataset(r, item, itemEnd, explicitVR, bigEndian, depth + 1, isItem: true);
            if (itemEnd >= 0 && r.Position != itemEnd)
            {
                throw Error(offset, seq.Tag, $"item of length {length} ends at offset {r.Position}, expected {itemEnd}");
            }
        }
    }

    private void ReadFragments(DicomStreamReader r, DicomDataset ds, DicomTag tag, DicomVR vr, long offset)
    {
        var frags = new DicomFragmentSequence(tag, vr, [], []) { StreamOffset = offset };
        ds.AddParsed(frags);
        var first = true;
        while (true)
        {
            if (!r.TryEnsure(8))
            {
                throw Error(r.Position, tag, "stream ends inside encapsulated Pixel Data; expected an Item or Sequence Delimitation");
            }

            var itemOffset = r.Position;
            var itemTag = new DicomTag(r.ReadUInt16(false), r.ReadUInt16(false));
            var length = (long)r.ReadUInt32(false);
            if (itemTag == DicomTag.SequenceDelimitationTag)
            {
                return;
            }

            if (itemTag != DicomTag.ItemTag)
            {
                throw Error(itemOffset, tag, $"expected a fragment Item (FFFE,E000) in encapsulated Pixel Data, found {itemTag}");
            }

            if (length == UndefinedLength)
            {
                throw Error(itemOffset, tag, "fragment with undefined length; fragments must have a defined length");
            }

            _ = CheckedEnd(r, tag, length, -1, itemOffset);
            if (first)
            {
                first = false;
                if (length % 4 != 0)
                {
                    throw Error(itemOffset, tag, $"Basic Offset Table length {length} is not a multiple of 4");
                }

                var bot = ReadBytes(r, tag, length, itemOffset);
                var table = new uint[bot.Length / 4];
                for (var i = 0; i < table.Length; i++)
                {
                    table[i] = BinaryPrimitives.ReadUInt32LittleEndian(bot.AsSpan(4 * i));
                }

                frags.BasicOffsetTable = table;
                continue;
            }

            DicomFragment fragment;
            if (!_options.ReadPixelData || (DeferSource is not null && length >= _options.DeferValuesLargerThanBytes))
            {
                var deferred = new DeferredValue(DeferSource, r.RawPosition, length, _display);
                if (!r.TrySkip(length))
                {
                    throw Error(itemOffset, tag, $"fragment length {length} runs past the end of the stream");
                }

                fragment = new DicomFragment(deferred);
            }
            else if (TryReadPooled(r, tag, length, itemOffset) is { } pooled)
            {
                fragment = new DicomFragment(pooled.Memory);
            }
            else
            {
                fragment = new DicomFragment(ReadBytes(r, tag, length, itemOffset));
            }

            fragment.StreamOffset = itemOffset;
            frags.Fragments.Add(fragment);
        }
    }

    private static void SwapInPlace(Span<byte> data, int unit)
    {
        var n = data.Length / unit * unit;
        for (var i = 0; i < n; i += unit)
        {
            data.Slice(i, unit).Reverse();
        }
    }
}
