using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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

    /// <summary>Centre (for the vectorised evaluation of a compound).</summary>
    internal Vector3D Center => _center;

    /// <summary>Inverse radii along the local axes.</summary>
    internal (double A, double B, double C) InverseRadii => (_ia, _ib, _ic);

    /// <summary>Whether the exponent is 4 (rounded box) rather than 2.</summary>
    internal bool Boxy => _boxy;

    /// <summary>Whether the solid is rotated (its offset is then multiplied by the inverse rotation).</summary>
    internal bool Rotated => _rotated;

    /// <summary>The value returned within 1e-9 of the centre (where the gradient vanishes).</summary>
    internal double AtCenter => -1 / Math.Max(_ia, Math.Max(_ib, _ic));

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

    /// <summary>End A, the axis A→B, 1/|AB|², the radius at A and its change to B (for the vectorised evaluation of a compound).</summary>
    internal (Vector3D A, Vector3D Ab, double InvLen2, double Ra, double RbMinusRa) Parameters => (_a, _ab, _invLen2, _ra, _rb - _ra);

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
    private readonly PartLanes? _lanes;

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
        _lanes = PartLanes.Create(_parts);
    }

    /// <summary>
    /// Whether part distances are evaluated four at a time (<see cref="Vector256{T}"/>) when the hardware accelerates it;
    /// off = the scalar reference (<see cref="DistanceScalar"/>). Both give the same bits.
    /// </summary>
    internal static bool Vectorized { get; set; } = Vector256.IsHardwareAccelerated;

    public override (Vector3D Center, double Radius) Bounds => (_boundCenter, _boundRadius);

    public override double Distance(in Vector3D p)
    {
        if (_lanes is null || !Vectorized)
        {
            return DistanceScalar(p);
        }

        Span<double> buffer = stackalloc double[_lanes.SlotCount];
        _lanes.Evaluate(p, _parts, buffer);
        var slots = _lanes.Slots;
        var d = buffer[slots[0]];
        for (var n = 1; n < slots.Length; n++)
        {
            var di = buffer[slots[n]];
            d = _ops[n] == CsgOp.Union ? SmoothMin(d, di, _blend[n]) : -SmoothMin(-d, di, _blend[n]);
        }

        return d;
    }

    /// <summary>Scalar reference of <see cref="Distance"/>: each part's distance in turn, folded in part order.</summary>
    internal double DistanceScalar(in Vector3D p)
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

/// <summary>
/// The parts of a compound grouped by kind (unrotated ellipsoids, unrotated rounded boxes, capsules) in structure-of-arrays
/// lanes of four, evaluated with <see cref="Vector256{T}"/>: every lane performs the scalar code's IEEE operations in the
/// same order (no fused multiply-add), so each part's distance has the same bits as its <see cref="Shape.Distance"/>.
/// Kinds with a single part, rotated superellipsoids and other shapes are evaluated by their scalar code.
/// </summary>
internal sealed class PartLanes
{
    /// <summary>Lane blocks of unrotated ellipsoids: cx, cy, cz, ia, ib, ic, value at the centre (one vector per field and block).</summary>
    private readonly Vector256<double>[] _ellipsoids;
    private readonly Vector256<double>[] _boxes;

    /// <summary>Capsule blocks: ax, ay, az, abx, aby, abz, 1/|AB|², ra, rb − ra.</summary>
    private readonly Vector256<double>[] _capsules;
    private readonly int _ellipsoidBlocks;
    private readonly int _boxBlocks;
    private readonly int _capsuleBlocks;

    /// <summary>Parts evaluated by their scalar code, and the slot each one's value goes to.</summary>
    private readonly int[] _scalar;

    /// <summary>For each part (part order), its slot in the evaluation buffer (lane blocks first, then the scalar parts).</summary>
    private readonly int[] _slot;

