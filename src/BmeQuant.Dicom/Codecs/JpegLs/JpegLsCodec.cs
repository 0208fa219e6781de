using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BmeQuant.Dicom.Codecs.JpegLs;

/// <summary>
/// JPEG-LS (ITU T.87, LOCO-I): lossless and near-lossless, regular and run mode, default or LSE-signalled coding
/// parameters, restart markers, and the three interleave modes (one component per scan, line, sample).
/// Mapping tables (palettes) and point transforms are refused with <see cref="UnsupportedTransferSyntaxException"/>.
/// </summary>
internal sealed class JpegLsCodec : IPixelCodec
{
    private readonly string _transferSyntaxUid;

    public JpegLsCodec(string name, string transferSyntaxUid)
    {
        Name = name;
        _transferSyntaxUid = transferSyntaxUid;
    }

    public string Name { get; }

    public int OutputPlanarConfiguration(FrameInfo info) => 0;

    public string OutputPhotometricInterpretation(FrameInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.PhotometricInterpretation;
    }

    public void Decode(ReadOnlySpan<byte> compressed, FrameInfo info, Span<byte> destination)
    {
        CodecGuard.CheckDestination(Name, info, destination.Length);
        if (compressed.Length < 2 || compressed[0] != 0xFF || compressed[1] != 0xD8)
        {
            CodecGuard.Fail($"{Name}: no SOI marker (0xFFD8) at byte offset 0.");
        }

        var p = new JpegLsParameters();
        int pos = 2;
        bool sawFrame = false;
        bool sawScan = false;
        int[] componentIds = [];
        while (true)
        {
            while (pos < compressed.Length && compressed[pos] != 0xFF)
            {
                pos++;
            }

            while (pos < compressed.Length && compressed[pos] == 0xFF)
            {
                pos++;
            }

            if (pos >= compressed.Length)
            {
                if (sawScan)
                {
                    break;
                }

                CodecGuard.Truncated(Name, compressed.Length, "the markers before the first scan");
            }

            int marker = compressed[pos];
            int markerOffset = pos - 1;
            pos++;
            if (marker == 0xD9)
            {
                break;
            }

            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7))
            {
                continue;
            }

            if (pos + 2 > compressed.Length)
            {
                CodecGuard.Truncated(Name, pos, $"the length of marker 0xFF{marker:X2}");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(compressed[pos..]);
            if (length < 2 || pos + length > compressed.Length)
            {
                CodecGuard.Fail($"{Name}: marker 0xFF{marker:X2} at byte offset {markerOffset} declares {length} bytes; expected 2..{compressed.Length - pos}.");
            }

            var s = compressed.Slice(pos + 2, length - 2);
            int segmentOffset = pos + 2;
            pos += length;
            switch (marker)
            {
                case 0xF7:
                    if (sawFrame)
                    {
                        CodecGuard.Fail($"{Name}: second frame header at byte offset {markerOffset}.");
                    }

                    componentIds = ReadFrameHeader(p, s, segmentOffset, info);
                    sawFrame = true;
                    break;
                case 0xF8:
                    ReadPresetParameters(p, s, segmentOffset);
                    break;
                case 0xDD:
                    if (s.Length < 2 || s.Length > 4)
                    {
                        CodecGuard.Fail($"{Name}: DRI at byte offset {markerOffset} has {s.Length} bytes; expected 2..4.");
                    }

                    int ri = 0;
                    foreach (var b in s)
                    {
                        ri = (ri << 8) | b;
                    }

                    p.RestartInterval = ri;
                    break;
                case 0xDA:
                    if (!sawFrame)
                    {
                        CodecGuard.Fail($"{Name}: scan (SOS) at byte offset {markerOffset} before the frame header (SOF55).");
                    }

                    var scan = ReadScanHeader(s, segmentOffset, componentIds);
                    pos = new JpegLsScanDecoder(Name, p, scan, info).Decode(compressed, pos, destination);
                    sawScan = true;
                    break;
                case >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC:
                    CodecGuard.Fail($"{Name}: JPEG frame marker 0xFF{marker:X2} at byte offset {markerOffset}; expected JPEG-LS (SOF55, 0xFFF7).");
                    break;
                default:
                    break;
            }
        }

