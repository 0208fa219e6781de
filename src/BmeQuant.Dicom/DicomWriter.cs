using System.Buffers.Binary;
using System.IO.Compression;
using BmeQuant.Imaging;

namespace BmeQuant.Dicom;

/// <summary>What to do with group length elements (gggg,0000) of the dataset (the meta group always has a correct one).</summary>
public enum DicomGroupLengthPolicy
{
    /// <summary>Recompute the group lengths that are present; add none.</summary>
    Recompute,

    /// <summary>Write a correct group length for every group.</summary>
    AddAll,

    /// <summary>Drop them (they are retired outside the meta and command groups).</summary>
    Remove,
}

/// <summary>How <see cref="DicomWriter"/> writes a file.</summary>
public sealed record DicomWriteOptions
{
    /// <summary>Defaults: the file's own syntax when it can be written, else Explicit VR Little Endian.</summary>
    public static DicomWriteOptions Default { get; } = new();

    /// <summary>
    /// The transfer syntax to write: Explicit VR Little Endian or Deflated Explicit VR Little Endian. Null keeps the file's
    /// syntax when it is one of those or encapsulated (compressed pixel data is written as it is), else Explicit VR LE.
    /// </summary>
    public TransferSyntax? TransferSyntax { get; init; }

    /// <summary>Group length handling for the dataset.</summary>
    public DicomGroupLengthPolicy GroupLengths { get; init; } = DicomGroupLengthPolicy.Recompute;

    /// <summary>Deflate level for the Deflated syntax.</summary>
    public CompressionLevel DeflateLevel { get; init; } = CompressionLevel.Optimal;
}

/// <summary>
/// Writes DICOM Part 10 files: 128-byte preamble, "DICM", File Meta Information with a correct group length, then the
/// dataset in Explicit VR Little Endian (optionally deflated). Odd values are padded to even length with the VR's padding
/// byte; sequences and items keep the length encoding they were read with (defined or undefined).
/// </summary>
public static class DicomWriter
{
    private static readonly DicomTag[] s_retiredGroupLengthAllowed = [];