    private PartLanes(List<int> ellipsoids, List<int> boxes, List<int> capsules, List<int> scalar, Shape[] parts)
    {
        _slot = new int[parts.Length];
        var next = 0;
        _ellipsoidBlocks = (ellipsoids.Count + 3) / 4;
        _ellipsoids = SuperellipsoidData(ellipsoids, parts, _slot, ref next);
        _boxBlocks = (boxes.Count + 3) / 4;
        _boxes = SuperellipsoidData(boxes, parts, _slot, ref next);
        _capsuleBlocks = (capsules.Count + 3) / 4;
        _capsules = CapsuleData(capsules, parts, _slot, ref next);
        _scalar = [.. scalar];
        foreach (var n in scalar)
        {
            _slot[n] = next++;
        }

        SlotCount = next;
    }

    private const int SuperellipsoidFields = 7;
    private const int CapsuleFields = 9;

    /// <summary>Length of the buffer <see cref="Evaluate"/> fills.</summary>
    public int SlotCount { get; }

    /// <summary>For each part (part order), where <see cref="Evaluate"/> puts its distance.</summary>
    public ReadOnlySpan<int> Slots => _slot;

    /// <summary>Lanes for <paramref name="parts"/>, or null when no kind has two parts (nothing to gain).</summary>
    public static PartLanes? Create(Shape[] parts)
    {
        var ellipsoids = new List<int>();
        var boxes = new List<int>();
        var capsules = new List<int>();
        var scalar = new List<int>();
        for (var n = 0; n < parts.Length; n++)
        {
            switch (parts[n])
            {
                case Superellipsoid { Rotated: false, Boxy: false }:
                    ellipsoids.Add(n);
                    break;
                case Superellipsoid { Rotated: false, Boxy: true }:
                    boxes.Add(n);
                    break;
                case Capsule:
                    capsules.Add(n);
                    break;
                default:
                    scalar.Add(n);
                    break;
            }
        }

        // A kind with one part is cheaper through its scalar code.
        foreach (var kind in new[] { ellipsoids, boxes, capsules })
        {
            if (kind.Count == 1)
            {
                scalar.Add(kind[0]);
                kind.Clear();
            }
        }

        return ellipsoids.Count + boxes.Count + capsules.Count == 0 ? null : new PartLanes(ellipsoids, boxes, capsules, scalar, parts);
    }

    /// <summary>Writes every part's distance at <paramref name="p"/> to its slot of <paramref name="buffer"/> (<see cref="Slots"/>).</summary>
    public void Evaluate(in Vector3D p, Shape[] parts, Span<double> buffer)
    {
        var px = Vector256.Create(p.X);
        var py = Vector256.Create(p.Y);
        var pz = Vector256.Create(p.Z);
        var slot = 0;
        var e = _ellipsoids;
        for (var block = 0; block < _ellipsoidBlocks; block++, slot += 4)
        {
            var f = block * SuperellipsoidFields;
            var ia = e[f + 3];
            var ib = e[f + 4];
            var ic = e[f + 5];
            var u = (px - e[f]) * ia;
            var v = (py - e[f + 1]) * ib;
            var w = (pz - e[f + 2]) * ic;
            var g = Vector256.Sqrt((u * u) + (v * v) + (w * w));
            var gx = u * ia;
            var gy = v * ib;
            var gz = w * ic;
            var grad = Vector256.Sqrt((gx * gx) + (gy * gy) + (gz * gz)) / g;
            var d = (g - Vector256<double>.One) / grad;
            Vector256.ConditionalSelect(Vector256.LessThan(g, Vector256.Create(1e-9)), e[f + 6], d).CopyTo(buffer[slot..]);
        }

        var x = _boxes;
        for (var block = 0; block < _boxBlocks; block++, slot += 4)
        {
            var f = block * SuperellipsoidFields;
            var ia = x[f + 3];
            var ib = x[f + 4];
            var ic = x[f + 5];
            var u = (px - x[f]) * ia;
            var v = (py - x[f + 1]) * ib;
            var w = (pz - x[f + 2]) * ic;
            var u2 = u * u;
            var v2 = v * v;
            var w2 = w * w;
            var g = Vector256.Sqrt(Vector256.Sqrt((u2 * u2) + (v2 * v2) + (w2 * w2)));
            var gx = u2 * u * ia;
            var gy = v2 * v * ib;
            var gz = w2 * w * ic;
            var grad = Vector256.Sqrt((gx * gx) + (gy * gy) + (gz * gz)) / (g * g * g);
            var d = (g - Vector256<double>.One) / grad;
            Vector256.ConditionalSelect(Vector256.LessThan(g, Vector256.Create(1e-9)), x[f + 6], d).CopyTo(buffer[slot..]);
        }

        var c = _capsules;
        for (var block = 0; block < _capsuleBlocks; block++, slot += 4)
        {
            // Math.Clamp(t, 0, 1): below 0 → 0, above 1 → 1, else unchanged (NaN too).
            var f = block * CapsuleFields;
            var apx = px - c[f];
            var apy = py - c[f + 1];
            var apz = pz - c[f + 2];
            var abx = c[f + 3];
            var aby = c[f + 4];
            var abz = c[f + 5];
            var t = ((apx * abx) + (apy * aby) + (apz * abz)) * c[f + 6];
            t = Vector256.ConditionalSelect(Vector256.LessThan(t, Vector256<double>.Zero), Vector256<double>.Zero, t);
            t = Vector256.ConditionalSelect(Vector256.GreaterThan(t, Vector256<double>.One), Vector256<double>.One, t);
            var qx = apx - (abx * t);
            var qy = apy - (aby * t);
            var qz = apz - (abz * t);
            (Vector256.Sqrt((qx * qx) + (qy * qy) + (qz * qz)) - (c[f + 7] + (c[f + 8] * t))).CopyTo(buffer[slot..]);
        }

        foreach (var n in _scalar)
        {
            buffer[slot++] = parts[n].Distance(p);
        }
    }

