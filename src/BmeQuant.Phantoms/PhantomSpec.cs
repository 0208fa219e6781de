using BmeQuant.Imaging;

namespace BmeQuant.Phantoms;

/// <summary>The joint a phantom models.</summary>
public enum PhantomAnatomy
{
    /// <summary>Distal femur, proximal tibia, patella and fibular head.</summary>
    Knee,

    /// <summary>Proximal femur (head, neck, trochanters, shaft) and the acetabulum with its pelvis.</summary>
    Hip,

    /// <summary>Distal tibia and fibula, talus, calcaneus, navicular, cuboid and the three cuneiforms.</summary>
    Ankle,

    /// <summary>Sacrum and both ilia (both sacroiliac joints; the side is ignored).</summary>
    Sacroiliac,
}

/// <summary>The patient's side of the modelled limb.</summary>
public enum BodySide
{
    /// <summary>Patient left (+X in LPS).</summary>
    Left,

    /// <summary>Patient right (−X in LPS).</summary>
    Right,
}

/// <summary>Spatial pattern of a lesion.</summary>
public enum LesionPattern
{
    /// <summary>Under the articular surface down to a given depth, within a footprint radius (e.g. knee BMES, SIFK).</summary>
    Subchondral,

    /// <summary>From the subchondral bone into the metaphysis or neck, fading with depth (transient osteoporosis of the hip).</summary>
    Diffuse,

    /// <summary>Patchy foci just under the cortex spread over the bone (CRPS-like).</summary>
    SubcorticalPatchy,

    /// <summary>Several patchy foci of varying size inside the marrow (foot BMES).</summary>
    MultifocalPatchy,

    /// <summary>Negative control: a serpentine rim (dark outer, bright inner line) around normal fatty marrow; no edema.</summary>
    OsteonecrosisLike,
}

/// <summary>Pulse sequence of an acquisition.</summary>
public enum PhantomSequence
{
    /// <summary>Spin-echo T1 (TR ≈ 500 ms, TE ≈ 15 ms).</summary>
    T1SpinEcho,

    /// <summary>Short-tau inversion recovery, TI nulling fat at the field strength, magnitude reconstruction.</summary>
    Stir,

    /// <summary>Proton-density fast spin echo with spectral fat saturation.</summary>
    PdFatSat,

    /// <summary>T2 fast spin echo with spectral fat saturation.</summary>
    T2FatSat,
}

/// <summary>Slice orientation of an acquisition.</summary>
public enum SliceOrientation
{
    /// <summary>Sagittal: rows along anterior→posterior, columns along superior→inferior.</summary>
    Sagittal,

    /// <summary>Coronal: rows along right→left, columns along superior→inferior.</summary>
    Coronal,

    /// <summary>Axial: rows along right→left, columns along anterior→posterior.</summary>
    Axial,

    /// <summary>The coronal plane rotated by <see cref="AcquisitionSpec.ObliqueAnglesDeg"/>.</summary>
    Oblique,
}

/// <summary>A rigid move: rotation (degrees about L, P, S axes, applied X then Y then Z) and translation in mm.</summary>
/// <param name="RotationDeg">Rotation angles in degrees about the LPS axes.</param>
/// <param name="TranslationMm">Translation in mm (LPS).</param>
public readonly record struct RigidPose(Vector3D RotationDeg, Vector3D TranslationMm)
{
    /// <summary>No move.</summary>
    public static RigidPose Identity => default;

    /// <summary>The rotation matrix.</summary>
    public Matrix3D Rotation => Matrix3D.FromEulerXyz(
        RotationDeg.X * Math.PI / 180,
        RotationDeg.Y * Math.PI / 180,
        RotationDeg.Z * Math.PI / 180);
}

