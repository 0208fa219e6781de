using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BmeQuant.Dicom.Codecs;

namespace BmeQuant.Dicom;

/// <summary>The element type of decoded stored values (the dtype pydicom would give).</summary>
public enum PixelStoredType
{
    /// <summary>8-bit unsigned (also BitsAllocated 1, unpacked to 0/1).</summary>
    UInt8,

    /// <summary>8-bit signed.</summary>
    Int8,

    /// <summary>16-bit unsigned.</summary>
    UInt16,

    /// <summary>16-bit signed.</summary>
    Int16,

    /// <summary>32-bit unsigned.</summary>
    UInt32,

    /// <summary>32-bit signed.</summary>
    Int32,

    /// <summary>32-bit float (Float Pixel Data).</summary>
    Float32,

    /// <summary>64-bit float (Double Float Pixel Data).</summary>
    Float64,
}

/// <summary>The modality LUT of one frame: modality value = stored × <see cref="Slope"/> + <see cref="Intercept"/>.</summary>
/// <param name="Slope">Rescale Slope (0028,1053), 1 when absent.</param>
/// <param name="Intercept">Rescale Intercept (0028,1052), 0 when absent.</param>
/// <param name="Type">Rescale Type (0028,1054) when present (e.g. HU, US).</param>
/// <param name="PhilipsScaleSlope">
/// Philips private Scale Slope (2005,xx0E) of "Philips MR Imaging DD 001" when present. Not applied: it converts to
/// the scanner's floating-point values (FP = stored / (slope × this)), which the standard modality LUT does not define.
/// </param>
public sealed record DicomRescale(double Slope, double Intercept, string? Type, double? PhilipsScaleSlope)
{
    /// <summary>True when the rescale is the identity.</summary>
    public bool IsIdentity => Slope == 1 && Intercept == 0;
}

/// <summary>
/// Access to the pixels of a dataset, frame by frame: stored values (sign-extended, masked to BitsStored,
/// samples interleaved, YBR_FULL_422 expanded to full resolution) and modality values (rescale applied per frame
/// where the dataset says so). Compressed frames go through the managed codec registered for the transfer syntax.
/// Frames are read lazily: a deferred Pixel Data element is read from its file one frame at a time.
/// </summary>
public sealed class DicomPixelData
{
    private readonly DicomDataset _ds;
    private readonly DicomItem _pixelItem;
    private readonly string _where;
    private (int First, int Count)[]? _frameFragments;

    private DicomPixelData(DicomDataset ds, TransferSyntax ts, DicomItem pixelItem)
    {
        _ds = ds;
        _pixelItem = pixelItem;
        TransferSyntax = ts;
        _where = ds.SourcePath ?? "<dataset>";
        Rows = RequireInt(DicomTag.Rows, 1, 65535);
        Columns = RequireInt(DicomTag.Columns, 1, 65535);
        SamplesPerPixel = OptionalInt(DicomTag.SamplesPerPixel, 1, 1, 4);
        PhotometricInterpretation = ds.GetStringOrDefault(DicomTag.PhotometricInterpretation, SamplesPerPixel == 1 ? "MONOCHROME2" : "RGB").Trim();
        PlanarConfiguration = SamplesPerPixel > 1 ? OptionalInt(DicomTag.PlanarConfiguration, 0, 0, 1) : 0;
        NumberOfFrames = OptionalInt(DicomTag.NumberOfFrames, 1, 1, int.MaxValue);

        if (pixelItem.Tag == DicomTag.FloatPixelData || pixelItem.Tag == DicomTag.DoubleFloatPixelData)
        {
            BitsAllocated = pixelItem.Tag == DicomTag.FloatPixelData ? 32 : 64;
            BitsStored = BitsAllocated;
            StoredType = BitsAllocated == 32 ? PixelStoredType.Float32 : PixelStoredType.Float64;
        }
        else
        {
            BitsAllocated = RequireInt(DicomTag.BitsAllocated, 1, 32);
            if (BitsAllocated is not (1 or 8 or 16 or 32))
            {
                throw Format(DicomTag.BitsAllocated, BitsAllocated.ToString(System.Globalization.CultureInfo.InvariantCulture), "1, 8, 16 or 32");
            }

            BitsStored = OptionalInt(DicomTag.BitsStored, BitsAllocated, 1, BitsAllocated);
            IsSigned = OptionalInt(DicomTag.PixelRepresentation, 0, 0, 1) == 1;
            StoredType = BitsAllocated switch
            {
                1 => PixelStoredType.UInt8,
                8 => IsSigned ? PixelStoredType.Int8 : PixelStoredType.UInt8,
                16 => IsSigned ? PixelStoredType.Int16 : PixelStoredType.UInt16,
                _ => IsSigned ? PixelStoredType.Int32 : PixelStoredType.UInt32,
            };
        }

        if ((long)Rows * Columns * SamplesPerPixel * Math.Max(1, BitsAllocated / 8) > Array.MaxLength)
        {
            throw Format(DicomTag.Rows, $"{Rows}x{Columns}x{SamplesPerPixel}", "a frame of at most 2 GB");
        }

        IsSubsampled422 = PhotometricInterpretation is "YBR_FULL_422" or "YBR_PARTIAL_422" && SamplesPerPixel == 3 && !ts.IsEncapsulated;
        OutputPhotometricInterpretation = IsSubsampled422 ? "YBR_FULL" : PhotometricInterpretation;
    }

