using System.Collections.Concurrent;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Phantoms;

namespace BmeQuant.Quantification.Tests.Bones;

/// <summary>
/// One single-visit phantom per joint with a subchondral lesion (edema present), generated once per test run:
/// knee and ankle at 3 T with SNR 30, hip and sacroiliac joints at 1.5 T with SNR 20.
/// </summary>
internal static class BonePhantoms
{
    private static readonly ConcurrentDictionary<PhantomAnatomy, Lazy<Case>> s_cases = new();

    internal sealed record Case(PhantomStudy Study, PhantomSeries Fluid, PhantomSeries T1, Volume<float> T1OnFluidGrid, Anatomy Anatomy)
    {
        public IReadOnlyList<string> BoneNames => Study.BoneNames;
    }

    public static Case Get(PhantomAnatomy anatomy) =>
        s_cases.GetOrAdd(anatomy, a => new Lazy<Case>(() => Create(a), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private static Case Create(PhantomAnatomy anatomy)
    {
        var highField = anatomy is PhantomAnatomy.Knee or PhantomAnatomy.Ankle;
        var spec = PhantomPresets.NaturalCourse(anatomy, LesionPattern.Subchondral, [30]) with
        {
            FieldStrengthTesla = highField ? 3.0 : 1.5,
            Snr = highField ? 30 : 20,
        };
        var study = PhantomGenerator.Generate(spec);
        var visit = study.Visits[0];
        var fluid = visit.Series.First(s => s.Sequence.Sequence != PhantomSequence.T1SpinEcho);
        var t1 = visit.Series.First(s => s.Sequence.Sequence == PhantomSequence.T1SpinEcho);
        var t1OnGrid = Resampler.Resample(t1.Image, fluid.Geometry, Interpolation.Linear, float.NaN);
        return new Case(study, fluid, t1, t1OnGrid, ToAnatomy(anatomy));
    }

    public static Anatomy ToAnatomy(PhantomAnatomy anatomy) => anatomy switch
    {
        PhantomAnatomy.Knee => Anatomy.Knee,
        PhantomAnatomy.Hip => Anatomy.Hip,
        PhantomAnatomy.Ankle => Anatomy.Ankle,
        _ => Anatomy.SacroiliacJoint,
    };

    /// <summary>Dice of our bone named <paramref name="name"/> against the phantom's label of the same name (0 when we have none).</summary>
    public static double Dice(Volume<int> ours, IReadOnlyDictionary<int, string> names, Volume<byte> truth, IReadOnlyList<string> truthNames, string name)
    {
        var ourLabel = names.FirstOrDefault(kv => kv.Value == name).Key;
        var truthLabel = truthNames.ToList().IndexOf(name) + 1;
        long a = 0, b = 0, both = 0;
        for (var i = 0; i < ours.Length; i++)
        {
            var x = ourLabel != 0 && ours.Data[i] == ourLabel;
            var y = truth.Data[i] == truthLabel;
            a += x ? 1 : 0;
            b += y ? 1 : 0;
            both += x && y ? 1 : 0;
        }

        return a + b == 0 ? 1 : 2.0 * both / (a + b);
    }
}
