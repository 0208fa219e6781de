using BmeQuant.Imaging;

namespace BmeQuant.Phantoms;

/// <summary>A generated study: every visit with its series and ground truth.</summary>
public sealed class PhantomStudy
{
    internal PhantomStudy(PhantomSpec spec, IReadOnlyList<string> boneNames, IReadOnlyList<PhantomVisit> visits)
    {
        Spec = spec;
        BoneNames = boneNames;
        Visits = visits;
    }

    /// <summary>The spec the study was generated from.</summary>
    public PhantomSpec Spec { get; }

    /// <summary>Bone names; label value n in the label maps is <c>BoneNames[n − 1]</c> (0 = no bone).</summary>
    public IReadOnlyList<string> BoneNames { get; }

    /// <summary>Visits in spec order.</summary>
    public IReadOnlyList<PhantomVisit> Visits { get; }
}

/// <summary>One timepoint.</summary>
public sealed class PhantomVisit
{
    internal PhantomVisit(int index, VisitSpec spec, IReadOnlyList<PhantomSeries> series, VisitTruth truth)
    {
        Index = index;
        Spec = spec;
        Series = series;
        Truth = truth;
    }

    /// <summary>0-based index of the visit.</summary>
    public int Index { get; }

    /// <summary>The visit's spec.</summary>
    public VisitSpec Spec { get; }

    /// <summary>Days after the baseline.</summary>
    public int DayOffset => Spec.DayOffset;

    /// <summary>One series per acquisition of the spec, in order.</summary>
    public IReadOnlyList<PhantomSeries> Series { get; }

    /// <summary>Ground truth computed at high resolution in the anatomy frame (independent of any acquisition grid).</summary>
    public VisitTruth Truth { get; }
}

/// <summary>One simulated series with its truth maps on the same grid.</summary>
public sealed class PhantomSeries
{
    internal PhantomSeries(
        int index,
        AcquisitionSpec acquisition,
        SequenceParameters sequence,
        Volume<float> image,
        Volume<byte> boneLabels,
        Volume<float> edemaFraction,
        IReadOnlyDictionary<string, double> tissueSignals,
        double noiseSigma,
        RigidPose motion)
    {
        Index = index;
        Acquisition = acquisition;
        Sequence = sequence;
        Image = image;
        BoneLabels = boneLabels;
        EdemaFraction = edemaFraction;
        TissueSignals = tissueSignals;
        NoiseSigma = noiseSigma;
        Motion = motion;
    }

    /// <summary>0-based index within the visit.</summary>
    public int Index { get; }

    /// <summary>The acquisition spec.</summary>
    public AcquisitionSpec Acquisition { get; }

    /// <summary>Sequence timing used for the signal.</summary>
    public SequenceParameters Sequence { get; }

    /// <summary>Magnitude image (arbitrary units, brightest tissue ≈ 1000 before bias and noise).</summary>
    public Volume<float> Image { get; }

    /// <summary>Bone label per voxel (n = <see cref="PhantomStudy.BoneNames"/>[n − 1]; a voxel is bone when at least half of it is).</summary>
    public Volume<byte> BoneLabels { get; }

    /// <summary>Mean edema fraction of each voxel (0–1); sum × voxel volume = fraction-weighted edema volume.</summary>
    public Volume<float> EdemaFraction { get; }

    /// <summary>Noise-free, bias-free signal of each tissue in this series (same units as <see cref="Image"/>); "Edema" is fully edematous marrow.</summary>
    public IReadOnlyDictionary<string, double> TissueSignals { get; }

    /// <summary>Standard deviation of the Gaussian noise in each channel before the magnitude (0 when noise is off).</summary>
    public double NoiseSigma { get; }

    /// <summary>The small rigid patient motion applied before this series.</summary>
    public RigidPose Motion { get; }

    /// <summary>Geometry of the series.</summary>
    public ImageGeometry Geometry => Image.Geometry;
}

/// <summary>Truth of one visit.</summary>
/// <param name="DayOffset">Days after baseline.</param>
/// <param name="Bones">Per-bone truth, in label order.</param>
/// <param name="Lesions">Per-lesion truth.</param>
public sealed record VisitTruth(int DayOffset, IReadOnlyList<BoneTruth> Bones, IReadOnlyList<LesionTruth> Lesions)
{
    /// <summary>Total fraction-weighted edema volume, mm³.</summary>
    public double TotalEdemaVolumeMm3 => Bones.Sum(b => b.EdemaVolumeMm3);
}

/// <summary>Truth for one bone.</summary>
/// <param name="Label">Label value in the label maps.</param>
/// <param name="Name">Bone name.</param>
/// <param name="EdemaVolumeMm3">∫ edema fraction over the bone's marrow (all lesions combined by maximum), mm³.</param>
/// <param name="EdemaExtentVolumeMm3">Volume of the bone's marrow where the combined fraction ≥ 0.5, mm³.</param>
public sealed record BoneTruth(int Label, string Name, double EdemaVolumeMm3, double EdemaExtentVolumeMm3);

/// <summary>Truth for one lesion.</summary>
/// <param name="Id">Lesion id.</param>
/// <param name="Pattern">Pattern.</param>
/// <param name="Bone">Bone name.</param>
/// <param name="EdemaVolumeMm3">∫ of this lesion's edema fraction over marrow, mm³ (0 for the osteonecrosis control).</param>
/// <param name="EdemaExtentVolumeMm3">Marrow volume where this lesion's fraction ≥ 0.5, mm³.</param>
/// <param name="PeakFraction">Highest fraction reached.</param>
/// <param name="DepthMm">Specified depth below the articular surface or cortex, mm.</param>
/// <param name="MaxDepthMm">Deepest point (below the bone surface) where the fraction ≥ 0.5, mm.</param>
/// <param name="SizeMm">Specified size (radius), mm.</param>
/// <param name="BandThicknessMm">Specified low-signal band thickness, mm (0 = none).</param>
/// <param name="BandLengthMm">Specified low-signal band length, mm.</param>
/// <param name="LowSignalVolumeMm3">Volume of the low-signal band or sclerotic rim, mm³.</param>
/// <param name="HighSignalRimVolumeMm3">Volume of the bright inner rim of the osteonecrosis control, mm³.</param>
/// <param name="CentroidLps">Fraction-weighted centroid in patient LPS at this visit's position (before per-series motion), mm.</param>
public sealed record LesionTruth(
    string Id,
    LesionPattern Pattern,
    string Bone,
    double EdemaVolumeMm3,
    double EdemaExtentVolumeMm3,
    double PeakFraction,
    double DepthMm,
    double MaxDepthMm,
    double SizeMm,
    double BandThicknessMm,
    double BandLengthMm,
    double LowSignalVolumeMm3,
    double HighSignalRimVolumeMm3,
    Vector3D CentroidLps);