    /// <summary>Rows (0028,0010).</summary>
    public int Rows { get; }

    /// <summary>Columns (0028,0011).</summary>
    public int Columns { get; }

    /// <summary>Samples per pixel (0028,0002).</summary>
    public int SamplesPerPixel { get; }

    /// <summary>Bits allocated (0028,0100): 1, 8, 16 or 32 (64 for Double Float Pixel Data).</summary>
    public int BitsAllocated { get; }

    /// <summary>Bits stored (0028,0101).</summary>
    public int BitsStored { get; }

    /// <summary>Pixel representation (0028,0103) is 1 (two's complement).</summary>
    public bool IsSigned { get; }

    /// <summary>Planar configuration (0028,0006) as stored.</summary>
    public int PlanarConfiguration { get; }

    /// <summary>Number of frames (0028,0008), 1 when absent.</summary>
    public int NumberOfFrames { get; }

    /// <summary>Photometric interpretation (0028,0004) as stored.</summary>
    public string PhotometricInterpretation { get; }

    /// <summary>The photometric interpretation of the values returned (YBR_FULL_422 is returned as YBR_FULL; codecs may convert to RGB).</summary>
    public string OutputPhotometricInterpretation { get; private set; }

    /// <summary>The type of the decoded stored values.</summary>
    public PixelStoredType StoredType { get; }

    /// <summary>The transfer syntax of the pixel data.</summary>
    public TransferSyntax TransferSyntax { get; }

    /// <summary>Values in one decoded frame: rows × columns × samples.</summary>
    public int FrameSampleCount => Rows * Columns * SamplesPerPixel;

    /// <summary>Bytes per decoded stored value.</summary>
    public int BytesPerSample => StoredType switch
    {
        PixelStoredType.UInt8 or PixelStoredType.Int8 => 1,
        PixelStoredType.UInt16 or PixelStoredType.Int16 => 2,
        PixelStoredType.Float64 => 8,
        _ => 4,
    };

    private bool IsSubsampled422 { get; }

    /// <summary>Pixel access for a file's dataset.</summary>
    /// <exception cref="DicomException">No pixel data, or inconsistent Image Pixel attributes (message names the tag and value).</exception>
    public static DicomPixelData Create(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Create(file.Dataset, file.TransferSyntax);
    }

    /// <summary>Pixel access for a dataset encoded in <paramref name="transferSyntax"/>.</summary>
    /// <exception cref="DicomException">No pixel data, or inconsistent Image Pixel attributes.</exception>
    public static DicomPixelData Create(DicomDataset dataset, TransferSyntax transferSyntax)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(transferSyntax);
        var item = dataset[DicomTag.PixelData] ?? dataset[DicomTag.FloatPixelData] ?? dataset[DicomTag.DoubleFloatPixelData];
        if (item is null or DicomSequence)
        {
            throw new DicomException($"{dataset.SourcePath ?? "<dataset>"}: no Pixel Data (7FE0,0010) in the dataset") { FilePath = dataset.SourcePath };
        }

