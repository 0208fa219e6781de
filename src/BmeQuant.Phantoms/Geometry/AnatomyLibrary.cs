using BmeQuant.Imaging;

namespace BmeQuant.Phantoms.Geometry;

/// <summary>
/// The four joint models. Coordinates are the anatomy frame of a LEFT limb: LPS axes (+X patient left = lateral,
/// +Y posterior, +Z superior), mm, origin at the joint centre. Sizes follow adult anatomy (e.g. femoral condyles
/// ~28 mm wide and ~60 mm long, tibial plateau 76 × 52 mm, femoral head radius 24 mm, patella 44 × 20 × 48 mm).
/// </summary>
internal static class AnatomyLibrary
{
    private static readonly Lock s_lock = new();
    private static readonly Dictionary<PhantomAnatomy, AnatomyModel> s_cache = [];

    public static AnatomyModel Get(PhantomAnatomy anatomy)
    {
        lock (s_lock)
        {
            if (!s_cache.TryGetValue(anatomy, out var model))
            {
                model = anatomy switch
                {
                    PhantomAnatomy.Knee => Knee(),
                    PhantomAnatomy.Hip => Hip(),
                    PhantomAnatomy.Ankle => Ankle(),
                    PhantomAnatomy.Sacroiliac => Sacroiliac(),
                    _ => throw new ArgumentOutOfRangeException(nameof(anatomy), anatomy, "Unknown anatomy."),
                };
                s_cache[anatomy] = model;
            }

            return model;
        }
    }

    private static Vector3D V(double x, double y, double z) => new(x, y, z);

    private static Superellipsoid Ell(double cx, double cy, double cz, double rx, double ry, double rz) => new(V(cx, cy, cz), V(rx, ry, rz));

    private static AnatomyModel Knee()
    {
        var femur = new ShapeBuilder()
            .Capsule(V(0, 6, 45), V(0, 6, 260), 14, 13)
            .Ellipsoid(0, 8, 50, 34, 26, 30, 12)
            .Ellipsoid(-21, 10, 26, 14, 30, 24, 6)
            .Ellipsoid(21, 10, 26, 14, 28, 24, 6)
            .Box(0, -8, 40, 32, 15, 20, 8)
            .Subtract(new Capsule(V(0, -32, 18), V(0, -32, 75), 13), 3)
            .Build();
        var tibia = new ShapeBuilder()
            .Box(0, 6, -14, 38, 26, 12)
            .Ellipsoid(0, 8, -40, 30, 23, 28, 10)
            .Capsule(V(0, 10, -50), V(0, 12, -260), 14, 11, 10)
            .Ellipsoid(-5, 6, -2, 4, 7, 5, 3)
            .Ellipsoid(5, 6, -2, 4, 7, 5, 3)
            .Ellipsoid(0, -18, -40, 12, 8, 14, 6)
            .Build();
        var patella = new ShapeBuilder().Ellipsoid(0, -39, 32, 22, 10, 24).Build();
        var fibula = new ShapeBuilder()
            .Ellipsoid(42, 30, -40, 10, 10, 11)
            .Capsule(V(43, 31, -46), V(36, 26, -260), 8, 7, 6)
            .Build();

        var femurBone = new BoneModel("Femur", femur, 1.5, 2.2, V(-21, 10, 26), V(0, 0, -1));
        femurBone.RedMarrowIslands.Add(Ell(5, 8, 58, 8, 6, 7));
        var tibiaBone = new BoneModel("Tibia", tibia, 1.3, 2.0, V(-20, 8, -16), V(0, 0, 1), 1);
        tibiaBone.RedMarrowIslands.Add(Ell(0, 8, -45, 7, 6, 8));
        return new AnatomyModel
        {
            Anatomy = PhantomAnatomy.Knee,
            Bones =
            [
                femurBone,
                tibiaBone,
                new BoneModel("Patella", patella, 1.2, 3.0, V(0, -39, 32), V(0, 1, 0), 2),
                new BoneModel("Fibula", fibula, 1.2, 1.5, V(42, 30, -40), V(-0.6, 0, 0.8), 1),
            ],
            Body = new ShapeBuilder()
                .Capsule(V(0, 4, 0), V(0, 4, 300), 66, 80)
                .Capsule(V(0, 6, 0), V(0, 10, -300), 64, 50, 20)
                .Build(),
            Capsule = new ShapeBuilder()
                .Ellipsoid(0, 2, 10, 50, 45, 42)
                .Ellipsoid(0, -20, 55, 32, 14, 28, 10)
                .Build(),
            SubcutaneousFatMm = 8,
            JointCenterLps = V(95, 10, -420),
            FlexionPivot = V(0, 10, 26),
        };
    }

