using BmeQuant.Imaging;
using BmeQuant.Imaging.Registration;
using BmeQuant.Phantoms;

namespace BmeQuant.Quantification.Tests.Pipeline;

/// <summary>
/// Knee phantoms for the pipeline tests: the reduced (128-matrix) default knee protocol, one subchondral femoral
/// lesion, no repositioning and no motion between the series (so T1 and STIR agree exactly through their geometry),
/// optional coil bias amplitude. Generated once per spec and shared.
/// </summary>
internal static class PipelinePhantoms
{
    private static readonly Lazy<PhantomStudy> s_aligned = new(() => PhantomGenerator.Generate(Spec(biasAmplitude: 0.2)));

    /// <summary>T1 and STIR aligned, the phantom's default coil bias (amplitude 0.2).</summary>
    public static PhantomStudy Aligned => s_aligned.Value;

    public static PhantomSpec Spec(double biasAmplitude) =>
        new(PhantomAnatomy.Knee, PhantomAccuracy.ReducedAcquisitions(PhantomAnatomy.Knee), [new VisitSpec(45, [PhantomPresets.DefaultLesion(PhantomAnatomy.Knee, LesionPattern.Subchondral)])])
        {
            Seed = 606,
            Snr = 30,
            MotionMm = 0,
            BiasFieldAmplitude = biasAmplitude,
            Supersampling = 2,
            TruthStepMm = 0.6,
        };

    /// <summary>The study's input (phantom bone labels given) with its T1 replaced by <paramref name="t1"/> when not null.</summary>
    public static StudyInput Input(PhantomStudy study, Volume<float>? t1 = null)
    {
        var input = PhantomAccuracy.Input(study, study.Visits[0], out _);
        return t1 is null ? input : new StudyInput(input.FluidSensitive, t1)
        {
            BoneLabels = input.BoneLabels,
            LabelNames = input.LabelNames,
            BoneLabelsSource = input.BoneLabelsSource,
            Anatomy = input.Anatomy,
        };
    }

    /// <summary>Truth edema volume (voxels of the fluid series with edema fraction ≥ 0.5), mm³.</summary>
    public static double TruthVolumeMm3(PhantomStudy study)
    {
        var fluid = study.Visits[0].Series.First(s => s.Sequence.Sequence != PhantomSequence.T1SpinEcho);
        long n = 0;
        foreach (var f in fluid.EdemaFraction.Data)
        {
            n += f >= 0.5f ? 1 : 0;
        }

        return n * fluid.Geometry.VoxelVolumeMm3;
    }

    /// <summary>
    /// A strong smooth multiplicative field, as from a surface coil on one side: exp(<paramref name="strength"/> · t),
    /// t running from −1 to 1 across the image along its grid direction (<paramref name="ux"/>, <paramref name="uy"/>)
    /// (strength 0.5: sensitivity from 0.61 to 1.65).
    /// </summary>
    public static Volume<float> WithGradientBias(Volume<float> image, double ux, double uy, double strength)
    {
        var g = image.Geometry;
        var biased = new Volume<float>(g);
        var norm = Math.Sqrt((ux * ux) + (uy * uy));
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var ti = (2.0 * i / (g.SizeX - 1)) - 1;
                    var tj = (2.0 * j / (g.SizeY - 1)) - 1;
                    var t = ((ux * ti) + (uy * tj)) / norm;
                    var o = (int)g.Offset(i, j, k);
                    biased.Data[o] = (float)(image.Data[o] * Math.Exp(strength * t));
                }
            }
        }

        return biased;
    }

    /// <summary>
    /// The same voxels with a header that places them moved by <paramref name="motion"/>: the anatomy at physical point x
    /// is now labelled motion(x), as when the patient moved between the series.
    /// </summary>
    public static Volume<float> MoveHeader(Volume<float> image, RigidTransform motion)
    {
        var g = image.Geometry;
        var moved = new ImageGeometry(g.SizeX, g.SizeY, g.SizeZ, g.Spacing, motion.TransformPoint(g.Origin), motion.Rotation * g.Direction);
        return new Volume<float>(moved, (float[])image.Data.Clone());
    }
}
