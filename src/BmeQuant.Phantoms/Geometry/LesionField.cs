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
                _bandDepthMm = 1.5 + (spec.BandThicknessMm * 0.5);
                BoundCenter = _center;
                BoundRadius = Math.Max(spec.SizeMm + (0.5 * w), spec.BandLengthMm * 0.5) + 1;
                break;
            case LesionPattern.Diffuse:
                _center = bone.SurfacePoint + spec.OffsetMm;
                _axisEnd = _center - (a * (1.5 * spec.SizeMm));
                _bandDepthMm = 1.5 + (spec.BandThicknessMm * 0.5);
                BoundCenter = (_center + _axisEnd) * 0.5;
                BoundRadius = Math.Max((0.75 * spec.SizeMm) + spec.SizeMm + (0.5 * w), spec.BandLengthMm * 0.5) + 1;
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
    /// Edema fraction of this lesion at <paramref name="p"/> (bone frame), given the depth below the bone surface;
    /// <paramref name="replacement"/> is set when a band or rim replaces the marrow there.
    /// </summary>
    public double Evaluate(in Vector3D p, double depthMm, out Tissue replacement)
    {
        replacement = Tissue.Air;
        var s = _spec;
        var w = Math.Max(s.EdgeWidthMm, 1e-3);
        switch (s.Pattern)
        {
            case LesionPattern.Subchondral:
            {
                var r = (p - _center).Length;
                if (s.BandThicknessMm > 0 && Math.Abs(depthMm - _bandDepthMm) < 0.5 * s.BandThicknessMm && r < 0.5 * s.BandLengthMm)
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
                if (s.BandThicknessMm > 0 && Math.Abs(depthMm - _bandDepthMm) < 0.5 * s.BandThicknessMm && (p - _center).Length < 0.5 * s.BandLengthMm)
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

                if (s.Pattern == LesionPattern.SubcorticalPatchy)
                {
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

    /// <summary>
    /// A distance (mm) within which this lesion is zero around <paramref name="p"/> (bone frame, at
    /// <paramref name="depthMm"/> below the bone surface): no edema and no band or rim; 0 when the point is inside the
    /// lesion's support or no such bound is known (the osteonecrosis rim). Same trust as the scene's clearance: the
    /// depth is taken to change by at most the distance moved.
    /// </summary>
    public double ZeroMargin(in Vector3D p, double depthMm)
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
                    margin = Math.Min(margin, Math.Max(r - (0.5 * s.BandLengthMm), Math.Abs(depthMm - _bandDepthMm) - (0.5 * s.BandThicknessMm)));
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
                    margin = Math.Min(margin, Math.Max((p - _center).Length - (0.5 * s.BandLengthMm), Math.Abs(depthMm - _bandDepthMm) - (0.5 * s.BandThicknessMm)));
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

                if (s.Pattern == LesionPattern.SubcorticalPatchy)
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
}
