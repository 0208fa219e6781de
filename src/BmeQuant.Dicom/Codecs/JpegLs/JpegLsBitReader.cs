using System.Runtime.CompilerServices;

namespace BmeQuant.Dicom.Codecs.JpegLs;

/// <summary>
/// Reads JPEG-LS coded data (ITU T.87 A.1): after a 0xFF byte the next byte carries only 7 bits (its top bit is a
/// stuffed zero); 0xFF followed by a byte with the top bit set is a marker that ends the data. Past the end zero bits
/// are supplied and counted so that consuming them is reported as truncation.
/// </summary>
internal ref struct JpegLsBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private ulong _buffer;
    private int _bitCount;
    private int _paddingBits;
    private bool _afterFF;
    private bool _stopped;

    public JpegLsBitReader(ReadOnlySpan<byte> data, int position)
    {
        _data = data;
        _position = position;
        _buffer = 0;
        _bitCount = 0;
        _paddingBits = 0;
        _afterFF = false;
        _stopped = false;
    }

    public readonly int Position => _position;

    /// <summary>True when bits beyond the end of the coded data were consumed.</summary>
    public readonly bool Overrun => _bitCount < _paddingBits;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadBit()
    {
        if (_bitCount < 1)
        {
            Fill();
        }

        int bit = (int)(_buffer >> 63);
        _buffer <<= 1;
        _bitCount--;
        return bit;
    }

    /// <summary>Reads up to 31 bits.</summary>
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

    /// <summary>Counts zero bits up to the next one bit (consumed), giving up after <paramref name="limit"/> zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadUnary(int limit)
    {
        int count = 0;
        while (true)
        {
            if (_bitCount < 32)
            {
                Fill();
            }

            if (_buffer != 0)
            {
                int zeros = System.Numerics.BitOperations.LeadingZeroCount(_buffer);
                if (zeros < _bitCount)
                {
                    count += zeros;
                    _buffer <<= zeros + 1;
                    _bitCount -= zeros + 1;
                    return count;
                }
            }

            count += _bitCount;
            _buffer = 0;
            _bitCount = 0;
            if (count > limit || Overrun)
            {
                return int.MaxValue;
            }
        }
    }

    /// <summary>Drops buffered bits and moves to the marker that follows the coded data (for restart and end of scan).</summary>
    public int AlignToMarker()
    {
        _buffer = 0;
        _bitCount = 0;
        _paddingBits = 0;
        _afterFF = false;
        _stopped = false;
        while (_position + 1 < _data.Length && !(_data[_position] == 0xFF && _data[_position + 1] >= 0x80))
        {
            _position++;
        }

        return _position;
    }

    /// <summary>Consumes the restart marker RSTn expected at the current position (after <see cref="AlignToMarker"/>).</summary>
    public void ConsumeRestart(int index)
    {
        AlignToMarker();
        if (_position + 1 >= _data.Length || _data[_position + 1] != 0xD0 + (index & 7))
        {
            CodecGuard.Fail($"JPEG-LS: restart marker RST{index & 7} expected at byte offset {_position}.");
        }

        _position += 2;
    }

    private void Fill()
    {
        while (_bitCount <= 56)
        {
            if (!_stopped && _position < _data.Length)
            {
                byte value = _data[_position];
                if (_afterFF)
                {
                    if (value >= 0x80)
                    {
                        // 0xFF + byte with top bit set: a marker. Step back so the marker stays unread.
                        _position--;
                        _afterFF = false;
                        Pad();
                        continue;
                    }

                    _buffer |= (ulong)value << (57 - _bitCount);
                    _bitCount += 7;
                    _position++;
                    _afterFF = false;
                }
                else
                {
                    _buffer |= (ulong)value << (56 - _bitCount);
                    _bitCount += 8;
                    _position++;
                    _afterFF = value == 0xFF;
                }
            }
            else
            {
                Pad();
            }
        }
    }

    private void Pad()
    {
        // Past a marker or the end: zero bits, counted. No real byte is read after this until the next alignment.
        _bitCount += 8;
        _paddingBits += 8;
        _stopped = true;
    }
}
