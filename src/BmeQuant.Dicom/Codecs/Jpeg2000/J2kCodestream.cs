using System.Buffers.Binary;

namespace BmeQuant.Dicom.Codecs.Jpeg2000;

/// <summary>SPcod/SPcoc: the per-component part of a coding style.</summary>
internal sealed class J2kComponentCoding
{
    public int Levels { get; init; }

    public int BlockWidthExponent { get; init; }

    public int BlockHeightExponent { get; init; }

    public int BlockStyle { get; init; }

    public bool Reversible { get; init; }

    /// <summary>Per resolution level: PPx in the low nibble, PPy in the high nibble (15/15 when not signalled).</summary>
    public byte[] Precincts { get; init; } = [];
}

/// <summary>SGcod and Scod of a COD marker, with its component part.</summary>
internal sealed class J2kCodingStyle
{
    public bool UseSop { get; init; }

    public bool UseEph { get; init; }

    public int Progression { get; init; }

    public int Layers { get; init; }

    public int Mct { get; init; }

    public required J2kComponentCoding Component { get; init; }
}

/// <summary>QCD/QCC: quantisation style, guard bits and per-subband exponent/mantissa.</summary>
internal sealed class J2kQuantization
{
    public int Style { get; init; }

    public int GuardBits { get; init; }

    public int[] Exponents { get; init; } = [];

    public int[] Mantissas { get; init; } = [];
}

/// <summary>One progression order change of a POC marker.</summary>
internal readonly record struct J2kProgressionChange(int ResolutionStart, int ComponentStart, int LayerEnd, int ResolutionEnd, int ComponentEnd, int Order);

/// <summary>Coding parameters that a main header or a tile's first tile-part header can set.</summary>
internal sealed class J2kParameters
{
    public J2kParameters(int components)
    {
        ComponentCoding = new J2kComponentCoding?[components];
        ComponentQuantization = new J2kQuantization?[components];
        RoiShift = new int?[components];
    }

    public J2kCodingStyle? Coding { get; set; }

    public J2kComponentCoding?[] ComponentCoding { get; }

    public J2kQuantization? Quantization { get; set; }

    public J2kQuantization?[] ComponentQuantization { get; }

    public int?[] RoiShift { get; }

    public List<J2kProgressionChange> ProgressionChanges { get; } = [];
}

/// <summary>One tile: its tile-parts' packet data ranges and tile header parameters.</summary>
internal sealed class J2kTileData
{
    public J2kTileData(int index, int components)
    {
        Index = index;
        Parameters = new J2kParameters(components);
    }

    public int Index { get; }

    public J2kParameters Parameters { get; }

    public List<(int Start, int Length)> Parts { get; } = [];

    /// <summary>Packed packet headers (PPT, or this tile's share of PPM), or null when headers are in the packets.</summary>
    public List<byte>? PackedHeaders { get; set; }
}

/// <summary>
/// A parsed JPEG 2000 Part 1 codestream (T.800 Annex A): SIZ, the main header's COD/COC/QCD/QCC/RGN/POC/PPM, and the
/// tiles with their tile-part headers and data. The optional JP2 file wrapper is skipped to its contiguous codestream box.
/// Every malformed field raises <see cref="DicomCodecException"/> naming the marker and its byte offset.
/// </summary>
internal sealed class J2kCodestream
{
    private const string Codec = "JPEG 2000";

    private J2kCodestream(byte[] data)
    {
        Data = data;
    }

    public byte[] Data { get; }

    public int ImageX0 { get; private set; }

    public int ImageY0 { get; private set; }

    public int ImageX1 { get; private set; }

    public int ImageY1 { get; private set; }

    public int TileWidth { get; private set; }

    public int TileHeight { get; private set; }

    public int TileX0 { get; private set; }

    public int TileY0 { get; private set; }

    public int TilesX { get; private set; }

    public int TilesY { get; private set; }

    public int[] Precision { get; private set; } = [];

    public bool[] Signed { get; private set; } = [];

    public int[] SubsamplingX { get; private set; } = [];

    public int[] SubsamplingY { get; private set; } = [];

