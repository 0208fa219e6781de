using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BmeQuant.Dicom;

/// <summary>
/// A DICOM Part 10 file: File Meta Information, the dataset and the transfer syntax it was encoded in.
/// Large values read from a seekable stream or a path (Pixel Data, 64 KiB to 16 MiB) are held in arrays rented from a
/// shared pool: <see cref="Dispose"/> returns them, so a program reading many files reuses the same memory (dispose
/// each file when done with it: <c>using var file = DicomFile.Open(path);</c>). After <see cref="Dispose"/> those
/// values (and pixel access through them) throw <see cref="ObjectDisposedException"/>; an undisposed file simply leaves
/// its arrays to the garbage collector.
/// </summary>
public sealed class DicomFile : IDisposable
{
    private List<PooledValue>? _leases;

    /// <summary>Creates a file around a dataset; the meta group is filled in when it is written.</summary>
    public DicomFile(DicomDataset dataset, TransferSyntax? transferSyntax = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Dataset = dataset;
        TransferSyntax = transferSyntax ?? TransferSyntax.ExplicitVRLittleEndian;
    }

    /// <summary>The File Meta Information group (0002,xxxx); empty for files without one.</summary>
    public DicomDataset Meta { get; private set; } = new();

    /// <summary>The dataset.</summary>
    public DicomDataset Dataset { get; }

    /// <summary>The transfer syntax the dataset was read in (or will be written in).</summary>
    public TransferSyntax TransferSyntax { get; set; }

    /// <summary>The path it was read from, or null.</summary>
    public string? FilePath { get; private set; }

    /// <summary>The 128-byte preamble as read (null when the file had none).</summary>
    public byte[]? Preamble { get; private set; }

    /// <summary>True when the file had a File Meta Information group.</summary>
    public bool HasMeta { get; private set; }

    /// <summary>Problems met while reading: tolerated deviations, and in tolerant mode the error that ended parsing.</summary>
    public IReadOnlyList<DicomReadProblem> Problems { get; private set; } = [];

    /// <summary>True when reading stopped at <see cref="DicomReadOptions.StopAtTag"/> before the end.</summary>
    public bool StoppedEarly { get; private set; }

    /// <summary>True when values left in the file (skipped Pixel Data, large values) can be read on demand: the dataset was read by path and not inflated or byte-swapped.</summary>
    internal bool DeferredValuesReadable { get; private set; }

    /// <summary>
    /// Opens a file by path. Files with a preamble and meta group, without either (implicit or explicit VR detected
    /// from the first element), Deflated, Big Endian and gzip-wrapped files are read. Large values stay in the file
    /// and are read on demand (see <see cref="DicomReadOptions.DeferValuesLargerThanBytes"/>).
    /// </summary>
    /// <exception cref="DicomFormatException">The bytes are not valid DICOM (message names the file, offset and tag).</exception>
    /// <exception cref="DicomException">The file cannot be read.</exception>
    public static DicomFile Open(string path, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using (var fs = OpenRead(path))
        {
            return ReadCore(fs, options ?? DicomReadOptions.Default, path);
        }
    }

    /// <summary>Reads a file from a stream (seekable or not); nothing is deferred, except Pixel Data skipped by a header-only read.</summary>
    /// <exception cref="DicomFormatException">The bytes are not valid DICOM.</exception>
    public static DicomFile Read(Stream stream, DicomReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadCore(stream, options ?? DicomReadOptions.Default, null);
    }

