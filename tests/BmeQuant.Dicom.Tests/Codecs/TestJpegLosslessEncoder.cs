namespace BmeQuant.Dicom.Tests.Codecs;

/// <summary>
/// A small JPEG lossless (process 14) encoder for tests only: fixed Huffman tables (one with codes longer than the
/// decoder's look-up width), any predictor, point transform, restart intervals, interleaved or one scan per component.
/// </summary>
internal static class TestJpegLosslessEncoder
{
    // Code lengths for categories 0..16 (Kraft sum below 1, so no all-ones code).
    private static readonly int[][] s_lengths =
    [
        [2, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 11, 12, 12],
        [5, 4, 3, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    ];

    public static byte[] Encode(ushort[] samples, int width, int height, int components, int precision, int predictor, int pointTransform, int restartInterval, bool interleaved)
    {
        var output = new List<byte> { 0xFF, 0xD8 };
        var codes = new (int Code, int Length)[2][];
        for (int t = 0; t < 2; t++)
        {
            codes[t] = BuildCodes(s_lengths[t], out var counts, out var symbols);
            var dht = new List<byte> { (byte)t };
            dht.AddRange(counts);
            dht.AddRange(symbols);
            Segment(output, 0xC4, dht);
        }

        var sof = new List<byte> { (byte)precision, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, (byte)components };
        for (int c = 0; c < components; c++)
        {
            sof.AddRange([(byte)(c + 1), 0x11, 0]);
        }

        Segment(output, 0xC3, sof);
        if (restartInterval > 0)
        {
            Segment(output, 0xDD, [(byte)(restartInterval >> 8), (byte)restartInterval]);
        }

        int[][] scans = interleaved ? [Enumerable.Range(0, components).ToArray()] : Enumerable.Range(0, components).Select(c => new[] { c }).ToArray();
        foreach (var scan in scans)
        {
            var sos = new List<byte> { (byte)scan.Length };
            foreach (int c in scan)
            {
                sos.AddRange([(byte)(c + 1), (byte)((c % 2) << 4)]);
            }

            sos.AddRange([(byte)predictor, 0, (byte)pointTransform]);
            Segment(output, 0xDA, sos);
            EncodeScan(output, samples, width, height, components, scan, precision, predictor, pointTransform, restartInterval, codes);
        }

        output.AddRange([0xFF, 0xD9]);
        return [.. output];
    }

    private static void EncodeScan(List<byte> output, ushort[] samples, int width, int height, int components, int[] scan, int precision, int predictor, int pt, int restartInterval, (int Code, int Length)[][] codes)
    {
        var bits = new BitWriter(output);
        int mcus = 0;
        int restarts = 0;
        int intervalRow = 0;
        int intervalColumn = 0;
        int Value(int x, int y, int c) => samples[(((y * width) + x) * components) + c] >> pt;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (restartInterval > 0 && mcus == restartInterval)
                {
                    bits.Flush();
                    output.AddRange([0xFF, (byte)(0xD0 + (restarts++ & 7))]);
                    mcus = 0;
                    intervalRow = y;
                    intervalColumn = x;
                }

                foreach (int c in scan)
                {
                    int prediction;
                    if (y == intervalRow)
                    {
                        prediction = x == intervalColumn ? 1 << (precision - pt - 1) : Value(x - 1, y, c);
                    }
                    else if (x == 0)
                    {
                        prediction = Value(x, y - 1, c);
                    }
                    else
                    {
                        int a = Value(x - 1, y, c);
                        int b = Value(x, y - 1, c);
                        int cc = Value(x - 1, y - 1, c);
                        prediction = predictor switch
                        {
                            1 => a,
                            2 => b,
                            3 => cc,
                            4 => a + b - cc,
                            5 => a + ((b - cc) >> 1),
                            6 => b + ((a - cc) >> 1),
                            _ => (a + b) >> 1,
                        };
                    }

                    int diff = (Value(x, y, c) - prediction) & 0xFFFF;
                    var table = codes[c % 2];
                    if (diff == 32768)
                    {
                        bits.Write(table[16].Code, table[16].Length);
                        continue;
                    }

                    if (diff > 32768)
                    {
                        diff -= 65536;
                    }

                    int category = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
                    bits.Write(table[category].Code, table[category].Length);
                    if (category > 0)
                    {
                        bits.Write(diff >= 0 ? diff : diff + (1 << category) - 1, category);
                    }
                }

                mcus++;
            }
        }

        bits.Flush();
    }

    private static (int Code, int Length)[] BuildCodes(int[] lengths, out byte[] counts, out byte[] symbols)
    {
        counts = new byte[16];
        foreach (int l in lengths)
        {
            counts[l - 1]++;
        }

        symbols = [.. Enumerable.Range(0, lengths.Length).OrderBy(s => lengths[s]).ThenBy(s => s).Select(s => (byte)s)];
        var codes = new (int, int)[lengths.Length];
        int code = 0;
        int k = 0;
        for (int l = 1; l <= 16; l++)
        {
            for (int i = 0; i < counts[l - 1]; i++, k++)
            {
                codes[symbols[k]] = (code++, l);
            }

            code <<= 1;
        }

        return codes;
    }

    private static void Segment(List<byte> output, int marker, List<byte> body)
    {
        output.AddRange([0xFF, (byte)marker, (byte)((body.Count + 2) >> 8), (byte)(body.Count + 2)]);
        output.AddRange(body);
    }

    private sealed class BitWriter(List<byte> output)
    {
        private int _buffer;
        private int _count;

        public void Write(int value, int length)
        {
            for (int i = length - 1; i >= 0; i--)
            {
                _buffer = (_buffer << 1) | ((value >> i) & 1);
                if (++_count == 8)
                {
                    Emit();
                }
            }
        }

        public void Flush()
        {
            while (_count != 0)
            {
                Write(1, 1); // pad with one bits
            }
        }

        private void Emit()
        {
            output.Add((byte)_buffer);
            if (_buffer == 0xFF)
            {
                output.Add(0);
            }

            _buffer = 0;
            _count = 0;
        }
    }
}