    public int Components => Precision.Length;

    public J2kParameters Main { get; private set; } = new(0);

    public J2kTileData?[] Tiles { get; private set; } = [];

    /// <summary>Parses <paramref name="input"/> (a raw codestream or a JP2 file) and checks the image against the expected size.</summary>
    public static J2kCodestream Parse(ReadOnlySpan<byte> input, int expectedColumns, int expectedRows, int expectedComponents)
    {
        var body = UnwrapJp2(input);
        var cs = new J2kCodestream(body.ToArray());
        cs.ParseAll(expectedColumns, expectedRows, expectedComponents);
        return cs;
    }

    private static ReadOnlySpan<byte> UnwrapJp2(ReadOnlySpan<byte> input)
    {
        if (input.Length >= 12 && BinaryPrimitives.ReadUInt32BigEndian(input) == 12 && BinaryPrimitives.ReadUInt32BigEndian(input[4..]) == 0x6A502020)
        {
            long pos = 0;
            while (pos + 8 <= input.Length)
            {
                long length = BinaryPrimitives.ReadUInt32BigEndian(input[(int)pos..]);
                uint type = BinaryPrimitives.ReadUInt32BigEndian(input[((int)pos + 4)..]);
                int header = 8;
                if (length == 1)
                {
                    if (pos + 16 > input.Length)
                    {
                        break;
                    }

                    length = (long)BinaryPrimitives.ReadUInt64BigEndian(input[((int)pos + 8)..]);
                    header = 16;
                }
                else if (length == 0)
                {
                    length = input.Length - pos;
                }

                if (length < header || pos + length > input.Length)
                {
                    length = input.Length - pos; // a last box claiming too much: take what is there
                }

                if (type == 0x6A703263)
                {
                    return input.Slice((int)pos + header, (int)length - header);
                }

                pos += length;
            }

            CodecGuard.Fail($"{Codec}: JP2 file without a contiguous codestream ('jp2c') box.");
        }

        return input;
    }

    private int U16(int offset, int end, string marker)
    {
        if (offset + 2 > end)
        {
            CodecGuard.Truncated(Codec, offset, marker);
        }

        return BinaryPrimitives.ReadUInt16BigEndian(Data.AsSpan(offset));
    }

    private long U32(int offset, int end, string marker)
    {
        if (offset + 4 > end)
        {
            CodecGuard.Truncated(Codec, offset, marker);
        }

        return BinaryPrimitives.ReadUInt32BigEndian(Data.AsSpan(offset));
    }

    private int U8(int offset, int end, string marker)
    {
        if (offset >= end)
        {
            CodecGuard.Truncated(Codec, offset, marker);
        }

        return Data[offset];
    }

    private void ParseAll(int expectedColumns, int expectedRows, int expectedComponents)
    {
        int n = Data.Length;
        if (n < 4 || Data[0] != 0xFF || Data[1] != 0x4F)
        {
            CodecGuard.Fail($"{Codec}: no SOC marker (0xFF4F) at byte offset 0; found 0x{(n > 1 ? (Data[0] << 8) | Data[1] : 0):X4}.");
        }

        if (U16(2, n, "the SIZ marker") != 0xFF51)
        {
            CodecGuard.Fail($"{Codec}: expected SIZ (0xFF51) at byte offset 2; found 0x{U16(2, n, "SIZ"):X4}.");
        }

        int pos = 2;
        int length = U16(4, n, "SIZ length");
        if (length < 41 || 4 + length > n)
        {
            CodecGuard.Fail($"{Codec}: SIZ at byte offset 2 has length {length}; expected at least 41 within the {n}-byte codestream.");
        }

        ParseSiz(6, 4 + length, expectedColumns, expectedRows, expectedComponents);
        pos = 4 + length;
        Main = new J2kParameters(Components);
        var ppm = new List<(int Index, byte[] Bytes)>();

        // Main header markers up to the first SOT.
        while (true)
        {
            int marker = U16(pos, n, "a main header marker");
            if (marker == 0xFF90)
            {
                break;
            }

            if ((marker & 0xFF00) != 0xFF00)
            {
                CodecGuard.Fail($"{Codec}: expected a marker at byte offset {pos} in the main header; found 0x{marker:X4}.");
            }

            int segLength = U16(pos + 2, n, MarkerName(marker) + " length");
            int end = pos + 2 + segLength;
            if (segLength < 2 || end > n)
            {
                CodecGuard.Fail($"{Codec}: {MarkerName(marker)} at byte offset {pos} has length {segLength}; only {n - pos - 2} bytes remain.");
            }

            ParseParameterMarker(marker, pos, end, Main, mainHeader: true, ppm, null);
            pos = end;
        }

        if (Main.Coding is null || Main.Quantization is null)
        {
            CodecGuard.Fail($"{Codec}: the main header ends at byte offset {pos} without {(Main.Coding is null ? "a COD" : "a QCD")} marker.");
        }

        ParseTileParts(pos, ppm);
    }

