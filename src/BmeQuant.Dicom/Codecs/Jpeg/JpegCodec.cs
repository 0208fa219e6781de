using System.Buffers.Binary;

namespace BmeQuant.Dicom.Codecs.Jpeg;

/// <summary>
/// Huffman-coded JPEG (ITU T.81): lossless process 14 (any predictor, point transform, 2-16 bits, restart markers,
/// interleaved or one scan per component) and sequential DCT, baseline 8-bit and extended 12-bit, with any sampling
/// factors. DCT frames decode without colour conversion: a YBR_FULL_422 frame comes out as YBR_FULL at full resolution.
/// Progressive, hierarchical and arithmetic-coded frames are refused with <see cref="UnsupportedTransferSyntaxException"/>.
/// </summary>
internal sealed class JpegCodec : IPixelCodec
{
    private readonly string _transferSyntaxUid;

    public JpegCodec(string name, string transferSyntaxUid)
    {
        Name = name;
        _transferSyntaxUid = transferSyntaxUid;
    }

    public string Name { get; }

    public int OutputPlanarConfiguration(FrameInfo info) => 0;

    public string OutputPhotometricInterpretation(FrameInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.PhotometricInterpretation is "YBR_FULL_422" or "YBR_PARTIAL_422" or "YBR_PARTIAL_420"
            ? "YBR_FULL"
            : info.PhotometricInterpretation;
    }

    public void Decode(ReadOnlySpan<byte> compressed, FrameInfo info, Span<byte> destination)
    {
        CodecGuard.CheckDestination(Name, info, destination.Length);
        var frame = new JpegFrame();
        int pos = 0;
        if (compressed.Length < 2 || compressed[0] != 0xFF || compressed[1] != 0xD8)
        {
            CodecGuard.Fail($"{Name}: no SOI marker (0xFFD8) at byte offset 0; found 0x{(compressed.Length > 1 ? (compressed[0] << 8) | compressed[1] : 0):X4}.");
        }

        pos = 2;
        bool sawFrame = false;
        bool sawScan = false;
        while (true)
        {
            // Find the next marker, tolerating fill bytes (0xFF) and stray bytes between segments.
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
                    break; // missing EOI is tolerated once a scan was decoded
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

            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
            {
                continue; // stand-alone markers
            }

            if (pos + 2 > compressed.Length)
            {
                CodecGuard.Truncated(Name, pos, $"the length of marker 0xFF{marker:X2}");
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(compressed[pos..]);
            if (length < 2 || pos + length > compressed.Length)
            {
                CodecGuard.Fail($"{Name}: marker 0xFF{marker:X2} at byte offset {markerOffset} declares {length} bytes; " +
                    $"expected 2..{compressed.Length - pos}.");
            }

            var segment = compressed.Slice(pos + 2, length - 2);
            int segmentOffset = pos + 2;
            pos += length;
            switch (marker)
            {
                case 0xC4:
                    ReadHuffmanTables(frame, segment, segmentOffset);
                    break;
                case 0xDB:
                    ReadQuantTables(frame, segment, segmentOffset);
                    break;
                case 0xDD:
                    if (segment.Length < 2)
                    {
                        CodecGuard.Truncated(Name, segmentOffset, "DRI");
                    }

                    frame.RestartInterval = BinaryPrimitives.ReadUInt16BigEndian(segment);
                    break;
                case 0xC0 or 0xC1 or 0xC3:
                    if (sawFrame)
                    {
                        CodecGuard.Fail($"{Name}: second frame header (SOF) at byte offset {markerOffset}; expected one frame.");
                    }

                    ReadFrameHeader(frame, marker, segment, segmentOffset, info);
                    sawFrame = true;
                    break;
                case 0xC2 or 0xC6 or 0xCA or 0xCE:
                    throw Unsupported(marker, "progressive");
                case 0xC5 or 0xC7 or 0xCD or 0xCF or 0xDE:
                    throw Unsupported(marker, "hierarchical");
                case 0xC9 or 0xCB or 0xCC:
                    throw Unsupported(marker, "arithmetic-coded");
                case 0xF7:
                    CodecGuard.Fail($"{Name}: JPEG-LS frame (SOF55) at byte offset {markerOffset}; the transfer syntax says {_transferSyntaxUid}.");
                    break;
                case 0xDA:
                    if (!sawFrame)
                    {
                        CodecGuard.Fail($"{Name}: scan (SOS) at byte offset {markerOffset} before any frame header.");
                    }

                    var scan = ReadScanHeader(frame, segment, segmentOffset);
                    if (frame.IsLossless)
                    {
                        pos = JpegLosslessScan.Decode(Name, frame, scan, compressed, pos, info, destination);
                    }
                    else
                    {
                        pos = JpegDctScan.Decode(Name, frame, scan, compressed, pos);
                    }

                    sawScan = true;
                    break;
                default:
                    break; // APPn, COM, DNL and others carry nothing we need
            }
        }

        if (!sawScan)
        {
            CodecGuard.Fail($"{Name}: no scan (SOS) before the end of the data ({compressed.Length} bytes).");
        }

        if (!frame.IsLossless)
        {
            JpegDctScan.Output(frame, info, destination);
        }
    }

    private UnsupportedTransferSyntaxException Unsupported(int marker, string what) =>
        new($"{Name}: {what} JPEG (SOF 0xFF{marker:X2}) is not supported by the managed decoder (transfer syntax {_transferSyntaxUid}); " +
            "transcode with `dcmdjpeg IN OUT` or `gdcmconv --raw IN OUT`.")
        {
            TransferSyntaxUid = _transferSyntaxUid,
        };

    private void ReadFrameHeader(JpegFrame frame, int marker, ReadOnlySpan<byte> s, int offset, FrameInfo info)
    {
        if (s.Length < 6)
        {
            CodecGuard.Truncated(Name, offset, "the frame header");
        }

        frame.Marker = marker;
        frame.Precision = s[0];
        frame.Height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]);
        frame.Width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
        int count = s[5];
        bool lossless = marker == 0xC3;
        int minP = lossless ? 2 : 8;
        int maxP = lossless ? 16 : 12;
        if (frame.Precision < minP || frame.Precision > maxP || (!lossless && frame.Precision != 8 && frame.Precision != 12))
        {
            CodecGuard.Fail($"{Name}: frame header at byte offset {offset} gives precision {frame.Precision}; expected {(lossless ? "2..16" : "8 or 12")}.");
        }