    /// <summary>Writes to <paramref name="path"/> through a temporary file renamed into place, so a failed write leaves no partial file.</summary>
    /// <exception cref="DicomException">A value cannot be encoded in the target syntax, or the file cannot be written.</exception>
    public static void Write(string path, DicomFile file, DicomWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            AtomicFile.Write(path, fs => Write(fs, file, options));
        }
        catch (IOException ex)
        {
            throw new DicomException($"{path}: cannot write: {ex.Message}", ex) { FilePath = path };
        }
    }

    /// <summary>Writes a dataset as a Part 10 file (convenience for <c>new DicomFile(dataset).Save(path)</c>).</summary>
    public static void Write(string path, DicomDataset dataset, DicomWriteOptions? options = null) => Write(path, new DicomFile(dataset), options);

    /// <summary>Writes a Part 10 file to a stream.</summary>
    public static void Write(Stream stream, DicomFile file, DicomWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(file);
        options ??= DicomWriteOptions.Default;
        var ts = ChooseSyntax(file, options);
        var meta = BuildMeta(file, ts);

        var preamble = new byte[128];
        file.Preamble?.AsSpan(0, Math.Min(128, file.Preamble.Length)).CopyTo(preamble);
        stream.Write(preamble);
        stream.Write("DICM"u8);

        var w = new ElementWriter(stream, file.Dataset.SourcePath);
        foreach (var item in meta)
        {
            w.WriteItem(item);
        }

        if (ts.IsDeflated)
        {
            using var deflate = new DeflateStream(stream, options.DeflateLevel, leaveOpen: true);
            var dw = new ElementWriter(deflate, file.Dataset.SourcePath);
            dw.WriteDataset(file.Dataset, options.GroupLengths, topLevel: true);
        }
        else
        {
            w.WriteDataset(file.Dataset, options.GroupLengths, topLevel: true);
        }

        stream.Flush();
    }

    /// <summary>Encodes a dataset (no preamble or meta) in Explicit VR Little Endian, as it appears inside a file.</summary>
    public static byte[] EncodeDataset(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        using var ms = new MemoryStream();
        new ElementWriter(ms, dataset.SourcePath).WriteDataset(dataset, DicomGroupLengthPolicy.Recompute, topLevel: true);
        return ms.ToArray();
    }

    private static TransferSyntax ChooseSyntax(DicomFile file, DicomWriteOptions options)
    {
        var encapsulated = file.Dataset[DicomTag.PixelData] is DicomFragmentSequence;
        if (encapsulated)
        {
            if (!file.TransferSyntax.IsEncapsulated)
            {
                throw new DicomException($"{file.FilePath ?? "<dataset>"}: Pixel Data is encapsulated but the transfer syntax {file.TransferSyntax.Uid} is not; set DicomFile.TransferSyntax to the compressed syntax") { FilePath = file.FilePath };
            }

            return file.TransferSyntax;
        }

        var requested = options.TransferSyntax ?? file.TransferSyntax;
        if (requested.IsDeflated)
        {
            return TransferSyntax.DeflatedExplicitVRLittleEndian;
        }

        if (requested.IsEncapsulated && options.TransferSyntax is not null)
        {
            throw new DicomException($"{file.FilePath ?? "<dataset>"}: writing {requested.Name} needs encapsulated (compressed) Pixel Data; BmeQuant does not compress") { FilePath = file.FilePath };
        }

        return TransferSyntax.ExplicitVRLittleEndian;
    }

    private static List<DicomItem> BuildMeta(DicomFile file, TransferSyntax ts)
    {
        var meta = new DicomDataset();
        foreach (var item in file.Meta)
        {
            if (!item.Tag.IsGroupLength)
            {
                meta.AddOrUpdate(item);
            }
        }

        meta.AddOrUpdate(new DicomElement(DicomTag.FileMetaInformationVersion, DicomVR.OB, new byte[] { 0, 1 }));
        if (file.Dataset.TryGetString(DicomTag.SOPClassUID, out var sopClass))
        {
            meta.AddOrUpdate(DicomTag.MediaStorageSOPClassUID, DicomVR.UI, sopClass);
        }

        if (file.Dataset.TryGetString(DicomTag.SOPInstanceUID, out var sopInstance))
        {
            meta.AddOrUpdate(DicomTag.MediaStorageSOPInstanceUID, DicomVR.UI, sopInstance);
        }

        meta.AddOrUpdate(DicomTag.TransferSyntaxUID, DicomVR.UI, ts.Uid);
        meta.AddOrUpdate(DicomTag.ImplementationClassUID, DicomVR.UI, DicomUid.ImplementationClassUid);
        meta.AddOrUpdate(DicomTag.ImplementationVersionName, DicomVR.SH, DicomUid.ImplementationVersionName);

        long length = 0;
        foreach (var item in meta)
        {
            length += ElementWriter.EncodedLength(item);
        }

        var list = new List<DicomItem>
        {
            new DicomElement(DicomTag.FileMetaInformationGroupLength, DicomVR.UL, BitConverter.GetBytes(checked((uint)length))),
        };
        list.AddRange(meta);
        return list;
    }

    /// <summary>Explicit VR little endian element encoder.</summary>
    private sealed class ElementWriter(Stream stream, string? source)
    {
        private readonly byte[] _header = new byte[12];

        public void WriteDataset(DicomDataset ds, DicomGroupLengthPolicy policy, bool topLevel)
        {
            var items = ds.ToList();
            var groups = items.GroupBy(i => i.Tag.Group);
            foreach (var group in groups)
            {
                var members = group.Where(i => !i.Tag.IsGroupLength).ToList();
                var hasLength = group.Any(i => i.Tag.IsGroupLength);
                var writeLength = group.Key != 0x0002 && (policy == DicomGroupLengthPolicy.AddAll || (policy == DicomGroupLengthPolicy.Recompute && hasLength));
                if (!topLevel && policy == DicomGroupLengthPolicy.AddAll)
                {
                    writeLength = hasLength;
                }

                if (group.Key == 0x0002 && topLevel)
                {
                    // Meta elements in the dataset are not written there (they belong to the meta group).
                    continue;
                }

                if (writeLength)
                {
                    long len = 0;
                    foreach (var m in members)
                    {
                        len += EncodedLength(m);
                    }

                    if (len > uint.MaxValue)
                    {
                        throw new DicomException($"{source ?? "<dataset>"}: group {group.Key:X4} is longer than 4 GB; its group length cannot be written") { FilePath = source };
                    }

                    WriteItem(new DicomElement(new DicomTag(group.Key, 0), DicomVR.UL, BitConverter.GetBytes((uint)len)));
                }

                foreach (var m in members)
                {
                    WriteItem(m);
                }
            }
        }

        public void WriteItem(DicomItem item)
        {
            switch (item)
            {
                case DicomElement e:
                    WriteElement(e);
                    break;
                case DicomSequence s:
                    WriteSequence(s);
                    break;
                case DicomFragmentSequence f:
                    WriteFragments(f);
                    break;
            }
        }

        public static long EncodedLength(DicomItem item)
        {
            switch (item)
            {
                case DicomElement e:
                    var v = e.Length + (e.Length & 1);
                    return (e.VR.HasLongLength ? 12 : 8) + v;
                case DicomSequence s:
                    return 12 + SequenceValueLength(s) + (s.UndefinedLength ? 8 : 0);
                case DicomFragmentSequence f:
                    long len = 12 + 8 + (4L * f.BasicOffsetTable.Length) + 8;
                    foreach (var fr in f.Fragments)
                    {
                        len += 8 + fr.Length + (fr.Length & 1);
                    }

                    return len;
                default:
                    return 0;
            }
        }

        private static long SequenceValueLength(DicomSequence s)
        {
            long len = 0;
            foreach (var item in s.Items)
            {
                len += 8 + ItemValueLength(item) + (item.UndefinedLength ? 8 : 0);
            }

            return len;
        }

        private static long ItemValueLength(DicomDataset item)
        {
            long len = 0;
            foreach (var e in item)
            {
                len += EncodedLength(e);
            }

            return len;
        }

        private void WriteHeader(DicomTag tag, DicomVR vr, long length)
        {
            var h = _header.AsSpan();
            BinaryPrimitives.WriteUInt16LittleEndian(h, tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], tag.Element);
            h[4] = (byte)vr.Code[0];
            h[5] = (byte)vr.Code[1];
            if (vr.HasLongLength)
            {
                if (length > uint.MaxValue)
                {
                    throw new DicomException($"{source ?? "<dataset>"}: {tag} {tag.Keyword} value of {length} bytes does not fit a 32-bit length") { FilePath = source };
                }

                h[6] = 0;
                h[7] = 0;
                BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)length);
                stream.Write(h[..12]);
            }
            else
            {
                if (length > ushort.MaxValue)
                {
                    throw new DicomException($"{source ?? "<dataset>"}: {tag} {tag.Keyword} ({vr}) value of {length} bytes exceeds the 65534 bytes a {vr} value can hold in explicit VR") { FilePath = source };
                }

                BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)length);
                stream.Write(h[..8]);
            }
        }

        private void WriteItemHeader(DicomTag tag, uint length)
        {
            var h = _header.AsSpan(0, 8);
            BinaryPrimitives.WriteUInt16LittleEndian(h, tag.Group);
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], tag.Element);
            BinaryPrimitives.WriteUInt32LittleEndian(h[4..], length);
            stream.Write(h);
        }

        private void WriteElement(DicomElement e)
        {
            var padded = e.Length + (e.Length & 1);
            WriteHeader(e.Tag, e.VR, padded);
            if (e.IsLoaded)
            {
                stream.Write(e.Data.Span);
            }
            else
            {
                var chunk = new byte[(int)Math.Min(e.Length, 1 << 20)];
                for (long pos = 0; pos < e.Length; pos += chunk.Length)
                {
                    var n = (int)Math.Min(chunk.Length, e.Length - pos);
                    e.ReadRange(pos, chunk.AsSpan(0, n));
                    stream.Write(chunk, 0, n);
                }
            }

            if ((e.Length & 1) == 1)
            {
                stream.WriteByte(e.VR.PaddingByte);
            }
        }

        private void WriteSequence(DicomSequence s)
        {
            WriteHeader(s.Tag, DicomVR.SQ, s.UndefinedLength ? 0xFFFFFFFF : SequenceValueLength(s));
            foreach (var item in s.Items)
            {
                WriteItemHeader(DicomTag.ItemTag, item.UndefinedLength ? 0xFFFFFFFF : checked((uint)ItemValueLength(item)));
                WriteDataset(item, DicomGroupLengthPolicy.Recompute, topLevel: false);
                if (item.UndefinedLength)
                {
                    WriteItemHeader(DicomTag.ItemDelimitationTag, 0);
                }
            }

            if (s.UndefinedLength)
            {
                WriteItemHeader(DicomTag.SequenceDelimitationTag, 0);
            }
        }

        private void WriteFragments(DicomFragmentSequence f)
        {
            WriteHeader(f.Tag, f.VR == DicomVR.OW ? DicomVR.OW : DicomVR.OB, 0xFFFFFFFF);
            WriteItemHeader(DicomTag.ItemTag, checked((uint)(4 * f.BasicOffsetTable.Length)));
            Span<byte> four = stackalloc byte[4];
            foreach (var o in f.BasicOffsetTable)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(four, o);
                stream.Write(four);
            }

            foreach (var fr in f.Fragments)
            {
                WriteItemHeader(DicomTag.ItemTag, checked((uint)(fr.Length + (fr.Length & 1))));
                stream.Write(fr.Data.Span);
                if ((fr.Length & 1) == 1)
                {
                    stream.WriteByte(0);
                }
            }

            WriteItemHeader(DicomTag.SequenceDelimitationTag, 0);
        }
    }
}