/// <summary>
/// One lesion. Positions are in the phantom's anatomy frame (LPS axes as for a LEFT limb, mm), relative to a
/// reference point of <see cref="Bone"/>: its articular surface point for <see cref="LesionPattern.Subchondral"/>,
/// <see cref="LesionPattern.Diffuse"/> and <see cref="LesionPattern.OsteonecrosisLike"/>, its marrow centre for the
/// patchy patterns. For a right limb the anatomy (and lesion) is mirrored in X.
/// </summary>
public sealed record LesionSpec
{
    /// <summary>Creates a lesion.</summary>
    public LesionSpec(string id, LesionPattern pattern, string bone)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(bone);
        Id = id;
        Pattern = pattern;
        Bone = bone;
    }

    /// <summary>Stable identifier of the lesion across visits.</summary>
    public string Id { get; init; }

    /// <summary>Spatial pattern.</summary>
    public LesionPattern Pattern { get; init; }

    /// <summary>Bone name (see <see cref="PhantomGenerator.BoneNames"/>).</summary>
    public string Bone { get; init; }

    /// <summary>Offset of the lesion centre from the bone's reference point, mm (anatomy frame, left-limb axes).</summary>
    public Vector3D OffsetMm { get; init; }

    /// <summary>Footprint radius (subchondral), ellipsoid radius (diffuse), spread radius (patchy) or necrosis radius, mm.</summary>
    public double SizeMm { get; init; } = 15;

    /// <summary>Depth below the articular surface (subchondral) or the cortex (subcortical), mm.</summary>
    public double DepthMm { get; init; } = 8;

    /// <summary>Edema fraction at the lesion core, 0–1 (1 = maximally edematous marrow).</summary>
    public double PeakFraction { get; init; } = 0.9;

    /// <summary>Width of the soft edge over which the fraction falls from peak to 0, mm.</summary>
    public double EdgeWidthMm { get; init; } = 3;

    /// <summary>Thickness of the optional subchondral low-signal band (fracture line), mm; 0 = none.</summary>
    public double BandThicknessMm { get; init; }

    /// <summary>Length (diameter) of the optional low-signal band, mm.</summary>
    public double BandLengthMm { get; init; }

    /// <summary>Number of foci for patchy patterns.</summary>
    public int FocusCount { get; init; } = 5;

    /// <summary>Seed that places patchy foci (kept across visits so foci stay where they were).</summary>
    public int FocusSeed { get; init; } = 1;

    /// <summary>Returns a copy with size and peak fraction scaled (lesion evolution).</summary>
    public LesionSpec Scaled(double sizeFactor, double fractionFactor) => this with
    {
        SizeMm = SizeMm * sizeFactor,
        DepthMm = DepthMm * Math.Sqrt(Math.Max(sizeFactor, 0)),
        PeakFraction = Math.Clamp(PeakFraction * fractionFactor, 0, 1),
    };
}

/// <summary>One series of a visit.</summary>
public sealed record AcquisitionSpec
{
    /// <summary>Creates an acquisition.</summary>
    public AcquisitionSpec(PhantomSequence sequence, SliceOrientation orientation)
    {
        Sequence = sequence;
        Orientation = orientation;
    }

    /// <summary>Pulse sequence.</summary>
    public PhantomSequence Sequence { get; init; }

    /// <summary>Slice orientation.</summary>
    public SliceOrientation Orientation { get; init; }

    /// <summary>Rotation applied to the coronal plane for <see cref="SliceOrientation.Oblique"/> (degrees about L, P, S).</summary>
    public Vector3D ObliqueAnglesDeg { get; init; }

    /// <summary>Columns.</summary>
    public int Columns { get; init; } = 256;

    /// <summary>Rows.</summary>
    public int Rows { get; init; } = 256;

    /// <summary>In-plane pixel size, mm (square pixels).</summary>
    public double PixelSpacingMm { get; init; } = 0.625;

    /// <summary>Slice thickness, mm.</summary>
    public double SliceThicknessMm { get; init; } = 3;

    /// <summary>Gap between slices, mm (spacing between slice centres = thickness + gap).</summary>
    public double SliceGapMm { get; init; } = 0.3;

    /// <summary>Number of slices.</summary>
    public int Slices { get; init; } = 24;

    /// <summary>Offset of the field-of-view centre from the joint centre, mm (LPS).</summary>
    public Vector3D CenterOffsetMm { get; init; }

