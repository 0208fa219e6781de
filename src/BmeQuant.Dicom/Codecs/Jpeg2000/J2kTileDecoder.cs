namespace BmeQuant.Dicom.Codecs.Jpeg2000;

/// <summary>A subband of one resolution: its extent, place in the Mallat buffer, bit-planes Mb and step size.</summary>
internal sealed class J2kBand
{
    public int Orientation { get; init; }

    public int X0 { get; init; }

    public int Y0 { get; init; }

    public int X1 { get; init; }

    public int Y1 { get; init; }

    public int OffsetX { get; init; }

    public int OffsetY { get; init; }

    public int Bitplanes { get; init; }

    public float Step { get; init; }
}

/// <summary>The code-blocks of one subband inside one precinct, with their inclusion and zero bit-plane tag trees.</summary>
internal sealed class J2kPrecinctBand
{
    public J2kPrecinctBand(J2kCodeBlock[] blocks, int columns, int rows)
    {
        Blocks = blocks;
        Inclusion = new J2kTagTree(columns, rows);
        ZeroPlanes = new J2kTagTree(columns, rows);
    }

    public J2kCodeBlock[] Blocks { get; }

    public J2kTagTree Inclusion { get; }

    public J2kTagTree ZeroPlanes { get; }
}

/// <summary>One resolution level of a tile-component: extent, precinct partition and subbands.</summary>
internal sealed class J2kResolution
{
    public int X0 { get; init; }

    public int Y0 { get; init; }

    public int X1 { get; init; }

    public int Y1 { get; init; }

    public int PrecinctWidthExponent { get; init; }

    public int PrecinctHeightExponent { get; init; }

    public int PrecinctsX { get; init; }

    public int PrecinctsY { get; init; }

    public required J2kBand[] Bands { get; init; }

    /// <summary>[precinct][band]: null where the precinct holds no code-block of that band.</summary>
    public required J2kPrecinctBand?[][] Precincts { get; init; }
}

/// <summary>
/// Decodes one tile: builds resolutions, precincts and code-blocks, reads the packets in the progression order (with
/// POC changes, SOP/EPH markers and packed headers), runs tier-1 on every code-block (in parallel), dequantises, inverts
/// the wavelet transform and returns each component's samples before the multiple-component transform and level shift.
/// </summary>
internal sealed class J2kTileDecoder
{
    private const string Codec = "JPEG 2000";
    private const int MaxPasses = 164;

    private readonly J2kCodestream _cs;
    private readonly J2kTileData _tile;
    private readonly J2kCodingStyle _coding;
    private readonly J2kComponentCoding[] _componentCoding;
    private readonly J2kQuantization[] _quantization;
    private readonly int[] _roiShift;
    private readonly J2kResolution[][] _resolutions;
    private readonly J2kHeaderBits _bits = new();
    private readonly List<(J2kCodeBlock Block, int Segment, int Length)> _pending = [];
    private byte[] _body = [];
    private int _bodyPos;
    private byte[] _headers = [];
    private int _headerPos;
    private bool _packed;
    private bool _exhausted;
    private int[][][] _nextLayer = [];

    public J2kTileDecoder(J2kCodestream cs, J2kTileData tile)
    {
        _cs = cs;
        _tile = tile;
        int p = tile.Index % cs.TilesX;
        int q = tile.Index / cs.TilesX;
        TileX0 = Math.Max(cs.TileX0 + (p * cs.TileWidth), cs.ImageX0);
        TileY0 = Math.Max(cs.TileY0 + (q * cs.TileHeight), cs.ImageY0);
        TileX1 = (int)Math.Min((long)cs.TileX0 + ((p + 1L) * cs.TileWidth), cs.ImageX1);
        TileY1 = (int)Math.Min((long)cs.TileY0 + ((q + 1L) * cs.TileHeight), cs.ImageY1);

        var t = tile.Parameters;
        var main = cs.Main;
        _coding = t.Coding ?? main.Coding!;
        int components = cs.Components;
        _componentCoding = new J2kComponentCoding[components];
        _quantization = new J2kQuantization[components];
        _roiShift = new int[components];
        _resolutions = new J2kResolution[components][];
        for (int c = 0; c < components; c++)
        {
            // Precedence (A.6.1): tile COC > tile COD > main COC > main COD; the same for QCC/QCD.
            _componentCoding[c] = t.ComponentCoding[c] ?? t.Coding?.Component ?? main.ComponentCoding[c] ?? main.Coding!.Component;
            _quantization[c] = t.ComponentQuantization[c] ?? t.Quantization ?? main.ComponentQuantization[c] ?? main.Quantization!;
            _roiShift[c] = t.RoiShift[c] ?? main.RoiShift[c] ?? 0;
            _resolutions[c] = BuildResolutions(c);
        }
    }

