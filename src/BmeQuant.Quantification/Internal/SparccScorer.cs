using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Internal;

/// <summary>Automated SPARCC-style sacroiliac score (see docs/methods.md).</summary>
internal static class SparccScorer
{
    public static SparccScore? Score(Volume<byte> edema, Volume<int> labels, IReadOnlyDictionary<int, string> names, BoneGeometry bones, Volume<float> fluid, ReferenceStats reference, Anatomy anatomy, AnalysisOptions options, List<string> notes)
    {
        _ = (edema, labels, bones, fluid, reference, options);
        if (anatomy != Anatomy.SacroiliacJoint)
        {
            return null;
        }

        if (!names.Values.Any(n => n.Contains("sacrum", StringComparison.OrdinalIgnoreCase)) || !names.Values.Any(n => n.Contains("ilium", StringComparison.OrdinalIgnoreCase)))
        {
            notes.Add("SPARCC-style score not computed: the bones are not labelled sacrum / ilium.");
            return null;
        }

        notes.Add("SPARCC-style score not computed in this build.");
        return null;
    }
}
