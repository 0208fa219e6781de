using System.Runtime.CompilerServices;

namespace BmeQuant.Dicom.Codecs.Jpeg2000;

/// <summary>
/// Tier-1 (EBCOT) decoding of one code-block, T.800 Annex D: significance propagation, magnitude refinement and cleanup
/// passes over stripes of four rows, with the MQ decoder or raw bits (bypass), context reset, termination on each pass,
/// vertically causal contexts and segmentation symbols. Values come out as signed magnitudes scaled by two with the
/// mid-point of the last decoded bit-plane's interval added (so lossless values are exact after a shift by one).
/// One instance holds the scratch state for one thread.
/// </summary>
internal sealed class J2kBlockDecoder
{
    /// <summary>Code-block style bit: selective arithmetic coding bypass.</summary>
    public const int StyleBypass = 0x01;

    /// <summary>Code-block style bit: reset context probabilities after each pass.</summary>
    public const int StyleReset = 0x02;

    /// <summary>Code-block style bit: termination on each coding pass.</summary>
    public const int StyleTermAll = 0x04;

    /// <summary>Code-block style bit: vertically causal context formation.</summary>
    public const int StyleCausal = 0x08;

    /// <summary>Code-block style bit: segmentation symbols after each cleanup pass.</summary>
    public const int StyleSegmentation = 0x20;

    // Flag bits per coefficient: eight neighbour significance bits, four neighbour sign bits, own state.
    private const int NW = 1;
    private const int N = 2;
    private const int NE = 4;
    private const int W = 8;
    private const int E = 16;
    private const int SW = 32;
    private const int S = 64;
    private const int SE = 128;
    private const int NegN = 256;
    private const int NegW = 512;
    private const int NegE = 1024;
    private const int NegS = 2048;
    private const int Sig = 1 << 12;
    private const int Visit = 1 << 13;
    private const int Refined = 1 << 14;
    private const int Neg = 1 << 15;
    private const int NeighbourMask = 0xFF;
    private const int CausalMask = ~(SW | S | SE | NegS);

    /// <summary>Zero-coding contexts, [orientation * 256 + neighbour significance bits].</summary>
    private static readonly byte[] s_zeroContext = BuildZeroContexts();

    /// <summary>Sign contexts: low 5 bits context, bit 7 the XOR bit, indexed by the 12 neighbour bits.</summary>
    private static readonly byte[] s_signContext = BuildSignContexts();

    private readonly J2kMqDecoder _mq = new();
    private int[] _flags = [];
    private int[] _magnitude = [];
    private int _fw;
    private int _w;
    private int _h;
    private int _orientation;
    private bool _causal;

