using System.Buffers.Binary;
using System.Numerics;

namespace BmeQuant.Dicom.Codecs.Jpeg2000;

/// <summary>
/// JPEG 2000 Part 1 (ITU-T T.800), lossless 1.2.840.10008.1.2.4.90 and lossy 1.2.840.10008.1.2.4.91, fully managed:
/// codestream (or JP2) parsing, tier-2 packets in all five progression orders with POC, tier-1 EBCOT with every
/// Part 1 code-block style, dequantisation, inverse 5/3 and 9/7 wavelets, inverse RCT/ICT, DC level shift.
/// A YBR_RCT or YBR_ICT frame decodes to RGB. Output is interleaved little-endian samples of BitsAllocated bits.
/// </summary>
internal sealed class Jpeg2000Codec : IPixelCodec
{
    public Jpeg2000Codec(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public int OutputPlanarConfiguration(FrameInfo info) => 0;

    public string OutputPhotometricInterpretation(FrameInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.PhotometricInterpretation is "YBR_RCT" or "YBR_ICT" ? "RGB" : info.PhotometricInterpretation;
    }

    public void Decode(ReadOnlySpan<byte> compressed, FrameInfo info, Span<byte> destination)
    {
        CodecGuard.CheckDestination(Name, info, destination.Length);
        var cs = J2kCodestream.Parse(compressed, info.Columns, info.Rows, info.SamplesPerPixel);
        for (int c = 0; c < cs.Components; c++)
        {
            if (cs.Precision[c] > info.BitsAllocated)
            {
                CodecGuard.Fail($"{Name}: component {c} has {cs.Precision[c]} bits in the codestream's SIZ; the dataset allocates only {info.BitsAllocated}.");
            }
        }

        foreach (var tile in cs.Tiles)
        {
            if (tile is null)
            {
                CodecGuard.Fail($"{Name}: the codestream holds no tile-part for one of its {cs.Tiles.Length} tiles.");
            }

            var decoder = new J2kTileDecoder(cs, tile);
            var ints = new int[]?[cs.Components];
            var floats = new float[]?[cs.Components];
            decoder.Decode(ints, floats);
            if (decoder.MultipleComponentTransform)
            {
                InverseComponentTransform(decoder, ints, floats);
            }

            for (int c = 0; c < cs.Components; c++)
            {
                var samples = ints[c] ?? ToIntegers(floats[c]!);
                int precision = cs.Precision[c];
                int shift = cs.Signed[c] ? 0 : 1 << (precision - 1);
                int min = cs.Signed[c] ? -(1 << (precision - 1)) : 0;
                int max = cs.Signed[c] ? (1 << (precision - 1)) - 1 : (1 << precision) - 1;
                ShiftAndClamp(samples.AsSpan(0, decoder.Width * decoder.Height), shift, min, max);
                Write(samples, decoder, cs, c, info, destination);
            }
        }
    }

    private void InverseComponentTransform(J2kTileDecoder decoder, int[]?[] ints, float[]?[] floats)
    {
        int n = decoder.Width * decoder.Height;
        if (ints[0] is { } y0 && ints[1] is { } y1 && ints[2] is { } y2)
        {
            InverseRct(y0.AsSpan(0, n), y1.AsSpan(0, n), y2.AsSpan(0, n));
        }
        else if (floats[0] is { } f0 && floats[1] is { } f1 && floats[2] is { } f2)
        {
            InverseIct(f0.AsSpan(0, n), f1.AsSpan(0, n), f2.AsSpan(0, n));
        }
        else
        {
            CodecGuard.Fail($"{Name}: the multiple component transform needs components 0-2 all reversible or all irreversible; the codestream mixes them.");
        }
    }

    /// <summary>Inverse reversible component transform (G.2): G = Y0 − ⌊(Y1 + Y2)/4⌋, R = Y2 + G, B = Y1 + G, in place.</summary>
    internal static void InverseRct(Span<int> y0, Span<int> y1, Span<int> y2)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && J2kWavelet.s_useSimd)
        {
            for (; i <= y0.Length - Vector<int>.Count; i += Vector<int>.Count)
            {
                var a = new Vector<int>(y0[i..]);
                var b = new Vector<int>(y1[i..]);
                var c = new Vector<int>(y2[i..]);
                var g = a - Vector.ShiftRightArithmetic(b + c, 2);
                (c + g).CopyTo(y0[i..]);
                g.CopyTo(y1[i..]);
                (b + g).CopyTo(y2[i..]);
            }
        }

