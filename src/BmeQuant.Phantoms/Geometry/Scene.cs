using BmeQuant.Imaging;
using BmeQuant.Phantoms.Signal;

namespace BmeQuant.Phantoms.Geometry;

/// <summary>What one point of the phantom is made of.</summary>
internal struct SampleValue
{
    public Tissue Tissue;

    /// <summary>Bone index, −1 outside bone (cortex, marrow, bands and rims belong to their bone).</summary>
    public int Bone;

    /// <summary>Edema fraction (marrow only).</summary>
    public double Edema;
}

/// <summary>
/// The anatomy of one visit (flexion applied, lesions attached to their bones), evaluated point by point in the
/// anatomy frame. <see cref="Evaluate(in Vector3D, out SampleValue)"/> also returns a clearance: a distance (mm) within which the tissue class
/// cannot change, so homogeneous voxels can skip supersampling.
/// </summary>
internal sealed class Scene
{
    private const int MaxSegments = 3;

    /// <summary>Most bones in a model (the ankle has nine).</summary>
    private const int MaxBones = 16;

    /// <summary>Beyond the effusion depth, the capsule is evaluated only this close to it (mm); farther, the depth alone bounds the clearance.</summary>
    private const double FluidProbeMm = 6;

    private readonly AnatomyModel _model;
    private readonly BoneModel[] _bones;
    private readonly Matrix3D[] _segmentToLocal = new Matrix3D[MaxSegments];
    private readonly Matrix3D[] _segmentToAnatomy = new Matrix3D[MaxSegments];
    private readonly bool[] _segmentMoves = new bool[MaxSegments];
    private readonly LesionField[][] _lesionsByBone;
    private readonly double _effusionMm;
    private readonly double _reachMm;

    public Scene(AnatomyModel model, IReadOnlyList<LesionSpec> lesions, double flexionDeg, double effusionMm)
    {
        if (model.Bones.Length > MaxBones)
        {
            throw new ArgumentException($"The {model.Anatomy} model has {model.Bones.Length} bones; at most {MaxBones} are supported.", nameof(model));
        }

        _model = model;
        _bones = model.Bones;
        _effusionMm = Math.Max(0, effusionMm);
        for (var s = 0; s < MaxSegments; s++)
        {
            var angle = s switch
            {
                1 => flexionDeg,
                2 => flexionDeg * 0.5,
                _ => 0,
            } * Math.PI / 180;
            var rot = AxisAngle(model.FlexionAxis, angle);
            _segmentToAnatomy[s] = rot;
            _segmentToLocal[s] = rot.Transpose();
            _segmentMoves[s] = angle != 0;
        }

        Lesions = lesions.Select(l =>
        {
            var b = model.BoneIndex(l.Bone);
            return new LesionField(l, _bones[b], b);
        }).ToArray();
        _lesionsByBone = _bones.Select((_, b) => Lesions.Where(l => l.BoneIndex == b).ToArray()).ToArray();
        var maxCart = _bones.Max(b => b.CartilageMm);
        _reachMm = Math.Max(_effusionMm, (2 * maxCart) + 8);
    }

    public AnatomyModel Model => _model;

    public LesionField[] Lesions { get; }

    /// <summary>Bone-frame point of an anatomy-frame point for bone <paramref name="bone"/>.</summary>
    public Vector3D ToBoneFrame(int bone, in Vector3D q)
    {
        var s = _bones[bone].Segment;
        return _segmentMoves[s] ? (_segmentToLocal[s] * (q - _model.FlexionPivot)) + _model.FlexionPivot : q;
    }

    /// <summary>Anatomy-frame point of a bone-frame point.</summary>
    public Vector3D ToAnatomyFrame(int bone, in Vector3D p)
    {
        var s = _bones[bone].Segment;
        return _segmentMoves[s] ? (_segmentToAnatomy[s] * (p - _model.FlexionPivot)) + _model.FlexionPivot : p;
    }

    /// <summary>
    /// Classifies the anatomy-frame point <paramref name="q"/>; returns the clearance in mm: how far the point can move
    /// before any test of the classification could change its outcome, assuming every distance function moves by at most
    /// the distance moved (callers trust it only up to a margin, since the superellipsoid distances are first-order).
    /// Only the tests that decide this point's class count: the bone identity by the distance gap to the next bone, the
    /// cartilage rule only where two bones could both be near enough, the effusion depth only near the capsule, a
    /// lesion only within its support.
    /// </summary>
    public double Evaluate(in Vector3D q, out SampleValue value) => Evaluate(q, out value, out _);

