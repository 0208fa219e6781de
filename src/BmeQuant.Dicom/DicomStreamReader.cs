using System.Buffers;
using System.Buffers.Binary;

namespace BmeQuant.Dicom;

/// <summary>
/// A forward-only buffered reader over any stream with absolute position tracking, bounded reads and 64-bit skips.
/// Works on non-seekable streams (skips by reading); uses Seek when the stream allows it. The default-size buffer is
/// rented from <see cref="ArrayPool{T}.Shared"/> and returned by <see cref="Dispose"/> (no per-file 64 KB allocation);
/// nothing read through <see cref="Peek"/> may be kept after that.
/// </summary>
internal sealed class DicomStreamReader : IDisposable
{
    /// <summary>Default buffer: large enough for every header element of a typical image, small enough to stay out of the LOH.</summary>
    private const int BufferSize = 32 * 1024;
    private readonly Stream _stream;
    private byte[] _buffer;
    private readonly bool _pooled;
    private readonly long _baseOffset;
    private int _pos;
    private int _len;
    private long _bufferStart;
    private bool _eof;

    public DicomStreamReader(Stream stream, long baseOffset = 0, int bufferSize = BufferSize)
    {
        _stream = stream;
        _baseOffset = baseOffset;
        _pooled = bufferSize == BufferSize;
        _buffer = _pooled ? ArrayPool<byte>.Shared.Rent(BufferSize) : new byte[bufferSize];
        CanSeek = stream.CanSeek;
        if (CanSeek)
        {
            _bufferStart = stream.Position;
            StreamLength = stream.Length;
        }
        else
        {
            StreamLength = -1;
        }
    }

    public bool CanSeek { get; }

    /// <summary>Total length for seekable streams, else -1.</summary>
    public long StreamLength { get; }

    /// <summary>Absolute position (plus base offset for sub-readers).</summary>
    public long Position => _baseOffset + _bufferStart + _pos;

    /// <summary>Bytes left for seekable streams, else <see cref="long.MaxValue"/>.</summary>
    public long Remaining => StreamLength >= 0 ? StreamLength - (_bufferStart + _pos) : long.MaxValue;

    /// <summary>The stream position of the next byte (without base offset), for deferred values.</summary>
    public long RawPosition => _bufferStart + _pos;

    /// <summary>Ensures <paramref name="count"/> bytes are buffered; false at end of stream.</summary>
    public bool TryEnsure(int count)
    {
        if (_len - _pos >= count)
        {
            return true;
        }

        if (_pos > 0)
        {
            Buffer.BlockCopy(_buffer, _pos, _buffer, 0, _len - _pos);
            _bufferStart += _pos;
            _len -= _pos;
            _pos = 0;
        }

        while (_len < count && !_eof)
        {
            var n = _stream.Read(_buffer, _len, _buffer.Length - _len);
            if (n <= 0)
            {
                _eof = true;
                break;
            }

            _len += n;
        }

        return _len - _pos >= count;
    }

    /// <summary>True when no byte remains.</summary>
    public bool AtEnd => !TryEnsure(1);

    /// <summary>Number of bytes currently buffered ahead (after TryEnsure).</summary>
    public int Available => _len - _pos;

    public ReadOnlySpan<byte> Peek(int count) => _buffer.AsSpan(_pos, Math.Min(count, _len - _pos));

    public ushort ReadUInt16(bool bigEndian)
    {
        var s = _buffer.AsSpan(_pos, 2);
        _pos += 2;
        return bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
    }

    public uint ReadUInt32(bool bigEndian)
    {
        var s = _buffer.AsSpan(_pos, 4);
        _pos += 4;
        return bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    }

    public byte ReadByte() => _buffer[_pos++];

    /// <summary>Reads exactly destination.Length bytes; false when the stream ends first (what was read is consumed).</summary>
    public bool TryRead(Span<byte> destination)
    {
        var fromBuffer = Math.Min(destination.Length, _len - _pos);
        _buffer.AsSpan(_pos, fromBuffer).CopyTo(destination);
        _pos += fromBuffer;
        var done = fromBuffer;
        while (done < destination.Length)
        {
            if (destination.Length - done >= _buffer.Length)
            {
                var n = _stream.Read(destination[done..]);
                if (n <= 0)
                {
                    _eof = true;
                    return false;
                }

                done += n;
                _bufferStart += n;
                continue;
            }

            if (!TryEnsure(1))
            {
                return false;
            }

            var m = Math.Min(destination.Length - done, _len - _pos);
            _buffer.AsSpan(_pos, m).CopyTo(destination[done..]);
            _pos += m;
            done += m;
        }

        return true;
    }

    /// <summary>Skips <paramref name="count"/> bytes; false when the stream ends first.</summary>
    public bool TrySkip(long count)
    {
        var inBuffer = _len - _pos;
        if (count <= inBuffer)
        {
            _pos += (int)count;
            return true;
        }

        count -= inBuffer;
        _bufferStart += _len;
        _pos = 0;
        _len = 0;
        if (CanSeek)
        {
            if (_bufferStart + count > StreamLength)
            {
                _bufferStart = StreamLength;
                _stream.Position = StreamLength;
                _eof = true;
                return false;
            }

            _bufferStart += count;
            _stream.Position = _bufferStart;
            _eof = false;
            return true;
        }

        while (count > 0)
        {
            var n = _stream.Read(_buffer, 0, (int)Math.Min(_buffer.Length, count));
            if (n <= 0)
            {
                _eof = true;
                return false;
            }

            count -= n;
            _bufferStart += n;
        }

        return true;
    }

    /// <summary>The bytes buffered but not consumed, and the underlying stream: used to hand the rest to an inflater.</summary>
    public Stream RemainderStream() => new PrefixedStream(_buffer.AsMemory(_pos, _len - _pos).ToArray(), _stream);

    /// <summary>Returns a pooled buffer; the reader must not be used afterwards (the stream is not closed).</summary>
    public void Dispose()
    {
        if (_pooled && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _pos = 0;
            _len = 0;
        }
    }
}

/// <summary>A read-only stream that yields a prefix then the rest of another stream.</summary>
internal sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
{
    private int _prefixPos;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_prefixPos < prefix.Length)
        {
            var n = Math.Min(buffer.Length, prefix.Length - _prefixPos);
            prefix.AsSpan(_prefixPos, n).CopyTo(buffer);
            _prefixPos += n;
            return n;
        }

        return rest.Read(buffer);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