    public int TileX0 { get; }

    public int TileY0 { get; }

    public int TileX1 { get; }

    public int TileY1 { get; }

    public int Width => TileX1 - TileX0;

    public int Height => TileY1 - TileY0;

    public bool MultipleComponentTransform => _coding.Mct == 1 && _cs.Components >= 3;

    public bool IsReversible(int component) => _componentCoding[component].Reversible;

    /// <summary>Decodes the tile; each component's samples land in <paramref name="ints"/>[c] (5/3) or <paramref name="floats"/>[c] (9/7), Width x Height.</summary>
    public void Decode(int[]?[] ints, float[]?[] floats)
    {
        ReadPackets();
        for (int c = 0; c < _cs.Components; c++)
        {
            var coding = _componentCoding[c];
            var res = _resolutions[c];
            var bounds = new (int X0, int Y0, int X1, int Y1)[res.Length];
            for (int r = 0; r < res.Length; r++)
            {
                bounds[r] = (res[r].X0, res[r].Y0, res[r].X1, res[r].Y1);
            }

            int stride = Width;
            if (coding.Reversible)
            {
                var buffer = new int[Math.Max(1, Width * Height)];
                DecodeBlocks(c, buffer, null, stride);
                J2kWavelet.InverseReversible(buffer, stride, bounds);
                ints[c] = buffer;
            }
            else
            {
                var buffer = new float[Math.Max(1, Width * Height)];
                DecodeBlocks(c, null, buffer, stride);
                J2kWavelet.InverseIrreversible(buffer, stride, bounds);
                floats[c] = buffer;
            }
        }
    }

    private static int CeilDiv(int a, int b) => (int)(((long)a + b - 1) / b);

    private static int CeilShift(long a, int s) => (int)((a + (1L << s) - 1) >> s);