        return new DicomPixelData(dataset, transferSyntax, item);
    }

    // ------------------------------------------------------------------ stored values

    /// <summary>Decodes frame <paramref name="frame"/> into <paramref name="destination"/>: <see cref="FrameSampleCount"/> values of <see cref="StoredType"/>, little-endian, samples interleaved.</summary>
    /// <exception cref="DicomException">Truncated or inconsistent pixel data, codec errors, unsupported transfer syntax.</exception>
    public void GetFrameStoredBytes(int frame, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, NumberOfFrames);
        var needed = (long)FrameSampleCount * BytesPerSample;
        if (destination.Length != needed)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes; frame needs {needed}", nameof(destination));
        }

        if (_pixelItem is DicomFragmentSequence frags)
        {
            DecodeEncapsulated(frags, frame, destination);
        }
        else if (_pixelItem is DicomElement e)
        {
            if (TransferSyntax.IsEncapsulated && e.Tag == DicomTag.PixelData)
            {
                throw new DicomFormatException($"{_where}: Pixel Data has a defined length but transfer syntax {TransferSyntax.Uid} requires encapsulated (undefined-length) Pixel Data") { FilePath = _ds.SourcePath, Offset = e.StreamOffset };
            }

            ReadNative(e, frame, destination);
        }

        Normalize(destination);
    }

    /// <summary>Frame <paramref name="frame"/> as a typed array (byte[], sbyte[], ushort[], short[], uint[], int[], float[] or double[] per <see cref="StoredType"/>).</summary>
    public Array GetFrameStored(int frame)
    {
        Array result = StoredType switch
        {
            PixelStoredType.UInt8 => NewFrameArray<byte>(),
            PixelStoredType.Int8 => NewFrameArray<sbyte>(),
            PixelStoredType.UInt16 => NewFrameArray<ushort>(),
            PixelStoredType.Int16 => NewFrameArray<short>(),
            PixelStoredType.UInt32 => NewFrameArray<uint>(),
            PixelStoredType.Int32 => NewFrameArray<int>(),
            PixelStoredType.Float32 => NewFrameArray<float>(),
            _ => NewFrameArray<double>(),
        };
        var bytes = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(result), FrameSampleCount * BytesPerSample);
        GetFrameStoredBytes(frame, bytes);
        return result;
    }

    /// <summary>Frame <paramref name="frame"/> as <typeparamref name="T"/>[] (T must match <see cref="StoredType"/>).</summary>
    public T[] GetFrameStored<T>(int frame)
        where T : unmanaged
    {
        if (Marshal.SizeOf<T>() != BytesPerSample)
        {
            throw new ArgumentException($"stored values are {StoredType}, not {typeof(T).Name}", nameof(T));
        }

        var result = NewFrameArray<T>();
        GetFrameStoredBytes(frame, MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    /// <summary>True when every decoded byte of a frame is written by the native read (uncompressed, not 1-bit): its array need not be zeroed first.</summary>
    private bool FillsWholeFrame => _pixelItem is DicomElement && BitsAllocated != 1;

    private T[] NewFrameArray<T>()
        where T : unmanaged => FillsWholeFrame ? GC.AllocateUninitializedArray<T>(FrameSampleCount) : new T[FrameSampleCount];

    // ------------------------------------------------------------------ modality values

    /// <summary>
    /// The modality rescale of a frame: the Pixel Value Transformation of the per-frame functional group, else of the
    /// shared functional groups, else the top-level Rescale Slope/Intercept (decimal strings parsed invariantly).
    /// </summary>
    public DicomRescale GetRescale(int frame)
    {
        double? philips = null;
        if (_ds.TryGetPrivateTag(0x2005, "Philips MR Imaging DD 001", 0x0E, out var ps) && _ds.TryGetValue<double>(ps, out var p))
        {
            philips = p;
        }

        foreach (var source in FunctionalGroupCandidates(frame))
        {
            if (source.TryGetSequence(DicomTag.PixelValueTransformationSequence, out var pvt) && pvt.Items.Count > 0)
            {
                var it = pvt.Items[0];
                return new DicomRescale(
                    it.GetValueOrDefault(DicomTag.RescaleSlope, 1.0),
                    it.GetValueOrDefault(DicomTag.RescaleIntercept, 0.0),
                    it.TryGetString(DicomTag.RescaleType, out var t) ? t : null,
                    philips);
            }
        }

        var slope = 1.0;
        if (_ds.Contains(DicomTag.RescaleSlope) && !_ds.TryGetValue(DicomTag.RescaleSlope, out slope))
        {
            throw Format(DicomTag.RescaleSlope, _ds.GetStringOrDefault(DicomTag.RescaleSlope, string.Empty), "a decimal string");
        }

        var intercept = 0.0;
        if (_ds.Contains(DicomTag.RescaleIntercept) && !_ds.TryGetValue(DicomTag.RescaleIntercept, out intercept))
        {
            throw Format(DicomTag.RescaleIntercept, _ds.GetStringOrDefault(DicomTag.RescaleIntercept, string.Empty), "a decimal string");
        }

        if (_ds.TryGetString(DicomTag.RescaleSlope, out var s) && s.Length == 0)
        {
            slope = 1.0;
        }

        return new DicomRescale(slope, intercept, _ds.TryGetString(DicomTag.RescaleType, out var rt) ? rt : null, philips);
    }

    /// <summary>Decodes frame <paramref name="frame"/> and applies its modality rescale into <paramref name="destination"/> (<see cref="FrameSampleCount"/> floats).</summary>
    public void GetFrameModality(int frame, Span<float> destination)
    {
        if (destination.Length != FrameSampleCount)
        {
            throw new ArgumentException($"destination holds {destination.Length} values; frame has {FrameSampleCount}", nameof(destination));
        }

        var r = GetRescale(frame);
        if (StoredType == PixelStoredType.Float32)
        {
            // Float Pixel Data: decode straight into the destination.
            GetFrameStoredBytes(frame, MemoryMarshal.AsBytes(destination));
        }
        else if (FillsWholeFrame && StoredType is PixelStoredType.UInt16 or PixelStoredType.Int16)
        {
            // The common uncompressed MR/CT case: the 16-bit stored values are read into the upper half of the
            // destination's own bytes and widened in place, front to back (each block is loaded before anything is
            // stored over it), so no buffer is needed at all.
            var upper = MemoryMarshal.AsBytes(destination).Slice(2 * FrameSampleCount, 2 * FrameSampleCount);
            GetFrameStoredBytes(frame, upper);
            PixelKernels.Rescale16(upper, StoredType == PixelStoredType.Int16, (float)r.Slope, (float)r.Intercept, destination);
            return;
        }
        else
        {
            // Stored values go through one pooled buffer (no per-frame allocation); codecs get it zeroed.
            var length = FrameSampleCount * BytesPerSample;
            var stored = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
            try
            {
                var span = stored.AsSpan(0, length);
                if (!FillsWholeFrame)
                {
                    span.Clear();
                }

                GetFrameStoredBytes(frame, span);
                if (StoredType is PixelStoredType.UInt16 or PixelStoredType.Int16)
                {
                    // The common MR/CT case: widen, convert and rescale in one vectorised pass.
                    PixelKernels.Rescale16(span, StoredType == PixelStoredType.Int16, (float)r.Slope, (float)r.Intercept, destination);
                    return;
                }

                ConvertToFloat(span, destination);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(stored);
            }
        }

        if (!r.IsIdentity)
        {
            TensorPrimitives.Multiply(destination, (float)r.Slope, destination);
            TensorPrimitives.Add(destination, (float)r.Intercept, destination);
        }
    }

    private void ConvertToFloat(ReadOnlySpan<byte> stored, Span<float> destination)
    {
        switch (StoredType)
        {
            case PixelStoredType.UInt8: TensorPrimitives.ConvertTruncating<byte, float>(stored, destination); break;
            case PixelStoredType.Int8: TensorPrimitives.ConvertTruncating<sbyte, float>(MemoryMarshal.Cast<byte, sbyte>(stored), destination); break;
            case PixelStoredType.UInt16: TensorPrimitives.ConvertTruncating<ushort, float>(MemoryMarshal.Cast<byte, ushort>(stored), destination); break;
            case PixelStoredType.Int16: TensorPrimitives.ConvertTruncating<short, float>(MemoryMarshal.Cast<byte, short>(stored), destination); break;
            case PixelStoredType.UInt32: TensorPrimitives.ConvertTruncating<uint, float>(MemoryMarshal.Cast<byte, uint>(stored), destination); break;
            case PixelStoredType.Int32: TensorPrimitives.ConvertTruncating<int, float>(MemoryMarshal.Cast<byte, int>(stored), destination); break;
            case PixelStoredType.Float32: MemoryMarshal.Cast<byte, float>(stored).CopyTo(destination); break;
            default: TensorPrimitives.ConvertTruncating<double, float>(MemoryMarshal.Cast<byte, double>(stored), destination); break;
        }
    }

    private IEnumerable<DicomDataset> FunctionalGroupCandidates(int frame)
    {
        if (_ds.TryGetSequence(DicomTag.PerFrameFunctionalGroupsSequence, out var perFrame) && frame < perFrame.Items.Count)
        {
            yield return perFrame.Items[frame];
        }

        if (_ds.TryGetSequence(DicomTag.SharedFunctionalGroupsSequence, out var shared) && shared.Items.Count > 0)
        {
            yield return shared.Items[0];
        }
    }

    // ------------------------------------------------------------------ native

    private long NativeFrameBytes => BitsAllocated == 1
        ? ((long)Rows * Columns * SamplesPerPixel + 7) / 8
        : IsSubsampled422 ? (long)Rows * Columns * 2 * (BitsAllocated / 8) : (long)Rows * Columns * SamplesPerPixel * (BitsAllocated / 8);

    private void ReadNative(DicomElement e, int frame, Span<byte> destination)
    {
        var frameBytes = NativeFrameBytes;
        if (BitsAllocated == 1)
        {
            var totalBits = (long)Rows * Columns * SamplesPerPixel * NumberOfFrames;
            if (e.Length * 8 < totalBits)
            {
                throw Truncated(e, (totalBits + 7) / 8);
            }

            // Frames of 1-bit data are packed back to back (a frame need not start on a byte boundary).
            var firstBit = (long)frame * FrameSampleCount;
            var startByte = firstBit / 8;
            var span = new byte[(int)(((firstBit % 8) + FrameSampleCount + 7) / 8)];
            e.ReadRange(startByte, span);
            var shift = (int)(firstBit % 8);
            for (var i = 0; i < FrameSampleCount; i++)
            {
                var bit = shift + i;
                destination[i] = (byte)((span[bit >> 3] >> (bit & 7)) & 1);
            }

            return;
        }

        if (e.Length < frameBytes * NumberOfFrames)
        {
            throw Truncated(e, frameBytes * NumberOfFrames);
        }

        if (IsSubsampled422)
        {
            var raw = new byte[frameBytes];
            e.ReadRange(frame * frameBytes, raw);
            Expand422(raw, destination);
            return;
        }

        e.ReadRange(frame * frameBytes, destination);
        if (PlanarConfiguration == 1)
        {
            Interleave(destination, BitsAllocated / 8);
        }
    }

    private DicomFormatException Truncated(DicomElement e, long expected) =>
        new($"{_where}: (7FE0,0010) Pixel Data holds {e.Length} bytes; {NumberOfFrames} frame(s) of {Rows}x{Columns}x{SamplesPerPixel} at {BitsAllocated} bits need {expected}") { FilePath = _ds.SourcePath, Offset = e.StreamOffset };

    private void Expand422(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        // YBR_FULL_422: per pair of pixels Y1 Y2 Cb Cr (PS3.3 C.7.6.3.1.2); output full-resolution YBR_FULL.
        var bps = BitsAllocated / 8;
        var pixels = Rows * Columns;
        for (var p = 0; p + 1 < pixels + 1; p += 2)
        {
            var src = p / 2 * 4 * bps;
            if (src + 4 * bps > raw.Length)
            {
                break;
            }

            for (var k = 0; k < 2 && p + k < pixels; k++)
            {
                var dst = (p + k) * 3 * bps;
                raw.Slice(src + (k * bps), bps).CopyTo(destination.Slice(dst, bps));
                raw.Slice(src + (2 * bps), bps).CopyTo(destination.Slice(dst + bps, bps));
                raw.Slice(src + (3 * bps), bps).CopyTo(destination.Slice(dst + (2 * bps), bps));
            }
        }
    }

    private void Interleave(Span<byte> data, int bytesPerSample)
    {
        var copy = data.ToArray();
        var plane = Rows * Columns;
        var spp = SamplesPerPixel;
        for (var s = 0; s < spp; s++)
        {
            for (var i = 0; i < plane; i++)
            {
                copy.AsSpan(((s * plane) + i) * bytesPerSample, bytesPerSample).CopyTo(data.Slice(((i * spp) + s) * bytesPerSample, bytesPerSample));
            }
        }
    }

    // ------------------------------------------------------------------ encapsulated

    private void DecodeEncapsulated(DicomFragmentSequence frags, int frame, Span<byte> destination)
    {
        if (!PixelCodecRegistry.TryGet(TransferSyntax.Uid, out var codec))
        {
            var how = TransferSyntax.TranscodeCommand is { } cmd ? $"; transcode it first, e.g. `{cmd} in.dcm out.dcm`" : string.Empty;
            throw new UnsupportedTransferSyntaxException($"{_where}: transfer syntax {TransferSyntax.Name} ({TransferSyntax.Uid}) has no managed decoder{how}") { FilePath = _ds.SourcePath, TransferSyntaxUid = TransferSyntax.Uid };
        }

        var (first, count) = FrameFragments(frags)[frame];
        long total = 0;
        for (var i = first; i < first + count; i++)
        {
            total += frags.Fragments[i].Length;
        }

        if (total > Array.MaxLength)
        {
            throw new DicomFormatException($"{_where}: frame {frame} has {total} compressed bytes, more than one array can hold") { FilePath = _ds.SourcePath };
        }

        var compressed = new byte[total];
        var pos = 0;
        for (var i = first; i < first + count; i++)
        {
            var f = frags.Fragments[i];
            f.CopyTo(compressed.AsSpan(pos, (int)f.Length));
            pos += (int)f.Length;
        }

        var info = new FrameInfo(Rows, Columns, SamplesPerPixel, BitsAllocated, BitsStored, IsSigned, PlanarConfiguration, PhotometricInterpretation);
        var outLen = info.FrameByteLength;
        var decoded = outLen == destination.Length ? destination : new byte[outLen];
        try
        {
            codec.Decode(compressed, info, decoded);
        }
        catch (UnsupportedTransferSyntaxException ex) when (ex.FilePath is null)
        {
            throw new UnsupportedTransferSyntaxException($"{_where}: frame {frame}: {ex.Message}", ex) { FilePath = _ds.SourcePath, TransferSyntaxUid = TransferSyntax.Uid };
        }
        catch (DicomException ex) when (ex.FilePath is null)
        {
            throw new DicomCodecException($"{_where}: frame {frame}: {ex.Message}", ex) { FilePath = _ds.SourcePath };
        }
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException)
        {
            throw new DicomCodecException($"{_where}: frame {frame}: {codec.Name} decoder failed on corrupt data ({ex.GetType().Name}: {ex.Message})", ex) { FilePath = _ds.SourcePath };
        }

        if (codec.OutputPlanarConfiguration(info) == 1 && SamplesPerPixel > 1)
        {
            Interleave(decoded, BitsAllocated / 8);
        }

        OutputPhotometricInterpretation = codec.OutputPhotometricInterpretation(info);
        if (!decoded.Overlaps(destination))
        {
            decoded.CopyTo(destination);
        }
    }

    /// <summary>Which fragments make up each frame: Extended Offset Table, Basic Offset Table, one fragment per frame, or start markers.</summary>
    private (int First, int Count)[] FrameFragments(DicomFragmentSequence frags)
    {
        if (_frameFragments is not null)
        {
            return _frameFragments;
        }

        var n = NumberOfFrames;
        var f = frags.Fragments;
        if (f.Count == 0)
        {
            throw new DicomFormatException($"{_where}: encapsulated Pixel Data has no fragments") { FilePath = _ds.SourcePath, Offset = frags.StreamOffset };
        }

        // Offsets of each fragment's item tag relative to the first fragment's item tag (64-bit).
        var rel = new long[f.Count + 1];
        for (var i = 0; i < f.Count; i++)
        {
            rel[i + 1] = rel[i] + 8 + f[i].Length;
        }

        (int, int)[]? result = null;
        if (n == 1)
        {
            result = [(0, f.Count)];
        }
        else if (_ds.TryGetValues(DicomTag.ExtendedOffsetTable, out ulong[] eot) && eot.Length == n)
        {
            result = FromOffsets(eot.Select(o => (long)o).ToArray(), rel, "Extended Offset Table (7FE0,0001)");
        }
        else if (frags.BasicOffsetTable.Length == n)
        {
            result = FromOffsets(frags.BasicOffsetTable.Select(o => (long)o).ToArray(), rel, "Basic Offset Table");
        }
        else if (f.Count == n)
        {
            result = Enumerable.Range(0, n).Select(i => (i, 1)).ToArray();
        }
        else
        {
            // No usable table: a frame starts at each fragment that begins with a codestream start marker.
            var starts = new List<int>();
            for (var i = 0; i < f.Count; i++)
            {
                if (f[i].Length >= 4 && IsFrameStart(HeadOf(f[i])))
                {
                    starts.Add(i);
                }
            }

            if (starts.Count == n && starts[0] == 0)
            {
                result = new (int, int)[n];
                for (var k = 0; k < n; k++)
                {
                    var end = k + 1 < n ? starts[k + 1] : f.Count;
                    result[k] = (starts[k], end - starts[k]);
                }
            }
        }

        if (result is null)
        {
            throw new DicomFormatException($"{_where}: cannot split {f.Count} fragments into {n} frames: no usable Basic or Extended Offset Table and no frame start markers") { FilePath = _ds.SourcePath, Offset = frags.StreamOffset };
        }

        _frameFragments = result;
        return result;
    }

    private static byte[] HeadOf(DicomFragment fragment)
    {
        var head = new byte[Math.Min(4, fragment.Length)];
        fragment.ReadPrefix(head);
        return head;
    }

    private bool IsFrameStart(ReadOnlySpan<byte> head)
    {
        if (head.Length < 4)
        {
            return false;
        }

        if (TransferSyntax.Uid.StartsWith("1.2.840.10008.1.2.4.9", StringComparison.Ordinal))
        {
            return (head[0] == 0xFF && head[1] == 0x4F) || (head[0] == 0 && head[1] == 0 && head[2] == 0 && head[3] == 0x0C);
        }

        if (TransferSyntax.Uid.StartsWith("1.2.840.10008.1.2.4.", StringComparison.Ordinal))
        {
            return head[0] == 0xFF && head[1] == 0xD8;
        }

        if (TransferSyntax == TransferSyntax.RleLossless)
        {
            var segments = BinaryPrimitives.ReadUInt32LittleEndian(head);
            return segments is >= 1 and <= 15;
        }

        return false;
    }

    private (int, int)[] FromOffsets(long[] offsets, long[] rel, string table)
    {
        var n = offsets.Length;
        var firsts = new int[n];
        for (var k = 0; k < n; k++)
        {
            var idx = Array.BinarySearch(rel, 0, rel.Length - 1, offsets[k]);
            if (idx < 0 || (k > 0 && idx <= firsts[k - 1]))
            {
                throw new DicomFormatException($"{_where}: {table} entry {k} = {offsets[k]} does not point at a fragment boundary in increasing order") { FilePath = _ds.SourcePath };
            }

            firsts[k] = idx;
        }

        var result = new (int, int)[n];
        for (var k = 0; k < n; k++)
        {
            var end = k + 1 < n ? firsts[k + 1] : rel.Length - 1;
            result[k] = (firsts[k], end - firsts[k]);
        }

        return result;
    }

    // ------------------------------------------------------------------ normalisation

    /// <summary>Masks unsigned values to BitsStored and sign-extends signed ones (PS3.5 §8.1.1: bits above High Bit are not part of the value).</summary>
    private void Normalize(Span<byte> data)
    {
        if (BitsStored >= BitsAllocated || BitsAllocated == 1 || StoredType is PixelStoredType.Float32 or PixelStoredType.Float64)
        {
            return;
        }

        var bits = BitsStored;
        switch (BitsAllocated)
        {
            case 8:
                for (var i = 0; i < data.Length; i++)
                {
                    data[i] = IsSigned ? (byte)(sbyte)((sbyte)(data[i] << (8 - bits)) >> (8 - bits)) : (byte)(data[i] & ((1 << bits) - 1));
                }

                break;
            case 16:
                PixelKernels.Normalize16(MemoryMarshal.Cast<byte, ushort>(data), bits, IsSigned);
                break;
            case 32:
                var words = MemoryMarshal.Cast<byte, uint>(data);
                for (var i = 0; i < words.Length; i++)
                {
                    words[i] = IsSigned ? (uint)((int)(words[i] << (32 - bits)) >> (32 - bits)) : words[i] & (uint)((1L << bits) - 1);
                }

                break;
        }
    }

    private int RequireInt(DicomTag tag, int min, int max)
    {
        if (!_ds.Contains(tag))
        {
            throw new DicomFormatException($"{_where}: {tag} {tag.Keyword} is missing; pixel data cannot be decoded without it") { FilePath = _ds.SourcePath };
        }

        return OptionalInt(tag, min, min, max);
    }

    private int OptionalInt(DicomTag tag, int fallback, int min, int max)
    {
        if (!_ds.Contains(tag))
        {
            return fallback;
        }

        if (!_ds.TryGetValue<long>(tag, out var v))
        {
            if (_ds.TryGetString(tag, out var s) && s.Length == 0)
            {
                return fallback;
            }

            throw Format(tag, _ds.GetStringOrDefault(tag, "?"), $"an integer in {min}..{max}");
        }

        if (v < min || v > max)
        {
            throw Format(tag, v.ToString(System.Globalization.CultureInfo.InvariantCulture), $"an integer in {min}..{max}");
        }

        return (int)v;
    }

    private DicomFormatException Format(DicomTag tag, string found, string expected) =>
        new($"{_where}: {tag} {tag.Keyword} must be {expected}; found '{found}'") { FilePath = _ds.SourcePath };
}

