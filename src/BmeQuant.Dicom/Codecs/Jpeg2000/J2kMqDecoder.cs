using System.Runtime.CompilerServices;

namespace BmeQuant.Dicom.Codecs.Jpeg2000;

/// <summary>
/// The MQ arithmetic decoder of ITU-T T.800 Annex C (software conventions of C.3: a 32-bit C register whose upper
/// half is compared with Qe, a byte-in procedure that honours 0xFF bit stuffing and treats a marker, or the end of the
/// codeword segment, as an endless run of 1 bits), plus the raw (bypass) bit reader of D.6 that shares its state.
/// </summary>
internal sealed class J2kMqDecoder
{
    /// <summary>Context count of EBCOT: 9 zero-coding, 5 sign, 3 refinement, run-length, uniform.</summary>
    public const int ContextCount = 19;

    /// <summary>Context index of the run-length context.</summary>
    public const int RunLengthContext = 17;

    /// <summary>Context index of the uniform context.</summary>
    public const int UniformContext = 18;

    // Table C.2: Qe, next index after MPS, next index after LPS, MPS switch flag.
    private static readonly ushort[] s_qe =
    [
        0x5601, 0x3401, 0x1801, 0x0AC1, 0x0521, 0x0221, 0x5601, 0x5401, 0x4801, 0x3801, 0x3001, 0x2401, 0x1C01, 0x1601,
        0x5601, 0x5401, 0x5101, 0x4801, 0x3801, 0x3401, 0x3001, 0x2801, 0x2401, 0x2201, 0x1C01, 0x1801, 0x1601, 0x1401,
        0x1201, 0x1101, 0x0AC1, 0x09C1, 0x08A1, 0x0521, 0x0441, 0x02A1, 0x0221, 0x0141, 0x0111, 0x0085, 0x0049, 0x0025,
        0x0015, 0x0009, 0x0005, 0x0001, 0x5601,
    ];

    private static readonly byte[] s_nmps =
    [
        1, 2, 3, 4, 5, 38, 7, 8, 9, 10, 11, 12, 13, 29, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
        32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 45, 46,
    ];

    private static readonly byte[] s_nlps =
    [
        1, 6, 9, 12, 29, 33, 6, 14, 14, 14, 17, 18, 20, 21, 14, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 23, 24, 25, 26, 27,
        28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 46,
    ];

    private static readonly byte[] s_switch =
    [
        1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// <summary>Per context: state index shifted left by one, MPS in bit 0.</summary>
    private readonly byte[] _contexts = new byte[ContextCount];
    private byte[] _data = [];
    private int _pos;
    private int _end;
    private uint _c;
    private uint _a;
    private int _ct;

    /// <summary>Sets every context to its initial state (Table D.7): all zero except ZC 0, run-length and uniform.</summary>
    public void ResetContexts()
    {
        Array.Clear(_contexts);
        _contexts[0] = 4 << 1;
        _contexts[RunLengthContext] = 3 << 1;
        _contexts[UniformContext] = 46 << 1;
    }

    /// <summary>INITDEC on the codeword segment data[start..start+length).</summary>
    public void Start(byte[] data, int start, int length)
    {
        _data = data;
        _pos = start;
        _end = start + length;
        _c = (uint)ByteAt(_pos) << 16;
        ByteIn();
        _c <<= 7;
        _ct -= 7;
        _a = 0x8000;
    }

    /// <summary>Starts raw (bypass) decoding of the segment data[start..start+length).</summary>
    public void StartRaw(byte[] data, int start, int length)
    {
        _data = data;
        _pos = start;
        _end = start + length;
        _c = 0;
        _ct = 0;
    }

    /// <summary>DECODE (C.3.2) of one decision in context <paramref name="cx"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Decode(int cx)
    {
        int state = _contexts[cx];
        int index = state >> 1;
        int mps = state & 1;
        uint qe = s_qe[index];
        _a -= qe;
        int d;
        if ((_c >> 16) < qe)
        {
            // LPS sub-interval (with conditional exchange).
            if (_a < qe)
            {
                d = mps;
                _contexts[cx] = (byte)((s_nmps[index] << 1) | mps);
            }
            else
            {
                d = mps ^ 1;
                _contexts[cx] = (byte)((s_nlps[index] << 1) | (mps ^ s_switch[index]));
            }

            _a = qe;
            Renormalize();
            return d;
        }

        _c -= qe << 16;
        if ((_a & 0x8000) != 0)
        {
            return mps;
        }

        // MPS sub-interval needing renormalisation (with conditional exchange).
        if (_a < qe)
        {
            d = mps ^ 1;
            _contexts[cx] = (byte)((s_nlps[index] << 1) | (mps ^ s_switch[index]));
        }
        else
        {
            d = mps;
            _contexts[cx] = (byte)((s_nmps[index] << 1) | mps);
        }

        Renormalize();
        return d;
    }

    /// <summary>One raw bit (selective arithmetic coding bypass): MSB first, a 0 bit stuffed after each 0xFF.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int RawBit()
    {
        if (_ct == 0)
        {
            if (_c == 0xFF)
            {
                int b = ByteAt(_pos);
                if (b > 0x8F)
                {
                    _c = 0xFF;
                    _ct = 8;
                }
                else
                {
                    _c = (uint)b;
                    _pos++;
                    _ct = 7;
                }
            }
            else
            {
                _c = (uint)ByteAt(_pos);
                _pos++;
                _ct = 8;
            }
        }

        _ct--;
        return (int)(_c >> _ct) & 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ByteAt(int i) => i < _end ? _data[i] : 0xFF;

    private void ByteIn()
    {
        if (ByteAt(_pos) == 0xFF)
        {
            int next = ByteAt(_pos + 1);
            if (next > 0x8F)
            {
                // A marker (or the end of the segment): feed 1 bits without advancing.
                _c += 0xFF00;
                _ct = 8;
            }
            else
            {
                _pos++;
                _c += (uint)next << 9;
                _ct = 7;
            }
        }
        else
        {
            _pos++;
            _c += (uint)ByteAt(_pos) << 8;
            _ct = 8;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Renormalize()
    {
        do
        {
            if (_ct == 0)
            {
                ByteIn();
            }

            _a <<= 1;
            _c <<= 1;
            _ct--;
        }
        while ((_a & 0x8000) == 0);
    }
}
