using System.Globalization;

namespace BmeQuant.Imaging;

/// <summary>
/// The physical placement of a voxel grid (ITK's image model): size, spacing (mm), origin (centre of voxel 0,
/// LPS mm) and direction cosines (columns are the i, j, k axes in LPS). Immutable.
/// Physical point = Origin + Direction · diag(Spacing) · index.
/// </summary>
public sealed class ImageGeometry : IEquatable<ImageGeometry>
{
    /// <summary>Tolerance on orthonormality of the direction matrix.</summary>
    public const double OrthonormalTolerance = 1e-6;

    private readonly Matrix3D _indexToPhysical;
    private readonly Matrix3D _physicalToIndex;

    /// <summary>Creates a geometry; throws <see cref="ArgumentException"/> on non-positive size or spacing or a non-orthonormal direction.</summary>
    public ImageGeometry(int sizeX, int sizeY, int sizeZ, Vector3D spacing, Vector3D origin, Matrix3D direction)
    {
        if (sizeX <= 0 || sizeY <= 0 || sizeZ <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sizeX), $"Size must be positive in every axis; found {sizeX}×{sizeY}×{sizeZ}.");
        }

        if (!(spacing.X > 0 && spacing.Y > 0 && spacing.Z > 0) || !double.IsFinite(spacing.X) || !double.IsFinite(spacing.Y) || !double.IsFinite(spacing.Z))
        {
            throw new ArgumentOutOfRangeException(nameof(spacing), $"Spacing must be positive and finite; found {spacing} mm.");
        }

        if (!double.IsFinite(origin.X) || !double.IsFinite(origin.Y) || !double.IsFinite(origin.Z))
        {
            throw new ArgumentOutOfRangeException(nameof(origin), $"Origin must be finite; found {origin}.");
        }

        var dtd = direction.Transpose() * direction;
        if (dtd.MaxAbsDifference(Matrix3D.Identity) > OrthonormalTolerance)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Direction must be orthonormal within {OrthonormalTolerance}; found columns {direction.Column(0)}, {direction.Column(1)}, {direction.Column(2)}."),
                nameof(direction));
        }

        SizeX = sizeX;
        SizeY = sizeY;
        SizeZ = sizeZ;
        Spacing = spacing;
        Origin = origin;
        Direction = direction;
        _indexToPhysical = direction * new Matrix3D(spacing.X, 0, 0, 0, spacing.Y, 0, 0, 0, spacing.Z);
        _physicalToIndex = _indexToPhysical.Inverse();
    }

    /// <summary>Creates an axis-aligned geometry (identity direction).</summary>
    public ImageGeometry(int sizeX, int sizeY, int sizeZ, Vector3D spacing, Vector3D origin)
        : this(sizeX, sizeY, sizeZ, spacing, origin, Matrix3D.Identity)
    {
    }

    /// <summary>Creates an axis-aligned geometry at the origin with the given spacing.</summary>
    public ImageGeometry(int sizeX, int sizeY, int sizeZ, double spacingX = 1, double spacingY = 1, double spacingZ = 1)
        : this(sizeX, sizeY, sizeZ, new Vector3D(spacingX, spacingY, spacingZ), Vector3D.Zero, Matrix3D.Identity)
    {
    }

    /// <summary>Number of voxels along i (columns, fastest).</summary>
    public int SizeX { get; }

    /// <summary>Number of voxels along j (rows).</summary>
    public int SizeY { get; }

    /// <summary>Number of voxels along k (slices).</summary>
    public int SizeZ { get; }

    /// <summary>Voxel spacing along i, j, k in mm.</summary>
    public Vector3D Spacing { get; }

    /// <summary>Centre of voxel (0, 0, 0) in LPS mm.</summary>
    public Vector3D Origin { get; }

    /// <summary>Direction cosines; column c is the LPS direction of index axis c.</summary>
    public Matrix3D Direction { get; }

    /// <summary>Total voxel count.</summary>
    public long VoxelCount => (long)SizeX * SizeY * SizeZ;

    /// <summary>Voxels per slice.</summary>
    public int SliceLength => SizeX * SizeY;

    /// <summary>Volume of one voxel in mm³.</summary>
    public double VoxelVolumeMm3 => Spacing.X * Spacing.Y * Spacing.Z;

    /// <summary>Index-to-physical linear part: Direction · diag(Spacing).</summary>
    public Matrix3D IndexToPhysicalMatrix => _indexToPhysical;

    /// <summary>Physical-to-index linear part (inverse of <see cref="IndexToPhysicalMatrix"/>).</summary>
    public Matrix3D PhysicalToIndexMatrix => _physicalToIndex;

    /// <summary>Size along axis 0, 1 or 2.</summary>
    public int Size(int axis) => axis switch
    {
        0 => SizeX,
        1 => SizeY,
        2 => SizeZ,
        _ => throw new ArgumentOutOfRangeException(nameof(axis)),
    };

    /// <summary>Physical point (LPS mm) of a continuous index.</summary>
    public Vector3D TransformIndexToPhysicalPoint(double i, double j, double k) => Origin + (_indexToPhysical * new Vector3D(i, j, k));

    /// <summary>Physical point (LPS mm) of a continuous index.</summary>
    public Vector3D TransformIndexToPhysicalPoint(Vector3D index) => Origin + (_indexToPhysical * index);

    /// <summary>Continuous index of a physical point (LPS mm).</summary>
    public Vector3D TransformPhysicalPointToContinuousIndex(Vector3D point) => _physicalToIndex * (point - Origin);

    /// <summary>Linear buffer offset of voxel (i, j, k), x fastest.</summary>
    public long Offset(int i, int j, int k) => i + ((long)SizeX * (j + ((long)SizeY * k)));

    /// <summary>True when (i, j, k) lies inside the grid.</summary>
    public bool Contains(int i, int j, int k) => (uint)i < (uint)SizeX && (uint)j < (uint)SizeY && (uint)k < (uint)SizeZ;

    /// <summary>The eight corner voxel centres in LPS mm.</summary>
    public Vector3D[] CornerPoints()
    {
        var result = new Vector3D[8];
        var n = 0;
        foreach (var k in new[] { 0, SizeZ - 1 })
        {
            foreach (var j in new[] { 0, SizeY - 1 })
            {
                foreach (var i in new[] { 0, SizeX - 1 })
                {
                    result[n++] = TransformIndexToPhysicalPoint(i, j, k);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// True when <paramref name="other"/> has the same size and, within <paramref name="toleranceMm"/>, the same
    /// voxel centres (spacing, origin and direction compared through the grid's extent).
    /// </summary>
    public bool IsSameGrid(ImageGeometry other, double toleranceMm = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (SizeX != other.SizeX || SizeY != other.SizeY || SizeZ != other.SizeZ)
        {
            return false;
        }

        var a = CornerPoints();
        var b = other.CornerPoints();
        for (var n = 0; n < 8; n++)
        {
            if ((a[n] - b[n]).Length > toleranceMm)
            {
                return false;
            }
        }

        // Also compare one step along each axis so a 1-voxel axis cannot hide a spacing/direction difference.
        for (var axis = 0; axis < 3; axis++)
        {
            var d1 = _indexToPhysical.Column(axis);
            var d2 = other._indexToPhysical.Column(axis);
            if ((d1 - d2).Length > toleranceMm)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A copy with a different size, keeping spacing, origin and direction.</summary>
    public ImageGeometry WithSize(int sizeX, int sizeY, int sizeZ) => new(sizeX, sizeY, sizeZ, Spacing, Origin, Direction);

    /// <summary>A copy with different spacing, keeping size, origin and direction.</summary>
    public ImageGeometry WithSpacing(Vector3D spacing) => new(SizeX, SizeY, SizeZ, spacing, Origin, Direction);

    /// <summary>A copy with a different origin.</summary>
    public ImageGeometry WithOrigin(Vector3D origin) => new(SizeX, SizeY, SizeZ, Spacing, origin, Direction);

    /// <inheritdoc/>
    public bool Equals(ImageGeometry? other) => other is not null && IsSameGrid(other, 1e-6);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ImageGeometry);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(SizeX, SizeY, SizeZ);

    /// <inheritdoc/>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{SizeX}×{SizeY}×{SizeZ} @ {Spacing} mm, origin {Origin}, dir [{Direction.Column(0)} {Direction.Column(1)} {Direction.Column(2)}]");
}