        if (!sawScan)
        {
            CodecGuard.Fail($"{Name}: no scan (SOS) in {compressed.Length} bytes.");
        }
    }

    private int[] ReadFrameHeader(JpegLsParameters p, ReadOnlySpan<byte> s, int offset, FrameInfo info)
    {
        if (s.Length < 6 || s.Length < 6 + (3 * s[5]))
        {
            CodecGuard.Truncated(Name, offset, "the frame header");
        }

        p.Precision = s[0];
        p.Height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]);
        p.Width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
        int count = s[5];
        if (p.Precision < 2 || p.Precision > 16 || p.Precision > info.BitsAllocated)
        {
            CodecGuard.Fail($"{Name}: frame header at byte offset {offset} gives precision {p.Precision}; expected 2..{Math.Min(16, info.BitsAllocated)}.");
        }

        if (p.Height != info.Rows || p.Width != info.Columns || count != info.SamplesPerPixel)
        {
            CodecGuard.Fail($"{Name}: frame header at byte offset {offset} describes {p.Width}x{p.Height} with {count} components; " +
                $"the dataset says {info.Columns}x{info.Rows} with {info.SamplesPerPixel} samples.");
        }

        var ids = new int[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = s[6 + (3 * i)];
            if (s[7 + (3 * i)] != 0x11)
            {
                throw new UnsupportedTransferSyntaxException(
                    $"{Name}: component {ids[i]} has sampling factors 0x{s[7 + (3 * i)]:X2}; only 1x1 is supported (transfer syntax {_transferSyntaxUid}); " +
                    "transcode with `dcmdjpls IN OUT`.")
                {
                    TransferSyntaxUid = _transferSyntaxUid,
                };
            }
        }

        return ids;
    }

    private void ReadPresetParameters(JpegLsParameters p, ReadOnlySpan<byte> s, int offset)
    {
        if (s.Length < 1)
        {
            CodecGuard.Truncated(Name, offset, "LSE");
        }

        if (s[0] != 1)
        {
            throw new UnsupportedTransferSyntaxException(
                $"{Name}: LSE segment type {s[0]} at byte offset {offset} (mapping table or extension) is not supported (transfer syntax {_transferSyntaxUid}); " +
                "transcode with `dcmdjpls IN OUT`.")
            {
                TransferSyntaxUid = _transferSyntaxUid,
            };
        }

        if (s.Length < 11)
        {
            CodecGuard.Truncated(Name, offset, "the LSE coding parameters");
        }

        p.MaxValue = BinaryPrimitives.ReadUInt16BigEndian(s[1..]);
        p.T1 = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
        p.T2 = BinaryPrimitives.ReadUInt16BigEndian(s[5..]);
        p.T3 = BinaryPrimitives.ReadUInt16BigEndian(s[7..]);
        p.Reset = BinaryPrimitives.ReadUInt16BigEndian(s[9..]);
    }

    private JpegLsScan ReadScanHeader(ReadOnlySpan<byte> s, int offset, int[] componentIds)
    {
        if (s.Length < 1 || s.Length < 1 + (2 * s[0]) + 3)
        {
            CodecGuard.Truncated(Name, offset, "the scan header");
        }

        int count = s[0];
        if (count < 1 || count > componentIds.Length)
        {
            CodecGuard.Fail($"{Name}: scan header at byte offset {offset} lists {count} components; expected 1..{componentIds.Length}.");
        }

        var scan = new JpegLsScan { Components = new int[count] };
        for (int i = 0; i < count; i++)
        {
            int index = Array.IndexOf(componentIds, s[1 + (2 * i)]);
            if (index < 0)
            {
                CodecGuard.Fail($"{Name}: scan header at byte offset {offset} names component {s[1 + (2 * i)]}, which the frame header does not declare.");
            }

            if (s[2 + (2 * i)] != 0)
            {
                throw new UnsupportedTransferSyntaxException(
                    $"{Name}: component {s[1 + (2 * i)]} uses mapping table {s[2 + (2 * i)]}; mapping tables are not supported (transfer syntax {_transferSyntaxUid}); " +
                    "transcode with `dcmdjpls IN OUT`.")
                {
                    TransferSyntaxUid = _transferSyntaxUid,
                };
            }

            scan.Components[i] = index;
        }

        scan.Near = s[1 + (2 * count)];
        scan.Interleave = s[2 + (2 * count)];
        int pointTransform = s[3 + (2 * count)] & 15;
        if (scan.Interleave > 2 || (scan.Interleave == 0 && count != 1))
        {
            CodecGuard.Fail($"{Name}: scan header at byte offset {offset} has interleave mode {scan.Interleave} with {count} components; expected 0 (one component), 1 or 2.");
        }

        if (pointTransform != 0)
        {
            throw new UnsupportedTransferSyntaxException(
                $"{Name}: point transform {pointTransform} in the scan header at byte offset {offset} is not supported (transfer syntax {_transferSyntaxUid}); " +
                "transcode with `dcmdjpls IN OUT`.")
            {
                TransferSyntaxUid = _transferSyntaxUid,
            };
        }

        return scan;
    }
}