    private J2kResolution[] BuildResolutions(int c)
    {
        var coding = _componentCoding[c];
        var quant = _quantization[c];
        int levels = coding.Levels;
        int tcx0 = CeilDiv(TileX0, _cs.SubsamplingX[c]);
        int tcy0 = CeilDiv(TileY0, _cs.SubsamplingY[c]);
        int tcx1 = CeilDiv(TileX1, _cs.SubsamplingX[c]);
        int tcy1 = CeilDiv(TileY1, _cs.SubsamplingY[c]);
        int bandCount = 1 + (3 * levels);
        if (quant.Style != 1 && quant.Exponents.Length < bandCount)
        {
            CodecGuard.Fail($"{Codec}: the quantisation of component {c} gives {quant.Exponents.Length} step sizes; {levels} decomposition levels need {bandCount}.");
        }

        var result = new J2kResolution[levels + 1];
        for (int r = 0; r <= levels; r++)
        {
            int shift = levels - r;
            int x0 = CeilShift(tcx0, shift);
            int y0 = CeilShift(tcy0, shift);
            int x1 = CeilShift(tcx1, shift);
            int y1 = CeilShift(tcy1, shift);
            int ppx = coding.Precincts[r] & 0x0F;
            int ppy = coding.Precincts[r] >> 4;
            int precX = x1 > x0 ? CeilShift(x1, ppx) - (x0 >> ppx) : 0;
            int precY = y1 > y0 ? CeilShift(y1, ppy) - (y0 >> ppy) : 0;

            var bands = new J2kBand[r == 0 ? 1 : 3];
            for (int b = 0; b < bands.Length; b++)
            {
                int orientation = r == 0 ? 0 : b + 1;
                int nb = r == 0 ? levels : levels - r + 1;
                int xo = orientation & 1;
                int yo = orientation >> 1;
                int bx0 = r == 0 ? x0 : CeilShift(tcx0 - ((long)xo << (nb - 1)), nb);
                int by0 = r == 0 ? y0 : CeilShift(tcy0 - ((long)yo << (nb - 1)), nb);
                int bx1 = r == 0 ? x1 : CeilShift(tcx1 - ((long)xo << (nb - 1)), nb);
                int by1 = r == 0 ? y1 : CeilShift(tcy1 - ((long)yo << (nb - 1)), nb);
                int bandIndex = r == 0 ? 0 : 1 + (3 * (r - 1)) + b;
                int exponent;
                int mantissa;
                if (quant.Style == 1)
                {
                    exponent = quant.Exponents[0] - levels + nb;
                    mantissa = quant.Mantissas[0];
                }
                else
                {
                    exponent = quant.Exponents[bandIndex];
                    mantissa = quant.Mantissas[bandIndex];
                }

                int gain = orientation == 0 ? 0 : orientation == 3 ? 2 : 1;
                int mb = quant.GuardBits + exponent - 1;
                float step = coding.Reversible ? 1f : (float)Math.ScaleB(1.0 + (mantissa / 2048.0), _cs.Precision[c] + gain - exponent);
                bands[b] = new J2kBand
                {
                    Orientation = orientation,
                    X0 = bx0,
                    Y0 = by0,
                    X1 = bx1,
                    Y1 = by1,
                    OffsetX = xo == 1 ? CeilShift(x1, 1) - CeilShift(x0, 1) : 0,
                    OffsetY = yo == 1 ? CeilShift(y1, 1) - CeilShift(y0, 1) : 0,
                    Bitplanes = mb,
                    Step = step,
                };
            }

            var precincts = new J2kPrecinctBand?[(long)precX * precY > int.MaxValue ? 0 : precX * precY][];
            int bandPpx = r == 0 ? ppx : ppx - 1;
            int bandPpy = r == 0 ? ppy : ppy - 1;
            int cbw = Math.Min(coding.BlockWidthExponent, bandPpx);
            int cbh = Math.Min(coding.BlockHeightExponent, bandPpy);
            for (int py = 0; py < precY; py++)
            {
                for (int px = 0; px < precX; px++)
                {
                    var perBand = new J2kPrecinctBand?[bands.Length];
                    for (int b = 0; b < bands.Length; b++)
                    {
                        var band = bands[b];
                        long rx0 = ((long)(x0 >> ppx) + px) << bandPpx;
                        long ry0 = ((long)(y0 >> ppy) + py) << bandPpy;
                        int px0 = (int)Math.Max(rx0, band.X0);
                        int py0 = (int)Math.Max(ry0, band.Y0);
                        int px1 = (int)Math.Min(rx0 + (1L << bandPpx), band.X1);
                        int py1 = (int)Math.Min(ry0 + (1L << bandPpy), band.Y1);
                        if (px1 <= px0 || py1 <= py0)
                        {
                            continue;
                        }

                        int cx0 = px0 >> cbw;
                        int cy0 = py0 >> cbh;
                        int cols = CeilShift(px1, cbw) - cx0;
                        int rows = CeilShift(py1, cbh) - cy0;
                        var blocks = new J2kCodeBlock[cols * rows];
                        for (int j = 0; j < rows; j++)
                        {
                            for (int i = 0; i < cols; i++)
                            {
                                int bx0 = Math.Max(px0, (cx0 + i) << cbw);
                                int by0 = Math.Max(py0, (cy0 + j) << cbh);
                                int bx1 = Math.Min(px1, (cx0 + i + 1) << cbw);
                                int by1 = Math.Min(py1, (cy0 + j + 1) << cbh);
                                blocks[(j * cols) + i] = new J2kCodeBlock(bx0, by0, bx1, by1);
                            }
                        }

                        perBand[b] = new J2kPrecinctBand(blocks, cols, rows);
                    }

                    precincts[(py * precX) + px] = perBand;
                }
            }

            result[r] = new J2kResolution
            {
                X0 = x0,
                Y0 = y0,
                X1 = x1,
                Y1 = y1,
                PrecinctWidthExponent = ppx,
                PrecinctHeightExponent = ppy,
                PrecinctsX = precX,
                PrecinctsY = precY,
                Bands = bands,
                Precincts = precincts,
            };
        }

        return result;
    }

    // ------------------------------------------------------------------ tier 2