    private void ParseSiz(int p, int end, int expectedColumns, int expectedRows, int expectedComponents)
    {
        const string m = "SIZ";
        long xsiz = U32(p + 2, end, m);
        long ysiz = U32(p + 6, end, m);
        long x0 = U32(p + 10, end, m);
        long y0 = U32(p + 14, end, m);
        long tw = U32(p + 18, end, m);
        long th = U32(p + 22, end, m);
        long tx0 = U32(p + 26, end, m);
        long ty0 = U32(p + 30, end, m);
        int csiz = U16(p + 34, end, m);
        if (xsiz > 1 << 30 || ysiz > 1 << 30 || x0 >= xsiz || y0 >= ysiz || tw == 0 || th == 0 || tx0 > x0 || ty0 > y0 ||
            tx0 + tw <= x0 || ty0 + th <= y0 || tw > 1 << 30 || th > 1 << 30)
        {
            CodecGuard.Fail($"{Codec}: SIZ at byte offset {p - 4} describes image {x0},{y0}..{xsiz},{ysiz} with tiles {tw}x{th} at {tx0},{ty0}; " +
                "expected a non-empty image below 2^30 and tiles that cover its origin.");
        }

        if (xsiz - x0 != expectedColumns || ysiz - y0 != expectedRows || csiz != expectedComponents)
        {
            CodecGuard.Fail($"{Codec}: SIZ at byte offset {p - 4} gives {xsiz - x0}x{ysiz - y0} pixels with {csiz} components; " +
                $"the dataset expects {expectedColumns}x{expectedRows} with {expectedComponents}.");
        }

        ImageX0 = (int)x0;
        ImageY0 = (int)y0;
        ImageX1 = (int)xsiz;
        ImageY1 = (int)ysiz;
        TileWidth = (int)tw;
        TileHeight = (int)th;
        TileX0 = (int)tx0;
        TileY0 = (int)ty0;
        TilesX = (int)((xsiz - tx0 + tw - 1) / tw);
        TilesY = (int)((ysiz - ty0 + th - 1) / th);
        if ((long)TilesX * TilesY > 65535)
        {
            CodecGuard.Fail($"{Codec}: SIZ at byte offset {p - 4} implies {(long)TilesX * TilesY} tiles; at most 65535 are allowed.");
        }

        Precision = new int[csiz];
        Signed = new bool[csiz];
        SubsamplingX = new int[csiz];
        SubsamplingY = new int[csiz];
        for (int c = 0; c < csiz; c++)
        {
            int ssiz = U8(p + 36 + (3 * c), end, m);
            Precision[c] = (ssiz & 0x7F) + 1;
            Signed[c] = (ssiz & 0x80) != 0;
            SubsamplingX[c] = U8(p + 37 + (3 * c), end, m);
            SubsamplingY[c] = U8(p + 38 + (3 * c), end, m);
            if (Precision[c] > 16 || SubsamplingX[c] != 1 || SubsamplingY[c] != 1)
            {
                CodecGuard.Fail($"{Codec}: SIZ component {c} has {Precision[c]} bits and subsampling {SubsamplingX[c]}x{SubsamplingY[c]}; " +
                    "expected at most 16 bits and no subsampling.");
            }
        }

        Tiles = new J2kTileData?[TilesX * TilesY];
    }

