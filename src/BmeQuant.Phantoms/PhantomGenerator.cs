using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Phantoms.Geometry;
using BmeQuant.Phantoms.Signal;

namespace BmeQuant.Phantoms;

/// <summary>
/// Generates synthetic MRI studies of a joint with exact edema ground truth. Deterministic: the same spec (seed
/// included) gives the same voxels bit for bit.
/// </summary>
/// <remarks>
/// Each series samples the analytic anatomy at every voxel centre; voxels within reach of a tissue boundary or
/// a lesion are supersampled (<see cref="PhantomSpec.Supersampling"/>³ points across the pixel and the slice
/// thickness, not the gap) and their signed signals averaged before the magnitude is taken. Then a smooth coil
/// bias field multiplies the image and Rician noise (σ = muscle signal / SNR) is added.
/// </remarks>
public static class PhantomGenerator
{
    /// <summary>The bones of an anatomy, in label order (label = index + 1).</summary>
    public static IReadOnlyList<string> BoneNames(PhantomAnatomy anatomy) =>
        AnatomyLibrary.Get(anatomy).Bones.Select(b => b.Name).ToArray();

    /// <summary>Generates every visit and series of <paramref name="spec"/> with its truth.</summary>
    public static PhantomStudy Generate(PhantomSpec spec)
    {
        Validate(spec);
        var model = AnatomyLibrary.Get(spec.Anatomy);
        var visits = new List<PhantomVisit>(spec.Visits.Count);
        for (var v = 0; v < spec.Visits.Count; v++)
        {
            var visit = spec.Visits[v];
            var scene = new Scene(model, visit.Lesions, visit.FlexionDeg, visit.EffusionMm);
            var truth = TruthIntegrator.Compute(scene, spec, visit);
            var series = new List<PhantomSeries>(spec.Acquisitions.Count);
            for (var a = 0; a < spec.Acquisitions.Count; a++)
            {
                series.Add(SeriesRenderer.Render(scene, spec, v, a));
            }

            visits.Add(new PhantomVisit(v, visit, series, truth));
        }

        return new PhantomStudy(spec, BoneNames(spec.Anatomy), visits);
    }