        if (frame.Precision > info.BitsAllocated)
        {
            CodecGuard.Fail($"{Name}: frame precision {frame.Precision} exceeds BitsAllocated {info.BitsAllocated}.");
        }

        if (frame.Height != info.Rows || frame.Width != info.Columns || count != info.SamplesPerPixel)
        {
            CodecGuard.Fail($"{Name}: frame header at byte offset {offset} describes {frame.Width}x{frame.Height} with {count} components; " +
                $"the dataset says {info.Columns}x{info.Rows} with {info.SamplesPerPixel} samples.");
        }

        if (s.Length < 6 + (3 * count))
        {
            CodecGuard.Truncated(Name, offset, "the frame header components");
        }

        frame.Components = new JpegComponent[count];
        for (int i = 0; i < count; i++)
        {
            var c = new JpegComponent
            {
                Id = s[6 + (3 * i)],
                H = s[7 + (3 * i)] >> 4,
                V = s[7 + (3 * i)] & 15,
                QuantTable = s[8 + (3 * i)],
            };
            if (c.H < 1 || c.H > 4 || c.V < 1 || c.V > 4 || c.QuantTable > 3)
            {
                CodecGuard.Fail($"{Name}: component {c.Id} at byte offset {offset + 6 + (3 * i)} has sampling {c.H}x{c.V}, table {c.QuantTable}; expected 1..4 and 0..3.");
            }

            if (lossless && (c.H != 1 || c.V != 1))
            {
                CodecGuard.Fail($"{Name}: lossless component {c.Id} has sampling {c.H}x{c.V}; only 1x1 is supported for lossless frames.");
            }

            frame.Components[i] = c;
            frame.MaxH = Math.Max(frame.MaxH, c.H);
            frame.MaxV = Math.Max(frame.MaxV, c.V);
        }

