using System.Globalization;

namespace BmeQuant.Imaging.Filters;

/// <summary>A structuring element: a set of voxel offsets (dx, dy, dz) around the centre voxel.</summary>
public sealed class StructuringElement
{
    /// <summary>Relative slack on the radius test, so offsets lying exactly on the radius are always included despite rounding.</summary>
    internal const double RadiusRelativeTolerance = 1e-6;

    private readonly (int Dx, int Dy, int Dz)[] _offsets;

    private StructuringElement((int Dx, int Dy, int Dz)[] offsets)
    {
        _offsets = offsets;
    }

    /// <summary>The offsets, z slowest then y then x.</summary>
    public IReadOnlyList<(int Dx, int Dy, int Dz)> Offsets => _offsets;

    /// <summary>True when every offset's negation is also in the element.</summary>
    public bool IsSymmetric => _offsets.All(o => _offsets.Contains((-o.Dx, -o.Dy, -o.Dz)));

    /// <summary>The centre and its 6 face neighbours (scipy's <c>generate_binary_structure(3, 1)</c>).</summary>
    public static StructuringElement Cross6() => Connectivity(1);

    /// <summary>The centre and its 18 face and edge neighbours (<c>generate_binary_structure(3, 2)</c>).</summary>
    public static StructuringElement Cross18() => Connectivity(2);

    /// <summary>The full 3×3×3 box (<c>generate_binary_structure(3, 3)</c>).</summary>
    public static StructuringElement Box26() => Connectivity(3);

    /// <summary>
    /// The ellipsoid of a physical ball: every voxel offset whose physical distance
    /// √((dx·sx)² + (dy·sy)² + (dz·sz)²) is at most <paramref name="radiusMm"/> (with a relative slack of 1e-6 so
    /// offsets exactly on the radius are included). On 0.4×0.4×3 mm voxels a 1 mm radius spans ±2, ±2, 0 voxels.
    /// </summary>
    public static StructuringElement Ellipsoid(Vector3D spacing, double radiusMm)
    {
        ValidateRadius(radiusMm);
        var r2 = radiusMm * radiusMm;
        int rx = (int)Math.Floor(radiusMm / spacing.X), ry = (int)Math.Floor(radiusMm / spacing.Y), rz = (int)Math.Floor(radiusMm / spacing.Z);
        var list = new List<(int, int, int)>();
        for (var dz = -rz - 1; dz <= rz + 1; dz++)
        {
            for (var dy = -ry - 1; dy <= ry + 1; dy++)
            {
                for (var dx = -rx - 1; dx <= rx + 1; dx++)
                {
                    if (IsWithinRadius(SquaredDistanceMm2(dx, dy, dz, spacing), r2))
                    {
                        list.Add((dx, dy, dz));
                    }
                }
            }
        }

        return new StructuringElement([.. list]);
    }

    /// <summary>An element from explicit offsets (duplicates removed); must not be empty.</summary>
    public static StructuringElement FromOffsets(IEnumerable<(int Dx, int Dy, int Dz)> offsets)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        var arr = offsets.Distinct().OrderBy(o => o.Dz).ThenBy(o => o.Dy).ThenBy(o => o.Dx).ToArray();
        if (arr.Length == 0)
        {
            throw new ArgumentException("A structuring element needs at least one offset.", nameof(offsets));
        }

        return new StructuringElement(arr);
    }

    /// <summary>The rule shared by the element and the distance-based morphology: d² ≤ r²·(1 + 1e-6).</summary>
    internal static bool IsWithinRadius(double squaredDistanceMm2, double squaredRadiusMm2) =>
        squaredDistanceMm2 <= squaredRadiusMm2 * (1 + RadiusRelativeTolerance);

    internal static double SquaredDistanceMm2(int dx, int dy, int dz, Vector3D spacing)
    {
        double x = dx * spacing.X, y = dy * spacing.Y, z = dz * spacing.Z;
        return (x * x) + (y * y) + (z * z);
    }

    internal static void ValidateRadius(double radiusMm)
    {
        if (!(radiusMm >= 0) || !double.IsFinite(radiusMm))
        {
            throw new ArgumentOutOfRangeException(nameof(radiusMm), string.Create(CultureInfo.InvariantCulture, $"Radius must be finite and >= 0 mm; found {radiusMm}."));
        }
    }

    private static StructuringElement Connectivity(int maxNonZero)
    {
        var list = new List<(int, int, int)>();
        for (var dz = -1; dz <= 1; dz++)
        {
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    if (Math.Abs(dx) + Math.Abs(dy) + Math.Abs(dz) <= maxNonZero)
                    {
                        list.Add((dx, dy, dz));
                    }
                }
            }
        }

        return new StructuringElement([.. list]);
    }
}