/// <summary>Frame and coding parameters in force for the next scan.</summary>
internal sealed class JpegLsParameters
{
    public int Precision;
    public int Width;
    public int Height;
    public int MaxValue;
    public int T1;
    public int T2;
    public int T3;
    public int Reset;
    public int RestartInterval;
}

/// <summary>A JPEG-LS scan header: frame component indices, NEAR and interleave mode.</summary>
internal sealed class JpegLsScan
{
    public int[] Components = [];
    public int Near;
    public int Interleave;
}

/// <summary>Decodes one JPEG-LS scan (T.87 Annex A) into the interleaved output frame.</summary>
internal sealed class JpegLsScanDecoder
{
    private static readonly int[] s_j =
    [
        0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ];

    private readonly string _codec;
    private readonly JpegLsScan _scan;
    private readonly FrameInfo _info;
    private readonly int _width;
    private readonly int _height;
    private readonly int _restartInterval;
    private readonly int _maxValue;
    private readonly int _near;
    private readonly int _range;
    private readonly int _qbpp;
    private readonly int _limit;
    private readonly int _t1;
    private readonly int _t2;
    private readonly int _t3;
    private readonly int _reset;
    private readonly int _step;

    // Context variables: 365 regular contexts, then the two run-interruption contexts (365: RItype 0, 366: RItype 1).
    private readonly long[] _a = new long[367];
    private readonly int[] _b = new int[365];
    private readonly int[] _c = new int[365];
    private readonly int[] _n = new int[367];
    private readonly int[] _nn = new int[367];
    private readonly int[] _runIndex;

    public JpegLsScanDecoder(string codec, JpegLsParameters p, JpegLsScan scan, FrameInfo info)
    {
        _codec = codec;
        _scan = scan;
        _info = info;
        _width = p.Width;
        _height = p.Height;
        _restartInterval = p.RestartInterval;
        _near = scan.Near;
        _maxValue = p.MaxValue != 0 ? p.MaxValue : (1 << p.Precision) - 1;
        if (_near > Math.Min(255, _maxValue / 2) || _maxValue >= 1 << 16)
        {
            CodecGuard.Fail($"{codec}: NEAR {_near} with MAXVAL {_maxValue}; expected NEAR <= min(255, MAXVAL/2) and MAXVAL < 65536.");
        }

        _step = (2 * _near) + 1;
        _range = ((_maxValue + (2 * _near)) / _step) + 1;
        _qbpp = CeilLog2(_range);
        int bpp = Math.Max(2, CeilLog2(_maxValue + 1));
        _limit = 2 * (bpp + Math.Max(8, bpp));
        (int d1, int d2, int d3) = DefaultThresholds(_maxValue, _near);
        _t1 = p.T1 != 0 ? p.T1 : d1;
        _t2 = p.T2 != 0 ? p.T2 : d2;
        _t3 = p.T3 != 0 ? p.T3 : d3;
        _reset = p.Reset != 0 ? p.Reset : 64;
        if (!(_t1 >= _near + 1 && _t1 <= _t2 && _t2 <= _t3 && _t3 <= _maxValue) || _reset < 3)
        {
            CodecGuard.Fail($"{codec}: coding parameters T1={_t1}, T2={_t2}, T3={_t3}, RESET={_reset} are inconsistent with MAXVAL {_maxValue}, NEAR {_near}.");
        }

        _runIndex = new int[scan.Components.Length];
        ResetContexts();
    }