/// <summary>Vectorised pixel kernels with scalar reference paths.</summary>
internal static class PixelKernels
{
    /// <summary>Masks (unsigned) or sign-extends (signed) 16-bit words to <paramref name="bitsStored"/> bits.</summary>
    public static void Normalize16(Span<ushort> words, int bitsStored, bool signed)
    {
        var shift = 16 - bitsStored;
        var mask = (ushort)((1 << bitsStored) - 1);
        var i = 0;
        if (Vector256.IsHardwareAccelerated && words.Length >= 16)
        {
            var m = Vector256.Create(mask);
            for (; i <= words.Length - 16; i += 16)
            {
                var v = Vector256.Create<ushort>(words.Slice(i, 16));
                if (signed)
                {
                    // Shift the sign bit to bit 15, then shift back arithmetically (lanes as int16).
                    var s = Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(v, shift).AsInt16(), shift);
                    s.AsUInt16().CopyTo(words.Slice(i, 16));
                }
                else
                {
                    (v & m).CopyTo(words.Slice(i, 16));
                }
            }
        }

        // Scalar tail (and reference path).
        Normalize16Scalar(words[i..], bitsStored, signed);
    }

    /// <summary>
    /// destination[i] = (float)stored[i] × slope + intercept for 16-bit stored values (little-endian bytes, unsigned or
    /// two's complement), rounded as a float multiply then a float add (as the scalar path), Vector256 with a scalar tail.
    /// <paramref name="storedBytes"/> may be the upper half of <paramref name="destination"/>'s own bytes (in-place
    /// widening): both paths go front to back and load each block before storing, and a block's stores end at or
    /// before the next block's source.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="storedBytes"/> holds fewer than 2 × destination.Length bytes.</exception>
    public static void Rescale16(ReadOnlySpan<byte> storedBytes, bool signed, float slope, float intercept, Span<float> destination)
    {
        var n = destination.Length;
        if (storedBytes.Length < 2 * n)
        {
            // The vector loop's loads are unchecked: validate once here.
            throw new ArgumentException($"Stored bytes hold {storedBytes.Length} bytes; {n} 16-bit values need {2 * n}.", nameof(storedBytes));
        }

        var i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            ref var src = ref MemoryMarshal.GetReference(storedBytes);
            ref var dst = ref MemoryMarshal.GetReference(destination);
            var s = Vector256.Create(slope);
            var c = Vector256.Create(intercept);
            for (; i <= n - 16; i += 16)
            {
                var raw = Vector256.LoadUnsafe(ref src, (nuint)(2 * i));
                Vector256<int> lo, hi;
                if (signed)
                {
                    (lo, hi) = Vector256.Widen(raw.AsInt16());
                }
                else
                {
                    var (ulo, uhi) = Vector256.Widen(raw.AsUInt16());
                    (lo, hi) = (ulo.AsInt32(), uhi.AsInt32());
                }

                ((Vector256.ConvertToSingle(lo) * s) + c).StoreUnsafe(ref dst, (nuint)i);
                ((Vector256.ConvertToSingle(hi) * s) + c).StoreUnsafe(ref dst, (nuint)(i + 8));
            }
        }

        Rescale16Scalar(storedBytes[(2 * i)..], signed, slope, intercept, destination[i..]);
    }

    /// <summary>Scalar reference of <see cref="Rescale16"/>.</summary>
    public static void Rescale16Scalar(ReadOnlySpan<byte> storedBytes, bool signed, float slope, float intercept, Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            var raw = BinaryPrimitives.ReadUInt16LittleEndian(storedBytes[(2 * i)..]);
            float v = signed ? (short)raw : raw;
            destination[i] = (v * slope) + intercept;
        }
    }

    /// <summary>Scalar reference of <see cref="Normalize16"/>.</summary>
    public static void Normalize16Scalar(Span<ushort> words, int bitsStored, bool signed)
    {
        var shift = 16 - bitsStored;
        var mask = (ushort)((1 << bitsStored) - 1);
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = signed ? (ushort)(short)((short)(words[i] << shift) >> shift) : (ushort)(words[i] & mask);
        }
    }
}