    /// <summary>
    /// Decodes <paramref name="block"/> into <paramref name="output"/> (row stride <paramref name="stride"/>):
    /// <paramref name="bitplanes"/> magnitude bit-planes (Mb + ROI shift − zero bit-planes), orientation 0 LL, 1 HL, 2 LH, 3 HH.
    /// </summary>
    public void Decode(J2kCodeBlock block, int orientation, int style, int bitplanes, int roiShift, Span<int> output, int stride)
    {
        _w = block.Width;
        _h = block.Height;
        _orientation = orientation;
        _causal = (style & StyleCausal) != 0;
        _fw = _w + 2;
        int flagCount = _fw * (_h + 2);
        if (_flags.Length < flagCount)
        {
            _flags = new int[flagCount];
        }

        if (_magnitude.Length < _w * _h)
        {
            _magnitude = new int[_w * _h];
        }

        Array.Clear(_flags, 0, flagCount);
        Array.Clear(_magnitude, 0, _w * _h);
        _mq.ResetContexts();

        int passIndex = 0;
        int topPlane = bitplanes - 1;
        bool bypass = (style & StyleBypass) != 0;
        foreach (var segment in block.Segments)
        {
            if (passIndex >= block.PassCount)
            {
                break;
            }

            int firstType = (passIndex + 2) % 3;
            bool raw = bypass && passIndex >= 10 && firstType != 2;
            if (raw)
            {
                _mq.StartRaw(block.Data, segment.Start, segment.Length);
            }
            else
            {
                _mq.Start(block.Data, segment.Start, segment.Length);
            }

            for (int k = 0; k < segment.Passes && passIndex < block.PassCount; k++, passIndex++)
            {
                int type = (passIndex + 2) % 3;
                int plane = topPlane - ((passIndex + 2) / 3);
                if (plane < 0)
                {
                    passIndex = block.PassCount;
                    break;
                }

                switch (type)
                {
                    case 0:
                        SignificancePass(plane, raw);
                        break;
                    case 1:
                        RefinementPass(plane, raw);
                        break;
                    default:
                        CleanupPass(plane);
                        if ((style & StyleSegmentation) != 0)
                        {
                            for (int s = 0; s < 4; s++)
                            {
                                _mq.Decode(J2kMqDecoder.UniformContext);
                            }
                        }

                        break;
                }

                if ((style & StyleReset) != 0)
                {
                    _mq.ResetContexts();
                }
            }
        }

        // Signed output; ROI (max-shift) coefficients at or above 2^s are shifted back down.
        int roiThreshold = roiShift > 0 ? 2 << roiShift : int.MaxValue;
        for (int y = 0; y < _h; y++)
        {
            var row = output.Slice(y * stride, _w);
            int fi = ((y + 1) * _fw) + 1;
            int mi = y * _w;
            for (int x = 0; x < _w; x++)
            {
                int m = _magnitude[mi + x];
                if (m >= roiThreshold)
                {
                    m >>= roiShift;
                }

                row[x] = (_flags[fi + x] & Neg) != 0 ? -m : m;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Masked(int f, int y) => _causal && (y & 3) == 3 ? f & CausalMask : f;

    private void SetSignificant(int fi, int mi, bool negative, int value)
    {
        int[] f = _flags;
        int fw = _fw;
        f[fi - fw - 1] |= SE;
        f[fi - fw + 1] |= SW;
        f[fi + fw - 1] |= NE;
        f[fi + fw + 1] |= NW;
        if (negative)
        {
            f[fi - fw] |= S | NegS;
            f[fi - 1] |= E | NegE;
            f[fi + 1] |= W | NegW;
            f[fi + fw] |= N | NegN;
            f[fi] |= Sig | Neg;
        }
        else
        {
            f[fi - fw] |= S;
            f[fi - 1] |= E;
            f[fi + 1] |= W;
            f[fi + fw] |= N;
            f[fi] |= Sig;
        }

        _magnitude[mi] = value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool DecodeSign(int masked, bool raw)
    {
        if (raw)
        {
            return _mq.RawBit() != 0;
        }

        int sc = s_signContext[masked & 0xFFF];
        return (_mq.Decode(sc & 0x1F) ^ (sc >> 7)) != 0;
    }

    private void SignificancePass(int plane, bool raw)
    {
        int value = 3 << plane;
        int zcBase = _orientation << 8;
        for (int y0 = 0; y0 < _h; y0 += 4)
        {
            int yEnd = Math.Min(y0 + 4, _h);
            for (int x = 0; x < _w; x++)
            {
                for (int y = y0; y < yEnd; y++)
                {
                    int fi = ((y + 1) * _fw) + x + 1;
                    int f = _flags[fi];
                    if ((f & (Sig | Visit)) != 0)
                    {
                        continue;
                    }

                    int m = Masked(f, y);
                    if ((m & NeighbourMask) == 0)
                    {
                        continue;
                    }

                    int bit = raw ? _mq.RawBit() : _mq.Decode(s_zeroContext[zcBase + (m & NeighbourMask)]);
                    if (bit != 0)
                    {
                        SetSignificant(fi, (y * _w) + x, DecodeSign(m, raw), value);
                    }

                    _flags[fi] |= Visit;
                }
            }
        }
    }

    private void RefinementPass(int plane, bool raw)
    {
        int step = 1 << plane;
        for (int y0 = 0; y0 < _h; y0 += 4)
        {
            int yEnd = Math.Min(y0 + 4, _h);
            for (int x = 0; x < _w; x++)
            {
                for (int y = y0; y < yEnd; y++)
                {
                    int fi = ((y + 1) * _fw) + x + 1;
                    int f = _flags[fi];
                    if ((f & (Sig | Visit)) != Sig)
                    {
                        continue;
                    }

                    int bit;
                    if (raw)
                    {
                        bit = _mq.RawBit();
                    }
                    else
                    {
                        int cx = (f & Refined) != 0 ? 16 : (Masked(f, y) & NeighbourMask) != 0 ? 15 : 14;
                        bit = _mq.Decode(cx);
                    }

                    int mi = (y * _w) + x;
                    _magnitude[mi] += bit != 0 ? step : -step;
                    _flags[fi] = f | Refined;
                }
            }
        }
    }

    private void CleanupPass(int plane)
    {
        int value = 3 << plane;
        int zcBase = _orientation << 8;
        for (int y0 = 0; y0 < _h; y0 += 4)
        {
            int yEnd = Math.Min(y0 + 4, _h);
            for (int x = 0; x < _w; x++)
            {
                int y = y0;
                int fi0 = ((y0 + 1) * _fw) + x + 1;
                if (yEnd - y0 == 4)
                {
                    int all = _flags[fi0] | _flags[fi0 + _fw] | _flags[fi0 + (2 * _fw)] | Masked(_flags[fi0 + (3 * _fw)], y0 + 3);
                    if ((all & (Sig | Visit | NeighbourMask)) == 0)
                    {
                        // Run-length mode: one decision for four insignificant coefficients with empty contexts.
                        if (_mq.Decode(J2kMqDecoder.RunLengthContext) == 0)
                        {
                            continue;
                        }

                        int r = _mq.Decode(J2kMqDecoder.UniformContext) << 1;
                        r |= _mq.Decode(J2kMqDecoder.UniformContext);
                        y = y0 + r;
                        int fi = fi0 + (r * _fw);
                        SetSignificant(fi, (y * _w) + x, DecodeSign(Masked(_flags[fi], y), raw: false), value);
                        y++;
                    }
                }

                for (; y < yEnd; y++)
                {
                    int fi = ((y + 1) * _fw) + x + 1;
                    int f = _flags[fi];
                    if ((f & (Sig | Visit)) != 0)
                    {
                        continue;
                    }

                    int m = Masked(f, y);
                    if (_mq.Decode(s_zeroContext[zcBase + (m & NeighbourMask)]) != 0)
                    {
                        SetSignificant(fi, (y * _w) + x, DecodeSign(m, raw: false), value);
                    }
                }

                for (int yy = y0; yy < yEnd; yy++)
                {
                    _flags[((yy + 1) * _fw) + x + 1] &= ~Visit;
                }
            }
        }
    }

    private static byte[] BuildZeroContexts()
    {
        var table = new byte[4 * 256];
        for (int orientation = 0; orientation < 4; orientation++)
        {
            for (int bits = 0; bits < 256; bits++)
            {
                int h = ((bits & W) != 0 ? 1 : 0) + ((bits & E) != 0 ? 1 : 0);
                int v = ((bits & N) != 0 ? 1 : 0) + ((bits & S) != 0 ? 1 : 0);
                int d = ((bits & NW) != 0 ? 1 : 0) + ((bits & NE) != 0 ? 1 : 0) + ((bits & SW) != 0 ? 1 : 0) + ((bits & SE) != 0 ? 1 : 0);
                table[(orientation << 8) + bits] = (byte)ZeroContext(orientation, h, v, d);
            }
        }

        return table;
    }

    /// <summary>Table D.1. LL and LH (vertically high-pass) weigh horizontal neighbours most, HL vertical ones, HH diagonal.</summary>
    private static int ZeroContext(int orientation, int h, int v, int d)
    {
        if (orientation == 3)
        {
            int hv = h + v;
            return d >= 3 ? 8
                : d == 2 ? (hv >= 1 ? 7 : 6)
                : d == 1 ? (hv >= 2 ? 5 : hv == 1 ? 4 : 3)
                : hv >= 2 ? 2 : hv;
        }

        if (orientation == 1)
        {
            (h, v) = (v, h);
        }

        return h == 2 ? 8
            : h == 1 ? (v >= 1 ? 7 : d >= 1 ? 6 : 5)
            : v == 2 ? 4
            : v == 1 ? 3
            : d >= 2 ? 2 : d;
    }

    private static byte[] BuildSignContexts()
    {
        var table = new byte[4096];
        for (int bits = 0; bits < 4096; bits++)
        {
            int h = Contribution(bits, W, NegW) + Contribution(bits, E, NegE);
            int v = Contribution(bits, N, NegN) + Contribution(bits, S, NegS);
            h = Math.Clamp(h, -1, 1);
            v = Math.Clamp(v, -1, 1);

            // Table D.3, written for H >= 0; negative H mirrors both contributions and sets the XOR bit.
            int xor = 0;
            if (h < 0 || (h == 0 && v < 0))
            {
                h = -h;
                v = -v;
                xor = 1;
            }

            int context = h == 0 ? (v == 0 ? 9 : 10) : (v == 1 ? 13 : v == 0 ? 12 : 11);
            table[bits] = (byte)(context | (xor << 7));
        }

        return table;
    }

    private static int Contribution(int bits, int significant, int negative) =>
        (bits & significant) == 0 ? 0 : (bits & negative) != 0 ? -1 : 1;
}
