using System.Runtime.InteropServices;

namespace BmeQuant.Dicom.Codecs.Jpeg;

/// <summary>
/// Sequential DCT decoding (T.81 Annex F, Huffman): blocks are entropy-decoded, dequantised and inverse-transformed
/// into each component's plane; <see cref="Output"/> then upsamples subsampled components (triangle filter for 2:1,
/// replication otherwise, as libjpeg's default) and interleaves them into the frame without colour conversion.
/// </summary>
internal static class JpegDctScan
{
    /// <summary>Zig-zag position k → natural (row-major) index in the 8x8 block.</summary>
    public static readonly int[] ZigZag =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    // s_cosines[x * 8 + u] = C(u)/2 * cos((2x+1) u pi / 16): the 1-D IDCT basis, applied to rows then columns.
    private static readonly float[] s_cosines = BuildCosines();

    public static int Decode(string codec, JpegFrame frame, JpegScan scan, ReadOnlySpan<byte> data, int position)
    {
        var reader = new JpegBitReader(data, position, codec);
        var quant = new int[scan.Components.Length][];
        for (int i = 0; i < scan.Components.Length; i++)
        {
            quant[i] = frame.QuantTables[scan.Components[i].QuantTable]
                ?? throw new DicomCodecException($"{codec}: component {scan.Components[i].Id} uses quantisation table {scan.Components[i].QuantTable}, which no DQT defined.");
            scan.Components[i].DcPrediction = 0;
        }

        var coefficients = new int[64];
        var work = new float[64];
        int maxCategory = frame.Precision == 8 ? 11 : 15;
        int restartInterval = frame.RestartInterval;
        int untilRestart = restartInterval > 0 ? restartInterval : int.MaxValue;
        int restartIndex = 0;
        int level = 1 << (frame.Precision - 1);
        int maxValue = (1 << frame.Precision) - 1;

        bool single = scan.Components.Length == 1;
        int mcusX;
        int mcusY;
        if (single)
        {
            // A non-interleaved scan codes exactly the blocks that cover the component (T.81 A.2.2).
            var c = scan.Components[0];
            mcusX = (c.Width + 7) / 8;
            mcusY = (c.Height + 7) / 8;
        }
        else
        {
            mcusX = (frame.Width + (8 * frame.MaxH) - 1) / (8 * frame.MaxH);
            mcusY = (frame.Height + (8 * frame.MaxV) - 1) / (8 * frame.MaxV);
        }

        for (int my = 0; my < mcusY; my++)
        {
            for (int mx = 0; mx < mcusX; mx++)
            {
                if (untilRestart == 0)
                {
                    reader.Restart(restartIndex++);
                    untilRestart = restartInterval;
                    foreach (var c in scan.Components)
                    {
                        c.DcPrediction = 0;
                    }
                }

                for (int i = 0; i < scan.Components.Length; i++)
                {
                    var c = scan.Components[i];
                    int h = single ? 1 : c.H;
                    int v = single ? 1 : c.V;
                    for (int by = 0; by < v; by++)
                    {
                        for (int bx = 0; bx < h; bx++)
                        {
                            DecodeBlock(codec, ref reader, scan.DcTables[i], scan.AcTables[i]!, c, quant[i], maxCategory, coefficients);
                            int blockRow = (my * v) + by;
                            int blockColumn = (mx * h) + bx;
                            InverseDct(coefficients, work, c.Plane.AsSpan((blockRow * 8 * c.BlocksPerLine * 8) + (blockColumn * 8)), c.BlocksPerLine * 8, level, maxValue);
                        }
                    }
                }

                if (restartInterval > 0)
                {
                    untilRestart--;
                }
            }

            reader.CheckOverrun();
        }

        return reader.SkipToMarker();
    }

    private static void DecodeBlock(string codec, ref JpegBitReader reader, HuffmanTable dc, HuffmanTable ac, JpegComponent component, int[] quant, int maxCategory, Span<int> coefficients)
    {
        coefficients.Clear();
        int t = reader.DecodeSymbol(dc);
        if (t > maxCategory)
        {
            CodecGuard.Fail($"{codec}: DC difference category {t} near byte offset {reader.Position}; expected at most {maxCategory}.");
        }

        component.DcPrediction += reader.ReceiveExtend(t);
        coefficients[0] = component.DcPrediction * quant[0];
        int k = 1;
        while (k < 64)
        {
            int rs = reader.DecodeSymbol(ac);
            int r = rs >> 4;
            int s = rs & 15;
            if (s == 0)
            {
                if (r != 15)
                {
                    break; // end of block
                }

                k += 16;
                continue;
            }

            k += r;
            if (k > 63)
            {
                CodecGuard.Fail($"{codec}: AC run passes coefficient 63 near byte offset {reader.Position}.");
            }

            int z = ZigZag[k];
            coefficients[z] = reader.ReceiveExtend(s) * quant[z];
            k++;
        }
    }

