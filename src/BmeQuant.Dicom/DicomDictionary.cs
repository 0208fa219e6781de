using System.Globalization;

namespace BmeQuant.Dicom;

/// <summary>One row of the standard's data element registry.</summary>
/// <param name="Tag">Tag value with repeating digits set to zero.</param>
/// <param name="Mask">Bits of <paramref name="Tag"/> that must match (0xFFFFFFFF except for repeating groups such as (60xx,3000)).</param>
/// <param name="VRs">Allowed VRs, the first being the default.</param>
/// <param name="VM">Value multiplicity, e.g. "1", "1-n", "2-2n".</param>
/// <param name="Keyword">Keyword, e.g. SeriesDescription (may be empty for retired rows).</param>
/// <param name="Name">Name, e.g. Series Description.</param>
/// <param name="IsRetired">True when the standard retired the element.</param>
internal sealed record DicomDictionaryEntry(uint Tag, uint Mask, DicomVR[] VRs, string VM, string Keyword, string Name, bool IsRetired)
{
    /// <summary>The default VR.</summary>
    public DicomVR VR => VRs[0];
}

/// <summary>Tag → keyword, VR, VM lookups on the generated registry (DicomDictionary.g.cs).</summary>
internal static partial class DicomDictionary
{
    private static readonly Lazy<Tables> s_tables = new(Build);

    /// <summary>The registry entry for <paramref name="tag"/>, or null (private and unknown tags).</summary>
    public static DicomDictionaryEntry? Lookup(DicomTag tag)
    {
        var t = s_tables.Value;
        if (t.Exact.TryGetValue(tag.Value, out var e))
        {
            return e;
        }

        if (tag.IsPrivate)
        {
            return null;
        }

        foreach (var m in t.Masked)
        {
            if ((tag.Value & m.Mask) == m.Tag)
            {
                return m;
            }
        }

        return null;
    }

    /// <summary>The registry entry for a keyword, or null.</summary>
    public static DicomDictionaryEntry? LookupKeyword(string keyword) =>
        s_tables.Value.ByKeyword.TryGetValue(keyword, out var e) ? e : null;

    /// <summary>The default VR for a tag as implicit VR parsing needs it.</summary>
    public static DicomVR ImplicitVR(DicomTag tag)
    {
        if (tag.IsGroupLength)
        {
            return DicomVR.UL;
        }

        if (tag.IsPrivateCreator)
        {
            return DicomVR.LO;
        }

        return Lookup(tag)?.VR ?? DicomVR.UN;
    }

    private static Tables Build()
    {
        var exact = new Dictionary<uint, DicomDictionaryEntry>(5000);
        var masked = new List<DicomDictionaryEntry>();
        var byKeyword = new Dictionary<string, DicomDictionaryEntry>(5000, StringComparer.Ordinal);
        foreach (var line in RegistryData.Split('\n'))
        {
            var f = line.Split('\t');
            if (f.Length < 6)
            {
                continue;
            }

            var hex = f[0];
            uint tag = 0;
            uint mask = 0;
            foreach (var c in hex)
            {
                tag <<= 4;
                mask <<= 4;
                if (c is 'x' or 'X')
                {
                    continue;
                }

                tag |= uint.Parse(c.ToString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                mask |= 0xF;
            }

            var vrs = f[1].Split('/').Select(v => DicomVR.TryParse(v, out var vr) ? vr : DicomVR.UN).ToArray();
            if (f[1] == "NONE")
            {
                vrs = [DicomVR.UN];
            }

            var entry = new DicomDictionaryEntry(tag, mask, vrs, f[2], f[3], f[4], f[5] == "1");
            if (mask == 0xFFFFFFFF)
            {
                exact.TryAdd(tag, entry);
            }
            else
            {
                masked.Add(entry);
            }

            if (entry.Keyword.Length > 0)
            {
                byKeyword.TryAdd(entry.Keyword, entry);
            }
        }

        return new Tables(exact, [.. masked], byKeyword);
    }

    private sealed record Tables(Dictionary<uint, DicomDictionaryEntry> Exact, DicomDictionaryEntry[] Masked, Dictionary<string, DicomDictionaryEntry> ByKeyword);
}