    private void ParseTileParts(int pos, List<(int Index, byte[] Bytes)> ppm)
    {
        int n = Data.Length;
        int tilePartCount = 0;
        while (pos + 2 <= n)
        {
            int marker = U16(pos, n, "SOT");
            if (marker == 0xFFD9)
            {
                break;
            }

            if (marker != 0xFF90)
            {
                if (tilePartCount > 0)
                {
                    break; // trailing bytes after the last tile-part: ignored like a missing EOC
                }

                CodecGuard.Fail($"{Codec}: expected SOT (0xFF90) at byte offset {pos}; found 0x{marker:X4}.");
            }

            int sot = pos;
            int lsot = U16(pos + 2, n, "SOT length");
            int tileIndex = U16(pos + 4, n, "SOT");
            long psot = U32(pos + 6, n, "SOT");
            if (lsot != 10 || tileIndex >= Tiles.Length)
            {
                CodecGuard.Fail($"{Codec}: SOT at byte offset {sot} has length {lsot} and tile index {tileIndex}; expected 10 and an index below {Tiles.Length}.");
            }

            var tile = Tiles[tileIndex] ??= new J2kTileData(tileIndex, Components);
            bool first = tile.Parts.Count == 0;
            pos += 12;
            int partEnd = psot == 0 ? n : (int)Math.Min(n, sot + psot);
            if (psot != 0 && psot < 14)
            {
                CodecGuard.Fail($"{Codec}: SOT at byte offset {sot} gives tile-part length {psot}; expected at least 14.");
            }

            while (true)
            {
                int m = U16(pos, partEnd, "a tile-part header marker");
                if (m == 0xFF93)
                {
                    pos += 2;
                    break;
                }

                int segLength = U16(pos + 2, partEnd, MarkerName(m) + " length");
                int end = pos + 2 + segLength;
                if ((m & 0xFF00) != 0xFF00 || segLength < 2 || end > partEnd)
                {
                    CodecGuard.Fail($"{Codec}: tile-part header marker 0x{m:X4} at byte offset {pos} has length {segLength}; expected a marker segment inside the tile-part.");
                }

                if (!first && m is 0xFF52 or 0xFF53 or 0xFF5C or 0xFF5D or 0xFF5E)
                {
                    pos = end; // only the first tile-part of a tile may set coding parameters; tolerated and ignored
                    continue;
                }

                ParseParameterMarker(m, pos, end, tile.Parameters, mainHeader: false, ppm, tile);
                pos = end;
            }

            if (psot == 0 && n >= 2 && Data[n - 2] == 0xFF && Data[n - 1] == 0xD9)
            {
                partEnd = n - 2;
            }

            if (pos > partEnd)
            {
                CodecGuard.Fail($"{Codec}: SOD of the tile-part at byte offset {sot} lies beyond its end ({partEnd}).");
            }

            tile.Parts.Add((pos, partEnd - pos));
            if (ppm.Count > 0)
            {
                if (tilePartCount >= ppm.Count)
                {
                    CodecGuard.Fail($"{Codec}: PPM holds packet headers for {ppm.Count} tile-parts; tile-part {tilePartCount + 1} at byte offset {sot} has none.");
                }

                (tile.PackedHeaders ??= []).AddRange(ppm[tilePartCount].Bytes);
            }

            tilePartCount++;
            pos = partEnd;
        }

        if (tilePartCount == 0)
        {
            CodecGuard.Fail($"{Codec}: no tile-part (SOT) after the main header.");
        }
    }

