using System.Globalization;

namespace BmeQuant.Imaging.Registration;

/// <summary>
/// A rigid (6 degrees of freedom) transform of patient space, ITK's convention:
/// <c>y = R · (x − Center) + Center + Translation</c>, mapping a point <c>x</c> of the FIXED image to the point
/// <c>y</c> of the MOVING image where the same anatomy lies. Immutable. The rotation is held as a unit
/// quaternion (versor), so composing many transforms does not drift away from a rotation.
/// </summary>
public sealed class RigidTransform
{
    private const double RotationTolerance = 1e-6;

    // Versor (unit quaternion) w + x i + y j + z k, with w >= 0.
    private readonly double _qw;
    private readonly double _qx;
    private readonly double _qy;
    private readonly double _qz;

    private RigidTransform(double qw, double qx, double qy, double qz, Vector3D translationMm, Vector3D center)
    {
        var norm = Math.Sqrt((qw * qw) + (qx * qx) + (qy * qy) + (qz * qz));
        if (!(norm > 0) || !double.IsFinite(norm))
        {
            throw new ArgumentException(FormattableString.Invariant($"Versor ({qw}, {qx}, {qy}, {qz}) cannot be normalised."));
        }

        if (!IsFinite(translationMm) || !IsFinite(center))
        {
            throw new ArgumentOutOfRangeException(nameof(translationMm), $"Translation and centre must be finite; found {translationMm} and {center}.");
        }

        // q and -q are the same rotation; keep w >= 0 so the angle lies in [0, 180] degrees.
        var sign = qw < 0 ? -1.0 : 1.0;
        _qw = sign * qw / norm;
        _qx = sign * qx / norm;
        _qy = sign * qy / norm;
        _qz = sign * qz / norm;
        TranslationMm = translationMm;
        Center = center;
        Rotation = VersorToMatrix(_qw, _qx, _qy, _qz);
        Offset = translationMm + center - (Rotation * center);
    }

    /// <summary>
    /// Creates a transform from a rotation matrix (orthonormal with determinant +1 within 1e-6, else
    /// <see cref="ArgumentException"/>), a translation in mm and a centre of rotation (LPS mm).
    /// </summary>
    public RigidTransform(Matrix3D rotation, Vector3D translationMm, Vector3D center)
        : this(MatrixToVersor(rotation), translationMm, center)
    {
    }

    private RigidTransform((double W, double X, double Y, double Z) q, Vector3D translationMm, Vector3D center)
        : this(q.W, q.X, q.Y, q.Z, translationMm, center)
    {
    }

    /// <summary>The identity transform (centre at the origin).</summary>
    public static RigidTransform Identity { get; } = new(1, 0, 0, 0, Vector3D.Zero, Vector3D.Zero);

    /// <summary>The rotation matrix R.</summary>
    public Matrix3D Rotation { get; }

    /// <summary>The translation in mm (the displacement of <see cref="Center"/>).</summary>
    public Vector3D TranslationMm { get; }

    /// <summary>The centre of rotation in LPS mm.</summary>
    public Vector3D Center { get; }

    /// <summary>The affine offset: <c>y = R · x + Offset</c>.</summary>
    public Vector3D Offset { get; }

    /// <summary>The rotation angle in degrees, in [0, 180].</summary>
    public double RotationAngleDegrees
    {
        get
        {
            var sinHalf = Math.Sqrt((_qx * _qx) + (_qy * _qy) + (_qz * _qz));
            return 2 * Math.Atan2(sinHalf, _qw) * 180 / Math.PI;
        }
    }

    /// <summary>The unit rotation axis (the x axis for the identity rotation).</summary>
    public Vector3D RotationAxis
    {
        get
        {
            var v = new Vector3D(_qx, _qy, _qz);
            return v.Length < 1e-15 ? new Vector3D(1, 0, 0) : v.Normalized();
        }
    }

    /// <summary>The length of <see cref="TranslationMm"/> in mm.</summary>
    public double TranslationMagnitudeMm => TranslationMm.Length;

