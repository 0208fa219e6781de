using System.Buffers.Binary;

namespace BmeQuant.Dicom.Codecs;

/// <summary>
/// RLE Lossless (PS3.5 Annex G): a 64-byte header of up to 15 segment offsets, one PackBits segment per byte plane
/// (for each sample, most significant byte first). Output is interleaved (planar configuration 0).
/// </summary>
internal sealed class RleCodec : IPixelCodec
{
    private const string CodecName = "RLE Lossless";

    public string Name => CodecName;

    public int OutputPlanarConfiguration(FrameInfo info) => 0;

    public string OutputPhotometricInterpretation(FrameInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.PhotometricInterpretation;
    }

    public void Decode(ReadOnlySpan<byte> compressed, FrameInfo info, Span<byte> destination)
    {
        CodecGuard.CheckDestination(CodecName, info, destination.Length);
        if (compressed.Length < 64)
        {
            CodecGuard.Truncated(CodecName, compressed.Length, "the 64-byte segment header");
        }

        int bytesPerSample = info.BitsAllocated / 8;
        int segmentCount = info.SamplesPerPixel * bytesPerSample;
        if (segmentCount > 15)
        {
            CodecGuard.Fail($"{CodecName}: {info.SamplesPerPixel} samples of {bytesPerSample} bytes need {segmentCount} segments; the RLE header holds at most 15.");
        }

        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(compressed);
        if (declared != segmentCount)
        {
            CodecGuard.Fail($"{CodecName}: header at byte offset 0 declares {declared} segments; expected {segmentCount} " +
                $"({info.SamplesPerPixel} samples x {bytesPerSample} bytes).");
        }

        int pixelCount = info.Rows * info.Columns;
        int stride = info.SamplesPerPixel * bytesPerSample;
        for (int segment = 0; segment < segmentCount; segment++)
        {
            uint start = BinaryPrimitives.ReadUInt32LittleEndian(compressed[(4 + (4 * segment))..]);
            uint end = segment + 1 < segmentCount
                ? BinaryPrimitives.ReadUInt32LittleEndian(compressed[(8 + (4 * segment))..])
                : (uint)compressed.Length;
            if (start < 64 || end > compressed.Length || start > end)
            {
                CodecGuard.Fail($"{CodecName}: segment {segment + 1} spans bytes {start}..{end} (header offset {4 + (4 * segment)}); " +
                    $"expected 64 <= start <= end <= {compressed.Length}.");
            }

            // Segment order is sample-major, most significant byte first; the output is little-endian interleaved.
            int sample = segment / bytesPerSample;
            int byteInSample = bytesPerSample - 1 - (segment % bytesPerSample);
            int firstOffset = (sample * bytesPerSample) + byteInSample;
            DecodeSegment(compressed[(int)start..(int)end], (int)start, segment, destination, firstOffset, stride, pixelCount);
        }
    }

    /// <summary>Unpacks one PackBits segment into every <paramref name="stride"/>-th byte of the destination.</summary>
    private static void DecodeSegment(ReadOnlySpan<byte> src, int baseOffset, int segment, Span<byte> dst, int first, int stride, int count)
    {
        int produced = 0;
        int i = 0;
        int o = first;
        while (produced < count)
        {
            if (i >= src.Length)
            {
                CodecGuard.Fail($"{CodecName}: segment {segment + 1} ends at byte offset {baseOffset + i} after {produced} of {count} bytes.");
            }

            int n = (sbyte)src[i++];
            if (n >= 0)
            {
                int literal = n + 1;
                if (i + literal > src.Length)
                {
                    CodecGuard.Truncated(CodecName, baseOffset + src.Length, $"a literal run of {literal} bytes in segment {segment + 1}");
                }

                int take = Math.Min(literal, count - produced);
                if (stride == 1)
                {
                    src.Slice(i, take).CopyTo(dst.Slice(o, take));
                    o += take;
                }
                else
                {
                    for (int k = 0; k < take; k++, o += stride)
                    {
                        dst[o] = src[i + k];
                    }
                }

                i += literal;
                produced += take;
            }
            else if (n != -128)
            {
                if (i >= src.Length)
                {
                    CodecGuard.Truncated(CodecName, baseOffset + i, $"a replicate run in segment {segment + 1}");
                }

                byte value = src[i++];
                int take = Math.Min(1 - n, count - produced);
                if (stride == 1)
                {
                    dst.Slice(o, take).Fill(value);
                    o += take;
                }
                else
                {
                    for (int k = 0; k < take; k++, o += stride)
                    {
                        dst[o] = value;
                    }
                }

                produced += take;
            }
        }
    }
}
