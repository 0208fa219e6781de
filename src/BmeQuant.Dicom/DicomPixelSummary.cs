using System.Buffers.Binary;
using System.Security.Cryptography;

namespace BmeQuant.Dicom;

/// <summary>
/// Shape, type and statistics of all decoded stored values of a dataset, in the convention of the test corpus
/// manifests: values as a little-endian array of shape (frames, rows, columns, samples) in numpy's dtype naming.
/// </summary>
/// <param name="Shape">(frames, rows, columns, samples).</param>
/// <param name="DType">numpy dtype name: uint8, int8, uint16, int16, uint32, int32, float32, float64.</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Mean">Arithmetic mean (accumulated in double).</param>
/// <param name="Sha256">SHA-256 of the little-endian array, lower-case hex.</param>
public sealed record DicomPixelSummary(int[] Shape, string DType, double Min, double Max, double Mean, string Sha256)
{
    /// <summary>Decodes every frame of <paramref name="pixels"/> and evaluates the summary.</summary>
    public static DicomPixelSummary Compute(DicomPixelData pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var frame = new byte[pixels.FrameSampleCount * pixels.BytesPerSample];
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        for (var f = 0; f < pixels.NumberOfFrames; f++)
        {
            pixels.GetFrameStoredBytes(f, frame);
            sha.AppendData(frame);
            var n = pixels.FrameSampleCount;
            for (var i = 0; i < n; i++)
            {
                var v = ValueAt(pixels.StoredType, frame, i);
                if (v < min)
                {
                    min = v;
                }

                if (v > max)
                {
                    max = v;
                }

                sum += v;
            }
        }

        var count = (double)pixels.FrameSampleCount * pixels.NumberOfFrames;
        var dtype = pixels.StoredType switch
        {
            PixelStoredType.UInt8 => "uint8",
            PixelStoredType.Int8 => "int8",
            PixelStoredType.UInt16 => "uint16",
            PixelStoredType.Int16 => "int16",
            PixelStoredType.UInt32 => "uint32",
            PixelStoredType.Int32 => "int32",
            PixelStoredType.Float32 => "float32",
            _ => "float64",
        };
        return new DicomPixelSummary(
            [pixels.NumberOfFrames, pixels.Rows, pixels.Columns, pixels.SamplesPerPixel],
            dtype,
            min,
            max,
            sum / count,
            Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    private static double ValueAt(PixelStoredType t, ReadOnlySpan<byte> b, int i) => t switch
    {
        PixelStoredType.UInt8 => b[i],
        PixelStoredType.Int8 => (sbyte)b[i],
        PixelStoredType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b[(2 * i)..]),
        PixelStoredType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b[(2 * i)..]),
        PixelStoredType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b[(4 * i)..]),
        PixelStoredType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b[(4 * i)..]),
        PixelStoredType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(b[(4 * i)..]),
        _ => BinaryPrimitives.ReadDoubleLittleEndian(b[(8 * i)..]),
    };
}
