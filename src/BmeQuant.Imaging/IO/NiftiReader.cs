using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.InteropServices;
using BmeQuant.Imaging.Kernels;

namespace BmeQuant.Imaging.IO;

/// <summary>
/// Reads NIfTI-1 and NIfTI-2 single files (<c>.nii</c>, and gzip-compressed <c>.nii.gz</c>, detected by content),
/// little- or big-endian, into <see cref="Volume{T}"/> in LPS millimetres. The geometry comes from the sform when
/// its code is non-zero, else from the qform, else from pixdim (see <see cref="NiftiHeader.Geometry"/>).
/// Scaling (scl_slope, scl_inter) is applied whenever the slope is finite and non-zero.
/// </summary>
public static class NiftiReader
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Reads only the header (and the geometry derived from it).</summary>
    /// <exception cref="ImageFormatException">The header is malformed.</exception>
    public static NiftiHeader ReadHeader(string path)
    {
        using var stream = OpenData(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Reads a 3-D file as float with scaling applied (value · scl_slope + scl_inter).</summary>
    /// <exception cref="ImageFormatException">Bad header, truncated data, or more than one volume in the file.</exception>
    public static Volume<float> ReadFloat(string path) => Read<float>(path);

    /// <summary>
    /// Reads a 3-D file converted to <typeparamref name="T"/> with scaling applied. For an integer
    /// <typeparamref name="T"/> every (scaled) value must be an integer in its range, else an
    /// <see cref="ImageFormatException"/> names the first voxel that is not.
    /// </summary>
    /// <exception cref="ImageFormatException">Bad header, truncated data, a value <typeparamref name="T"/> cannot hold, or a 4-D file with more than one volume (use <see cref="ReadSeries{T}"/>).</exception>
    public static Volume<T> Read<T>(string path)
        where T : unmanaged, INumber<T>
    {
        using var stream = OpenData(path);
        var header = ReadHeader(stream, path);
        if (header.VolumeCount != 1)
        {
            throw new ImageFormatException(string.Create(
                CultureInfo.InvariantCulture,
                $"{path}: holds {header.VolumeCount} volumes (dim = [{string.Join(", ", header.Dimensions.Take(header.Rank))}]); expected one 3-D volume. Read it with NiftiReader.ReadSeries."));
        }

        CheckDataFits(stream, header, path);
        SkipTo(stream, header, path);
        return ReadVolume<T>(stream, header, 0);
    }

    /// <summary>Reads every 3-D volume of a 3-D to 7-D file (the 4th and higher axes flattened, first fastest).</summary>
    /// <exception cref="ImageFormatException">Bad header, truncated data, or a value <typeparamref name="T"/> cannot hold.</exception>
    public static IReadOnlyList<Volume<T>> ReadSeries<T>(string path)
        where T : unmanaged, INumber<T>
    {
        using var stream = OpenData(path);
        var header = ReadHeader(stream, path);
        CheckDataFits(stream, header, path);
        SkipTo(stream, header, path);
        var result = new List<Volume<T>>();
        for (long v = 0; v < header.VolumeCount; v++)
        {
            result.Add(ReadVolume<T>(stream, header, v));
        }

        return result;
    }

    /// <summary>Reads a label map (integer labels; scaled values must be integers that fit <see cref="int"/>).</summary>
    /// <exception cref="ImageFormatException">Bad header, truncated data, or a non-integer label.</exception>
    public static Volume<int> ReadLabels(string path) => Read<int>(path);

    /// <summary>Reads a mask: every non-zero (scaled) voxel becomes 1, every zero 0. NaN counts as zero.</summary>
    /// <exception cref="ImageFormatException">Bad header or truncated data.</exception>
    public static Volume<byte> ReadMask(string path)
    {
        var header = ReadHeader(path);
        if (header.DataType == NiftiDataType.UInt8 && !header.HasScaling)
        {
            var bytes = Read<byte>(path);
            var span = bytes.Span;
            for (var n = 0; n < span.Length; n++)
            {
                span[n] = span[n] != 0 ? (byte)1 : (byte)0;
            }

            return bytes;
        }

        var values = ReadFloat(path);
        var mask = values.CreateLike<byte>();
        var source = values.Span;
        var target = mask.Span;
        for (var n = 0; n < source.Length; n++)
        {
            target[n] = source[n] != 0 && !float.IsNaN(source[n]) ? (byte)1 : (byte)0;
        }

        return mask;
    }

    private static Stream OpenData(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);

        Span<byte> magic = stackalloc byte[2];
        var got = file.Read(magic);
        file.Position = 0;
        if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            return new BufferedStream(new GZipStream(file, CompressionMode.Decompress, leaveOpen: false), 1 << 16);
        }

        return file;
    }

    // Reads exactly the header (348 or 540 bytes) so the stream then stands at byte 348 or 540.
    private static NiftiHeader ReadHeader(Stream stream, string path)
    {
        var buffer = new byte[NiftiFormat.Nifti2HeaderSize];
        var got = ReadFully(stream, buffer.AsSpan(0, 4));
        var size = got == 4 && (BinaryPrimitives.ReadInt32LittleEndian(buffer) == NiftiFormat.Nifti2HeaderSize || BinaryPrimitives.ReadInt32BigEndian(buffer) == NiftiFormat.Nifti2HeaderSize)
            ? NiftiFormat.Nifti2HeaderSize
            : NiftiFormat.Nifti1HeaderSize;
        if (got == 4)
        {
            got += ReadFully(stream, buffer.AsSpan(4, size - 4));
        }

        return NiftiFormat.Parse(buffer.AsSpan(0, got), path);
    }

    /// <summary>
    /// Refuses, before any voxel buffer is allocated, a header whose dimensions need more bytes than the file can hold:
    /// an uncompressed file must reach vox_offset plus every voxel; a gzip file cannot expand more than deflate's 1032:1.
    /// </summary>
    private static void CheckDataFits(Stream stream, NiftiHeader header, string path)
    {
        var d = header.Dimensions;
        var needed = header.VoxelOffset + ((double)d[0] * d[1] * d[2] * header.VolumeCount * header.BytesPerVoxel);
        var compressed = stream is not FileStream;
        var fileBytes = new FileInfo(path).Length;
        const double MaxDeflateRatio = 1032;
        var limit = compressed ? (fileBytes * MaxDeflateRatio) + 1024 : fileBytes;
        if (needed > limit)
        {
            var dims = string.Join(", ", d.Take(header.Rank));
            throw new ImageFormatException(compressed
                ? string.Create(CultureInfo.InvariantCulture, $"{path}: voxel data truncated: dim = [{dims}] of {header.DataType} needs {needed:0} bytes, more than a gzip file of {fileBytes} bytes can hold (deflate expands at most 1032:1); expected a header whose dimensions match the data.")
                : string.Create(CultureInfo.InvariantCulture, $"{path}: voxel data truncated at byte {fileBytes} (end of file); expected dim = [{dims}] {header.DataType} voxels ending at byte {needed:0}."));
        }
    }

    private static void SkipTo(Stream stream, NiftiHeader header, string path)
    {
        long consumed = header.Version == 1 ? NiftiFormat.Nifti1HeaderSize : NiftiFormat.Nifti2HeaderSize;
        var toSkip = header.VoxelOffset - consumed;
        var scratch = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (toSkip > 0)
            {
                var n = stream.Read(scratch, 0, (int)Math.Min(scratch.Length, toSkip));
                if (n == 0)
                {
                    throw new ImageFormatException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{path}: file ends before vox_offset {header.VoxelOffset}; expected the voxel data to start there."));
                }

                toSkip -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static Volume<T> ReadVolume<T>(Stream stream, NiftiHeader header, long volumeIndex)
        where T : unmanaged, INumber<T>
    {
        var geometry = header.Geometry;
        var volume = new Volume<T>(geometry);
        var bpv = header.BytesPerVoxel;
        var voxels = volume.Length;
        var scale = header.HasScaling;
        var slope = scale ? header.ScaleSlope : 1.0;
        var inter = scale ? header.ScaleIntercept : 0.0;
        var chunkVoxels = Math.Max(1, ChunkBytes / bpv);
        var buffer = ArrayPool<byte>.Shared.Rent(chunkVoxels * bpv);
        try
        {
            var target = volume.Span;
            for (var start = 0; start < voxels; start += chunkVoxels)
            {
                var count = Math.Min(chunkVoxels, voxels - start);
                var raw = buffer.AsSpan(0, count * bpv);
                var got = ReadFully(stream, raw);
                if (got < raw.Length)
                {
                    var expectedEnd = header.VoxelOffset + ((volumeIndex * voxels + voxels) * (long)bpv);
                    var foundEnd = header.VoxelOffset + ((volumeIndex * voxels + start) * (long)bpv) + got;
                    throw new ImageFormatException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{header.Path}: voxel data truncated at byte {foundEnd} (volume {volumeIndex}); expected {header.Dimensions[0]}×{header.Dimensions[1]}×{header.Dimensions[2]} {header.DataType} voxels ending at byte {expectedEnd}."));
                }

                if (header.IsBigEndian && bpv > 1)
                {
                    Swap(raw, bpv);
                }

                Convert(raw, header.DataType, target.Slice(start, count), scale, slope, inter, header, start);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return volume;
    }

    private static void Swap(Span<byte> raw, int bpv)
    {
        switch (bpv)
        {
            case 2:
                var s16 = MemoryMarshal.Cast<byte, ushort>(raw);
                BinaryPrimitives.ReverseEndianness(s16, s16);
                break;
            case 4:
                var s32 = MemoryMarshal.Cast<byte, uint>(raw);
                BinaryPrimitives.ReverseEndianness(s32, s32);
                break;
            case 8:
                var s64 = MemoryMarshal.Cast<byte, ulong>(raw);
                BinaryPrimitives.ReverseEndianness(s64, s64);
                break;
            default:
                break;
        }
    }

    private static void Convert<T>(Span<byte> raw, NiftiDataType type, Span<T> target, bool scale, double slope, double inter, NiftiHeader header, int firstVoxel)
        where T : unmanaged, INumber<T>
    {
        switch (type)
        {
            case NiftiDataType.UInt8:
                Convert<byte, T>(raw, target, scale, slope, inter, header, firstVoxel);
                break;
            case NiftiDataType.Int8:
                Convert<sbyte, T>(raw, target, scale, slope, inter, header, firstVoxel);
                break;
            case NiftiDataType.Int16:
                Convert<short, T>(raw, target, scale, slope, inter, header, firstVoxel);
                break;
            case NiftiDataType.UInt16:
                Convert<ushort, T>(raw, target, scale, slope, inter, header, firstVoxel);
                break;
            case NiftiDataType.Int32:
                Convert<int, T>(raw, target, scale, slope, inter, header, firstVoxel);
                break;
            case NiftiDataType.UInt32:
                Convert<uint, T>(raw, target, scale, slope, inter, header, firstVoxel);
                break;
            case NiftiDataType.Int64:
                Convert<long, T>(raw, target, scale, slope, inter, header, firstVoxel);
                break;
            case NiftiDataType.UInt64:
                Convert<ulong, T>(raw, target, scale, slope, inter, header, firstVoxel);
                break;
            case NiftiDataType.Float32:
                Convert<float, T>(raw, target, scale, slope, inter, header, firstVoxel);
                break;
            case NiftiDataType.Float64:
                Convert<double, T>(raw, target, scale, slope, inter, header, firstVoxel);
                break;
            default:
                throw new ImageFormatException($"{header.Path}: datatype {type} is not supported.");
        }
    }

    private static void Convert<TSource, T>(Span<byte> raw, Span<T> target, bool scale, double slope, double inter, NiftiHeader header, int firstVoxel)
        where TSource : unmanaged, INumber<TSource>
        where T : unmanaged, INumber<T>
    {
        var source = MemoryMarshal.Cast<byte, TSource>(raw);
        if (!scale && typeof(TSource) == typeof(T))
        {
            MemoryMarshal.Cast<TSource, T>(source).CopyTo(target);
            return;
        }

        if (typeof(T) == typeof(float))
        {
            var floats = MemoryMarshal.Cast<T, float>(target);
            // The SIMD kernel scales in single precision: use it when slope and intercept are floats (always in NIfTI-1).
            if ((!scale || ((float)slope == slope && (float)inter == inter)) && VoxelConvert.TryToFloat(source, floats, (float)slope, (float)inter))
            {
                return;
            }

            for (var n = 0; n < source.Length; n++)
            {
                floats[n] = (float)((double.CreateTruncating(source[n]) * slope) + inter);
            }

            return;
        }

        if (typeof(T) == typeof(double))
        {
            var doubles = MemoryMarshal.Cast<T, double>(target);
            for (var n = 0; n < source.Length; n++)
            {
                doubles[n] = (double.CreateTruncating(source[n]) * slope) + inter;
            }

            return;
        }

        // Integer or other target: every value must be representable exactly.
        for (var n = 0; n < source.Length; n++)
        {
            if (!scale && TSource.IsInteger(source[n]))
            {
                if (!TryCreate(source[n], out T exact))
                {
                    throw NotRepresentable<T>(header, firstVoxel + n, double.CreateTruncating(source[n]));
                }

                target[n] = exact;
                continue;
            }

            var v = (double.CreateTruncating(source[n]) * slope) + inter;
            if (!double.IsFinite(v) || Math.Floor(v) != v || !TryCreate(v, out T value))
            {
                throw NotRepresentable<T>(header, firstVoxel + n, v);
            }

            target[n] = value;
        }
    }

    private static bool TryCreate<TFrom, T>(TFrom value, out T result)
        where TFrom : INumberBase<TFrom>
        where T : INumberBase<T>
    {
        try
        {
            result = T.CreateChecked(value);
            return true;
        }
        catch (OverflowException)
        {
            result = T.Zero;
            return false;
        }
    }

    private static ImageFormatException NotRepresentable<T>(NiftiHeader header, long voxel, double value) =>
        new(string.Create(
            CultureInfo.InvariantCulture,
            $"{header.Path}: voxel {voxel} has value {value:R} ({header.DataType}{(header.HasScaling ? " after scaling" : "")}); expected an integer that fits {typeof(T).Name}."));
}