    /// <summary>
    /// Returns the pooled arrays of this file's large values (Pixel Data) to the pool. The dataset's other values stay
    /// readable; the pooled ones (and <see cref="DicomPixelData"/> reading them) throw <see cref="ObjectDisposedException"/>
    /// from then on. Calling it again does nothing.
    /// </summary>
    public void Dispose()
    {
        var leases = Interlocked.Exchange(ref _leases, null);
        if (leases is not null)
        {
            foreach (var lease in leases)
            {
                lease.Release();
            }
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Writes the file to <paramref name="path"/> (via a temporary file renamed into place).</summary>
    public void Save(string path, DicomWriteOptions? options = null) => DicomWriter.Write(path, this, options);

    /// <summary>Writes the file to a stream.</summary>
    public void Save(Stream stream, DicomWriteOptions? options = null) => DicomWriter.Write(stream, this, options);

    private static DicomFile ReadCore(Stream stream, DicomReadOptions options, string? path)
    {
        DicomStreamReader r;
        try
        {
            r = new DicomStreamReader(stream);
        }
        catch (IOException ex)
        {
            throw new DicomException($"{path ?? "<stream>"}: read failed: {ex.Message}", ex) { FilePath = path };
        }

        try
        {
            return ReadCore(ref r, options, path);
        }
        finally
        {
            r.Dispose();
        }
    }

    /// <summary>Opens <paramref name="path"/> for one sequential read (no FileStream buffer: the reader has its own).</summary>
    /// <exception cref="DicomException">The file cannot be opened (message names it).</exception>
    private static FileStream OpenRead(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DicomException($"{path}: cannot open: {ex.Message}", ex) { FilePath = path };
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> once for discovery: null (nothing parsed) when its first bytes are neither a
    /// preamble + "DICM" nor a plausible first element (<see cref="Series.SeriesDiscovery"/>'s sniff), else the file
    /// read with <paramref name="options"/> through the same open handle and buffer. <paramref name="length"/> is the
    /// file's size (-1 when it cannot be opened).
    /// </summary>
    internal static DicomFile? OpenIfDicom(string path, DicomReadOptions options, out long length)
    {
        length = -1;
        using (var fs = OpenRead(path))
        {
            var r = new DicomStreamReader(fs);
            try
            {
                length = r.StreamLength;
                r.TryEnsure(132);
                if (!Series.SeriesDiscovery.LooksLikeDicom(r.Peek(132)))
                {
                    return null;
                }

                return ReadCore(ref r, options, path);
            }
            finally
            {
                r.Dispose();
            }
        }
    }

    private static DicomFile ReadCore(ref DicomStreamReader r, DicomReadOptions options, string? path)
    {
        var parser = new DicomParser(options, path);
        try
        {
            var file = ReadWith(ref r, options, path, parser);
            file._leases = parser.Leases.Count > 0 ? parser.Leases : null;
            return file;
        }
        catch (InvalidDataException ex)
        {
            parser.ReleaseLeases();
            throw new DicomFormatException($"{path ?? "<stream>"}: compressed (deflate/gzip) data is corrupt: {ex.Message}", ex) { FilePath = path };
        }
        catch (IOException ex)
        {
            parser.ReleaseLeases();
            throw new DicomException($"{path ?? "<stream>"}: read failed: {ex.Message}", ex) { FilePath = path };
        }
        catch
        {
            parser.ReleaseLeases();
            throw;
        }
    }

    /// <summary>Reads through <paramref name="r"/>; when the data turns out to be gzip- or deflate-wrapped, <paramref name="r"/> is replaced by an inflating reader (the old one is disposed).</summary>
    private static DicomFile ReadWith(ref DicomStreamReader r, DicomReadOptions options, string? path, DicomParser parser)
    {
        var deferSource = path;

        // gzip-wrapped file (e.g. pydicom's zipMR.gz): inflate transparently.
        if (r.TryEnsure(2) && r.Peek(2)[0] == 0x1F && r.Peek(2)[1] == 0x8B)
        {
            var rest = r.RemainderStream();
            r.Dispose();
            r = new DicomStreamReader(new GZipStream(rest, CompressionMode.Decompress));
            deferSource = null;
        }

        var file = new DicomFile(new DicomDataset()) { FilePath = path };
        file.Dataset.SourcePath = path;
        file.Meta.SourcePath = path;

        if (r.TryEnsure(132) && r.Peek(132)[128..].SequenceEqual("DICM"u8))
        {
            file.Preamble = r.Peek(128).ToArray();
            r.TrySkip(132);
        }
        else if (r.TryEnsure(4) && r.Peek(4).SequenceEqual("DICM"u8))
        {
            r.TrySkip(4);
        }

        // File Meta Information: group 0002, explicit VR little endian (implicit tolerated via the VR fallback).
        if (r.TryEnsure(8) && BinaryPrimitives.ReadUInt16LittleEndian(r.Peek(2)) == 0x0002)
        {
            file.HasMeta = true;
            parser.DeferSource = null;
            parser.ReadDataset(r, file.Meta, -1, true, false, 0, false, t => t.Group == 0x0002);
        }

        TransferSyntax ts;
        if (file.Meta.TryGetString(DicomTag.TransferSyntaxUID, out var tsUid) && tsUid.Length > 0)
        {
            ts = TransferSyntax.Lookup(tsUid);
        }
        else
        {
            if (file.HasMeta && !options.Tolerant)
            {
                throw new DicomFormatException($"{path ?? "<stream>"}: File Meta Information has no Transfer Syntax UID (0002,0010); expected one in a Part 10 file") { FilePath = path, Offset = r.Position };
            }

            ts = DetectSyntax(r);
            if (file.HasMeta)
            {
                parser.Note(r.Position, DicomTag.TransferSyntaxUID, $"missing from the meta group; detected {ts.Name} from the first element");
            }
        }

        if (!ts.IsDeflated && !ts.IsBigEndian)
        {
            // Trust but verify: some writers declare one VR encoding and use the other.
            var detected = DetectSyntax(r);
            if (detected.IsExplicitVR != ts.IsExplicitVR && r.TryEnsure(8))
            {
                parser.Note(r.Position, null, $"transfer syntax {ts.Uid} says {(ts.IsExplicitVR ? "explicit" : "implicit")} VR but the dataset is {(detected.IsExplicitVR ? "explicit" : "implicit")} VR; read as found");
                ts = detected.IsExplicitVR ? (ts.IsEncapsulated ? ts : TransferSyntax.ExplicitVRLittleEndian) : TransferSyntax.ImplicitVRLittleEndian;
            }
        }

        file.TransferSyntax = ts;
        if (ts.IsDeflated)
        {
            var rest = r.RemainderStream();
            r.Dispose();
            r = new DicomStreamReader(new DeflateStream(rest, CompressionMode.Decompress));
            deferSource = null;
        }

        parser.DeferSource = ts.IsBigEndian ? null : deferSource;
        try
        {
            parser.ReadDataset(r, file.Dataset, -1, ts.IsExplicitVR, ts.IsBigEndian, 0, false);
        }
        catch (DicomFormatException ex) when (options.Tolerant)
        {
            parser.Note(ex.Offset, null, ex.Message);
        }

        file.Problems = parser.Problems;
        file.StoppedEarly = parser.Stopped;
        file.DeferredValuesReadable = parser.DeferSource is not null;
        return file;
    }

    /// <summary>Guesses the encoding of a dataset without meta information from its first element header.</summary>
    private static TransferSyntax DetectSyntax(DicomStreamReader r)
    {
        if (!r.TryEnsure(8))
        {
            return TransferSyntax.ImplicitVRLittleEndian;
        }

        var p = r.Peek(8);
        var le = BinaryPrimitives.ReadUInt16LittleEndian(p);
        var be = BinaryPrimitives.ReadUInt16BigEndian(p);
        var hasVR = DicomVR.TryParse(p[4], p[5], out _);
        if (hasVR && be < le && be <= 0x0010 && le > 0x00FF)
        {
            return TransferSyntax.ExplicitVRBigEndian;
        }

        return hasVR ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ImplicitVRLittleEndian;
    }

    /// <summary>The file name and transfer syntax.</summary>
    public override string ToString() => new StringBuilder().Append(FilePath ?? "<stream>").Append(' ').Append(TransferSyntax.Name).ToString();
}