    private void ReadPackets()
    {
        int total = 0;
        foreach (var part in _tile.Parts)
        {
            total += part.Length;
        }

        _body = new byte[total];
        int o = 0;
        foreach (var (start, length) in _tile.Parts)
        {
            _cs.Data.AsSpan(start, length).CopyTo(_body.AsSpan(o));
            o += length;
        }

        _bodyPos = 0;
        _packed = _tile.PackedHeaders is not null;
        _headers = _packed ? [.. _tile.PackedHeaders!] : _body;
        _headerPos = 0;
        _exhausted = false;

        int components = _cs.Components;
        _nextLayer = new int[components][][];
        int maxLevels = 0;
        for (int c = 0; c < components; c++)
        {
            _nextLayer[c] = new int[_resolutions[c].Length][];
            for (int r = 0; r < _resolutions[c].Length; r++)
            {
                _nextLayer[c][r] = new int[_resolutions[c][r].Precincts.Length];
            }

            maxLevels = Math.Max(maxLevels, _componentCoding[c].Levels);
        }

        var changes = _tile.Parameters.ProgressionChanges.Count > 0 ? _tile.Parameters.ProgressionChanges : _cs.Main.ProgressionChanges;
        if (changes.Count == 0)
        {
            Progress(_coding.Progression, _coding.Layers, 0, maxLevels + 1, 0, components);
        }
        else
        {
            foreach (var change in changes)
            {
                Progress(change.Order, Math.Min(change.LayerEnd, _coding.Layers), change.ResolutionStart,
                    Math.Min(change.ResolutionEnd, maxLevels + 1), change.ComponentStart, Math.Min(change.ComponentEnd, components));
            }
        }
    }

    private void Progress(int order, int layers, int rs, int re, int cs, int ce)
    {
        switch (order)
        {
            case 0: // LRCP
                for (int l = 0; l < layers; l++)
                {
                    for (int r = rs; r < re; r++)
                    {
                        for (int c = cs; c < ce; c++)
                        {
                            AllPrecincts(c, r, l);
                        }
                    }
                }

                break;
            case 1: // RLCP
                for (int r = rs; r < re; r++)
                {
                    for (int l = 0; l < layers; l++)
                    {
                        for (int c = cs; c < ce; c++)
                        {
                            AllPrecincts(c, r, l);
                        }
                    }
                }

                break;
            default: // RPCL, PCRL, CPRL: precincts ordered by their reference-grid position (B.12.1.3-5)
            {
                var list = new List<(long K1, long K2, long K3, long K4, int C, int R, int P)>();
                for (int c = cs; c < ce; c++)
                {
                    for (int r = rs; r < Math.Min(re, _resolutions[c].Length); r++)
                    {
                        var res = _resolutions[c][r];
                        int levels = _resolutions[c].Length - 1;
                        long dx = (long)_cs.SubsamplingX[c] << (levels - r);
                        long dy = (long)_cs.SubsamplingY[c] << (levels - r);
                        for (int py = 0; py < res.PrecinctsY; py++)
                        {
                            for (int px = 0; px < res.PrecinctsX; px++)
                            {
                                long x = Math.Max(TileX0, (((long)(res.X0 >> res.PrecinctWidthExponent) + px) << res.PrecinctWidthExponent) * dx);
                                long y = Math.Max(TileY0, (((long)(res.Y0 >> res.PrecinctHeightExponent) + py) << res.PrecinctHeightExponent) * dy);
                                int p = (py * res.PrecinctsX) + px;
                                list.Add(order switch
                                {
                                    2 => (r, y, x, c, c, r, p),
                                    3 => (y, x, c, r, c, r, p),
                                    _ => (c, y, x, r, c, r, p),
                                });
                            }
                        }
                    }
                }

                list.Sort((a, b) =>
                {
                    int d = a.K1.CompareTo(b.K1);
                    d = d != 0 ? d : a.K2.CompareTo(b.K2);
                    d = d != 0 ? d : a.K3.CompareTo(b.K3);
                    return d != 0 ? d : a.K4.CompareTo(b.K4);
                });
                foreach (var e in list)
                {
                    for (int l = 0; l < layers && !_exhausted; l++)
                    {
                        Packet(e.C, e.R, e.P, l);
                    }
                }

                break;
            }
        }
    }

    private void AllPrecincts(int c, int r, int l)
    {
        if (r >= _resolutions[c].Length)
        {
            return;
        }

        int count = _resolutions[c][r].Precincts.Length;
        for (int p = 0; p < count && !_exhausted; p++)
        {
            Packet(c, r, p, l);
        }
    }