    private static AnatomyModel Hip()
    {
        var femur = new ShapeBuilder()
            .Ellipsoid(0, 0, 0, 24, 24, 24)
            .Capsule(V(0, 0, 0), V(36, 9, -30), 15, 17, 6)
            .Ellipsoid(46, 10, -42, 20, 18, 28, 10)
            .Ellipsoid(58, 16, -22, 12, 16, 18, 8)
            .Ellipsoid(34, 22, -68, 8, 8, 10, 5)
            .Capsule(V(46, 10, -50), V(28, 10, -420), 16, 14, 10)
            .Build();
        var acetabulum = new ShapeBuilder()
            .Ellipsoid(-8, 2, 8, 42, 42, 42)
            .Box(-14, 8, 80, 12, 50, 48, 12)
            .Capsule(V(-10, 34, -30), V(-14, 44, -80), 15, 13, 10)
            .Capsule(V(-26, -26, -20), V(-76, -36, -30), 11, 10, 10)
            .Subtract(Ell(0, 0, 0, 28.3, 28.3, 28.3))
            .Subtract(new HalfSpace(V(0.72, -0.3, -0.62), 2))
            .Build();
        var femurBone = new BoneModel("Femur", femur, 1.3, 1.8, V(0, 0, 0), V(0.3, 0, 1), 1);
        femurBone.RedMarrowIslands.Add(Ell(44, 10, -45, 9, 8, 10));
        var acetabulumBone = new BoneModel("Acetabulum", acetabulum, 1.3, 1.8, V(4, 0, 36), V(-0.1, 0, -1));
        acetabulumBone.RedMarrowIslands.Add(Ell(-12, 4, 48, 10, 8, 8));
        return new AnatomyModel
        {
            Anatomy = PhantomAnatomy.Hip,
            Bones = [femurBone, acetabulumBone],
            Body = new ShapeBuilder()
                .Ellipsoid(-90, 10, 60, 175, 115, 130)
                .Capsule(V(50, 10, -20), V(30, 10, -420), 85, 70, 30)
                .Build(),
            Capsule = new ShapeBuilder().Ellipsoid(14, 4, -14, 38, 32, 40).Build(),
            SubcutaneousFatMm = 15,
            JointCenterLps = V(88, 15, -60),
            FlexionPivot = V(0, 0, 0),
        };
    }

