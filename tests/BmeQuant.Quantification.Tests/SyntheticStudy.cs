using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Tests;

/// <summary>
/// A small synthetic two-bone joint built in the test: two boxes of fatty marrow (T1 bright, fluid dark) separated by
/// a 3 mm joint space along z, with an optional ellipsoidal edema lesion (fluid bright, T1 dark) against the joint
/// and Gaussian noise from a fixed seed. The truth mask is exact (voxel centres inside the ellipsoid).
/// </summary>
internal sealed class SyntheticStudy
{
    public const float MarrowFluid = 100f;
    public const float MarrowT1 = 1000f;
    public const float EdemaFluid = 300f;
    public const float EdemaT1 = 500f;

    private SyntheticStudy(Volume<float> fluid, Volume<float> t1, Volume<int> labels, Volume<byte> truth)
    {
        Fluid = fluid;
        T1 = t1;
        Labels = labels;
        Truth = truth;
    }

    public Volume<float> Fluid { get; }

    public Volume<float> T1 { get; }

    public Volume<int> Labels { get; }

    public Volume<byte> Truth { get; }

    public double TruthVolumeMm3 => RealSijTests.Count(Truth) * Truth.Geometry.VoxelVolumeMm3;

    /// <param name="lesionRadiiMm">Semi-axes (x, y, z) of the lesion; null for an edema-free control.</param>
    /// <param name="noiseSd">Gaussian noise SD on both series.</param>
    /// <param name="seed">Noise seed.</param>
    /// <param name="lesionCentreOffsetMm">Lesion centre depth below the joint surface of the lower bone (mm).</param>
    public static SyntheticStudy Create(Vector3D? lesionRadiiMm, double noiseSd, int seed, double lesionCentreOffsetMm = 4)
    {
        // 64×64×40 voxels of 1×1×1 mm. Lower bone z 2..17, joint 18..20, upper bone z 21..37; x, y 4..59.
        var g = new ImageGeometry(64, 64, 40, new Vector3D(1, 1, 1), new Vector3D(-32, -32, -20));
        var fluid = new Volume<float>(g);
        var t1 = new Volume<float>(g);
        var labels = new Volume<int>(g);
        var truth = new Volume<byte>(g);
        var rng = new Random(seed);
        var centre = new Vector3D(31.5, 31.5, 17 - lesionCentreOffsetMm);
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var inXy = i is >= 4 and <= 59 && j is >= 4 and <= 59;
                    var label = inXy && k is >= 2 and <= 17 ? 1 : inXy && k is >= 21 and <= 37 ? 2 : 0;
                    float f, t;
                    if (label == 0)
                    {
                        // Joint fluid between the bones, soft tissue elsewhere.
                        (f, t) = inXy && k is >= 18 and <= 20 ? (600f, 300f) : (150f, 400f);
                    }
                    else
                    {
                        (f, t) = (MarrowFluid, MarrowT1);
                        if (label == 1 && lesionRadiiMm is { } r)
                        {
                            var d = new Vector3D((i - centre.X) / r.X, (j - centre.Y) / r.Y, (k - centre.Z) / r.Z);
                            if (d.Length <= 1)
                            {
                                (f, t) = (EdemaFluid, EdemaT1);
                                truth[i, j, k] = 1;
                            }
                        }
                    }

                    labels[i, j, k] = label;
                    fluid[i, j, k] = f + (float)(noiseSd * Gaussian(rng));
                    t1[i, j, k] = t + (float)(noiseSd * Gaussian(rng));
                }
            }
        }

        return new SyntheticStudy(fluid, t1, labels, truth);
    }

    public StudyInput Input(bool withLabels = true) => new(Fluid, T1)
    {
        BoneLabels = withLabels ? Labels : null,
        LabelNames = new Dictionary<int, string> { [1] = "tibia", [2] = "femur" },
        Anatomy = Anatomy.Knee,
    };

    private static double Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
