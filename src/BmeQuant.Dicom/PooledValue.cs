using System.Buffers;
using System.Runtime.InteropServices;

namespace BmeQuant.Dicom;

/// <summary>
/// A large element value read into an array rented from <see cref="ArrayPool{T}.Shared"/>, lent to the dataset of the
/// <see cref="DicomFile"/> that read it and returned to the pool when that file is disposed. The element's
/// <see cref="DicomElement.Data"/> is a <see cref="Memory{T}"/> over this manager (never over the array itself:
/// <see cref="MemoryMarshal.TryGetArray{T}(ReadOnlyMemory{T}, out ArraySegment{T})"/> fails), so every access after the
/// return throws <see cref="ObjectDisposedException"/> instead of reading another file's bytes. A pinned value is not
/// handed back to the pool (its pointer may still be in use); it is left to the garbage collector.
/// </summary>
internal sealed class PooledValue : MemoryManager<byte>
{
    /// <summary>Values at least this long are pooled: every array of this size would otherwise land on the large object heap.</summary>
    public const int MinPooledBytes = 64 * 1024;

    /// <summary>Larger values are allocated as their own arrays: the shared pool would keep such arrays alive long after the file.</summary>
    public const int MaxPooledBytes = 16 * 1024 * 1024;

    private readonly int _length;
    private readonly string _display;
    private byte[]? _array;
    private bool _keepFromPool;

    private PooledValue(byte[] array, int length, string display)
    {
        _array = array;
        _length = length;
        _display = display;
    }

    /// <summary>Rents an array of at least <paramref name="length"/> bytes (contents undefined until filled).</summary>
    public static PooledValue Rent(int length, string display) => new(ArrayPool<byte>.Shared.Rent(length), length, display);

    /// <summary>True once the array went back to the pool (or was dropped).</summary>
    public bool IsReleased => Volatile.Read(ref _array) is null;

    /// <summary>The value's bytes; throws once released.</summary>
    public override Span<byte> GetSpan() => (Volatile.Read(ref _array) ?? throw Disposed()).AsSpan(0, _length);

    /// <summary>Pins the array (it then never returns to the pool).</summary>
    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var array = Volatile.Read(ref _array) ?? throw Disposed();
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _length);
        Volatile.Write(ref _keepFromPool, true);
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle, this);
    }

    /// <summary>Ends one pin (nothing to do: a pinned array never returns to the pool).</summary>
    public override void Unpin()
    {
    }

    /// <summary>Returns the array to the pool (once; later accesses throw). Safe to call from any thread, more than once.</summary>
    public void Release()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null && !Volatile.Read(ref _keepFromPool))
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing) => Release();

    private ObjectDisposedException Disposed() =>
        new(nameof(DicomFile), $"{_display}: this value belonged to a DicomFile that was disposed (its buffer went back to the pool); read the file again or copy the value before disposing");
}
