using BmeQuant.Imaging;

namespace BmeQuant.Phantoms;

/// <summary>
/// Ready-made studies for the common clinical stories (BMES lasts 3–9 months: it grows for 1–2 months, plateaus,
/// then regresses over 4–8 months, and may migrate within a joint or to a neighbouring bone), plus the default
/// protocols per joint.
/// </summary>
public static class PhantomPresets
{
    /// <summary>Preset names accepted by <see cref="Get"/>.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "hip-toh-resolving",
        "knee-migrating",
        "foot-spreading",
        "control",
        "sij",
        "hip-osteonecrosis-control",
    ];

    /// <summary>A one-line description of the preset called <paramref name="name"/> (see <see cref="Names"/>).</summary>
    /// <exception cref="ArgumentException">The name is not a preset.</exception>
    public static string Describe(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToUpperInvariant() switch
        {
            "HIP-TOH-RESOLVING" => "Transient osteoporosis of the left hip: diffuse head-and-neck edema peaking at 6 weeks, gone by 8 months (4 visits).",
            "KNEE-MIGRATING" => "Knee BMES migrating from the medial to the lateral femoral condyle, then to the medial tibial plateau (4 visits).",
            "FOOT-SPREADING" => "Foot BMES starting in the talus and spreading to the navicular and medial cuneiform, then regressing (4 visits).",
            "CONTROL" => "Edema-free knee with normal red-marrow islands (2 visits).",
            "SIJ" => "Sacroiliac joints on semi-coronal slices: subchondral edema on both sides of the left joint, regressing (2 visits).",
            "HIP-OSTEONECROSIS-CONTROL" => "Negative control: osteonecrosis-like serpentine rim in the femoral head, no edema (1 visit).",
            _ => throw new ArgumentException($"Unknown preset '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    /// <summary>The preset called <paramref name="name"/> (see <see cref="Names"/>) with the given seed.</summary>
    public static PhantomSpec Get(string name, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToUpperInvariant() switch
        {
            "HIP-TOH-RESOLVING" => ResolvingHipToh(seed),
            "KNEE-MIGRATING" => MigratingKneeBmes(seed),
            "FOOT-SPREADING" => FootBmesSpreading(seed),
            "CONTROL" => EdemaFreeControl(seed),
            "SIJ" => Sacroiliac(seed),
            "HIP-OSTEONECROSIS-CONTROL" => HipOsteonecrosisControl(seed),
            _ => throw new ArgumentException($"Unknown preset '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    /// <summary>Transient osteoporosis of the left hip: diffuse head-and-neck edema that peaks at 6 weeks and resolves by 8 months.</summary>
    public static PhantomSpec ResolvingHipToh(int seed = 1)
    {
        var l = new LesionSpec("toh", LesionPattern.Diffuse, "Femur") { SizeMm = 20, PeakFraction = 0.85, EdgeWidthMm = 4 };
        return new PhantomSpec(PhantomAnatomy.Hip, DefaultAcquisitions(PhantomAnatomy.Hip), [
            new VisitSpec(0, [l]),
            new VisitSpec(45, [l.Scaled(1.15, 1.1)]) { Repositioning = new RigidPose(new Vector3D(1, 0, -2), new Vector3D(3, -2, 4)) },
            new VisitSpec(120, [l.Scaled(0.75, 0.6)]) { Repositioning = new RigidPose(new Vector3D(-1.5, 1, 1), new Vector3D(-2, 3, -5)) },
            new VisitSpec(240, []) { Repositioning = new RigidPose(new Vector3D(0, -1, 2), new Vector3D(1, 1, 2)) },
        ])
        { Seed = seed };
    }

    /// <summary>Knee BMES migrating from the medial femoral condyle to the lateral condyle, then to the medial tibial plateau.</summary>
    public static PhantomSpec MigratingKneeBmes(int seed = 1)
    {
        var medial = new LesionSpec("mfc", LesionPattern.Subchondral, "Femur") { SizeMm = 16, DepthMm = 14 };
        var lateral = new LesionSpec("lfc", LesionPattern.Subchondral, "Femur") { SizeMm = 14, DepthMm = 12, OffsetMm = new Vector3D(42, -2, 0) };
        var tibial = new LesionSpec("mtp", LesionPattern.Subchondral, "Tibia") { SizeMm = 14, DepthMm = 12 };
        return new PhantomSpec(PhantomAnatomy.Knee, DefaultAcquisitions(PhantomAnatomy.Knee), [
            new VisitSpec(0, [medial]) { EffusionMm = 3 },
            new VisitSpec(60, [medial.Scaled(1.1, 1.05)]) { FlexionDeg = 5, EffusionMm = 3, Repositioning = new RigidPose(new Vector3D(0, 0, 3), new Vector3D(2, -3, 5)) },
            new VisitSpec(150, [medial.Scaled(0.5, 0.4), lateral]) { FlexionDeg = 10, Repositioning = new RigidPose(new Vector3D(2, 0, -2), new Vector3D(-3, 2, -4)) },
            new VisitSpec(240, [lateral.Scaled(0.6, 0.5), tibial]) { FlexionDeg = 3, Repositioning = new RigidPose(new Vector3D(-1, 1, 0), new Vector3D(1, 0, 3)) },
        ])
        { Seed = seed };
    }

    /// <summary>Foot BMES starting in the talus and spreading to the navicular and medial cuneiform before regressing.</summary>
    public static PhantomSpec FootBmesSpreading(int seed = 1)
    {
        var talus = new LesionSpec("talus", LesionPattern.MultifocalPatchy, "Talus") { SizeMm = 7, FocusCount = 5, FocusSeed = 11, PeakFraction = 0.85 };
        var navicular = new LesionSpec("navicular", LesionPattern.MultifocalPatchy, "Navicular") { SizeMm = 5, FocusCount = 3, FocusSeed = 12, PeakFraction = 0.8, EdgeWidthMm = 2 };
        var cuneiform = new LesionSpec("cuneiform", LesionPattern.MultifocalPatchy, "MedialCuneiform") { SizeMm = 5, FocusCount = 3, FocusSeed = 13, PeakFraction = 0.8, EdgeWidthMm = 2 };
        return new PhantomSpec(PhantomAnatomy.Ankle, DefaultAcquisitions(PhantomAnatomy.Ankle), [
            new VisitSpec(0, [talus]),
            new VisitSpec(60, [talus.Scaled(1.1, 1.05), navicular]) { FlexionDeg = 4, Repositioning = new RigidPose(new Vector3D(0, 0, 4), new Vector3D(2, 3, -3)) },
            new VisitSpec(120, [talus.Scaled(0.7, 0.7), navicular.Scaled(1.1, 1), cuneiform]) { FlexionDeg = -3, Repositioning = new RigidPose(new Vector3D(1, 0, -3), new Vector3D(-2, -2, 2)) },
            new VisitSpec(210, [navicular.Scaled(0.6, 0.5), cuneiform.Scaled(0.7, 0.6)]) { FlexionDeg = 2 },
        ])
        { Seed = seed };
    }

    /// <summary>A knee without any lesion at two visits (normal red-marrow islands only).</summary>
    public static PhantomSpec EdemaFreeControl(int seed = 1) =>
        new(PhantomAnatomy.Knee, DefaultAcquisitions(PhantomAnatomy.Knee), [
            new VisitSpec(0, []),
            new VisitSpec(90, []) { FlexionDeg = 6, Repositioning = new RigidPose(new Vector3D(1, -1, 2), new Vector3D(2, 2, -3)) },
        ])
        { Seed = seed };

    /// <summary>Sacroiliac joints on semi-coronal slices: subchondral edema on both sides of the left joint, regressing.</summary>
    public static PhantomSpec Sacroiliac(int seed = 1)
    {
        var ilium = new LesionSpec("left-ilium", LesionPattern.Subchondral, "LeftIlium") { SizeMm = 15, DepthMm = 10 };
        var sacrum = new LesionSpec("left-sacrum", LesionPattern.Subchondral, "Sacrum") { SizeMm = 12, DepthMm = 8, OffsetMm = new Vector3D(0, 0, -8) };
        return new PhantomSpec(PhantomAnatomy.Sacroiliac, DefaultAcquisitions(PhantomAnatomy.Sacroiliac), [
            new VisitSpec(0, [ilium, sacrum]),
            new VisitSpec(90, [ilium.Scaled(0.6, 0.6)]) { Repositioning = new RigidPose(new Vector3D(2, 0, 1), new Vector3D(0, -4, 5)) },
        ])
        { Seed = seed };
    }

    /// <summary>Negative control: an osteonecrosis-like serpentine rim in the femoral head (no edema anywhere).</summary>
    public static PhantomSpec HipOsteonecrosisControl(int seed = 1)
    {
        var on = new LesionSpec("on", LesionPattern.OsteonecrosisLike, "Femur") { SizeMm = 12 };
        return new PhantomSpec(PhantomAnatomy.Hip, DefaultAcquisitions(PhantomAnatomy.Hip), [new VisitSpec(0, [on])]) { Seed = seed };
    }

    /// <summary>
    /// A study with one lesion of <paramref name="pattern"/> in the joint's usual bone following the natural course:
    /// growing to a plateau at 1–2 months and regressing to nothing by about 9 months.
    /// </summary>
    public static PhantomSpec NaturalCourse(PhantomAnatomy anatomy, LesionPattern pattern, IReadOnlyList<int> visitDays, BodySide side = BodySide.Left, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(visitDays);
        var lesion = DefaultLesion(anatomy, pattern);
        var visits = new List<VisitSpec>(visitDays.Count);
        for (var v = 0; v < visitDays.Count; v++)
        {
            var day = visitDays[v];
            var a = CourseAmplitude(day);
            var lesions = a < 0.05 ? Array.Empty<LesionSpec>() : [lesion.Scaled(Math.Sqrt(a), Math.Min(1, 0.4 + (0.6 * a)))];
            var rng = SplitMix64.ForStream(seed, v + 1, 0x504F53);
            var pose = v == 0
                ? RigidPose.Identity
                : new RigidPose(
                    new Vector3D(2 * rng.NextSigned(), 2 * rng.NextSigned(), 3 * rng.NextSigned()),
                    new Vector3D(4 * rng.NextSigned(), 4 * rng.NextSigned(), 6 * rng.NextSigned()));
            visits.Add(new VisitSpec(day, lesions)
            {
                Repositioning = pose,
                FlexionDeg = anatomy is PhantomAnatomy.Knee or PhantomAnatomy.Ankle && v > 0 ? 8 * rng.NextDouble() : 0,
            });
        }

        return new PhantomSpec(anatomy, DefaultAcquisitions(anatomy), visits) { Side = side, Seed = seed };
    }

    /// <summary>Relative lesion amplitude on day <paramref name="day"/>: 0.7 → 1 over 45 days, then linear regression to 0 at day 270.</summary>
    public static double CourseAmplitude(int day) =>
        day < 0 ? 0 : day <= 45 ? 0.7 + (0.3 * day / 45.0) : Math.Max(0, 1 - ((day - 45) / 225.0));

    /// <summary>The usual lesion of a pattern in a joint (bone and size).</summary>
    public static LesionSpec DefaultLesion(PhantomAnatomy anatomy, LesionPattern pattern)
    {
        var bone = anatomy switch
        {
            PhantomAnatomy.Knee => "Femur",
            PhantomAnatomy.Hip => "Femur",
            PhantomAnatomy.Ankle => "Talus",
            _ => "LeftIlium",
        };
        return pattern switch
        {
            LesionPattern.Subchondral => new LesionSpec("lesion", pattern, bone) { SizeMm = 14, DepthMm = 10 },
            LesionPattern.Diffuse => new LesionSpec("lesion", pattern, bone) { SizeMm = anatomy == PhantomAnatomy.Ankle ? 12 : 20, EdgeWidthMm = 4 },
            LesionPattern.SubcorticalPatchy => new LesionSpec("lesion", pattern, bone) { SizeMm = 6, DepthMm = 6, FocusCount = 6 },
            LesionPattern.MultifocalPatchy => new LesionSpec("lesion", pattern, bone) { SizeMm = 6, FocusCount = 5 },
            LesionPattern.OsteonecrosisLike => new LesionSpec("lesion", pattern, bone) { SizeMm = anatomy == PhantomAnatomy.Ankle ? 7 : 12 },
            _ => throw new ArgumentOutOfRangeException(nameof(pattern)),
        };
    }

    /// <summary>The clinical protocol of a joint: a T1 and a fluid-sensitive fat-suppressed series on different grids.</summary>
    public static IReadOnlyList<AcquisitionSpec> DefaultAcquisitions(PhantomAnatomy anatomy, PhantomSequence fluidSequence = PhantomSequence.Stir) => anatomy switch
    {
        PhantomAnatomy.Knee =>
        [
            new AcquisitionSpec(PhantomSequence.T1SpinEcho, SliceOrientation.Sagittal) { Columns = 256, Rows = 256, PixelSpacingMm = 0.625, SliceThicknessMm = 3, SliceGapMm = 0.3, Slices = 28 },
            new AcquisitionSpec(fluidSequence, SliceOrientation.Sagittal) { Columns = 256, Rows = 256, PixelSpacingMm = 0.65, SliceThicknessMm = 3.5, SliceGapMm = 0.35, Slices = 24, CenterOffsetMm = new Vector3D(2, 0, 0) },
        ],
        PhantomAnatomy.Hip =>
        [
            new AcquisitionSpec(PhantomSequence.T1SpinEcho, SliceOrientation.Coronal) { Columns = 256, Rows = 256, PixelSpacingMm = 0.7, SliceThicknessMm = 4, SliceGapMm = 0.4, Slices = 20, CenterOffsetMm = new Vector3D(15, 5, -25) },
            new AcquisitionSpec(fluidSequence, SliceOrientation.Coronal) { Columns = 256, Rows = 256, PixelSpacingMm = 0.75, SliceThicknessMm = 4, SliceGapMm = 0.5, Slices = 20, CenterOffsetMm = new Vector3D(15, 5, -25) },
        ],
        PhantomAnatomy.Ankle =>
        [
            new AcquisitionSpec(PhantomSequence.T1SpinEcho, SliceOrientation.Sagittal) { Columns = 256, Rows = 256, PixelSpacingMm = 0.65, SliceThicknessMm = 3, SliceGapMm = 0.3, Slices = 26, CenterOffsetMm = new Vector3D(0, -20, -25) },
            new AcquisitionSpec(fluidSequence, SliceOrientation.Sagittal) { Columns = 256, Rows = 256, PixelSpacingMm = 0.7, SliceThicknessMm = 3.5, SliceGapMm = 0.35, Slices = 22, CenterOffsetMm = new Vector3D(0, -20, -25) },
        ],
        PhantomAnatomy.Sacroiliac =>
        [
            new AcquisitionSpec(PhantomSequence.T1SpinEcho, SliceOrientation.Oblique) { Columns = 256, Rows = 256, PixelSpacingMm = 0.8, SliceThicknessMm = 4, SliceGapMm = 0.4, Slices = 14, ObliqueAnglesDeg = new Vector3D(-25, 0, 0), CenterOffsetMm = new Vector3D(0, 15, 20), Label = "semi-coronal" },
            new AcquisitionSpec(fluidSequence, SliceOrientation.Oblique) { Columns = 256, Rows = 256, PixelSpacingMm = 0.85, SliceThicknessMm = 4, SliceGapMm = 0.5, Slices = 14, ObliqueAnglesDeg = new Vector3D(-25, 0, 0), CenterOffsetMm = new Vector3D(0, 15, 20), Label = "semi-coronal" },
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(anatomy)),
    };
}
