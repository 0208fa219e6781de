using System.Runtime.CompilerServices;
using BmeQuant.Imaging;

namespace BmeQuant.Phantoms.Geometry;

/// <summary>
/// A smooth solid given by a signed-distance-like function (negative inside, mm). Near the surface the value is a
/// first-order accurate distance; far from it, only its sign and rough size matter.
/// </summary>
internal abstract class Shape
{
    public abstract double Distance(in Vector3D p);

    /// <summary>Centre and radius of a sphere enclosing the solid.</summary>
    public abstract (Vector3D Center, double Radius) Bounds { get; }
}

/// <summary>
/// Superellipsoid with even exponent 2 (ellipsoid) or 4 (rounded box), optionally rotated; distance approximated
/// by F/|∇F| with F = g − 1 and g the superellipsoid norm (exact on the axes, first-order near the surface).
/// </summary>
internal sealed class Superellipsoid : Shape
{
    private readonly Vector3D _center;
    private readonly Matrix3D _toLocal;
    private readonly double _ia;
    private readonly double _ib;
    private readonly double _ic;
    private readonly bool _boxy;
    private readonly bool _rotated;
    private readonly double _radius;

    public Superellipsoid(Vector3D center, Vector3D radii, int exponent = 2, Matrix3D? rotation = null)
    {
        if (exponent is not (2 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "Exponent must be 2 or 4.");
        }

        _center = center;
        _toLocal = (rotation ?? Matrix3D.Identity).Transpose();

        // Without a rotation the local offset is p − centre itself (the identity product gives the same values, up to the sign of zero, which is squared away).
        _rotated = _toLocal != Matrix3D.Identity;
        _ia = 1 / radii.X;
        _ib = 1 / radii.Y;
        _ic = 1 / radii.Z;
        _boxy = exponent == 4;
        _radius = Math.Max(radii.X, Math.Max(radii.Y, radii.Z)) * (_boxy ? Math.Sqrt(3) : 1);
    }

    public override (Vector3D Center, double Radius) Bounds => (_center, _radius);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override double Distance(in Vector3D p)
    {
        var d = _rotated ? _toLocal * (p - _center) : p - _center;
        var u = d.X * _ia;
        var v = d.Y * _ib;
        var w = d.Z * _ic;
        if (!_boxy)
        {
            var g2 = (u * u) + (v * v) + (w * w);
            var g = Math.Sqrt(g2);
            if (g < 1e-9)
            {
                return -1 / Math.Max(_ia, Math.Max(_ib, _ic));
            }

            // ∇g = (u/a, v/b, w/c)/g
            var gx = u * _ia;
            var gy = v * _ib;
            var gz = w * _ic;
            var grad = Math.Sqrt((gx * gx) + (gy * gy) + (gz * gz)) / g;
            return (g - 1) / grad;
        }
        else
        {
            double u2 = u * u, v2 = v * v, w2 = w * w;
            var s = (u2 * u2) + (v2 * v2) + (w2 * w2);
            var g = Math.Sqrt(Math.Sqrt(s));
            if (g < 1e-9)
            {
                return -1 / Math.Max(_ia, Math.Max(_ib, _ic));
            }

            // ∂g/∂x = g^-3 u³ / a
            var gx = u2 * u * _ia;
            var gy = v2 * v * _ib;
            var gz = w2 * w * _ic;
            var grad = Math.Sqrt((gx * gx) + (gy * gy) + (gz * gz)) / (g * g * g);
            return (g - 1) / grad;
        }
    }
}

/// <summary>A capsule whose radius varies linearly from <c>ra</c> at A to <c>rb</c> at B (a rounded cone).</summary>
internal sealed class Capsule : Shape
{
    private readonly Vector3D _a;
    private readonly Vector3D _ab;
    private readonly double _invLen2;
    private readonly double _ra;
    private readonly double _rb;

    public Capsule(Vector3D a, Vector3D b, double ra, double rb)
    {
        _a = a;
        _ab = b - a;
        _invLen2 = 1 / _ab.Dot(_ab);
        _ra = ra;
        _rb = rb;
    }

    public Capsule(Vector3D a, Vector3D b, double radius)
        : this(a, b, radius, radius)
    {
    }

    public override (Vector3D Center, double Radius) Bounds =>
        (_a + (_ab * 0.5), (_ab.Length * 0.5) + Math.Max(_ra, _rb));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override double Distance(in Vector3D p)
    {
        var ap = p - _a;
        var t = Math.Clamp(ap.Dot(_ab) * _invLen2, 0, 1);
        var q = ap - (_ab * t);
        return q.Length - (_ra + ((_rb - _ra) * t));
    }
}