    private static AnatomyModel Ankle()
    {
        var tibia = new ShapeBuilder()
            .Box(0, 0, 14, 22, 18, 12)
            .Ellipsoid(0, 2, 38, 24, 21, 28, 10)
            .Capsule(V(0, 3, 50), V(0, 6, 300), 14, 12, 10)
            .Ellipsoid(-24, 2, 0, 6, 11, 16, 6)
            .Build();
        var fibula = new ShapeBuilder()
            .Capsule(V(29, 20, 90), V(28, 16, 10), 7.5, 7)
            .Ellipsoid(26, 14, -4, 6, 11, 18, 6)
            .Build();
        var talus = new ShapeBuilder()
            .Ellipsoid(0, 2, -16, 14, 22, 14)
            .Ellipsoid(-4, -24, -22, 11, 11, 10, 6)
            .Build();
        var calcaneus = new ShapeBuilder().Box(4, 18, -52, 15, 40, 16).Build();
        var navicular = new ShapeBuilder().Ellipsoid(-6, -44, -24, 15, 6, 12).Build();
        var cuboid = new ShapeBuilder().Box(17, -38, -48, 10, 12, 10).Build();
        var medialCuneiform = new ShapeBuilder().Box(-17, -62, -28, 7, 9, 12).Build();
        var intermediateCuneiform = new ShapeBuilder().Box(-3, -62, -24, 5, 9, 10).Build();
        var lateralCuneiform = new ShapeBuilder().Box(9, -62, -30, 5, 9, 10).Build();

        var tibiaBone = new BoneModel("Tibia", tibia, 1.3, 1.2, V(0, 0, 14), V(0, 0, -1));
        tibiaBone.RedMarrowIslands.Add(Ell(0, 2, 42, 8, 7, 9));
        var calcaneusBone = new BoneModel("Calcaneus", calcaneus, 1.0, 1.2, V(4, 18, -52), V(0, 0, 1), 1);
        calcaneusBone.RedMarrowIslands.Add(Ell(6, 24, -52, 8, 12, 7));
        return new AnatomyModel
        {
            Anatomy = PhantomAnatomy.Ankle,
            Bones =
            [
                tibiaBone,
                new BoneModel("Fibula", fibula, 1.2, 1.2, V(26, 14, -4), V(-1, 0, 0)),
                new BoneModel("Talus", talus, 1.0, 1.2, V(0, 2, -16), V(0, 0, 1), 1),
                calcaneusBone,
                new BoneModel("Navicular", navicular, 0.9, 1.0, V(-6, -44, -24), V(0, 1, 0), 1),
                new BoneModel("Cuboid", cuboid, 0.9, 1.0, V(17, -38, -48), V(0, 1, 0), 1),
                new BoneModel("MedialCuneiform", medialCuneiform, 0.9, 1.0, V(-17, -62, -28), V(0, 1, 0), 1),
                new BoneModel("IntermediateCuneiform", intermediateCuneiform, 0.9, 1.0, V(-3, -62, -24), V(0, 1, 0), 1),
                new BoneModel("LateralCuneiform", lateralCuneiform, 0.9, 1.0, V(9, -62, -30), V(0, 1, 0), 1),
            ],
            Body = new ShapeBuilder()
                .Capsule(V(0, 4, 0), V(0, 5, 300), 45, 48)
                .Box(2, -30, -44, 46, 100, 38, 25)
                .Build(),
            Capsule = new ShapeBuilder().Ellipsoid(0, -10, -24, 40, 55, 36).Build(),
            SubcutaneousFatMm = 5,
            JointCenterLps = V(100, 20, -850),
            FlexionPivot = V(0, 2, -16),
        };
    }

    private static AnatomyModel Sacroiliac()
    {
        var sacrum = new ShapeBuilder()
            .Box(0, 15, 25, 47, 22, 30)
            .Box(0, 30, -25, 30, 16, 30, 15)
            .Ellipsoid(0, -5, 55, 25, 18, 12, 8)
            .Build();
        static CompoundShape Ilium(double sign) => new ShapeBuilder()
            .Box(sign * 73, 12, 30, 23, 40, 55)
            .Ellipsoid(sign * 88, 5, 80, 14, 55, 50, 12)
            .Build();
        return new AnatomyModel
        {
            Anatomy = PhantomAnatomy.Sacroiliac,
            Bones =
            [
                new BoneModel("Sacrum", sacrum, 1.2, 1.0, V(30, 15, 25), V(1, 0, 0)),
                new BoneModel("LeftIlium", Ilium(1), 1.2, 1.5, V(70, 12, 25), V(-1, 0, 0)),
                new BoneModel("RightIlium", Ilium(-1), 1.2, 1.5, V(-70, 12, 25), V(1, 0, 0)),
            ],
            Body = new ShapeBuilder().Ellipsoid(0, 10, 20, 185, 125, 220).Build(),
            Capsule = new ShapeBuilder()
                .Ellipsoid(50, 15, 25, 12, 30, 45)
                .Ellipsoid(-50, 15, 25, 12, 30, 45)
                .Build(),
            SubcutaneousFatMm = 20,
            JointCenterLps = V(0, 50, -60),
            Lateralized = false,
        };
    }
}