    /// <summary>The voxel grid of acquisition <paramref name="acquisitionIndex"/> at visit <paramref name="visitIndex"/>.</summary>
    public static ImageGeometry AcquisitionGeometry(PhantomSpec spec, int visitIndex, int acquisitionIndex)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var a = spec.Acquisitions[acquisitionIndex];
        var visit = spec.Visits[visitIndex];
        var model = AnatomyLibrary.Get(spec.Anatomy);
        var direction = OrientationMatrix(a.Orientation, a.ObliqueAnglesDeg);
        var center = Pose.JointCenter(model, spec.Side) + visit.Repositioning.TranslationMm + a.CenterOffsetMm;
        var spacing = new Vector3D(a.PixelSpacingMm, a.PixelSpacingMm, a.SpacingBetweenSlicesMm);
        var halfExtent = new Vector3D((a.Columns - 1) * 0.5 * spacing.X, (a.Rows - 1) * 0.5 * spacing.Y, (a.Slices - 1) * 0.5 * spacing.Z);
        var origin = center - (direction * halfExtent);
        return new ImageGeometry(a.Columns, a.Rows, a.Slices, spacing, origin, direction);
    }

    /// <summary>Direction cosines (columns i, j, k in LPS) of a slice orientation.</summary>
    public static Matrix3D OrientationMatrix(SliceOrientation orientation, Vector3D obliqueAnglesDeg = default)
    {
        Vector3D row, col;
        switch (orientation)
        {
            case SliceOrientation.Sagittal:
                row = new Vector3D(0, 1, 0);
                col = new Vector3D(0, 0, -1);
                break;
            case SliceOrientation.Coronal:
                row = new Vector3D(1, 0, 0);
                col = new Vector3D(0, 0, -1);
                break;
            case SliceOrientation.Axial:
                row = new Vector3D(1, 0, 0);
                col = new Vector3D(0, 1, 0);
                break;
            case SliceOrientation.Oblique:
                var r = new RigidPose(obliqueAnglesDeg, default).Rotation;
                row = r * new Vector3D(1, 0, 0);
                col = r * new Vector3D(0, 0, -1);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(orientation), orientation, "Unknown orientation.");
        }

        return Matrix3D.FromColumns(row, col, row.Cross(col));
    }

    private static void Validate(PhantomSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Acquisitions.Count == 0)
        {
            throw new ArgumentException("The spec has no acquisitions.", nameof(spec));
        }

        if (spec.Visits.Count == 0)
        {
            throw new ArgumentException("The spec has no visits.", nameof(spec));
        }

        if (!(spec.FieldStrengthTesla is > 0.2 and <= 7))
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.FieldStrengthTesla, "Field strength must be in (0.2, 7] T.");
        }

        if (!(spec.Snr > 0) || !double.IsFinite(spec.Snr))
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.Snr, "SNR must be positive.");
        }

        if (spec.Supersampling is < 1 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.Supersampling, "Supersampling must be 1–8.");
        }

        if (!(spec.TruthStepMm is > 0.05 and <= 2))
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.TruthStepMm, "TruthStepMm must be in (0.05, 2].");
        }

        foreach (var a in spec.Acquisitions)
        {
            if (a.Columns < 1 || a.Rows < 1 || a.Slices < 1 || !(a.PixelSpacingMm > 0) || !(a.SliceThicknessMm > 0) || a.SliceGapMm < 0)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Acquisition {a.Sequence} {a.Orientation}: matrix {a.Columns}×{a.Rows}×{a.Slices}, pixel {a.PixelSpacingMm} mm, thickness {a.SliceThicknessMm} mm, gap {a.SliceGapMm} mm must all be positive (gap ≥ 0)."),
                    nameof(spec));
            }
        }

        var model = AnatomyLibrary.Get(spec.Anatomy);
        foreach (var visit in spec.Visits)
        {
            foreach (var lesion in visit.Lesions)
            {
                model.BoneIndex(lesion.Bone);
                if (!(lesion.SizeMm > 0) || !(lesion.PeakFraction is >= 0 and <= 1) || lesion.DepthMm < 0 || lesion.EdgeWidthMm < 0)
                {
                    throw new ArgumentException(
                        string.Create(CultureInfo.InvariantCulture, $"Lesion '{lesion.Id}' (day {visit.DayOffset}): size {lesion.SizeMm} mm must be > 0, peak {lesion.PeakFraction} in [0, 1], depth and edge ≥ 0."),
                        nameof(spec));
                }
            }
        }
    }
}

/// <summary>Placement of the anatomy in patient space for a visit and series.</summary>
internal readonly struct Pose
{
    private readonly Matrix3D _anatomyToPatient;
    private readonly Vector3D _offset;

    private Pose(Matrix3D anatomyToPatient, Vector3D offset)
    {
        _anatomyToPatient = anatomyToPatient;
        _offset = offset;
        PatientToAnatomy = anatomyToPatient.Inverse();
    }

    public Matrix3D PatientToAnatomy { get; }

    public static Vector3D JointCenter(AnatomyModel model, BodySide side) =>
        model.Lateralized && side == BodySide.Right ? model.JointCenterLps with { X = -model.JointCenterLps.X } : model.JointCenterLps;

    /// <summary>p = J + Rm·(Rv·(M·q) + Tv) + tm.</summary>
    public static Pose Create(AnatomyModel model, BodySide side, RigidPose visit, RigidPose motion)
    {
        var mirror = model.Lateralized && side == BodySide.Right ? new Matrix3D(-1, 0, 0, 0, 1, 0, 0, 0, 1) : Matrix3D.Identity;
        var rm = motion.Rotation;
        var linear = rm * visit.Rotation * mirror;
        var offset = JointCenter(model, side) + (rm * visit.TranslationMm) + motion.TranslationMm;
        return new Pose(linear, offset);
    }

    public Vector3D ToPatient(in Vector3D q) => _offset + (_anatomyToPatient * q);

    public Vector3D ToAnatomy(in Vector3D p) => PatientToAnatomy * (p - _offset);
}
