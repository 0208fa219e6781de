using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Internal;

/// <summary>Automatic bone segmentation and labelling from T1 + fluid-sensitive series (see docs/methods.md).</summary>
internal static class BoneSegmenter
{
    public static (Volume<int> Labels, IReadOnlyDictionary<int, string> Names) Segment(Volume<float> fluid, Volume<float> t1, Anatomy anatomy, AnalysisOptions options, List<string> notes, CancellationToken cancellationToken)
    {
        _ = (fluid, t1, anatomy, options, notes, cancellationToken);
        throw new QuantificationException("Automatic bone segmentation is not available in this build; give a bone label map (--bone-mask).");
    }
}