    /// <summary>Repetition time override, ms (null = sequence default).</summary>
    public double? RepetitionTimeMs { get; init; }

    /// <summary>Echo time override, ms.</summary>
    public double? EchoTimeMs { get; init; }

    /// <summary>Inversion time override, ms (STIR; null = nulls fat).</summary>
    public double? InversionTimeMs { get; init; }

    /// <summary>Free-text label (used in series descriptions).</summary>
    public string? Label { get; init; }

    /// <summary>Spacing between slice centres, mm.</summary>
    public double SpacingBetweenSlicesMm => SliceThicknessMm + SliceGapMm;
}

/// <summary>One visit (timepoint) with its lesions and the patient's position.</summary>
public sealed record VisitSpec
{
    /// <summary>Creates a visit at <paramref name="dayOffset"/> days after baseline.</summary>
    public VisitSpec(int dayOffset, IReadOnlyList<LesionSpec> lesions)
    {
        ArgumentNullException.ThrowIfNull(lesions);
        DayOffset = dayOffset;
        Lesions = lesions;
    }

    /// <summary>Days after the baseline visit.</summary>
    public int DayOffset { get; init; }

    /// <summary>Lesions present at this visit (ids stable across visits).</summary>
    public IReadOnlyList<LesionSpec> Lesions { get; init; }

    /// <summary>Rigid repositioning of the whole anatomy about the joint centre.</summary>
    public RigidPose Repositioning { get; init; }

    /// <summary>Flexion of the distal segment (knee, ankle plantar flexion, hip), degrees.</summary>
    public double FlexionDeg { get; init; }

    /// <summary>Joint fluid layer thickness next to the bones inside the capsule, mm (effusion amount).</summary>
    public double EffusionMm { get; init; } = 1.5;
}

/// <summary>Everything that defines a synthetic study series-by-series and visit-by-visit.</summary>
public sealed record PhantomSpec
{
    /// <summary>Creates a spec.</summary>
    public PhantomSpec(PhantomAnatomy anatomy, IReadOnlyList<AcquisitionSpec> acquisitions, IReadOnlyList<VisitSpec> visits)
    {
        ArgumentNullException.ThrowIfNull(acquisitions);
        ArgumentNullException.ThrowIfNull(visits);
        Anatomy = anatomy;
        Acquisitions = acquisitions;
        Visits = visits;
    }

    /// <summary>Joint.</summary>
    public PhantomAnatomy Anatomy { get; init; }

    /// <summary>Side of the limb.</summary>
    public BodySide Side { get; init; } = BodySide.Left;

    /// <summary>Main field strength, tesla (relaxation times are interpolated between 1.5 T and 3 T).</summary>
    public double FieldStrengthTesla { get; init; } = 1.5;

    /// <summary>Signal-to-noise ratio of muscle in every series (noise-free muscle signal / Gaussian σ).</summary>
    public double Snr { get; init; } = 25;

    /// <summary>Seed for noise, bias field, motion and patchy foci.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Series acquired at every visit.</summary>
    public IReadOnlyList<AcquisitionSpec> Acquisitions { get; init; }

    /// <summary>Visits in order.</summary>
    public IReadOnlyList<VisitSpec> Visits { get; init; }

    /// <summary>Add red-marrow islands in the metaphyses.</summary>
    public bool RedMarrowIslands { get; init; } = true;

    /// <summary>Sub-samples per voxel axis for partial volume (3 = 27 per voxel near edges).</summary>
    public int Supersampling { get; init; } = 3;

    /// <summary>Peak-to-peak relative amplitude of the smooth coil bias field (0 = none).</summary>
    public double BiasFieldAmplitude { get; init; } = 0.2;

    /// <summary>Largest patient motion between series of one visit, mm (rotation up to the same number of degrees/2).</summary>
    public double MotionMm { get; init; } = 0.5;

    /// <summary>Add Rician noise (false gives the noise-free signal).</summary>
    public bool AddNoise { get; init; } = true;

    /// <summary>Grid step of the high-resolution truth integration, mm.</summary>
    public double TruthStepMm { get; init; } = 0.4;
}