    private void Packet(int c, int r, int p, int layer)
    {
        if (_exhausted || _nextLayer[c][r][p] != layer)
        {
            return;
        }

        _nextLayer[c][r][p] = layer + 1;
        if ((_packed ? _headerPos : _bodyPos) >= _headers.Length)
        {
            // The tile's data ends on a packet boundary: the remaining packets are absent (a truncated, still valid stream).
            _exhausted = true;
            return;
        }

        if (_coding.UseSop && _bodyPos + 6 <= _body.Length && _body[_bodyPos] == 0xFF && _body[_bodyPos + 1] == 0x91)
        {
            _bodyPos += 6;
            if (!_packed)
            {
                _headerPos = _bodyPos;
            }
        }

        var coding = _componentCoding[c];
        var res = _resolutions[c][r];
        var precinct = res.Precincts[p];
        _bits.Start(_headers, _headerPos, _headers.Length);
        _pending.Clear();
        if (_bits.ReadBit() != 0)
        {
            for (int b = 0; b < precinct.Length; b++)
            {
                var pb = precinct[b];
                if (pb is null)
                {
                    continue;
                }

                for (int i = 0; i < pb.Blocks.Length; i++)
                {
                    ReadBlockHeader(pb, i, layer, coding.BlockStyle);
                }
            }
        }

        _bits.Align();
        int after = _bits.Position;
        if (_coding.UseEph && after + 2 <= _headers.Length && _headers[after] == 0xFF && _headers[after + 1] == 0x92)
        {
            after += 2;
        }

        if (_packed)
        {
            _headerPos = after;
        }
        else
        {
            _bodyPos = after;
        }

        foreach (var (block, segment, length) in _pending)
        {
            if (length > _body.Length - _bodyPos)
            {
                CodecGuard.Fail($"{Codec}: packet (component {c}, resolution {r}, precinct {p}, layer {layer}) of tile {_tile.Index} needs {length} code-block bytes at tile data offset {_bodyPos}; only {_body.Length - _bodyPos} remain.");
            }

            var seg = block.Segments[segment];
            if (seg.Start < 0)
            {
                seg.Start = block.DataLength;
            }

            seg.Length += length;
            block.Segments[segment] = seg;
            block.Append(_body.AsSpan(_bodyPos, length));
            _bodyPos += length;
        }

        if (!_packed)
        {
            _headerPos = _bodyPos;
        }
    }

    private void ReadBlockHeader(J2kPrecinctBand pb, int i, int layer, int style)
    {
        var block = pb.Blocks[i];
        bool included = block.Included ? _bits.ReadBit() != 0 : pb.Inclusion.Decode(i, layer + 1, _bits);
        if (!included)
        {
            return;
        }

        if (!block.Included)
        {
            int threshold = 1;
            while (!pb.ZeroPlanes.Decode(i, threshold, _bits))
            {
                if (++threshold > 64)
                {
                    CodecGuard.Fail($"{Codec}: a code-block of tile {_tile.Index} claims more than 63 zero bit-planes (packet header at offset {_bits.Position}).");
                }
            }

            block.ZeroBitplanes = pb.ZeroPlanes.Value(i);
            block.Included = true;
        }

        int passes;
        if (_bits.ReadBit() == 0)
        {
            passes = 1;
        }
        else if (_bits.ReadBit() == 0)
        {
            passes = 2;
        }
        else
        {
            int v = _bits.ReadBits(2);
            if (v != 3)
            {
                passes = 3 + v;
            }
            else
            {
                v = _bits.ReadBits(5);
                passes = v != 31 ? 6 + v : 37 + _bits.ReadBits(7);
            }
        }

        while (_bits.ReadBit() != 0)
        {
            block.Lblock++;
            if (block.Lblock > 28)
            {
                CodecGuard.Fail($"{Codec}: code-block length indicator of tile {_tile.Index} grows past 28 bits (packet header at offset {_bits.Position}).");
            }
        }

        if (block.PassCount + passes > MaxPasses)
        {
            CodecGuard.Fail($"{Codec}: a code-block of tile {_tile.Index} accumulates {block.PassCount + passes} coding passes; at most {MaxPasses} exist.");
        }

        // Split the new passes over codeword segments (termination rules of D.4.1 and Table D.9) and read one length each.
        int remaining = passes;
        while (remaining > 0)
        {
            int segment = block.Segments.Count - 1;
            if (segment < 0 || block.Segments[segment].Passes >= SegmentCapacity(style, segment))
            {
                block.Segments.Add(new J2kSegment { Start = -1 });
                segment++;
            }

            var seg = block.Segments[segment];
            int take = Math.Min(remaining, SegmentCapacity(style, segment) - seg.Passes);
            seg.Passes += take;
            block.Segments[segment] = seg;
            int length = _bits.ReadBits(block.Lblock + FloorLog2(take));
            _pending.Add((block, segment, length));
            remaining -= take;
        }

        block.PassCount += passes;
    }