        foreach (var c in frame.Components)
        {
            c.Width = ((frame.Width * c.H) + frame.MaxH - 1) / frame.MaxH;
            c.Height = ((frame.Height * c.V) + frame.MaxV - 1) / frame.MaxV;
            if (!lossless)
            {
                int mcusX = (frame.Width + (8 * frame.MaxH) - 1) / (8 * frame.MaxH);
                int mcusY = (frame.Height + (8 * frame.MaxV) - 1) / (8 * frame.MaxV);
                c.BlocksPerLine = mcusX * c.H;
                c.BlocksPerColumn = mcusY * c.V;
                c.Plane = new short[c.BlocksPerLine * c.BlocksPerColumn * 64];
            }
        }
    }

    private JpegScan ReadScanHeader(JpegFrame frame, ReadOnlySpan<byte> s, int offset)
    {
        if (s.Length < 1 || s.Length < 1 + (2 * s[0]) + 3)
        {
            CodecGuard.Truncated(Name, offset, "the scan header");
        }

        int count = s[0];
        if (count < 1 || count > 4)
        {
            CodecGuard.Fail($"{Name}: scan header at byte offset {offset} lists {count} components; expected 1..4.");
        }

        var scan = new JpegScan { Components = new JpegComponent[count], DcTables = new HuffmanTable[count], AcTables = new HuffmanTable?[count], Indices = new int[count] };
        for (int i = 0; i < count; i++)
        {
            int id = s[1 + (2 * i)];
            int tables = s[2 + (2 * i)];
            int index = Array.FindIndex(frame.Components, c => c.Id == id);
            if (index < 0)
            {
                CodecGuard.Fail($"{Name}: scan header at byte offset {offset} names component {id}, which the frame header does not declare.");
            }

            var dc = frame.DcTables[(tables >> 4) & 3];
            var ac = frame.AcTables[tables & 3];
            if (dc is null || (!frame.IsLossless && ac is null))
            {
                CodecGuard.Fail($"{Name}: scan header at byte offset {offset} uses Huffman table {tables >> 4}/{tables & 15} for component {id}, which no DHT defined.");
            }

            scan.Components[i] = frame.Components[index];
            scan.Indices[i] = index;
            scan.DcTables[i] = dc;
            scan.AcTables[i] = ac;
        }

        scan.Ss = s[1 + (2 * count)];
        scan.Se = s[2 + (2 * count)];
        scan.Ah = s[3 + (2 * count)] >> 4;
        scan.Al = s[3 + (2 * count)] & 15;
        if (frame.IsLossless)
        {
            if (scan.Ss < 1 || scan.Ss > 7 || scan.Al >= frame.Precision)
            {
                CodecGuard.Fail($"{Name}: lossless scan header at byte offset {offset} has predictor {scan.Ss} and point transform {scan.Al}; expected 1..7 and < {frame.Precision}.");
            }
        }
        else if (scan.Ss != 0 || scan.Se != 63 || scan.Ah != 0 || scan.Al != 0)
        {
            CodecGuard.Fail($"{Name}: sequential scan header at byte offset {offset} has Ss={scan.Ss}, Se={scan.Se}, Ah={scan.Ah}, Al={scan.Al}; expected 0, 63, 0, 0.");
        }

        return scan;
    }

    private void ReadHuffmanTables(JpegFrame frame, ReadOnlySpan<byte> s, int offset)
    {
        int p = 0;
        while (p < s.Length)
        {
            if (p + 17 > s.Length)
            {
                CodecGuard.Truncated(Name, offset + p, "a Huffman table");
            }

            int tc = s[p] >> 4;
            int th = s[p] & 15;
            if (tc > 1 || th > 3)
            {
                CodecGuard.Fail($"{Name}: Huffman table at byte offset {offset + p} has class {tc}, id {th}; expected class 0/1 and id 0..3.");
            }

            var counts = s.Slice(p + 1, 16);
            int total = 0;
            foreach (var c in counts)
            {
                total += c;
            }

            if (total > 256 || p + 17 + total > s.Length)
            {
                CodecGuard.Fail($"{Name}: Huffman table at byte offset {offset + p} declares {total} symbols; the segment holds {s.Length - p - 17}.");
            }

            var table = HuffmanTable.Build(counts, s.Slice(p + 17, total), Name, offset + p);
            if (tc == 0)
            {
                frame.DcTables[th] = table;
            }
            else
            {
                frame.AcTables[th] = table;
            }

            p += 17 + total;
        }
    }

    private void ReadQuantTables(JpegFrame frame, ReadOnlySpan<byte> s, int offset)
    {
        int p = 0;
        while (p < s.Length)
        {
            int pq = s[p] >> 4;
            int tq = s[p] & 15;
            int size = pq == 0 ? 64 : 128;
            if (pq > 1 || tq > 3 || p + 1 + size > s.Length)
            {
                CodecGuard.Fail($"{Name}: quantisation table at byte offset {offset + p} has precision {pq}, id {tq}, {s.Length - p - 1} bytes; expected 0/1, 0..3 and {size} bytes.");
            }

            var table = new int[64];
            for (int k = 0; k < 64; k++)
            {
                int v = pq == 0 ? s[p + 1 + k] : BinaryPrimitives.ReadUInt16BigEndian(s[(p + 1 + (2 * k))..]);
                table[JpegDctScan.ZigZag[k]] = v;
            }

            frame.QuantTables[tq] = table;
            p += 1 + size;
        }
    }
}

/// <summary>A scan header (SOS) resolved against the frame.</summary>
internal sealed class JpegScan
{
    public JpegComponent[] Components = [];
    public int[] Indices = [];
    public HuffmanTable[] DcTables = [];
    public HuffmanTable?[] AcTables = [];
    public int Ss;
    public int Se;
    public int Ah;
    public int Al;
}
