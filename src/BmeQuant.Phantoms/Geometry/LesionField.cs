using System.Runtime.CompilerServices;
using BmeQuant.Imaging;
using BmeQuant.Phantoms.Signal;

namespace BmeQuant.Phantoms.Geometry;

/// <summary>
/// The edema fraction field of one lesion in its bone's frame (anatomy frame at neutral pose). Fractions have
/// soft edges: each boundary is a smoothstep of width <see cref="LesionSpec.EdgeWidthMm"/> centred on the nominal
/// boundary. Bands and necrosis rims replace marrow by a tissue of their own.
/// </summary>
internal sealed class LesionField
{
    private readonly LesionSpec _spec;
    private readonly BoneModel _bone;
    private readonly Vector3D _center;
    private readonly Vector3D _axisEnd;
    private readonly (Vector3D Center, double Radius, double Peak)[] _foci = [];
    private readonly double _bandDepthMm;

    /// <summary>Radius around the lesion's surface point (<c>_center</c>) that holds every band point, mm (0 = no band).</summary>
    private readonly double _bandReachMm;

    /// <summary>First-order depth beyond which no band point lies, mm (see <see cref="DepthField.RawDepthFactor"/>).</summary>
    private readonly double _bandRawDepthLimitMm;

    /// <summary>
    /// True depth below the bone surface around the lesion, for the patterns whose edema is specified by depth: one
    /// field over the bound of a subchondral lesion, one per focus of a subcortical patchy lesion; empty otherwise.
    /// </summary>
    private readonly DepthField[] _depthFields = [];