    public int Decode(ReadOnlySpan<byte> data, int position, Span<byte> destination)
    {
        var reader = new JpegLsBitReader(data, position);
        int nc = _scan.Components.Length;
        var previous = new int[nc][];
        var current = new int[nc][];
        for (int c = 0; c < nc; c++)
        {
            previous[c] = new int[_width + 2];
            current[c] = new int[_width + 2];
        }

        int restartIndex = 0;
        for (int y = 0; y < _height; y++)
        {
            if (_restartInterval > 0 && y > 0 && y % _restartInterval == 0)
            {
                reader.ConsumeRestart(restartIndex++);
                ResetContexts();
                for (int c = 0; c < nc; c++)
                {
                    Array.Clear(previous[c]);
                }
            }

            for (int c = 0; c < nc; c++)
            {
                // Edges (T.87 A.2.1): Ra of the first sample is the sample above; Rd of the last repeats the last above.
                current[c][0] = previous[c][1];
                previous[c][_width + 1] = previous[c][_width];
            }

            if (_scan.Interleave == 2 && nc > 1)
            {
                DecodeSampleInterleavedLine(ref reader, previous, current);
            }
            else
            {
                for (int c = 0; c < nc; c++)
                {
                    DecodeLine(ref reader, previous[c], current[c], c);
                }
            }

            if (reader.Overrun)
            {
                CodecGuard.Fail($"{_codec}: coded data ends (byte offset {reader.Position}) before line {y + 1} of {_height} is complete.");
            }

            for (int c = 0; c < nc; c++)
            {
                WriteLine(current[c], y, _scan.Components[c], destination);
            }

            (previous, current) = (current, previous);
        }

        return reader.AlignToMarker();
    }

    private void ResetContexts()
    {
        long a = Math.Max(2, (_range + 32) >> 6);
        Array.Fill(_a, a);
        Array.Clear(_b);
        Array.Clear(_c);
        Array.Fill(_n, 1);
        Array.Clear(_nn);
        Array.Clear(_runIndex);
    }

    private void DecodeLine(ref JpegLsBitReader reader, int[] prev, int[] cur, int component)
    {
        int x = 1;
        while (x <= _width)
        {
            int ra = cur[x - 1];
            int rb = prev[x];
            int rc = prev[x - 1];
            int rd = prev[x + 1];
            int q1 = Quantize(rd - rb);
            int q2 = Quantize(rb - rc);
            int q3 = Quantize(rc - ra);
            if (q1 == 0 && q2 == 0 && q3 == 0)
            {
                x = DecodeRun(ref reader, prev, cur, x, component);
            }
            else
            {
                cur[x] = DecodeRegular(ref reader, (81 * q1) + (9 * q2) + q3, Predict(ra, rb, rc));
                x++;
            }
        }
    }

    private void DecodeSampleInterleavedLine(ref JpegLsBitReader reader, int[][] prev, int[][] cur)
    {
        int nc = prev.Length;
        Span<int> contexts = nc <= 16 ? stackalloc int[16] : new int[nc];
        int x = 1;
        while (x <= _width)
        {
            bool allZero = true;
            for (int c = 0; c < nc; c++)
            {
                int ra = cur[c][x - 1];
                int rb = prev[c][x];
                int rc = prev[c][x - 1];
                int rd = prev[c][x + 1];
                contexts[c] = (81 * Quantize(rd - rb)) + (9 * Quantize(rb - rc)) + Quantize(rc - ra);
                allZero &= contexts[c] == 0;
            }

            if (allZero)
            {
                x = DecodeRunInterleaved(ref reader, prev, cur, x);
                continue;
            }

            for (int c = 0; c < nc; c++)
            {
                cur[c][x] = DecodeRegular(ref reader, contexts[c], Predict(cur[c][x - 1], prev[c][x], prev[c][x - 1]));
            }

            x++;
        }
    }

    private int DecodeRegular(ref JpegLsBitReader reader, int q, int px)
    {
        int sign = 1;
        if (q < 0)
        {
            q = -q;
            sign = -1;
        }

        px = Math.Clamp(px + (sign * _c[q]), 0, _maxValue);
        int k = GolombK(_a[q], _n[q]);
        int m = DecodeGolomb(ref reader, k, _limit);
        int errval = (m & 1) != 0 ? -((m + 1) >> 1) : m >> 1;
        if (_near == 0 && k == 0 && 2 * _b[q] <= -_n[q])
        {
            errval = -errval - 1;
        }

        UpdateRegular(q, errval);
        return Reconstruct(px + (sign * errval * _step));
    }