    private void ParseParameterMarker(int marker, int pos, int end, J2kParameters target, bool mainHeader, List<(int Index, byte[] Bytes)> ppm, J2kTileData? tile)
    {
        int p = pos + 4;
        int componentBytes = Components < 257 ? 1 : 2;
        switch (marker)
        {
            case 0xFF52: // COD
            {
                int scod = U8(p, end, "COD");
                int order = U8(p + 1, end, "COD");
                int layers = U16(p + 2, end, "COD");
                int mct = U8(p + 4, end, "COD");
                if (order > 4 || layers == 0 || mct > 1)
                {
                    CodecGuard.Fail($"{Codec}: COD at byte offset {pos} has progression {order}, {layers} layers, MCT {mct}; expected 0-4, at least 1, 0 or 1.");
                }

                target.Coding = new J2kCodingStyle
                {
                    UseSop = (scod & 2) != 0,
                    UseEph = (scod & 4) != 0,
                    Progression = order,
                    Layers = layers,
                    Mct = mct,
                    Component = ParseComponentCoding(p + 5, end, (scod & 1) != 0, pos, "COD"),
                };
                break;
            }

            case 0xFF53: // COC
            {
                int c = componentBytes == 1 ? U8(p, end, "COC") : U16(p, end, "COC");
                CheckComponent(c, pos, "COC");
                int scoc = U8(p + componentBytes, end, "COC");
                target.ComponentCoding[c] = ParseComponentCoding(p + componentBytes + 1, end, (scoc & 1) != 0, pos, "COC");
                break;
            }

            case 0xFF5C: // QCD
                target.Quantization = ParseQuantization(p, end, pos, "QCD");
                break;
            case 0xFF5D: // QCC
            {
                int c = componentBytes == 1 ? U8(p, end, "QCC") : U16(p, end, "QCC");
                CheckComponent(c, pos, "QCC");
                target.ComponentQuantization[c] = ParseQuantization(p + componentBytes, end, pos, "QCC");
                break;
            }

            case 0xFF5E: // RGN
            {
                int c = componentBytes == 1 ? U8(p, end, "RGN") : U16(p, end, "RGN");
                CheckComponent(c, pos, "RGN");
                int style = U8(p + componentBytes, end, "RGN");
                int shift = U8(p + componentBytes + 1, end, "RGN");
                if (style != 0 || shift > 30)
                {
                    CodecGuard.Fail($"{Codec}: RGN at byte offset {pos} has style {style} and shift {shift}; expected the max-shift style 0 and a shift up to 30.");
                }

                target.RoiShift[c] = shift;
                break;
            }

            case 0xFF5F: // POC
            {
                int entry = 5 + (2 * componentBytes);
                target.ProgressionChanges.Clear();
                for (int q = p; q + entry <= end; q += entry)
                {
                    int rs = U8(q, end, "POC");
                    int cs = componentBytes == 1 ? U8(q + 1, end, "POC") : U16(q + 1, end, "POC");
                    int lye = U16(q + 1 + componentBytes, end, "POC");
                    int re = U8(q + 3 + componentBytes, end, "POC");
                    int ce = componentBytes == 1 ? U8(q + 4 + componentBytes, end, "POC") : U16(q + 4 + componentBytes, end, "POC");
                    int order = U8(q + 4 + (2 * componentBytes), end, "POC");
                    if (order > 4)
                    {
                        CodecGuard.Fail($"{Codec}: POC at byte offset {pos} has progression order {order}; expected 0-4.");
                    }

                    target.ProgressionChanges.Add(new J2kProgressionChange(rs, cs, lye, re, ce == 0 ? 256 : ce, order));
                }

                break;
            }

            case 0xFF60 when mainHeader: // PPM: Nppm-prefixed chunks, one per tile-part in codestream order
            {
                int q = p + 1;
                while (q < end)
                {
                    long nppm = U32(q, end, "PPM");
                    if (q + 4 + nppm > end)
                    {
                        CodecGuard.Fail($"{Codec}: PPM at byte offset {pos} announces {nppm} header bytes at offset {q}; only {end - q - 4} remain.");
                    }

                    ppm.Add((ppm.Count, Data.AsSpan(q + 4, (int)nppm).ToArray()));
                    q += 4 + (int)nppm;
                }

                break;
            }

            case 0xFF61 when tile is not null: // PPT
                U8(p, end, "PPT");
                (tile.PackedHeaders ??= []).AddRange(Data.AsSpan(p + 1, end - p - 1).ToArray());
                break;
            default:
                break; // TLM, PLM, PLT, CRG, COM and unknown segments carry nothing the decoder needs
        }
    }

