namespace BmeQuant.Dicom;

/// <summary>How <see cref="DicomFile"/> reads a file: what to load, where to stop, how much to allocate, how strict to be.</summary>
public sealed record DicomReadOptions
{
    /// <summary>Defaults: everything loaded except large values of files opened by path (read on demand), strict, 1 GiB cap.</summary>
    public static DicomReadOptions Default { get; } = new();

    /// <summary>Header only: Pixel Data (and Float/Double Float Pixel Data) is skipped, not loaded.</summary>
    public static DicomReadOptions HeaderOnly { get; } = new() { ReadPixelData = false };

    /// <summary>
    /// The fastest way to read the pixels of many files: the header is parsed and the Pixel Data of a file opened by
    /// path stays in the file; <see cref="DicomPixelData.GetFrameStoredBytes"/> and
    /// <see cref="DicomPixelData.GetFrameModality"/> then read each frame from the file straight into the caller's
    /// buffer (no array per file, no second copy). The file must stay in place until its frames are read. Same settings
    /// as <see cref="HeaderOnly"/>; from a stream the pixel data is not available.
    /// </summary>
    public static DicomReadOptions PixelDataOnDemand => HeaderOnly;

    /// <summary>
    /// False for a header-only read: pixel data elements are skipped (for a file opened by path they stay readable on
    /// demand; from a non-seekable stream they are unavailable).
    /// </summary>
    public bool ReadPixelData { get; init; } = true;

    /// <summary>
    /// Values at least this long in a file opened by path are left in the file and read on demand (frame by frame
    /// for Pixel Data), so files larger than 2 GB open without loading them. Default 4 MiB; <see cref="long.MaxValue"/> loads all.
    /// </summary>
    public long DeferValuesLargerThanBytes { get; init; } = 4L << 20;

    /// <summary>Stop reading at the first top-level element whose tag is &gt;= this tag (it is not read).</summary>
    public DicomTag? StopAtTag { get; init; }

    /// <summary>
    /// Cap on the bytes allocated for one value. A length field larger than the cap, or larger than what remains in a
    /// seekable stream, is a <see cref="DicomFormatException"/>, never an allocation. Default 1 GiB.
    /// </summary>
    public long MaxValueLengthBytes { get; init; } = 1L << 30;

    /// <summary>Maximum nesting depth of sequences (guards against hostile files). Default 32.</summary>
    public int MaxSequenceDepth { get; init; } = 32;

    /// <summary>
    /// Tolerant mode: a malformed element ends parsing of the dataset where it occurs instead of throwing; what parsed
    /// is kept and every problem is listed in <see cref="DicomFile.Problems"/>.
    /// </summary>
    public bool Tolerant { get; init; }
}

/// <summary>A problem met while reading in tolerant mode (or a tolerated deviation in strict mode).</summary>
/// <param name="Tag">The element concerned, when known.</param>
/// <param name="Offset">Byte offset in the stream, or -1.</param>
/// <param name="Message">What was found and what was expected.</param>
public sealed record DicomReadProblem(DicomTag? Tag, long Offset, string Message)
{
    /// <summary>Offset, tag and message.</summary>
    public override string ToString() => $"offset {Offset}{(Tag is { } t ? " " + t : string.Empty)}: {Message}";
}