    public LesionField(LesionSpec spec, BoneModel bone, int boneIndex)
    {
        _spec = spec;
        _bone = bone;
        BoneIndex = boneIndex;
        var w = Math.Max(spec.EdgeWidthMm, 1e-3);
        var a = bone.ArticularDirection;
        switch (spec.Pattern)
        {
            case LesionPattern.Subchondral:
                _center = bone.SurfacePoint + spec.OffsetMm;
                _bandDepthMm = BandTopMm + (spec.BandThicknessMm * 0.5);
                (_bandReachMm, _bandRawDepthLimitMm) = BandLimits(spec);
                BoundCenter = _center;
                BoundRadius = Math.Max(spec.SizeMm + (0.5 * w), spec.BandThicknessMm > 0 ? _bandReachMm : spec.BandLengthMm * 0.5) + 1;
                _depthFields = [new DepthField(bone.Shape, BoundCenter, BoundRadius, spec.DepthMm + (0.5 * w), DepthStepMm)];
                break;
            case LesionPattern.Diffuse:
                _center = bone.SurfacePoint + spec.OffsetMm;
                _axisEnd = _center - (a * (1.5 * spec.SizeMm));
                _bandDepthMm = BandTopMm + (spec.BandThicknessMm * 0.5);
                (_bandReachMm, _bandRawDepthLimitMm) = BandLimits(spec);
                BoundCenter = (_center + _axisEnd) * 0.5;
                BoundRadius = Math.Max((0.75 * spec.SizeMm) + spec.SizeMm + (0.5 * w), spec.BandThicknessMm > 0 ? (0.75 * spec.SizeMm) + _bandReachMm : spec.BandLengthMm * 0.5) + 1;
                break;
            case LesionPattern.SubcorticalPatchy:
            case LesionPattern.MultifocalPatchy:
                _center = bone.MarrowCenter + spec.OffsetMm;
                _foci = PlaceFoci(spec, bone);
                var lo = new Vector3D(double.MaxValue, double.MaxValue, double.MaxValue);
                var hi = -lo;
                foreach (var (c, r, _) in _foci)
                {
                    lo = new Vector3D(Math.Min(lo.X, c.X - r), Math.Min(lo.Y, c.Y - r), Math.Min(lo.Z, c.Z - r));
                    hi = new Vector3D(Math.Max(hi.X, c.X + r), Math.Max(hi.Y, c.Y + r), Math.Max(hi.Z, c.Z + r));
                }

                BoundCenter = (lo + hi) * 0.5;
                BoundRadius = _foci.Max(f => (f.Center - BoundCenter).Length + f.Radius) + (0.5 * w) + 1;
                if (spec.Pattern == LesionPattern.SubcorticalPatchy)
                {
                    _depthFields = [.. _foci.Select(f => new DepthField(bone.Shape, f.Center, f.Radius + (0.5 * w), spec.DepthMm + (0.5 * w), DepthStepMm))];
                }

                break;
            case LesionPattern.OsteonecrosisLike:
                _center = bone.SurfacePoint + spec.OffsetMm - (a * (0.6 * spec.SizeMm));
                BoundCenter = _center;
                BoundRadius = (spec.SizeMm * 1.15) + RimMm + 1;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec.Pattern, "Unknown lesion pattern.");
        }
    }

    /// <summary>Thickness of each line of the necrosis double-line rim, mm.</summary>
    public const double RimMm = 1.5;

    /// <summary>Depth of the low-signal band's upper face below the bone surface, mm (below every model's cortex).</summary>
    public const double BandTopMm = 1.5;

    /// <summary>
    /// Node spacing of the true-depth fields, mm: measured against the minimum over 3,200 ray casts at 150 points of each
    /// joint's usual subchondral lesion, the depth is within 0.07–0.22 mm (mean |error| under 0.01 mm); fields over a
    /// lesion cost ~20 CPU-ms each (1.5 mm: no more accurate, 2–3× the cost).
    /// </summary>
    public const double DepthStepMm = 2;

    public LesionSpec Spec => _spec;

    public int BoneIndex { get; }

    public Vector3D BoundCenter { get; }

    public double BoundRadius { get; }

    /// <summary>Spheres whose union holds every point where the lesion is non-zero (one per focus for patchy lesions).</summary>
    public (Vector3D Center, double Radius)[] Support =>
        _foci.Length > 0
            ? _foci.Select(f => (f.Center, f.Radius + (0.5 * Math.Max(_spec.EdgeWidthMm, 1e-3)) + 0.5)).ToArray()
            : [(BoundCenter, BoundRadius)];

    /// <summary>
    /// Edema fraction of this lesion at <paramref name="p"/> (bone frame), given the bone shape's first-order depth there
    /// (depth-specified patterns use their true depth, <see cref="TrueDepth"/>); <paramref name="replacement"/> is set
    /// when a band or rim replaces the marrow there.
    /// </summary>
    public double Evaluate(in Vector3D p, double depthMm, out Tissue replacement) => Evaluate(p, TrueDepth(p, double.NaN), Band(p, depthMm), out replacement);

    /// <summary>
    /// <see cref="Evaluate(in Vector3D, double, out Tissue)"/> and <see cref="ZeroMargin(in Vector3D, double)"/> of one point,
    /// with the band's surface coordinates found once.
    /// </summary>
    public double Evaluate(in Vector3D p, double depthMm, out Tissue replacement, out double zeroMarginMm)
    {
        var band = Band(p, depthMm);
        var trueDepth = TrueDepth(p, double.NaN);
        zeroMarginMm = ZeroMargin(p, trueDepth, band);
        return Evaluate(p, trueDepth, band, out replacement);
    }

    /// <summary>
    /// A distance (mm) within which this lesion is zero around <paramref name="p"/> (bone frame, at
    /// <paramref name="depthMm"/> below the bone surface): no edema and no band or rim; 0 when the point is inside the
    /// lesion's support or no such bound is known (the osteonecrosis rim). Same trust as the scene's clearance: the
    /// depth is taken to change by at most the distance moved.
    /// </summary>
    public double ZeroMargin(in Vector3D p, double depthMm) => ZeroMargin(p, TrueDepth(p, double.NaN), Band(p, depthMm));

    /// <summary>
    /// Depth of <paramref name="p"/> below the bone surface as the lesion uses it: the true depth from the lesion's depth
    /// field (the first field whose cube holds the point) for depth-specified patterns, else <paramref name="firstOrderDepthMm"/>
    /// (also when the point lies outside every field: a subcortical focus's edema is zero there).
    /// </summary>
    public double TrueDepth(in Vector3D p, double firstOrderDepthMm)
    {
        foreach (var field in _depthFields)
        {
            if (field.Contains(p))
            {
                return field.At(p);
            }
        }

        return firstOrderDepthMm;
    }

    /// <summary>Whether the lesion's depths are true depths (depth-specified patterns) rather than first-order ones.</summary>
    public bool HasTrueDepth => _depthFields.Length > 0;

    /// <summary>
    /// Where a point lies relative to the low-signal band. The band is the layer of marrow from <see cref="BandTopMm"/> to
    /// <see cref="BandTopMm"/> + thickness below the articular surface, measured along the surface normal (true depth, not
    /// the shape's first-order distance, which is up to 1.4× too deep under the blended tibial plateau and rendered the
    /// band thinner than specified), whose foot point on the surface lies within half the band length of the lesion's
    /// surface point (so the length is measured along the surface, at every depth of the band).
    /// </summary>
    private BandPosition Band(in Vector3D p, double depthMm)
    {
        if (_bandReachMm <= 0)
        {
            return default;
        }

        var r = (p - _center).Length;
        var outside = Math.Max(r - _bandReachMm, depthMm - _bandRawDepthLimitMm);
        if (outside > 0)
        {
            return new BandPosition(false, outside);
        }

        var trueDepth = SurfaceFoot(p, out var foot);
        var s = _spec;
        var lateral = (foot - _center).Length;
        var inBand = Math.Abs(trueDepth - _bandDepthMm) < 0.5 * s.BandThicknessMm && lateral < 0.5 * s.BandLengthMm;

        // The depth is a distance (moves at most as far as the point); the foot moves up to R / (R − depth) times as far
        // under a convex surface of radius R, so the lateral margin counts half.
        var margin = Math.Max(Math.Abs(trueDepth - _bandDepthMm) - (0.5 * s.BandThicknessMm), 0.5 * (lateral - (0.5 * s.BandLengthMm)));
        return new BandPosition(inBand, margin);
    }

    /// <summary>Depth of <paramref name="p"/> below the bone surface along the surface normal, and the foot point (<see cref="DepthField.SurfaceFoot"/>).</summary>
    private double SurfaceFoot(in Vector3D p, out Vector3D foot)
    {
        foot = DepthField.SurfaceFoot(_bone.Shape, p);
        return (p - foot).Length;
    }

    private static (double ReachMm, double RawDepthLimitMm) BandLimits(LesionSpec spec)
    {
        if (!(spec.BandThicknessMm > 0))
        {
            return (0, 0);
        }

        var bottom = BandTopMm + spec.BandThicknessMm;
        return ((0.5 * spec.BandLengthMm) + bottom + 1, (DepthField.RawDepthFactor * bottom) + 2);
    }

    private double Evaluate(in Vector3D p, double depthMm, in BandPosition band, out Tissue replacement)
    {
        replacement = Tissue.Air;
        var s = _spec;
        var w = Math.Max(s.EdgeWidthMm, 1e-3);
        switch (s.Pattern)
        {
            case LesionPattern.Subchondral:
            {
                var r = (p - _center).Length;
                if (band.InBand)
                {
                    replacement = Tissue.FractureBand;
                    return 0;
                }

                var grade = 1 - (0.3 * Math.Clamp(depthMm / Math.Max(s.DepthMm, 1e-3), 0, 1));
                return s.PeakFraction * grade * SoftStep(s.SizeMm - r, w) * SoftStep(s.DepthMm - depthMm, w);
            }

            case LesionPattern.Diffuse:
            {
                var ab = _axisEnd - _center;
                var t = Math.Clamp((p - _center).Dot(ab) / ab.Dot(ab), 0, 1);
                var r = (p - (_center + (ab * t))).Length;
                if (band.InBand)
                {
                    replacement = Tissue.FractureBand;
                    return 0;
                }

                return s.PeakFraction * (1 - (0.45 * t)) * SoftStep(s.SizeMm - r, w);
            }

            case LesionPattern.SubcorticalPatchy:
            case LesionPattern.MultifocalPatchy:
            {
                double f = 0;
                foreach (var (c, radius, peak) in _foci)
                {
                    var fi = peak * SoftStep(radius - (p - c).Length, w);
                    f = Math.Max(f, fi);
                }

                if (s.Pattern == LesionPattern.SubcorticalPatchy && f > 0)
                {
                    // A point with edema lies in a focus's support, so in its depth field.
                    f *= SoftStep(s.DepthMm - depthMm, w);
                }

                return f;
            }

            case LesionPattern.OsteonecrosisLike:
            {
                var d = p - _center;
                var len = d.Length;
                if (len > 1e-9)
                {
                    var theta = Math.Acos(Math.Clamp(d.Z / len, -1, 1));
                    var phi = Math.Atan2(d.Y, d.X);
                    var rho = s.SizeMm * (1 + (0.12 * Math.Sin((5 * theta) + 0.7) * Math.Sin(4 * phi)));
                    var shell = len - rho;
                    if (shell >= -RimMm && shell < 0)
                    {
                        replacement = Tissue.GranulationRim;
                    }
                    else if (shell >= 0 && shell < RimMm)
                    {
                        replacement = Tissue.SclerosisRim;
                    }
                }

                return 0;
            }

            default:
                return 0;
        }
    }

    private double ZeroMargin(in Vector3D p, double depthMm, in BandPosition band)
    {
        var s = _spec;
        var halfEdge = 0.5 * Math.Max(s.EdgeWidthMm, 1e-3);
        double margin;
        switch (s.Pattern)
        {
            case LesionPattern.Subchondral:
            {
                var r = (p - _center).Length;
                margin = Math.Max(r - (s.SizeMm + halfEdge), depthMm - (s.DepthMm + halfEdge));
                if (s.BandThicknessMm > 0)
                {
                    margin = Math.Min(margin, band.MarginMm);
                }

                break;
            }

            case LesionPattern.Diffuse:
            {
                var ab = _axisEnd - _center;
                var t = Math.Clamp((p - _center).Dot(ab) / ab.Dot(ab), 0, 1);
                margin = (p - (_center + (ab * t))).Length - (s.SizeMm + halfEdge);
                if (s.BandThicknessMm > 0)
                {
                    margin = Math.Min(margin, band.MarginMm);
                }

                break;
            }

            case LesionPattern.SubcorticalPatchy:
            case LesionPattern.MultifocalPatchy:
            {
                margin = double.MaxValue;
                foreach (var (c, radius, _) in _foci)
                {
                    margin = Math.Min(margin, (p - c).Length - (radius + halfEdge));
                }

                if (s.Pattern == LesionPattern.SubcorticalPatchy && !double.IsNaN(depthMm))
                {
                    margin = Math.Max(margin, depthMm - (s.DepthMm + halfEdge));
                }

                break;
            }

            default:
                return 0;
        }

        return margin > 0 ? margin : 0;
    }

    /// <summary>Smoothstep from 0 (x ≤ −w/2) to 1 (x ≥ w/2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double SoftStep(double x, double w)
    {
        var t = (x / w) + 0.5;
        if (t <= 0)
        {
            return 0;
        }

        if (t >= 1)
        {
            return 1;
        }

        return t * t * (3 - (2 * t));
    }

    private static (Vector3D, double, double)[] PlaceFoci(LesionSpec spec, BoneModel bone)
    {
        var rng = new SplitMix64(unchecked((ulong)spec.FocusSeed * 0x9E3779B97F4A7C15UL) ^ 0x5EEDUL);
        var n = Math.Max(1, spec.FocusCount);
        var foci = new List<(Vector3D, double, double)>(n);
        var center = bone.MarrowCenter + spec.OffsetMm;
        var spread = 2 * spec.SizeMm;
        var tries = 0;
        while (foci.Count < n && tries < 10000)
        {
            tries++;
            var radius = spec.SizeMm * (0.6 + (0.4 * rng.NextDouble()));
            var peak = spec.PeakFraction * (0.7 + (0.3 * rng.NextDouble()));
            Vector3D c;
            if (spec.Pattern == LesionPattern.SubcorticalPatchy)
            {
                // A random direction from the marrow centre; the focus sits half the depth under the surface.
                var dir = RandomUnit(ref rng);
                var hit = MarchToSurface(bone.Shape, center, dir, 3 * spread);
                if (hit is null)
                {
                    continue;
                }

                c = hit.Value - (dir * (0.5 * spec.DepthMm));
            }
            else
            {
                var u = RandomUnit(ref rng) * (spread * Math.Cbrt(rng.NextDouble()));
                c = center + u;
            }

            if (bone.Shape.Distance(c) > -(bone.CortexMm + 1))
            {
                continue;
            }

            foci.Add((c, radius, peak));
        }

        if (foci.Count == 0)
        {
            throw new ArgumentException($"Lesion '{spec.Id}': no focus of pattern {spec.Pattern} fits inside bone {bone.Name}.", nameof(spec));
        }

        return [.. foci];
    }

    private static Vector3D RandomUnit(ref SplitMix64 rng)
    {
        var z = (2 * rng.NextDouble()) - 1;
        var phi = 2 * Math.PI * rng.NextDouble();
        var r = Math.Sqrt(1 - (z * z));
        return new Vector3D(r * Math.Cos(phi), r * Math.Sin(phi), z);
    }

    private static Vector3D? MarchToSurface(Shape shape, Vector3D start, Vector3D dir, double maxMm)
    {
        for (var t = 0.0; t < maxMm; t += 0.5)
        {
            var p = start + (dir * t);
            if (shape.Distance(p) >= 0)
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>
    /// A point relative to the band: whether it is band, and how far it can move without entering (or, inside, leaving) it.
    /// </summary>
    private readonly record struct BandPosition(bool InBand, double MarginMm);
}
