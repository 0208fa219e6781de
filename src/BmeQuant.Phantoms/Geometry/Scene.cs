using System.Runtime.CompilerServices;
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
/// anatomy frame. <see cref="Evaluate"/> also returns a clearance: a distance (mm) within which the tissue class
/// cannot change, so homogeneous voxels can skip supersampling.
/// </summary>
internal sealed class Scene
{
    private const int MaxSegments = 3;

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

    /// <summary>Classifies the anatomy-frame point <paramref name="q"/>; returns the clearance in mm.</summary>
    public double Evaluate(in Vector3D q, out SampleValue value)
    {
        value = default;
        value.Bone = -1;
        var dBody = _model.Body.Distance(q);
        if (dBody >= 0)
        {
            value.Tissue = Tissue.Air;
            return dBody;
        }

        var clearance = -dBody;
        Span<Vector3D> segLocal = stackalloc Vector3D[MaxSegments];
        for (var s = 0; s < MaxSegments; s++)
        {
            segLocal[s] = _segmentMoves[s] ? (_segmentToLocal[s] * (q - _model.FlexionPivot)) + _model.FlexionPivot : q;
        }

        int best = -1, second = -1;
        double bestD = double.MaxValue, secondD = double.MaxValue;
        for (var b = 0; b < _bones.Length; b++)
        {
            var bone = _bones[b];
            var lp = segLocal[bone.Segment];
            var dc = (lp - bone.BoundCenter).Length - bone.BoundRadius;
            if (dc > _reachMm)
            {
                clearance = Math.Min(clearance, dc - _reachMm);
                continue;
            }

            var d = bone.Shape.Distance(lp);
            clearance = Math.Min(clearance, Near(d, bone));
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

                clearance = 0;
                var fi = lesion.Evaluate(lp, depth, out var rep);
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

        if (best >= 0)
        {
            var bone = _bones[best];
            if (bestD < bone.CartilageMm && second >= 0 && secondD < bone.CartilageMm + _bones[second].CartilageMm + 8)
            {
                value.Tissue = Tissue.Cartilage;
                return clearance;
            }

            if (bestD < _effusionMm)
            {
                var dCap = _model.Capsule.Distance(q);
                clearance = Math.Min(clearance, Math.Abs(dCap));
                if (dCap < 0)
                {
                    value.Tissue = Tissue.Fluid;
                    return clearance;
                }
            }
        }

        var below = -dBody;
        var skin = _model.SkinMm;
        var fat = skin + _model.SubcutaneousFatMm;
        clearance = Math.Min(clearance, Math.Min(Math.Abs(below - skin), Math.Abs(below - fat)));
        value.Tissue = below < skin ? Tissue.Skin : below < fat ? Tissue.SubcutaneousFat : Tissue.Muscle;
        return clearance;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double Near(double d, BoneModel bone)
    {
        // Distances to every level set the classification tests for this bone.
        var c = Math.Min(Math.Abs(d), Math.Abs(d + bone.CortexMm));
        c = Math.Min(c, Math.Abs(d - bone.CartilageMm));
        c = Math.Min(c, Math.Abs(d - _effusionMm));
        return Math.Min(c, Math.Abs(d - (bone.CartilageMm + 8 + 3)));
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