    private void UpdateRegular(int q, int errval)
    {
        _b[q] += errval * _step;
        _a[q] += Math.Abs(errval);
        if (_n[q] == _reset)
        {
            _a[q] >>= 1;
            _b[q] = _b[q] >= 0 ? _b[q] >> 1 : -((1 - _b[q]) >> 1);
            _n[q] >>= 1;
        }

        _n[q]++;
        if (_b[q] <= -_n[q])
        {
            _b[q] += _n[q];
            if (_c[q] > -128)
            {
                _c[q]--;
            }

            if (_b[q] <= -_n[q])
            {
                _b[q] = -_n[q] + 1;
            }
        }
        else if (_b[q] > 0)
        {
            _b[q] -= _n[q];
            if (_c[q] < 127)
            {
                _c[q]++;
            }

            if (_b[q] > 0)
            {
                _b[q] = 0;
            }
        }
    }

    /// <summary>Run mode for one component (T.87 A.7): returns the column after the run and its interruption sample.</summary>
    private int DecodeRun(ref JpegLsBitReader reader, int[] prev, int[] cur, int x, int component)
    {
        int ra = cur[x - 1];
        int length = ReadRunLength(ref reader, ref _runIndex[component], _width - x + 1, out bool toEnd);
        cur.AsSpan(x, length).Fill(ra);
        x += length;
        if (toEnd)
        {
            return x;
        }

        int rb = prev[x];
        int riType = Math.Abs(ra - rb) <= _near ? 1 : 0;
        int errval = DecodeInterruption(ref reader, riType, _runIndex[component]);
        cur[x] = riType == 1
            ? Reconstruct(ra + (errval * _step))
            : Reconstruct(rb + ((rb >= ra ? 1 : -1) * errval * _step));
        _runIndex[component] = Math.Max(0, _runIndex[component] - 1);
        return x + 1;
    }

    private int DecodeRunInterleaved(ref JpegLsBitReader reader, int[][] prev, int[][] cur, int x)
    {
        int nc = prev.Length;
        int length = ReadRunLength(ref reader, ref _runIndex[0], _width - x + 1, out bool toEnd);
        for (int c = 0; c < nc; c++)
        {
            cur[c].AsSpan(x, length).Fill(cur[c][x - 1]);
        }

        x += length;
        if (toEnd)
        {
            return x;
        }

        // Sample-interleaved interruption: every component coded with the RItype 0 context, predicted from Rb.
        for (int c = 0; c < nc; c++)
        {
            int ra = cur[c][x - 1];
            int rb = prev[c][x];
            int errval = DecodeInterruption(ref reader, 0, _runIndex[0]);
            cur[c][x] = Reconstruct(rb + ((rb >= ra ? 1 : -1) * errval * _step));
        }

        _runIndex[0] = Math.Max(0, _runIndex[0] - 1);
        return x + 1;
    }

    private int ReadRunLength(ref JpegLsBitReader reader, ref int runIndex, int remaining, out bool toEnd)
    {
        int count = 0;
        while (reader.ReadBit() == 1)
        {
            int block = 1 << s_j[runIndex];
            int take = Math.Min(block, remaining - count);
            count += take;
            if (take == block)
            {
                runIndex = Math.Min(31, runIndex + 1);
            }

            if (count == remaining)
            {
                toEnd = true;
                return count;
            }

            if (reader.Overrun)
            {
                CodecGuard.Fail($"{_codec}: coded data ends (byte offset {reader.Position}) inside a run.");
            }
        }

        count += reader.ReadBits(s_j[runIndex]);
        if (count >= remaining)
        {
            CodecGuard.Fail($"{_codec}: run of {count} samples near byte offset {reader.Position} passes the end of the line ({remaining} left).");
        }

        toEnd = false;
        return count;
    }

    private int DecodeInterruption(ref JpegLsBitReader reader, int riType, int runIndex)
    {
        int q = 365 + riType;
        long temp = riType == 1 ? _a[q] + (_n[q] >> 1) : _a[q];
        int k = GolombK(temp, _n[q]);
        int em = DecodeGolomb(ref reader, k, _limit - s_j[runIndex] - 1);
        int t = em + riType;
        int map = t & 1;
        int magnitude = (t + map) >> 1;
        bool negative = (k != 0 || 2 * _nn[q] >= _n[q]) == (map != 0);
        int errval = negative ? -magnitude : magnitude;
        if (errval < 0)
        {
            _nn[q]++;
        }

        _a[q] += (em + 1 - riType) >> 1;
        if (_n[q] == _reset)
        {
            _a[q] >>= 1;
            _n[q] >>= 1;
            _nn[q] >>= 1;
        }

        _n[q]++;
        return errval;
    }