    /// <summary>Separable floating-point 8x8 inverse DCT with level shift, rounding and clamping to 0..maxValue.</summary>
    private static void InverseDct(ReadOnlySpan<int> coefficients, Span<float> work, Span<short> output, int stride, int level, int maxValue)
    {
        var cos = s_cosines;

        // Rows of the coefficient block: work[v*8 + x] = sum_u F(v,u) basis(x,u).
        for (int v = 0; v < 8; v++)
        {
            var row = coefficients.Slice(v * 8, 8);
            bool acZero = row[1] == 0 && row[2] == 0 && row[3] == 0 && row[4] == 0 && row[5] == 0 && row[6] == 0 && row[7] == 0;
            if (acZero)
            {
                float dcOnly = row[0] * cos[0];
                work.Slice(v * 8, 8).Fill(dcOnly);
                continue;
            }

            for (int x = 0; x < 8; x++)
            {
                float sum = 0;
                for (int u = 0; u < 8; u++)
                {
                    sum += row[u] * cos[(x * 8) + u];
                }

                work[(v * 8) + x] = sum;
            }
        }

        // Columns: f(y,x) = sum_v work[v, x] basis(y, v).
        for (int x = 0; x < 8; x++)
        {
            for (int y = 0; y < 8; y++)
            {
                float sum = 0;
                for (int v = 0; v < 8; v++)
                {
                    sum += work[(v * 8) + x] * cos[(y * 8) + v];
                }

                int value = (int)MathF.Round(sum + level);
                output[(y * stride) + x] = (short)Math.Clamp(value, 0, maxValue);
            }
        }
    }

    private static float[] BuildCosines()
    {
        var table = new float[64];
        for (int x = 0; x < 8; x++)
        {
            for (int u = 0; u < 8; u++)
            {
                double cu = u == 0 ? Math.Sqrt(0.5) : 1.0;
                table[(x * 8) + u] = (float)(cu / 2 * Math.Cos(((2 * x) + 1) * u * Math.PI / 16));
            }
        }

        return table;
    }

    /// <summary>Upsamples every component to the frame size and interleaves the samples into <paramref name="destination"/>.</summary>
    public static void Output(JpegFrame frame, FrameInfo info, Span<byte> destination)
    {
        int width = frame.Width;
        int height = frame.Height;
        int nc = frame.Components.Length;
        var full = new short[width];
        var above = new int[width];
        for (int ci = 0; ci < nc; ci++)
        {
            var c = frame.Components[ci];
            int stride = c.BlocksPerLine * 8;
            int fx = frame.MaxH / c.H;
            int fy = frame.MaxV / c.V;
            bool integral = frame.MaxH % c.H == 0 && frame.MaxV % c.V == 0;
            for (int y = 0; y < height; y++)
            {
                Span<short> row = full;
                if (fx == 1 && fy == 1 && integral)
                {
                    row = c.Plane.AsSpan(y * stride, width);
                }
                else if (fx == 2 && fy == 1 && integral)
                {
                    UpsampleH2V1(c.Plane.AsSpan(y * stride, c.Width), full);
                }
                else if (fx == 2 && fy == 2 && integral)
                {
                    // Triangle filter: the nearer input row weighs 3, the farther 1 (edges replicated).
                    int sy = y / 2;
                    int other = (y & 1) == 0 ? Math.Max(sy - 1, 0) : Math.Min(sy + 1, c.Height - 1);
                    UpsampleH2V2(c.Plane.AsSpan(sy * stride, c.Width), c.Plane.AsSpan(other * stride, c.Width), above, full);
                }
                else
                {
                    // Replication for every other ratio.
                    int sy = Math.Min(y * c.V / frame.MaxV, c.Height - 1);
                    for (int x = 0; x < width; x++)
                    {
                        full[x] = c.Plane[(sy * stride) + Math.Min(x * c.H / frame.MaxH, c.Width - 1)];
                    }
                }

                WriteRow(row, y, ci, nc, info, destination);
            }
        }
    }

    private static void UpsampleH2V1(ReadOnlySpan<short> input, Span<short> output)
    {
        int n = input.Length;
        int w = output.Length;
        for (int i = 0; i < n; i++)
        {
            int s = input[i];
            int left = input[Math.Max(i - 1, 0)];
            int right = input[Math.Min(i + 1, n - 1)];
            if (2 * i < w)
            {
                output[2 * i] = (short)(i == 0 ? s : ((3 * s) + left + 1) >> 2);
            }

            if ((2 * i) + 1 < w)
            {
                output[(2 * i) + 1] = (short)(i == n - 1 ? s : ((3 * s) + right + 2) >> 2);
            }
        }
    }

    private static void UpsampleH2V2(ReadOnlySpan<short> near, ReadOnlySpan<short> far, Span<int> columnSums, Span<short> output)
    {
        int n = near.Length;
        int w = output.Length;
        for (int i = 0; i < n; i++)
        {
            columnSums[i] = (3 * near[i]) + far[i];
        }

        for (int i = 0; i < n; i++)
        {
            int s = columnSums[i];
            int left = columnSums[Math.Max(i - 1, 0)];
            int right = columnSums[Math.Min(i + 1, n - 1)];
            if (2 * i < w)
            {
                output[2 * i] = (short)(i == 0 ? ((4 * s) + 8) >> 4 : ((3 * s) + left + 8) >> 4);
            }

            if ((2 * i) + 1 < w)
            {
                output[(2 * i) + 1] = (short)(i == n - 1 ? ((4 * s) + 7) >> 4 : ((3 * s) + right + 7) >> 4);
            }
        }
    }

    private static void WriteRow(ReadOnlySpan<short> row, int y, int component, int nc, FrameInfo info, Span<byte> destination)
    {
        int width = row.Length;
        if (info.BitsAllocated == 16)
        {
            var dst = MemoryMarshal.Cast<byte, ushort>(destination).Slice(y * width * nc, width * nc);
            for (int x = 0; x < width; x++)
            {
                dst[(x * nc) + component] = (ushort)row[x];
            }
        }
        else
        {
            var dst = destination.Slice(y * width * nc, width * nc);
            for (int x = 0; x < width; x++)
            {
                dst[(x * nc) + component] = (byte)row[x];
            }
        }
    }
}