    private void CheckComponent(int c, int pos, string marker)
    {
        if (c >= Components)
        {
            CodecGuard.Fail($"{Codec}: {marker} at byte offset {pos} names component {c}; the image has {Components}.");
        }
    }

    private J2kComponentCoding ParseComponentCoding(int p, int end, bool precincts, int pos, string marker)
    {
        int levels = U8(p, end, marker);
        int xcb = U8(p + 1, end, marker) + 2;
        int ycb = U8(p + 2, end, marker) + 2;
        int style = U8(p + 3, end, marker);
        int transform = U8(p + 4, end, marker);
        if (levels > 32 || xcb > 10 || ycb > 10 || xcb + ycb > 12 || transform > 1 || (style & 0xC0) != 0)
        {
            CodecGuard.Fail($"{Codec}: {marker} at byte offset {pos} has {levels} levels, code-block 2^{xcb}x2^{ycb}, style 0x{style:X2}, " +
                $"transform {transform}; expected at most 32 levels, exponents up to 10 with a sum up to 12, a Part 1 style and transform 0 or 1.");
        }

        var sizes = new byte[levels + 1];
        for (int r = 0; r <= levels; r++)
        {
            sizes[r] = precincts ? (byte)U8(p + 5 + r, end, marker) : (byte)0xFF;
            if (r > 0 && ((sizes[r] & 0x0F) == 0 || (sizes[r] >> 4) == 0))
            {
                CodecGuard.Fail($"{Codec}: {marker} at byte offset {pos} gives resolution {r} a precinct exponent of 0; expected at least 1 above resolution 0.");
            }
        }

        for (int r = 0; r <= levels && !precincts; r++)
        {
            sizes[r] = 0xFF;
        }

        return new J2kComponentCoding
        {
            Levels = levels,
            BlockWidthExponent = xcb,
            BlockHeightExponent = ycb,
            BlockStyle = style,
            Reversible = transform == 1,
            Precincts = sizes,
        };
    }

    private J2kQuantization ParseQuantization(int p, int end, int pos, string marker)
    {
        int sq = U8(p, end, marker);
        int style = sq & 0x1F;
        int guard = sq >> 5;
        int count;
        int[] exponents;
        int[] mantissas;
        switch (style)
        {
            case 0:
                count = end - p - 1;
                exponents = new int[count];
                mantissas = new int[count];
                for (int i = 0; i < count; i++)
                {
                    exponents[i] = Data[p + 1 + i] >> 3;
                }

                break;
            case 1:
            case 2:
                count = style == 1 ? 1 : (end - p - 1) / 2;
                exponents = new int[count];
                mantissas = new int[count];
                for (int i = 0; i < count; i++)
                {
                    int v = U16(p + 1 + (2 * i), end, marker);
                    exponents[i] = v >> 11;
                    mantissas[i] = v & 0x7FF;
                }

                break;
            default:
                CodecGuard.Fail($"{Codec}: {marker} at byte offset {pos} has quantisation style {style}; expected 0, 1 or 2.");
                return null!;
        }

        if (count == 0)
        {
            CodecGuard.Fail($"{Codec}: {marker} at byte offset {pos} holds no step sizes.");
        }

        return new J2kQuantization { Style = style, GuardBits = guard, Exponents = exponents, Mantissas = mantissas };
    }

    internal static string MarkerName(int marker) => marker switch
    {
        0xFF4F => "SOC",
        0xFF51 => "SIZ",
        0xFF52 => "COD",
        0xFF53 => "COC",
        0xFF55 => "TLM",
        0xFF57 => "PLM",
        0xFF58 => "PLT",
        0xFF5C => "QCD",
        0xFF5D => "QCC",
        0xFF5E => "RGN",
        0xFF5F => "POC",
        0xFF60 => "PPM",
        0xFF61 => "PPT",
        0xFF63 => "CRG",
        0xFF64 => "COM",
        0xFF90 => "SOT",
        0xFF91 => "SOP",
        0xFF92 => "EPH",
        0xFF93 => "SOD",
        0xFFD9 => "EOC",
        _ => $"marker 0x{marker:X4}",
    };
}