    /// <summary>The versor (unit quaternion) of the rotation as (W, X, Y, Z), with W ≥ 0.</summary>
    public (double W, double X, double Y, double Z) Versor => (_qw, _qx, _qy, _qz);

    /// <summary>Creates a transform rotating by <paramref name="angleRadians"/> about <paramref name="axis"/> (right-handed) around <paramref name="center"/>.</summary>
    public static RigidTransform FromAxisAngle(Vector3D axis, double angleRadians, Vector3D translationMm, Vector3D center)
    {
        if (!double.IsFinite(angleRadians))
        {
            throw new ArgumentOutOfRangeException(nameof(angleRadians), FormattableString.Invariant($"Angle must be finite; found {angleRadians}."));
        }

        if (angleRadians == 0)
        {
            return new RigidTransform(1, 0, 0, 0, translationMm, center);
        }

        var a = axis.Normalized();
        var s = Math.Sin(angleRadians / 2);
        return new RigidTransform(Math.Cos(angleRadians / 2), a.X * s, a.Y * s, a.Z * s, translationMm, center);
    }

    /// <summary>Creates a transform from Euler angles in radians applied about X, then Y, then Z (R = Rz·Ry·Rx).</summary>
    public static RigidTransform FromEulerXyz(double angleXRadians, double angleYRadians, double angleZRadians, Vector3D translationMm, Vector3D center) =>
        new(Matrix3D.FromEulerXyz(angleXRadians, angleYRadians, angleZRadians), translationMm, center);

    /// <summary>Creates a transform from a versor (normalised here; must not be zero).</summary>
    public static RigidTransform FromVersor(double w, double x, double y, double z, Vector3D translationMm, Vector3D center) =>
        new(w, x, y, z, translationMm, center);

    /// <summary>Creates a pure translation.</summary>
    public static RigidTransform FromTranslation(Vector3D translationMm) => new(1, 0, 0, 0, translationMm, Vector3D.Zero);

    /// <summary>Maps a fixed-image physical point (LPS mm) to the moving image's physical point.</summary>
    public Vector3D TransformPoint(Vector3D point) => (Rotation * point) + Offset;

    /// <summary>Rotates a vector (no translation).</summary>
    public Vector3D TransformVector(Vector3D vector) => Rotation * vector;

    /// <summary>The inverse transform (moving → fixed), with the same centre.</summary>
    public RigidTransform Inverse()
    {
        var rt = Rotation.Transpose();
        return new RigidTransform(_qw, -_qx, -_qy, -_qz, -(rt * TranslationMm), Center);
    }

    /// <summary>
    /// The transform that applies <paramref name="first"/> and then this one: <c>result(x) = this(first(x))</c>.
    /// The result keeps the centre of <paramref name="first"/>.
    /// </summary>
    public RigidTransform Compose(RigidTransform first)
    {
        ArgumentNullException.ThrowIfNull(first);

        // Quaternion product this · first.
        var w = (_qw * first._qw) - (_qx * first._qx) - (_qy * first._qy) - (_qz * first._qz);
        var x = (_qw * first._qx) + (_qx * first._qw) + (_qy * first._qz) - (_qz * first._qy);
        var y = (_qw * first._qy) - (_qx * first._qz) + (_qy * first._qw) + (_qz * first._qx);
        var z = (_qw * first._qz) + (_qx * first._qy) - (_qy * first._qx) + (_qz * first._qw);
        var c = first.Center;
        var t = TransformPoint(first.TransformPoint(c)) - c;
        return new RigidTransform(w, x, y, z, t, c);
    }

    /// <summary>The same mapping expressed with another centre of rotation.</summary>
    public RigidTransform WithCenter(Vector3D center) =>
        new(_qw, _qx, _qy, _qz, Offset + (Rotation * center) - center, center);