    /// <summary>
    /// As <see cref="Evaluate(in Vector3D, out SampleValue)"/>; <paramref name="outsideMm"/> is, for a point of skin,
    /// subcutaneous fat or muscle, how far it can move (same trust as the clearance) and stay outside every bone, its
    /// cartilage and the joint fluid, so that only the body layers (<see cref="EvaluateLayers"/>) decide its class; 0 for
    /// bone, cartilage and fluid; NaN for air (not evaluated: see <see cref="OutsideMargin"/>).
    /// </summary>
    public double Evaluate(in Vector3D q, out SampleValue value, out double outsideMm)
    {
        value = default;
        value.Bone = -1;
        var dBody = _model.Body.Distance(q);
        if (dBody >= 0)
        {
            value.Tissue = Tissue.Air;
            outsideMm = double.NaN;
            return dBody;
        }

        return EvaluateInside(q, dBody, ref value, out outsideMm);
    }

    /// <summary>
    /// For any point (air included): how far it can move and stay outside every bone, its cartilage and the joint fluid
    /// (see <see cref="Evaluate(in Vector3D, out SampleValue, out double)"/>); 0 when it is bone, cartilage or fluid.
    /// </summary>
    public double OutsideMargin(in Vector3D q)
    {
        var value = default(SampleValue);
        value.Bone = -1;
        var dBody = _model.Body.Distance(q);
        EvaluateInside(q, Math.Min(dBody, -1e-9), ref value, out var outside);
        return outside;
    }

    /// <summary>
    /// Classifies a point known to lie outside every bone, cartilage and fluid (within the outside margin of an evaluated
    /// point) by the body layers alone: air, skin, subcutaneous fat or muscle, as <see cref="Evaluate(in Vector3D, out SampleValue)"/>
    /// would. Returns the clearance of the layer boundaries only.
    /// </summary>
    public double EvaluateLayers(in Vector3D q, out SampleValue value)
    {
        value = default;
        value.Bone = -1;
        var dBody = _model.Body.Distance(q);
        if (dBody >= 0)
        {
            value.Tissue = Tissue.Air;
            return dBody;
        }

        var below = -dBody;
        var skin = _model.SkinMm;
        var fat = skin + _model.SubcutaneousFatMm;
        value.Tissue = below < skin ? Tissue.Skin : below < fat ? Tissue.SubcutaneousFat : Tissue.Muscle;
        return Math.Min(below, Math.Min(Math.Abs(below - skin), Math.Abs(below - fat)));
    }

    private double EvaluateInside(in Vector3D q, double dBody, ref SampleValue value, out double outsideMm)
    {
        outsideMm = 0;
        var clearance = -dBody;
        Span<Vector3D> segLocal = stackalloc Vector3D[MaxSegments];
        for (var s = 0; s < MaxSegments; s++)
        {
            segLocal[s] = _segmentMoves[s] ? (_segmentToLocal[s] * (q - _model.FlexionPivot)) + _model.FlexionPivot : q;
        }

        // Distance to each bone; for a bone beyond reach, a lower bound (distance to its bounding sphere).
        Span<double> dist = stackalloc double[MaxBones];
        int best = -1, second = -1;
        double bestD = double.MaxValue, secondD = double.MaxValue, dMin = double.MaxValue;
        for (var b = 0; b < _bones.Length; b++)
        {
            var bone = _bones[b];
            var lp = segLocal[bone.Segment];
            var dc = (lp - bone.BoundCenter).Length - bone.BoundRadius;
            if (dc > _reachMm)
            {
                dist[b] = dc;
                dMin = Math.Min(dMin, dc);
                continue;
            }

            var d = bone.Shape.Distance(lp);
            dist[b] = d;
            dMin = Math.Min(dMin, d);
            if (d < bestD)
            {
                second = best;
                secondD = bestD;
                best = b;
                bestD = d;
            }
            else if (d < secondD)
            {
                second = b;
                secondD = d;
            }
        }

        if (best >= 0 && bestD < 0)
        {
            var bone = _bones[best];
            value.Bone = best;
            var depth = -bestD;

            // Inside the bone while its distance stays negative; the same bone while no other comes closer.
            clearance = Math.Min(clearance, Math.Min(depth, Math.Abs(depth - bone.CortexMm)));
            for (var b = 0; b < _bones.Length; b++)
            {
                if (b != best)
                {
                    clearance = Math.Min(clearance, 0.5 * (dist[b] - bestD));
                }
            }

            if (depth < bone.CortexMm)
            {
                value.Tissue = Tissue.Cortex;
                return clearance;
            }

            var lp = segLocal[bone.Segment];
            value.Tissue = Tissue.YellowMarrow;
            foreach (var island in bone.RedMarrowIslands)
            {
                var di = island.Distance(lp);
                clearance = Math.Min(clearance, Math.Abs(di));
                if (di < 0)
                {
                    value.Tissue = Tissue.RedMarrow;
                }
            }

            double f = 0;
            var replaced = Tissue.Air;
            foreach (var lesion in _lesionsByBone[best])
            {
                var dl = (lp - lesion.BoundCenter).Length - lesion.BoundRadius;
                if (dl > 0)
                {
                    clearance = Math.Min(clearance, dl);
                    continue;
                }

                var fi = lesion.Evaluate(lp, depth, out var rep, out var zeroMargin);
                clearance = Math.Min(clearance, zeroMargin);
                if (rep != Tissue.Air)
                {
                    replaced = rep;
                }

                f = Math.Max(f, fi);
            }

            if (replaced != Tissue.Air)
            {
                value.Tissue = replaced;
                return clearance;
            }

            value.Edema = f;
            return clearance;
        }

        // Outside every bone while all bone distances stay positive. The margins of staying outside bone, cartilage and
        // fluid are gathered in `outside` (the point's clearance is their minimum with the layers' margins; min is exact,
        // so the order does not change it).
        var outside = dMin;
        if (best >= 0)
        {
            var bone = _bones[best];
            if (bestD < bone.CartilageMm && second >= 0 && secondD < bone.CartilageMm + _bones[second].CartilageMm + 8)
            {
                value.Tissue = Tissue.Cartilage;
                return Math.Min(Math.Min(clearance, dMin), CartilageKeptMargin(dist, best, second));
            }

            outside = NoCartilageMargin(dist, outside);
            if (_effusionMm > 0)
            {
                if (bestD < _effusionMm)
                {
                    var dCap = _model.Capsule.Distance(q);
                    if (dCap < 0)
                    {
                        value.Tissue = Tissue.Fluid;
                        return Math.Min(Math.Min(clearance, outside), Math.Min(-dCap, _effusionMm - bestD));
                    }

                    outside = Math.Min(outside, dCap);
                }
                else if (dMin - _effusionMm < outside)
                {
                    // No fluid while the bones stay beyond the effusion depth or the point stays outside the capsule.
                    var dCap = dMin - _effusionMm < FluidProbeMm ? _model.Capsule.Distance(q) : double.MinValue;
                    outside = Math.Min(outside, Math.Max(dMin - _effusionMm, dCap));
                }
            }
        }

        outsideMm = outside;
        clearance = Math.Min(clearance, outside);
        var below = -dBody;
        var skin = _model.SkinMm;
        var fat = skin + _model.SubcutaneousFatMm;
        clearance = Math.Min(clearance, Math.Min(Math.Abs(below - skin), Math.Abs(below - fat)));
        value.Tissue = below < skin ? Tissue.Skin : below < fat ? Tissue.SubcutaneousFat : Tissue.Muscle;
        return clearance;
    }

