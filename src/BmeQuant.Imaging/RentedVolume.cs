namespace BmeQuant.Imaging;

/// <summary>
/// A volume whose buffer comes from the process-wide volume pool (<see cref="Volume{T}.Rent"/>); disposing it returns
/// the buffer for the next rent of the same voxel count. Use it for scratch and output volumes of repeated work (a
/// mask thresholded per slice range, a temporary of a filter): a fresh multi-megabyte array is new memory whose pages
/// fault on first write, which costs as much as a memory-bound kernel itself; a returned buffer is already mapped.
/// </summary>
/// <remarks>
/// The contents of a rented volume are unspecified (whatever the previous renter left): write every voxel, or clear
/// it first. Neither the <see cref="Volume"/> nor its buffer may be used after <see cref="Dispose"/>: the next
/// renter owns the buffer. Disposing twice is harmless.
/// </remarks>
/// <typeparam name="T">Voxel type.</typeparam>
public sealed class RentedVolume<T> : IDisposable
    where T : unmanaged
{
    private Volume<T>? _volume;

    internal RentedVolume(Volume<T> volume) => _volume = volume;

    /// <summary>The rented volume (unspecified contents until written).</summary>
    /// <exception cref="ObjectDisposedException">The buffer was returned.</exception>
    public Volume<T> Volume => _volume ?? throw new ObjectDisposedException(nameof(RentedVolume<T>), "The rented volume's buffer was returned to the pool.");

    /// <summary>Returns the buffer to the pool (kept when the pool's byte limit allows, otherwise left to the GC).</summary>
    public void Dispose()
    {
        var volume = Interlocked.Exchange(ref _volume, null);
        if (volume is not null)
        {
            VolumeBufferPool<T>.Return(volume.Data);
        }
    }
}

/// <summary>Shared byte accounting of the per-type buffer pools.</summary>
internal static class VolumeBufferPool
{
    /// <summary>At most this many bytes are kept across all voxel types (buffers returned beyond it go to the GC).</summary>
    internal const long MaximumRetainedBytes = 1L << 30;

    /// <summary>At most this many buffers of one voxel count and type are kept.</summary>
    internal const int MaximumPerLength = 4;

    private static long s_retainedBytes;

    internal static long RetainedBytes => Interlocked.Read(ref s_retainedBytes);

    internal static bool TryReserve(long bytes)
    {
        while (true)
        {
            var current = Interlocked.Read(ref s_retainedBytes);
            if (current + bytes > MaximumRetainedBytes)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref s_retainedBytes, current + bytes, current) == current)
            {
                return true;
            }
        }
    }

    internal static void Release(long bytes) => Interlocked.Add(ref s_retainedBytes, -bytes);
}

/// <summary>
/// Exact-length buffers of one voxel type (a volume's buffer length must equal its voxel count, so power-of-two
/// buckets like <c>ArrayPool</c>'s do not fit). Most recently returned first, which is the one most likely cached.
/// </summary>
/// <typeparam name="T">Voxel type.</typeparam>
internal static class VolumeBufferPool<T>
    where T : unmanaged
{
    private static readonly Lock s_lock = new();
    private static readonly List<T[]> s_free = [];

    /// <summary>A pooled buffer of exactly <paramref name="length"/> elements, else a new uninitialized one.</summary>
    internal static T[] Rent(int length)
    {
        lock (s_lock)
        {
            for (var n = s_free.Count - 1; n >= 0; n--)
            {
                var buffer = s_free[n];
                if (buffer.Length == length)
                {
                    s_free.RemoveAt(n);
                    VolumeBufferPool.Release(Bytes(buffer));
                    return buffer;
                }
            }
        }

        return GC.AllocateUninitializedArray<T>(length);
    }

    /// <summary>Keeps <paramref name="buffer"/> for the next rent of its length when the limits allow.</summary>
    internal static void Return(T[] buffer)
    {
        var bytes = Bytes(buffer);
        lock (s_lock)
        {
            var sameLength = 0;
            foreach (var kept in s_free)
            {
                if (ReferenceEquals(kept, buffer))
                {
                    return;
                }

                if (kept.Length == buffer.Length)
                {
                    sameLength++;
                }
            }

            if (sameLength < VolumeBufferPool.MaximumPerLength && VolumeBufferPool.TryReserve(bytes))
            {
                s_free.Add(buffer);
            }
        }
    }

    /// <summary>Drops every kept buffer (tests).</summary>
    internal static void Clear()
    {
        lock (s_lock)
        {
            foreach (var kept in s_free)
            {
                VolumeBufferPool.Release(Bytes(kept));
            }

            s_free.Clear();
        }
    }

    private static unsafe long Bytes(T[] buffer) => (long)buffer.Length * sizeof(T);
}
