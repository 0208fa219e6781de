using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BmeQuant.Dicom.Codecs.Jpeg;

/// <summary>
/// Decodes one lossless (process 14, T.81 Annex H) scan straight into the output frame. Two rows of the scan's
/// components are kept (the row above is the prediction context); differences are added modulo 2^16, the point
/// transform is undone on output. One-component scans, the usual MR case, take a loop specialised per predictor.
/// </summary>
internal static class JpegLosslessScan
{
    public static int Decode(string codec, JpegFrame frame, JpegScan scan, ReadOnlySpan<byte> data, int position, FrameInfo info, Span<byte> destination)
    {
        int width = frame.Width;
        int height = frame.Height;
        int nc = scan.Components.Length;
        int predictor = scan.Ss;
        int pt = scan.Al;
        int initial = 1 << (frame.Precision - pt - 1);
        int outMask = (1 << frame.Precision) - 1;
        int rowLength = width * nc;
        var prev = new int[rowLength];
        var cur = new int[rowLength];
        var reader = new JpegBitReader(data, position, codec);
        int restartInterval = frame.RestartInterval;
        int untilRestart = restartInterval > 0 ? restartInterval : int.MaxValue;
        int restartIndex = 0;

        // The row in which the current restart interval began, and the column where it began: that row is predicted
        // as a "first line" (T.81 H.1.2.1) from that column on.
        int intervalRow = 0;
        int intervalColumn = 0;
        for (int y = 0; y < height; y++)
        {
            int x = 0;
            while (x < width)
            {
                if (untilRestart == 0)
                {
                    reader.Restart(restartIndex++);
                    untilRestart = restartInterval;
                    intervalRow = y;
                    intervalColumn = x;
                }

                int run = Math.Min(width - x, untilRestart);
                if (nc == 1)
                {
                    DecodeRunSingle(ref reader, scan.DcTables[0], cur, prev, x, run, y == intervalRow, intervalColumn, predictor, initial);
                }
                else
                {
                    DecodeRunInterleaved(ref reader, scan.DcTables, cur, prev, nc, x, run, y == intervalRow, intervalColumn, predictor, initial);
                }

                x += run;
                if (restartInterval > 0)
                {
                    untilRestart -= run;
                }
            }

            reader.CheckOverrun();
            WriteRow(cur, y, width, nc, scan.Indices, info, pt, outMask, destination);
            (prev, cur) = (cur, prev);
        }

        return reader.SkipToMarker();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ReadDifference(ref JpegBitReader reader, HuffmanTable table)
    {
        int s = reader.DecodeSymbol(table);
        if (s == 0)
        {
            return 0;
        }

        if (s >= 16)
        {
            return 32768; // SSSS 16: difference 32768, no extra bits (T.81 H.1.2.2)
        }

        return reader.ReceiveExtend(s);
    }

    private static void DecodeRunSingle(ref JpegBitReader sharedReader, HuffmanTable table, int[] cur, int[] prev, int x0, int count, bool firstLine, int firstColumn, int predictor, int initial)
    {
        // A local copy of the reader: with every reader method inlined its fields can live in registers.
        var reader = sharedReader;
        DecodeRunSingleCore(ref reader, table, cur, prev, x0, count, firstLine, firstColumn, predictor, initial);
        sharedReader = reader;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DecodeRunSingleCore(ref JpegBitReader reader, HuffmanTable table, int[] cur, int[] prev, int x0, int count, bool firstLine, int firstColumn, int predictor, int initial)
    {
        ref int c = ref MemoryMarshal.GetArrayDataReference(cur);
        ref int p = ref MemoryMarshal.GetArrayDataReference(prev);
        int x = x0;
        int end = x0 + count;
        if (firstLine)
        {
            // First line of the scan or of a restart interval: the first sample from 2^(P-Pt-1), the rest from the left.
            for (; x < end; x++)
            {
                int pred = x == firstColumn ? initial : Unsafe.Add(ref c, x - 1);
                Unsafe.Add(ref c, x) = (pred + ReadDifference(ref reader, table)) & 0xFFFF;
            }

            return;
        }

        if (x == 0)
        {
            c = (p + ReadDifference(ref reader, table)) & 0xFFFF;
            x++;
        }

        switch (predictor)
        {
            case 1:
                int ra = Unsafe.Add(ref c, x - 1);
                for (; x < end; x++)
                {
                    ra = (ra + ReadDifference(ref reader, table)) & 0xFFFF;
                    Unsafe.Add(ref c, x) = ra;
                }

                break;
            case 2:
                for (; x < end; x++)
                {
                    Unsafe.Add(ref c, x) = (Unsafe.Add(ref p, x) + ReadDifference(ref reader, table)) & 0xFFFF;
                }

                break;
            case 3:
                for (; x < end; x++)
                {
                    Unsafe.Add(ref c, x) = (Unsafe.Add(ref p, x - 1) + ReadDifference(ref reader, table)) & 0xFFFF;
                }

                break;
            default:
                for (; x < end; x++)
                {
                    int a = Unsafe.Add(ref c, x - 1);
                    int b = Unsafe.Add(ref p, x);
                    int cc = Unsafe.Add(ref p, x - 1);
                    Unsafe.Add(ref c, x) = (Predict(predictor, a, b, cc) + ReadDifference(ref reader, table)) & 0xFFFF;
                }

                break;
        }
    }

    private static void DecodeRunInterleaved(ref JpegBitReader reader, HuffmanTable[] tables, int[] cur, int[] prev, int nc, int x0, int count, bool firstLine, int firstColumn, int predictor, int initial)
    {
        for (int x = x0; x < x0 + count; x++)
        {
            for (int k = 0; k < nc; k++)
            {
                int i = (x * nc) + k;
                int pred;
                if (firstLine)
                {
                    pred = x == firstColumn ? initial : cur[i - nc];
                }
                else if (x == 0)
                {
                    pred = prev[i];
                }
                else
                {
                    pred = Predict(predictor, cur[i - nc], prev[i], prev[i - nc]);
                }

                cur[i] = (pred + ReadDifference(ref reader, tables[k])) & 0xFFFF;
            }
        }
    }

    /// <summary>The seven lossless predictors of T.81 Table H.1 (a left, b above, c above-left).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Predict(int predictor, int a, int b, int c) => predictor switch
    {
        1 => a,
        2 => b,
        3 => c,
        4 => a + b - c,
        5 => a + ((b - c) >> 1),
        6 => b + ((a - c) >> 1),
        _ => (a + b) >> 1,
    };

    private static void WriteRow(int[] row, int y, int width, int nc, int[] indices, FrameInfo info, int pt, int mask, Span<byte> destination)
    {
        int spp = info.SamplesPerPixel;
        if (info.BitsAllocated == 16)
        {
            var dst = MemoryMarshal.Cast<byte, ushort>(destination).Slice(y * width * spp, width * spp);
            if (nc == 1 && spp == 1)
            {
                for (int x = 0; x < width; x++)
                {
                    dst[x] = (ushort)((row[x] << pt) & mask);
                }

                return;
            }

            for (int x = 0; x < width; x++)
            {
                for (int k = 0; k < nc; k++)
                {
                    dst[(x * spp) + indices[k]] = (ushort)((row[(x * nc) + k] << pt) & mask);
                }
            }
        }
        else
        {
            var dst = destination.Slice(y * width * spp, width * spp);
            for (int x = 0; x < width; x++)
            {
                for (int k = 0; k < nc; k++)
                {
                    dst[(x * spp) + indices[k]] = (byte)((row[(x * nc) + k] << pt) & mask);
                }
            }
        }
    }
}