    /// <summary>
    /// Evaluates the largest distance in mm between where this transform and <paramref name="other"/> send the
    /// eight corner voxel centres of <paramref name="geometry"/> (for a rigid transform the largest
    /// difference over a box is reached at a corner).
    /// </summary>
    public double MaxCornerDisplacementMm(RigidTransform other, ImageGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(geometry);
        double max = 0;
        foreach (var p in geometry.CornerPoints())
        {
            max = Math.Max(max, (TransformPoint(p) - other.TransformPoint(p)).Length);
        }

        return max;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"rotation {RotationAngleDegrees:F3}° about {RotationAxis}, translation {TranslationMm} mm (|t| = {TranslationMagnitudeMm:F3} mm), centre {Center}");

    /// <summary>Applies a small rotation (rotation vector <paramref name="omega"/>, radians, applied after R) and adds <paramref name="deltaTranslationMm"/>.</summary>
    internal RigidTransform Update(Vector3D omega, Vector3D deltaTranslationMm)
    {
        var angle = omega.Length;
        double dw = 1, dx = 0, dy = 0, dz = 0;
        if (angle > 0)
        {
            var s = Math.Sin(angle / 2) / angle;
            dw = Math.Cos(angle / 2);
            dx = omega.X * s;
            dy = omega.Y * s;
            dz = omega.Z * s;
        }

        var w = (dw * _qw) - (dx * _qx) - (dy * _qy) - (dz * _qz);
        var x = (dw * _qx) + (dx * _qw) + (dy * _qz) - (dz * _qy);
        var y = (dw * _qy) - (dx * _qz) + (dy * _qw) + (dz * _qx);
        var z = (dw * _qz) + (dx * _qy) - (dy * _qx) + (dz * _qw);
        return new RigidTransform(w, x, y, z, TranslationMm + deltaTranslationMm, Center);
    }

    private static bool IsFinite(Vector3D v) => double.IsFinite(v.X) && double.IsFinite(v.Y) && double.IsFinite(v.Z);

    private static Matrix3D VersorToMatrix(double w, double x, double y, double z) => new(
        1 - (2 * ((y * y) + (z * z))), 2 * ((x * y) - (w * z)), 2 * ((x * z) + (w * y)),
        2 * ((x * y) + (w * z)), 1 - (2 * ((x * x) + (z * z))), 2 * ((y * z) - (w * x)),
        2 * ((x * z) - (w * y)), 2 * ((y * z) + (w * x)), 1 - (2 * ((x * x) + (y * y))));

    private static (double W, double X, double Y, double Z) MatrixToVersor(Matrix3D r)
    {
        var rtr = r.Transpose() * r;
        var det = r.Determinant();
        if (rtr.MaxAbsDifference(Matrix3D.Identity) > RotationTolerance || Math.Abs(det - 1) > RotationTolerance)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Rotation must be orthonormal with determinant +1 within {RotationTolerance}; found rows {r.Row(0)}, {r.Row(1)}, {r.Row(2)} (determinant {det:G6})."),
                nameof(r));
        }

        // Shepperd's method: pick the largest of 4w², 4x², 4y², 4z² for a stable square root.
        var trace = r.M00 + r.M11 + r.M22;
        if (trace >= r.M00 && trace >= r.M11 && trace >= r.M22)
        {
            var s = Math.Sqrt(1 + trace) * 2;
            return (s / 4, (r.M21 - r.M12) / s, (r.M02 - r.M20) / s, (r.M10 - r.M01) / s);
        }

        if (r.M00 >= r.M11 && r.M00 >= r.M22)
        {
            var s = Math.Sqrt(1 + r.M00 - r.M11 - r.M22) * 2;
            return ((r.M21 - r.M12) / s, s / 4, (r.M01 + r.M10) / s, (r.M02 + r.M20) / s);
        }

        if (r.M11 >= r.M22)
        {
            var s = Math.Sqrt(1 + r.M11 - r.M00 - r.M22) * 2;
            return ((r.M02 - r.M20) / s, (r.M01 + r.M10) / s, s / 4, (r.M12 + r.M21) / s);
        }

        var s2 = Math.Sqrt(1 + r.M22 - r.M00 - r.M11) * 2;
        return ((r.M10 - r.M01) / s2, (r.M02 + r.M20) / s2, (r.M12 + r.M21) / s2, s2 / 4);
    }
}