    private int DecodeGolomb(ref JpegLsBitReader reader, int k, int limit)
    {
        int escape = limit - _qbpp - 1;
        int high = reader.ReadUnary(escape);
        int value;
        if (high < escape)
        {
            value = (high << k) + reader.ReadBits(k);
        }
        else if (high == escape)
        {
            value = reader.ReadBits(_qbpp) + 1;
        }
        else
        {
            CodecGuard.Fail($"{_codec}: Golomb code prefix longer than {escape} bits near byte offset {reader.Position}.");
            return 0;
        }

        if (value > 2 * _range)
        {
            CodecGuard.Fail($"{_codec}: mapped error {value} near byte offset {reader.Position} exceeds twice the range {_range}.");
        }

        return value;
    }

    private static int GolombK(long a, int n)
    {
        int k = 0;
        while (((long)n << k) < a && k < 24)
        {
            k++;
        }

        return k;
    }

    private int Reconstruct(int value)
    {
        // Modulo reduction of the error (T.87 A.4.4) undone, then clamped into 0..MAXVAL.
        if (value < -_near)
        {
            value += _range * _step;
        }
        else if (value > _maxValue + _near)
        {
            value -= _range * _step;
        }

        return Math.Clamp(value, 0, _maxValue);
    }

    private int Quantize(int d)
    {
        if (d <= -_t3)
        {
            return -4;
        }

        if (d <= -_t2)
        {
            return -3;
        }

        if (d <= -_t1)
        {
            return -2;
        }

        if (d < -_near)
        {
            return -1;
        }

        if (d <= _near)
        {
            return 0;
        }

        if (d < _t1)
        {
            return 1;
        }

        if (d < _t2)
        {
            return 2;
        }

        return d < _t3 ? 3 : 4;
    }

    /// <summary>The median edge detector (T.87 A.4.1).</summary>
    private static int Predict(int ra, int rb, int rc)
    {
        if (rc >= Math.Max(ra, rb))
        {
            return Math.Min(ra, rb);
        }

        return rc <= Math.Min(ra, rb) ? Math.Max(ra, rb) : ra + rb - rc;
    }

    private static (int T1, int T2, int T3) DefaultThresholds(int maxValue, int near)
    {
        // T.87 C.2.4.1.1.1, from the basic thresholds 3, 7, 21.
        static int Clamp(int i, int j, int maxValue) => i > maxValue || i < j ? j : i;
        if (maxValue >= 128)
        {
            int factor = (Math.Min(maxValue, 4095) + 128) / 256;
            int t1 = Clamp((factor * (3 - 2)) + 2 + (3 * near), near + 1, maxValue);
            int t2 = Clamp((factor * (7 - 3)) + 3 + (5 * near), t1, maxValue);
            int t3 = Clamp((factor * (21 - 4)) + 4 + (7 * near), t2, maxValue);
            return (t1, t2, t3);
        }
        else
        {
            int factor = 256 / (maxValue + 1);
            int t1 = Clamp(Math.Max(2, (3 / factor) + (3 * near)), near + 1, maxValue);
            int t2 = Clamp(Math.Max(3, (7 / factor) + (5 * near)), t1, maxValue);
            int t3 = Clamp(Math.Max(4, (21 / factor) + (7 * near)), t2, maxValue);
            return (t1, t2, t3);
        }
    }

    private static int CeilLog2(int value)
    {
        int bits = 0;
        while ((1 << bits) < value)
        {
            bits++;
        }

        return bits;
    }

    private void WriteLine(int[] line, int y, int component, Span<byte> destination)
    {
        int spp = _info.SamplesPerPixel;
        if (_info.BitsAllocated == 16)
        {
            var dst = MemoryMarshal.Cast<byte, ushort>(destination).Slice(y * _width * spp, _width * spp);
            for (int x = 0; x < _width; x++)
            {
                dst[(x * spp) + component] = (ushort)line[x + 1];
            }
        }
        else
        {
            var dst = destination.Slice(y * _width * spp, _width * spp);
            for (int x = 0; x < _width; x++)
            {
                dst[(x * spp) + component] = (byte)line[x + 1];
            }
        }
    }
}
