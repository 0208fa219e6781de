using System.Globalization;

namespace BmeQuant.Dicom.Roles;

/// <summary>The acquisition facts a role is decided from (taken from a header, or given directly in tests).</summary>
public sealed record SeriesHeaderFacts
{
    /// <summary>Manufacturer (0008,0070).</summary>
    public string Manufacturer { get; init; } = string.Empty;

    /// <summary>SeriesDescription (0008,103E).</summary>
    public string SeriesDescription { get; init; } = string.Empty;

    /// <summary>ProtocolName (0018,1030).</summary>
    public string ProtocolName { get; init; } = string.Empty;

    /// <summary>ScanningSequence (0018,0020) values (SE, IR, GR, EP, RM).</summary>
    public IReadOnlyList<string> ScanningSequence { get; init; } = [];

    /// <summary>SequenceVariant (0018,0021) values (SK, MTC, SS, TRSS, SP, MP, OSP, NONE).</summary>
    public IReadOnlyList<string> SequenceVariant { get; init; } = [];

    /// <summary>ScanOptions (0018,0022) values (FS, IR, SAT_FAT, FC, PFP …).</summary>
    public IReadOnlyList<string> ScanOptions { get; init; } = [];

    /// <summary>ImageType (0008,0008) values.</summary>
    public IReadOnlyList<string> ImageType { get; init; } = [];

    /// <summary>SequenceName (0018,0024) and vendor private sequence names joined (Siemens "*tse2d1_3", GE "fse-xl", Philips "TSE").</summary>
    public string SequenceName { get; init; } = string.Empty;

    /// <summary>RepetitionTime, ms.</summary>
    public double? RepetitionTimeMs { get; init; }

    /// <summary>EchoTime, ms.</summary>
    public double? EchoTimeMs { get; init; }

    /// <summary>InversionTime, ms.</summary>
    public double? InversionTimeMs { get; init; }

    /// <summary>MagneticFieldStrength, tesla.</summary>
    public double? FieldStrengthTesla { get; init; }

    /// <summary>Reads the facts from a header (classic or enhanced: the shared functional groups are searched too).</summary>
    public static SeriesHeaderFacts FromDataset(DicomDataset ds)
    {
        ArgumentNullException.ThrowIfNull(ds);
        var seqNames = new List<string>();
        AddString(ds, DicomTag.SequenceName, seqNames);
        AddString(ds, DicomTag.PulseSequenceName, seqNames);

        // GE private pulse sequence name (0019,109C) "GEMS_ACQU_01"; Philips (2001,1020) "Philips Imaging DD 001".
        if (ds.TryGetPrivateTag(0x0019, "GEMS_ACQU_01", 0x9C, out var ge))
        {
            AddString(ds, ge, seqNames);
        }

        if (ds.TryGetPrivateTag(0x2001, "Philips Imaging DD 001", 0x20, out var ph))
        {
            AddString(ds, ph, seqNames);
        }

        return new SeriesHeaderFacts
        {
            Manufacturer = ds.GetStringOrDefault(DicomTag.Manufacturer, string.Empty),
            SeriesDescription = ds.GetStringOrDefault(DicomTag.SeriesDescription, string.Empty),
            ProtocolName = ds.GetStringOrDefault(DicomTag.ProtocolName, string.Empty),
            ScanningSequence = ScanningSequenceOf(ds),
            SequenceVariant = Multi(ds, DicomTag.SequenceVariant),
            ScanOptions = Multi(ds, DicomTag.ScanOptions),
            ImageType = Multi(ds, DicomTag.ImageType),
            SequenceName = string.Join(" ", seqNames),
            RepetitionTimeMs = Number(ds, DicomTag.RepetitionTime, DicomTag.MRTimingAndRelatedParametersSequence),
            EchoTimeMs = Number(ds, DicomTag.EchoTime, null) ?? Number(ds, DicomTag.EffectiveEchoTime, DicomTag.MREchoSequence),
            InversionTimeMs = Number(ds, DicomTag.InversionTime, null) ?? Number(ds, DicomTag.InversionTimes, DicomTag.MRModifierSequence),
            FieldStrengthTesla = Number(ds, DicomTag.MagneticFieldStrength, null),
        };
    }

    /// <summary>ScanningSequence, or for enhanced objects (which lack it) the equivalent from EchoPulseSequence / EchoPlanarPulseSequence.</summary>
    private static string[] ScanningSequenceOf(DicomDataset ds)
    {
        var ss = Multi(ds, DicomTag.ScanningSequence);
        if (ss.Length > 0)
        {
            return ss;
        }

        var list = new List<string>();
        if (string.Equals(ds.GetStringOrDefault(DicomTag.EchoPlanarPulseSequence, string.Empty), "YES", StringComparison.OrdinalIgnoreCase))
        {
            list.Add("EP");
        }

        var pulse = ds.GetStringOrDefault(DicomTag.EchoPulseSequence, string.Empty).ToUpperInvariant();
        if (pulse is "SPIN" or "BOTH")
        {
            list.Add("SE");
        }

        if (pulse is "GRADIENT" or "BOTH")
        {
            list.Add("GR");
        }

        if (string.Equals(ds.GetStringOrDefault(DicomTag.InversionRecovery, string.Empty), "YES", StringComparison.OrdinalIgnoreCase))
        {
            list.Add("IR");
        }

        return [.. list];
    }

    private static void AddString(DicomDataset ds, DicomTag tag, List<string> into)
    {
        if (ds.TryGetString(tag, out var s) && s.Trim().Length > 0)
        {
            into.Add(s.Trim());
        }
    }

    private static string[] Multi(DicomDataset ds, DicomTag tag) =>
        ds.TryGetString(tag, out var s) ? s.Split('\\').Select(x => x.Trim().ToUpperInvariant()).Where(x => x.Length > 0).ToArray() : [];

    private static double? Number(DicomDataset ds, DicomTag tag, DicomTag? inSequence)
    {
        if (ds.TryGetValue<double>(tag, out var v) && double.IsFinite(v))
        {
            return v;
        }

        // Enhanced objects: the value sits in a functional group macro of the shared (or first per-frame) group.
        foreach (var groupTag in new[] { DicomTag.SharedFunctionalGroupsSequence, DicomTag.PerFrameFunctionalGroupsSequence })
        {
            if (inSequence is { } seqTag && ds.TryGetSequence(groupTag, out var groups) && groups.Items.Count > 0
                && groups.Items[0].TryGetSequence(seqTag, out var macro) && macro.Items.Count > 0
                && macro.Items[0].TryGetValue<double>(tag, out var w) && double.IsFinite(w))
            {
                return w;
            }
        }

        return null;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Manufacturer} '{SeriesDescription}' {string.Join('\\', ScanningSequence)} TR {RepetitionTimeMs} TE {EchoTimeMs} TI {InversionTimeMs}");
}
