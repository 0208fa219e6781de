namespace BmeQuant.Imaging;

/// <summary>A 3×3 matrix of doubles, row-major (<c>M01</c> is row 0, column 1).</summary>
public readonly record struct Matrix3D(
    double M00, double M01, double M02,
    double M10, double M11, double M12,
    double M20, double M21, double M22)
{
    /// <summary>The identity matrix.</summary>
    public static Matrix3D Identity { get; } = new(1, 0, 0, 0, 1, 0, 0, 0, 1);

    /// <summary>Builds a matrix from its three columns.</summary>
    public static Matrix3D FromColumns(Vector3D c0, Vector3D c1, Vector3D c2) =>
        new(c0.X, c1.X, c2.X, c0.Y, c1.Y, c2.Y, c0.Z, c1.Z, c2.Z);

    /// <summary>Element at row <paramref name="r"/>, column <paramref name="c"/>.</summary>
    public double this[int r, int c] => (r * 3 + c) switch
    {
        0 => M00,
        1 => M01,
        2 => M02,
        3 => M10,
        4 => M11,
        5 => M12,
        6 => M20,
        7 => M21,
        8 => M22,
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    /// <summary>Column <paramref name="c"/> as a vector.</summary>
    public Vector3D Column(int c) => new(this[0, c], this[1, c], this[2, c]);

    /// <summary>Row <paramref name="r"/> as a vector.</summary>
    public Vector3D Row(int r) => new(this[r, 0], this[r, 1], this[r, 2]);

    /// <summary>Transpose.</summary>
    public Matrix3D Transpose() => new(M00, M10, M20, M01, M11, M21, M02, M12, M22);

    /// <summary>Determinant.</summary>
    public double Determinant() =>
        (M00 * ((M11 * M22) - (M12 * M21))) - (M01 * ((M10 * M22) - (M12 * M20))) + (M02 * ((M10 * M21) - (M11 * M20)));

    /// <summary>Inverse (throws when singular).</summary>
    public Matrix3D Inverse()
    {
        var det = Determinant();
        if (Math.Abs(det) < 1e-300 || !double.IsFinite(det))
        {
            throw new InvalidOperationException("Matrix is singular.");
        }

        var inv = 1.0 / det;
        return new Matrix3D(
            ((M11 * M22) - (M12 * M21)) * inv, ((M02 * M21) - (M01 * M22)) * inv, ((M01 * M12) - (M02 * M11)) * inv,
            ((M12 * M20) - (M10 * M22)) * inv, ((M00 * M22) - (M02 * M20)) * inv, ((M02 * M10) - (M00 * M12)) * inv,
            ((M10 * M21) - (M11 * M20)) * inv, ((M01 * M20) - (M00 * M21)) * inv, ((M00 * M11) - (M01 * M10)) * inv);
    }

    /// <summary>Matrix–vector product.</summary>
    public static Vector3D operator *(Matrix3D m, Vector3D v) => new(
        (m.M00 * v.X) + (m.M01 * v.Y) + (m.M02 * v.Z),
        (m.M10 * v.X) + (m.M11 * v.Y) + (m.M12 * v.Z),
        (m.M20 * v.X) + (m.M21 * v.Y) + (m.M22 * v.Z));

    /// <summary>Matrix product.</summary>
    public static Matrix3D operator *(Matrix3D a, Matrix3D b) => FromColumns(a * b.Column(0), a * b.Column(1), a * b.Column(2));

    /// <summary>Rotation from Euler angles in radians, applied X then Y then Z (R = Rz·Ry·Rx).</summary>
    public static Matrix3D FromEulerXyz(double rx, double ry, double rz)
    {
        double cx = Math.Cos(rx), sx = Math.Sin(rx), cy = Math.Cos(ry), sy = Math.Sin(ry), cz = Math.Cos(rz), sz = Math.Sin(rz);
        var x = new Matrix3D(1, 0, 0, 0, cx, -sx, 0, sx, cx);
        var y = new Matrix3D(cy, 0, sy, 0, 1, 0, -sy, 0, cy);
        var z = new Matrix3D(cz, -sz, 0, sz, cz, 0, 0, 0, 1);
        return z * y * x;
    }

    /// <summary>Largest absolute element-wise difference from <paramref name="other"/>.</summary>
    public double MaxAbsDifference(Matrix3D other)
    {
        double d = 0;
        for (var r = 0; r < 3; r++)
        {
            for (var c = 0; c < 3; c++)
            {
                d = Math.Max(d, Math.Abs(this[r, c] - other[r, c]));
            }
        }

        return d;
    }
}