    /// <summary>
    /// How far a cartilage point can move and stay cartilage: the two nearest bones keep their order (and their rank
    /// above the others) and stay within the cartilage rule's limits.
    /// </summary>
    private double CartilageKeptMargin(ReadOnlySpan<double> dist, int best, int second)
    {
        var a = _bones[best];
        var b = _bones[second];
        var m = Math.Min(a.CartilageMm - dist[best], (a.CartilageMm + b.CartilageMm + 8 - dist[second]));
        m = Math.Min(m, Math.Min(dist[best], 0.5 * (dist[second] - dist[best])));
        for (var j = 0; j < _bones.Length; j++)
        {
            if (j != best && j != second)
            {
                m = Math.Min(m, 0.5 * (dist[j] - dist[second]));
            }
        }

        return m;
    }

    /// <summary>
    /// How far a point outside the cartilage rule can move and stay outside it, at most <paramref name="cap"/>: for
    /// every ordered pair of bones, either the first stays beyond its cartilage or the second beyond the pair's limit.
    /// </summary>
    private double NoCartilageMargin(ReadOnlySpan<double> dist, double cap)
    {
        var m = cap;
        for (var a = 0; a < _bones.Length; a++)
        {
            var ca = _bones[a].CartilageMm;
            var ma = dist[a] - ca;
            if (ma >= m)
            {
                continue;
            }

            for (var b = 0; b < _bones.Length; b++)
            {
                if (b != a)
                {
                    m = Math.Min(m, Math.Max(ma, (dist[b] - ca - _bones[b].CartilageMm - 8)));
                }
            }
        }

        return m;
    }

    private static Matrix3D AxisAngle(Vector3D axis, double angle)
    {
        var a = axis.Normalized();
        var (s, c) = Math.SinCos(angle);
        var t = 1 - c;
        return new Matrix3D(
            (t * a.X * a.X) + c, (t * a.X * a.Y) - (s * a.Z), (t * a.X * a.Z) + (s * a.Y),
            (t * a.X * a.Y) + (s * a.Z), (t * a.Y * a.Y) + c, (t * a.Y * a.Z) - (s * a.X),
            (t * a.X * a.Z) - (s * a.Y), (t * a.Y * a.Z) + (s * a.X), (t * a.Z * a.Z) + c);
    }
}
