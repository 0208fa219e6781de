using BmeQuant.Quantification;

namespace BmeQuant.Loading;

/// <summary>
/// The joint imaged, from header text: BodyPartExamined first (DICOM defined terms and common vendor values), then
/// study and series descriptions and protocol names (English, German, French and Spanish keywords). Returns the
/// anatomy and the evidence; <see cref="Anatomy.Unknown"/> when nothing matches or the texts disagree.
/// </summary>
internal static class AnatomyDetector
{
    // Keywords are matched on upper-cased text split into words (non letters/digits separate words), so "HIP" does
    // not match "SHIP" and "SIJ" matches "MR SIJ" and "stir_sij_cor".
    private static readonly (Anatomy Anatomy, string[] Words)[] s_keywords =
    [
        (Anatomy.Knee, ["KNEE", "KNIE", "GENOU", "RODILLA", "PATELLA", "MENISCUS"]),
        (Anatomy.Hip, ["HIP", "HIPS", "HUEFTE", "HÜFTE", "HANCHE", "CADERA", "FEMORALHEAD", "FEMUR_HEAD"]),
        (Anatomy.Ankle, ["ANKLE", "FOOT", "FEET", "HINDFOOT", "MIDFOOT", "FORFOOT", "CALCANEUS", "TALUS", "OSG", "SPRUNGGELENK", "FUSS", "FUß", "CHEVILLE", "PIED", "TOBILLO", "PIE"]),
        (Anatomy.SacroiliacJoint, ["SIJ", "SIJS", "SI", "ISG", "SACROILIAC", "SACROILIACJOINT", "SACRO", "SAKROILIAKAL", "SACRUM", "SACROILIAQUE", "SACROILIACA"]),
    ];

    /// <summary>Detects the anatomy from the BodyPartExamined values and the free texts (descriptions, protocol names).</summary>
    public static (Anatomy Anatomy, string Evidence) Detect(IEnumerable<string?> bodyParts, IEnumerable<(string Field, string? Text)> texts)
    {
        var fromBodyPart = Match(bodyParts.Where(b => !string.IsNullOrWhiteSpace(b)).Select(b => ("BodyPartExamined", b)));
        if (fromBodyPart.Anatomy != Anatomy.Unknown)
        {
            return fromBodyPart;
        }

        var fromText = Match(texts);
        if (fromText.Anatomy != Anatomy.Unknown)
        {
            return fromText;
        }

        var conflict = fromBodyPart.Evidence.Length > 0 ? fromBodyPart.Evidence : fromText.Evidence;
        return (Anatomy.Unknown, conflict.Length > 0 ? conflict : "no anatomy keyword in BodyPartExamined, study or series descriptions");
    }

    private static (Anatomy Anatomy, string Evidence) Match(IEnumerable<(string Field, string? Text)> texts)
    {
        var hits = new List<(Anatomy Anatomy, string Evidence)>();
        foreach (var (field, text) in texts)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var words = Words(text);
            foreach (var (anatomy, keys) in s_keywords)
            {
                var key = keys.FirstOrDefault(words.Contains);
                if (key is not null)
                {
                    hits.Add((anatomy, $"{field} '{text.Trim()}' ({key})"));
                }
            }
        }

        var distinct = hits.Select(h => h.Anatomy).Distinct().ToArray();
        return distinct.Length switch
        {
            0 => (Anatomy.Unknown, string.Empty),
            1 => (distinct[0], string.Join("; ", hits.Select(h => h.Evidence).Distinct())),
            _ => (Anatomy.Unknown, "conflicting anatomy keywords: " + string.Join("; ", hits.Select(h => h.Evidence).Distinct())),
        };
    }

    private static HashSet<string> Words(string text)
    {
        var upper = text.ToUpperInvariant();
        var words = new HashSet<string>(StringComparer.Ordinal);
        var start = -1;
        for (var i = 0; i <= upper.Length; i++)
        {
            var letter = i < upper.Length && char.IsLetterOrDigit(upper[i]);
            if (letter && start < 0)
            {
                start = i;
            }
            else if (!letter && start >= 0)
            {
                words.Add(upper[start..i]);
                start = -1;
            }
        }

        // Joined forms ("SACROILIAC_JOINT" → also "SACROILIACJOINT"; "FEMORAL HEAD" → "FEMORALHEAD").
        var compact = new string(upper.Where(char.IsLetterOrDigit).ToArray());
        foreach (var joined in new[] { "SACROILIACJOINT", "FEMORALHEAD" })
        {
            if (compact.Contains(joined, StringComparison.Ordinal))
            {
                words.Add(joined);
            }
        }

        return words;
    }
}