/// <summary>How a part joins the solid built so far.</summary>
internal enum CsgOp
{
    Union,
    Subtract,
}

/// <summary>A union / difference of shapes with smooth blending (polynomial smooth min, blend radius in mm).</summary>
internal sealed class CompoundShape : Shape
{
    private readonly Shape[] _parts;
    private readonly CsgOp[] _ops;
    private readonly double[] _blend;
    private readonly Vector3D _boundCenter;
    private readonly double _boundRadius;

    public CompoundShape(IReadOnlyList<(Shape Shape, CsgOp Op, double BlendMm)> parts)
    {
        if (parts.Count == 0 || parts[0].Op != CsgOp.Union)
        {
            throw new ArgumentException("A compound shape needs at least one part and must start with a union.", nameof(parts));
        }

        _parts = parts.Select(p => p.Shape).ToArray();
        _ops = parts.Select(p => p.Op).ToArray();
        _blend = parts.Select(p => p.BlendMm).ToArray();

        // Bounding sphere of the unioned parts (subtractions only shrink the solid).
        var unions = parts.Where(p => p.Op == CsgOp.Union).Select(p => p.Shape.Bounds).ToArray();
        var lo = new Vector3D(double.MaxValue, double.MaxValue, double.MaxValue);
        var hi = new Vector3D(double.MinValue, double.MinValue, double.MinValue);
        foreach (var (c, r) in unions)
        {
            lo = new Vector3D(Math.Min(lo.X, c.X - r), Math.Min(lo.Y, c.Y - r), Math.Min(lo.Z, c.Z - r));
            hi = new Vector3D(Math.Max(hi.X, c.X + r), Math.Max(hi.Y, c.Y + r), Math.Max(hi.Z, c.Z + r));
        }

        _boundCenter = (lo + hi) * 0.5;
        _boundRadius = unions.Max(u => (u.Center - _boundCenter).Length + u.Radius);
    }

    public override (Vector3D Center, double Radius) Bounds => (_boundCenter, _boundRadius);

    public override double Distance(in Vector3D p)
    {
        var d = _parts[0].Distance(p);
        for (var n = 1; n < _parts.Length; n++)
        {
            var di = _parts[n].Distance(p);
            d = _ops[n] == CsgOp.Union ? SmoothMin(d, di, _blend[n]) : -SmoothMin(-d, di, _blend[n]);
        }

        return d;
    }

    /// <summary>Polynomial smooth minimum; equals min(a, b) when |a − b| ≥ k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double SmoothMin(double a, double b, double k)
    {
        if (k <= 0)
        {
            return Math.Min(a, b);
        }

        var h = Math.Max(k - Math.Abs(a - b), 0) / k;
        return Math.Min(a, b) - (h * h * k * 0.25);
    }
}

/// <summary>Builds compound shapes fluently.</summary>
internal sealed class ShapeBuilder
{
    private readonly List<(Shape, CsgOp, double)> _parts = [];

    public ShapeBuilder Add(Shape shape, double blendMm = 0)
    {
        _parts.Add((shape, CsgOp.Union, blendMm));
        return this;
    }

    public ShapeBuilder Subtract(Shape shape, double blendMm = 0)
    {
        _parts.Add((shape, CsgOp.Subtract, blendMm));
        return this;
    }

    public ShapeBuilder Ellipsoid(double cx, double cy, double cz, double rx, double ry, double rz, double blendMm = 0, Matrix3D? rotation = null) =>
        Add(new Superellipsoid(new Vector3D(cx, cy, cz), new Vector3D(rx, ry, rz), 2, rotation), blendMm);

    public ShapeBuilder Box(double cx, double cy, double cz, double rx, double ry, double rz, double blendMm = 0, Matrix3D? rotation = null) =>
        Add(new Superellipsoid(new Vector3D(cx, cy, cz), new Vector3D(rx, ry, rz), 4, rotation), blendMm);

    public ShapeBuilder Capsule(Vector3D a, Vector3D b, double ra, double rb, double blendMm = 0) =>
        Add(new Capsule(a, b, ra, rb), blendMm);

    public CompoundShape Build() => new(_parts);
}

/// <summary>The half-space n·p ≥ offset (n unit); only meaningful as a subtracted part.</summary>
internal sealed class HalfSpace : Shape
{
    private readonly Vector3D _normal;
    private readonly double _offset;

    public HalfSpace(Vector3D normal, double offset)
    {
        _normal = normal.Normalized();
        _offset = offset;
    }

    public override (Vector3D Center, double Radius) Bounds => (Vector3D.Zero, 1e6);

    public override double Distance(in Vector3D p) => _offset - _normal.Dot(p);
}