    private static int SegmentCapacity(int style, int segment)
    {
        if ((style & J2kBlockDecoder.StyleTermAll) != 0)
        {
            return 1;
        }

        if ((style & J2kBlockDecoder.StyleBypass) != 0)
        {
            return segment == 0 ? 10 : (segment & 1) == 1 ? 2 : 1;
        }

        return MaxPasses;
    }

    private static int FloorLog2(int v) => 31 - int.LeadingZeroCount(v);

    // ------------------------------------------------------------------ tier 1 and dequantisation

    private void DecodeBlocks(int c, int[]? ints, float[]? floats, int stride)
    {
        var coding = _componentCoding[c];
        int roi = _roiShift[c];
        var work = new List<(J2kCodeBlock Block, J2kBand Band)>();
        foreach (var res in _resolutions[c])
        {
            foreach (var precinct in res.Precincts)
            {
                for (int b = 0; b < precinct.Length; b++)
                {
                    var pb = precinct[b];
                    if (pb is null)
                    {
                        continue;
                    }

                    foreach (var block in pb.Blocks)
                    {
                        if (block.PassCount > 0)
                        {
                            work.Add((block, res.Bands[b]));
                        }
                    }
                }
            }
        }

        long coefficients = 0;
        foreach (var (block, _) in work)
        {
            coefficients += (long)block.Width * block.Height;
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = coefficients > 65536 ? Environment.ProcessorCount : 1 };
        try
        {
            RunBlocks(work, options, coding.BlockStyle, roi, ints, floats, stride);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0 && ex.InnerExceptions[0] is DicomCodecException)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }
    }

    private void RunBlocks(List<(J2kCodeBlock Block, J2kBand Band)> work, ParallelOptions options, int style, int roi, int[]? ints, float[]? floats, int stride)
    {
        Parallel.For(
            0,
            work.Count,
            options,
            () => (new J2kBlockDecoder(), new int[4096]),
            (i, _, local) =>
            {
                var (block, band) = work[i];
                int bitplanes = band.Bitplanes + roi - block.ZeroBitplanes;
                if (bitplanes < 0)
                {
                    CodecGuard.Fail($"{Codec}: a code-block of tile {_tile.Index} has {block.ZeroBitplanes} zero bit-planes; the subband has only {band.Bitplanes + roi}.");
                }

                if (bitplanes == 0)
                {
                    return local;
                }

                if (bitplanes > 30)
                {
                    CodecGuard.Fail($"{Codec}: a code-block of tile {_tile.Index} needs {bitplanes} bit-planes; at most 30 are supported.");
                }

                int w = block.Width;
                int h = block.Height;
                var scratch = local.Item2;
                local.Item1.Decode(block, band.Orientation, style, bitplanes, roi, scratch, w);
                int ox = block.X0 - band.X0 + band.OffsetX;
                int oy = block.Y0 - band.Y0 + band.OffsetY;
                for (int y = 0; y < h; y++)
                {
                    var src = scratch.AsSpan(y * w, w);
                    int o = ((oy + y) * stride) + ox;
                    if (ints is not null)
                    {
                        var dst = ints.AsSpan(o, w);
                        for (int x = 0; x < w; x++)
                        {
                            int v = src[x];
                            dst[x] = v >= 0 ? v >> 1 : -(-v >> 1);
                        }
                    }
                    else
                    {
                        var dst = floats.AsSpan(o, w);
                        float scale = band.Step * 0.5f;
                        for (int x = 0; x < w; x++)
                        {
                            dst[x] = src[x] * scale;
                        }
                    }
                }

                return local;
            },
            _ => { });
    }
}
