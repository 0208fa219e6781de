using System.Runtime.CompilerServices;

namespace BmeQuant.Dicom.Codecs.Jpeg;

/// <summary>
/// Reads the entropy-coded segment of a Huffman JPEG scan (ITU T.81): 0xFF 0x00 is a stuffed 0xFF, any other 0xFF xx
/// is a marker that ends the segment. Bits are kept left-aligned in a 64-bit buffer; past a marker or the end of the
/// data zero bits are supplied and counted, so that reading them is reported as truncation by <see cref="CheckOverrun"/>.
/// </summary>
internal ref struct JpegBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _codec;
    private int _position;
    private ulong _buffer;
    private int _bitCount;
    private int _paddingBits;

    public JpegBitReader(ReadOnlySpan<byte> data, int position, string codec)
    {
        _data = data;
        _position = position;
        _codec = codec;
        _buffer = 0;
        _bitCount = 0;
        _paddingBits = 0;
    }

    /// <summary>Offset of the next unread byte.</summary>
    public readonly int Position => _position;

    /// <summary>Decodes one Huffman symbol.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeSymbol(HuffmanTable table)
    {
        if (_bitCount < 16)
        {
            Fill();
        }

        int entry = table.Fast[(int)(_buffer >> (64 - HuffmanTable.FastBits))];
        if (entry != 0)
        {
            int length = entry >> 8;
            _buffer <<= length;
            _bitCount -= length;
            return entry & 0xFF;
        }

        // Longer codes: a pure look-up on the buffered bits, so that the reader itself stays in registers.
        int symbol = table.DecodeLong((int)(_buffer >> 48), out int codeLength);
        if (codeLength == 0)
        {
            ThrowInvalidCode(_codec, (int)(_buffer >> 48), _position, _bitCount < _paddingBits);
        }

        _buffer <<= codeLength;
        _bitCount -= codeLength;
        return symbol;
    }

    /// <summary>Reads <paramref name="count"/> (0..16) raw bits as an unsigned number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBits(int count)
    {
        if (count == 0)
        {
            return 0;
        }

        if (_bitCount < count)
        {
            Fill();
        }

        int value = (int)(_buffer >> (64 - count));
        _buffer <<= count;
        _bitCount -= count;
        return value;
    }

    /// <summary>Reads <paramref name="count"/> bits and extends them to a signed difference (T.81 F.2.2.1, EXTEND).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReceiveExtend(int count)
    {
        if (count == 0)
        {
            return 0;
        }

        int v = ReadBits(count);
        return v < (1 << (count - 1)) ? v - (1 << count) + 1 : v;
    }

    /// <summary>Throws when more bits were consumed than the segment holds.</summary>
    public readonly void CheckOverrun()
    {
        if (_bitCount < _paddingBits)
        {
            CodecGuard.Fail($"{_codec}: entropy-coded data ends (marker or end of data at byte offset {_position}) before the scan is complete.");
        }
    }

    /// <summary>Discards buffered bits and consumes the expected RSTn marker (skipping fill bytes before it).</summary>
    public void Restart(int expectedIndex)
    {
        CheckOverrun();
        _buffer = 0;
        _bitCount = 0;
        _paddingBits = 0;
        while (_position + 1 < _data.Length)
        {
            if (_data[_position] == 0xFF && _data[_position + 1] != 0 && _data[_position + 1] != 0xFF)
            {
                int marker = _data[_position + 1];
                if (marker >= 0xD0 && marker <= 0xD7)
                {
                    if ((marker & 7) != (expectedIndex & 7))
                    {
                        CodecGuard.Fail($"{_codec}: restart marker RST{marker & 7} at byte offset {_position}; expected RST{expectedIndex & 7}.");
                    }

                    _position += 2;
                    return;
                }

                CodecGuard.Fail($"{_codec}: marker 0xFF{marker:X2} at byte offset {_position} where restart marker RST{expectedIndex & 7} was expected.");
            }

            _position++;
        }

        CodecGuard.Truncated(_codec, _position, $"restart marker RST{expectedIndex & 7}");
    }

    /// <summary>Moves to the first marker at or after the current byte (end of the scan).</summary>
    public int SkipToMarker()
    {
        _buffer = 0;
        _bitCount = 0;
        _paddingBits = 0;
        while (_position + 1 < _data.Length && !(_data[_position] == 0xFF && _data[_position + 1] != 0 && _data[_position + 1] != 0xFF))
        {
            _position++;
        }

        return _position;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowInvalidCode(string codec, int code, int position, bool overrun)
    {
        if (overrun)
        {
            CodecGuard.Fail($"{codec}: entropy-coded data ends (marker or end of data at byte offset {position}) before the scan is complete.");
        }

        CodecGuard.Fail($"{codec}: invalid Huffman code 0x{code:X4} near byte offset {position}.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Fill()
    {
        while (_bitCount <= 56)
        {
            ulong b = 0;
            if (_position < _data.Length)
            {
                byte value = _data[_position];
                if (value != 0xFF)
                {
                    b = value;
                    _position++;
                }
                else if (_position + 1 < _data.Length && _data[_position + 1] == 0)
                {
                    b = 0xFF;
                    _position += 2;
                }
                else
                {
                    _paddingBits += 8;
                }
            }
            else
            {
                _paddingBits += 8;
            }

            _buffer |= b << (56 - _bitCount);
            _bitCount += 8;
        }
    }
}