    /// <summary>Field-major vectors per block of four parts; unused lanes repeat the block's first part (finite values, ignored).</summary>
    private static Vector256<double>[] SuperellipsoidData(List<int> indices, Shape[] parts, int[] slots, ref int next)
    {
        var blocks = (indices.Count + 3) / 4;
        var data = new Vector256<double>[blocks * SuperellipsoidFields];
        Span<double> lane = stackalloc double[4];
        for (var b = 0; b < blocks; b++)
        {
            for (var f = 0; f < SuperellipsoidFields; f++)
            {
                for (var l = 0; l < 4; l++)
                {
                    var e = (Superellipsoid)parts[(4 * b) + l < indices.Count ? indices[(4 * b) + l] : indices[4 * b]];
                    var (ia, ib, ic) = e.InverseRadii;
                    lane[l] = f switch { 0 => e.Center.X, 1 => e.Center.Y, 2 => e.Center.Z, 3 => ia, 4 => ib, 5 => ic, _ => e.AtCenter };
                }

                data[(b * SuperellipsoidFields) + f] = Vector256.Create<double>(lane);
            }

            for (var l = 0; l < 4; l++)
            {
                if ((4 * b) + l < indices.Count)
                {
                    slots[indices[(4 * b) + l]] = next + l;
                }
            }

            next += 4;
        }

        return data;
    }

    private static Vector256<double>[] CapsuleData(List<int> indices, Shape[] parts, int[] slots, ref int next)
    {
        var blocks = (indices.Count + 3) / 4;
        var data = new Vector256<double>[blocks * CapsuleFields];
        Span<double> lane = stackalloc double[4];
        for (var b = 0; b < blocks; b++)
        {
            for (var f = 0; f < CapsuleFields; f++)
            {
                for (var l = 0; l < 4; l++)
                {
                    var (a, ab, invLen2, ra, rbMinusRa) = ((Capsule)parts[(4 * b) + l < indices.Count ? indices[(4 * b) + l] : indices[4 * b]]).Parameters;
                    lane[l] = f switch { 0 => a.X, 1 => a.Y, 2 => a.Z, 3 => ab.X, 4 => ab.Y, 5 => ab.Z, 6 => invLen2, 7 => ra, _ => rbMinusRa };
                }

                data[(b * CapsuleFields) + f] = Vector256.Create<double>(lane);
            }

            for (var l = 0; l < 4; l++)
            {
                if ((4 * b) + l < indices.Count)
                {
                    slots[indices[(4 * b) + l]] = next + l;
                }
            }

            next += 4;
        }

        return data;
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
