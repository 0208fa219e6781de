namespace BmeQuant.Imaging;

/// <summary>
/// A 3-D image: a geometry and one contiguous voxel buffer, x fastest, then y, then z.
/// Masks are <c>Volume&lt;byte&gt;</c> (0/1); label maps <c>Volume&lt;int&gt;</c> or <c>Volume&lt;ushort&gt;</c>.
/// </summary>
/// <typeparam name="T">Voxel type.</typeparam>
public sealed class Volume<T>
    where T : unmanaged
{
    private readonly T[] _data;

    /// <summary>Creates a zero-filled volume on <paramref name="geometry"/> (one allocation).</summary>
    public Volume(ImageGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        if (geometry.VoxelCount > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(geometry), $"Volume of {geometry.VoxelCount} voxels exceeds the largest single buffer ({Array.MaxLength}).");
        }

        Geometry = geometry;
        _data = new T[geometry.VoxelCount];
    }

    /// <summary>Wraps an existing buffer (not copied); its length must equal the voxel count.</summary>
    public Volume(ImageGeometry geometry, T[] data)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(data);
        if (data.LongLength != geometry.VoxelCount)
        {
            throw new ArgumentException($"Buffer holds {data.LongLength} voxels; geometry {geometry.SizeX}×{geometry.SizeY}×{geometry.SizeZ} needs {geometry.VoxelCount}.", nameof(data));
        }

        Geometry = geometry;
        _data = data;
    }

    /// <summary>The voxel grid's placement in patient space.</summary>
    public ImageGeometry Geometry { get; }

    /// <summary>Number of voxels.</summary>
    public int Length => _data.Length;

    /// <summary>Columns (x).</summary>
    public int SizeX => Geometry.SizeX;

    /// <summary>Rows (y).</summary>
    public int SizeY => Geometry.SizeY;

    /// <summary>Slices (z).</summary>
    public int SizeZ => Geometry.SizeZ;

    /// <summary>The whole buffer.</summary>
    public Span<T> Span => _data;

    /// <summary>The underlying array (x fastest).</summary>
    public T[] Data => _data;

    /// <summary>Voxel (i, j, k); no bounds check beyond the array's.</summary>
    public ref T this[int i, int j, int k] => ref _data[i + (SizeX * (j + (SizeY * k)))];

    /// <summary>Slice k (SizeX × SizeY voxels).</summary>
    public Span<T> Slice(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, SizeZ);
        return _data.AsSpan(k * Geometry.SliceLength, Geometry.SliceLength);
    }

    /// <summary>Row j of slice k (SizeX voxels).</summary>
    public Span<T> Row(int j, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(j);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(j, SizeY);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, SizeZ);
        return _data.AsSpan((j + (SizeY * k)) * SizeX, SizeX);
    }

    /// <summary>
    /// A volume on <paramref name="geometry"/> whose buffer comes from a process-wide pool of exact-length buffers
    /// (a new uninitialized array when none of that voxel count is free); dispose the result to return it. Contents
    /// are unspecified: the caller writes every voxel (e.g. <c>Threshold.Above(volume, t, rented.Volume)</c>) or
    /// clears it. Repeated work on volumes of one size then reuses mapped memory instead of faulting in fresh pages.
    /// The pool keeps at most four buffers per voxel count and type and 1 GiB in all; it is thread-safe.
    /// </summary>
    /// <param name="geometry">Grid of the volume.</param>
    /// <returns>The rented volume; <see cref="RentedVolume{T}.Dispose"/> returns its buffer.</returns>
    public static RentedVolume<T> Rent(ImageGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        if (geometry.VoxelCount > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(geometry), $"Volume of {geometry.VoxelCount} voxels exceeds the largest single buffer ({Array.MaxLength}).");
        }

        return new RentedVolume<T>(new Volume<T>(geometry, VolumeBufferPool<T>.Rent((int)geometry.VoxelCount)));
    }

    /// <summary>A deep copy.</summary>
    public Volume<T> Clone() => new(Geometry, (T[])_data.Clone());

    /// <summary>A new zero-filled volume of type <typeparamref name="TOut"/> on the same geometry.</summary>
    public Volume<TOut> CreateLike<TOut>()
        where TOut : unmanaged => new(Geometry);
}