        for (; i < y0.Length; i++)
        {
            int g = y0[i] - ((y1[i] + y2[i]) >> 2);
            int r = y2[i] + g;
            int bl = y1[i] + g;
            y0[i] = r;
            y1[i] = g;
            y2[i] = bl;
        }
    }

    /// <summary>Inverse irreversible component transform (G.3), in place.</summary>
    internal static void InverseIct(Span<float> y, Span<float> cb, Span<float> cr)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && J2kWavelet.s_useSimd)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var a = new Vector<float>(y[i..]);
                var b = new Vector<float>(cb[i..]);
                var c = new Vector<float>(cr[i..]);
                (a + (1.402f * c)).CopyTo(y[i..]);
                (a - (0.34413f * b) - (0.71414f * c)).CopyTo(cb[i..]);
                (a + (1.772f * b)).CopyTo(cr[i..]);
            }
        }

        for (; i < y.Length; i++)
        {
            float a = y[i];
            float b = cb[i];
            float c = cr[i];
            y[i] = a + (1.402f * c);
            cb[i] = a - (0.34413f * b) - (0.71414f * c);
            cr[i] = a + (1.772f * b);
        }
    }

    /// <summary>Rounds to nearest (halves up) into a new integer array.</summary>
    internal static int[] ToIntegers(float[] values)
    {
        var result = new int[values.Length];
        int i = 0;
        if (Vector.IsHardwareAccelerated && J2kWavelet.s_useSimd)
        {
            var half = new Vector<float>(0.5f);
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.ConvertToInt32(Vector.Floor(new Vector<float>(values.AsSpan(i)) + half)).CopyTo(result.AsSpan(i));
            }
        }

        for (; i < values.Length; i++)
        {
            result[i] = (int)MathF.Floor(values[i] + 0.5f);
        }

        return result;
    }

    /// <summary>DC level shift (G.1.2) and clamping to the component's range, in place.</summary>
    internal static void ShiftAndClamp(Span<int> samples, int shift, int min, int max)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && J2kWavelet.s_useSimd)
        {
            var vs = new Vector<int>(shift);
            var vmin = new Vector<int>(min);
            var vmax = new Vector<int>(max);
            for (; i <= samples.Length - Vector<int>.Count; i += Vector<int>.Count)
            {
                Vector.Min(Vector.Max(new Vector<int>(samples[i..]) + vs, vmin), vmax).CopyTo(samples[i..]);
            }
        }

        for (; i < samples.Length; i++)
        {
            samples[i] = Math.Clamp(samples[i] + shift, min, max);
        }
    }

    private static void Write(int[] samples, J2kTileDecoder tile, J2kCodestream cs, int component, FrameInfo info, Span<byte> destination)
    {
        int spp = info.SamplesPerPixel;
        int bytes = info.BitsAllocated / 8;
        int w = tile.Width;
        for (int y = 0; y < tile.Height; y++)
        {
            int row = tile.TileY0 - cs.ImageY0 + y;
            int pixel = ((row * info.Columns) + (tile.TileX0 - cs.ImageX0)) * spp + component;
            var src = samples.AsSpan(y * w, w);
            if (bytes == 1)
            {
                for (int x = 0; x < w; x++, pixel += spp)
                {
                    destination[pixel] = (byte)src[x];
                }
            }
            else
            {
                for (int x = 0; x < w; x++, pixel += spp)
                {
                    BinaryPrimitives.WriteInt16LittleEndian(destination[(pixel * 2)..], (short)src[x]);
                }
            }
        }
    }
}
