using System.Globalization;
using System.Text.RegularExpressions;
using BmeQuant.Dicom.Series;

namespace BmeQuant.Dicom.Roles;

/// <summary>
/// Classifies a series as T1, STIR, PD fat-sat, T2 fat-sat, T2, Dixon water/fat or other from header evidence:
/// ImageType (Dixon W/F, localizer, diffusion), ScanningSequence / SequenceVariant / ScanOptions (IR, FS), InversionTime
/// against field strength (STIR TI about 100–180 ms at 1.5 T and 180–250 ms at 3 T), TR/TE, vendor sequence names,
/// and the SeriesDescription / ProtocolName keywords of Siemens, GE, Philips, Canon and UIH as a last resort.
/// </summary>
public static partial class SequenceRoleClassifier
{
    /// <summary>Classifies a discovered series from its first header.</summary>
    public static RoleClassification Classify(DicomSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var facts = SeriesHeaderFacts.FromDataset(series.Header);
        return Classify(facts);
    }

    /// <summary>Classifies from acquisition facts.</summary>
    public static RoleClassification Classify(SeriesHeaderFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var evidence = new List<string>();
        var text = (facts.SeriesDescription + " " + facts.ProtocolName).Trim();
        var keyword = FromKeywords(text, facts.SequenceName);

        // 1. Image type decides Dixon components, localizers and derived maps outright.
        var it = facts.ImageType;
        if (it.Contains("LOCALIZER"))
        {
            evidence.Add("ImageType contains LOCALIZER");
            return new RoleClassification(SeriesRole.Other, 0.95, evidence);
        }

        if (it.Any(t => t is "ADC" or "TRACEW" or "DIFFUSION" or "FA" or "PERFUSION"))
        {
            evidence.Add("ImageType " + string.Join('\\', it) + " (diffusion/perfusion map)");
            return new RoleClassification(SeriesRole.Other, 0.9, evidence);
        }

        var dixon = it.Contains("DIXON") || facts.Manufacturer.Contains("PHILIPS", StringComparison.OrdinalIgnoreCase);
        if (it.Contains("WATER") || (dixon && it.Contains("W")))
        {
            evidence.Add("ImageType " + string.Join('\\', it) + " marks a Dixon water image");
            return new RoleClassification(SeriesRole.DixonWater, 0.95, evidence);
        }

        if (it.Contains("FAT") || (dixon && it.Contains("F")))
        {
            evidence.Add("ImageType " + string.Join('\\', it) + " marks a Dixon fat image");
            return new RoleClassification(SeriesRole.DixonFat, 0.95, evidence);
        }

        var ss = facts.ScanningSequence;
        var sv = facts.SequenceVariant;
        var so = facts.ScanOptions;
        if (ss.Count > 0)
        {
            evidence.Add("ScanningSequence " + string.Join('\\', ss));
        }

        if (sv.Count > 0)
        {
            evidence.Add("SequenceVariant " + string.Join('\\', sv));
        }

        if (so.Count > 0)
        {
            evidence.Add("ScanOptions " + string.Join('\\', so));
        }

        if (facts.SequenceName.Length > 0)
        {
            evidence.Add("sequence name " + facts.SequenceName);
        }

        var tr = facts.RepetitionTimeMs;
        var te = facts.EchoTimeMs;
        var ti = facts.InversionTimeMs;
        var b0 = facts.FieldStrengthTesla is > 0 and < 20 ? facts.FieldStrengthTesla.Value : (double?)null;
        if (tr is not null || te is not null || ti is not null)
        {
            evidence.Add(Inv($"TR {Fmt(tr)} ms, TE {Fmt(te)} ms, TI {Fmt(ti)} ms{(b0 is null ? string.Empty : Inv($" at {b0:G3} T"))}"));
        }

        var seqLower = facts.SequenceName.ToLowerInvariant();
        var isEpi = ss.Contains("EP") || seqLower.Contains("epi", StringComparison.Ordinal) || seqLower.Contains("ep2d", StringComparison.Ordinal)
            || SiemensEpiName().IsMatch(seqLower);
        if (isEpi)
        {
            evidence.Add("echo-planar acquisition (diffusion/functional)");
            return new RoleClassification(SeriesRole.Other, 0.85, evidence);
        }

        var isIr = ss.Contains("IR") || so.Contains("IR") || sv.Contains("MP") && ti is not null
            || seqLower.Contains("tir", StringComparison.Ordinal) || seqLower.Contains("stir", StringComparison.Ordinal)
            || (ti is > 0);
        var fatSat = so.Any(o => o is "FS" or "SAT_FAT" or "FAT_SAT" or "SFS" or "SPIR" or "SPAIR" or "CHESS")
            || seqLower.Contains("fs", StringComparison.Ordinal) && Regex.IsMatch(seqLower, @"(^|[^a-z])fs($|[^a-z])") || keyword.FatSat;
        if (fatSat)
        {
            evidence.Add(so.Any(o => o is "FS" or "SAT_FAT" or "FAT_SAT" or "SFS" or "SPIR" or "SPAIR" or "CHESS")
                ? "fat suppression in ScanOptions"
                : "fat suppression named in the description or sequence name");
        }

        SeriesRole? headerRole = null;
        var confidence = 0.0;
        if (isIr && ti is { } inv)
        {
            var (lo, hi) = b0 is >= 2.5 ? (170.0, 260.0) : b0 is > 0 and < 1.0 ? (60.0, 140.0) : (90.0, 190.0);
            if (inv >= lo && inv <= hi)
            {
                evidence.Add(Inv($"InversionTime {inv:G4} ms is in the STIR range {lo:G3}–{hi:G3} ms for {(b0 is null ? "an assumed 1.5" : b0.Value.ToString("G3", CultureInfo.InvariantCulture))} T"));
                headerRole = SeriesRole.Stir;
                confidence = 0.9;
            }
            else if (inv is >= 60 and <= 300)
            {
                evidence.Add(Inv($"InversionTime {inv:G4} ms is short (fat-nulling) though outside the field-specific STIR range {lo:G3}–{hi:G3} ms"));
                headerRole = SeriesRole.Stir;
                confidence = 0.7;
            }
            else if (inv >= 1500)
            {
                evidence.Add(Inv($"InversionTime {inv:G4} ms nulls fluid (FLAIR), not fat"));
                headerRole = SeriesRole.Other;
                confidence = 0.8;
            }
            else if (inv is >= 300 and < 1500 && (te is null || te < 30))
            {
                evidence.Add(Inv($"InversionTime {inv:G4} ms with short TE: T1-weighted inversion recovery (MPRAGE / T1-FLAIR)"));
                headerRole = SeriesRole.T1;
                confidence = 0.8;
            }
        }

        if (headerRole is null && tr is { } trv && te is { } tev)
        {
            var gradient = ss.Contains("GR") && !ss.Contains("SE");
            if (gradient)
            {
                if (tev <= 10 && trv <= 800)
                {
                    evidence.Add("gradient echo with short TR and TE: T1-weighted");
                    headerRole = fatSat ? SeriesRole.Other : SeriesRole.T1;
                    confidence = fatSat ? 0.5 : 0.75;
                }
                else
                {
                    evidence.Add("gradient echo with long TE: T2*-weighted, not a fluid-sensitive spin-echo series");
                    headerRole = SeriesRole.Other;
                    confidence = 0.6;
                }
            }
            else if (trv < 1000 && tev < 35)
            {
                evidence.Add("short TR and TE: T1-weighted");
                headerRole = fatSat ? SeriesRole.Other : SeriesRole.T1;
                confidence = fatSat ? 0.5 : 0.85;
                if (fatSat)
                {
                    evidence.Add("T1 with fat suppression (typically post-contrast): not used as the T1 reference");
                }
            }
            else if (trv >= 1200 && tev < 55)
            {
                evidence.Add("long TR, short TE: proton-density weighted");
                headerRole = fatSat ? SeriesRole.PdFatSat : SeriesRole.Other;
                confidence = fatSat ? 0.85 : 0.6;
            }
            else if (trv >= 1200 && tev >= 55)
            {
                evidence.Add("long TR, long TE: T2-weighted");
                headerRole = fatSat ? SeriesRole.T2FatSat : SeriesRole.T2;
                confidence = 0.85;
            }
        }

        if (headerRole is { } role)
        {
            if (keyword.Role is { } k)
            {
                if (k == role)
                {
                    evidence.Add($"description '{text}' agrees ({keyword.Why})");
                    confidence = Math.Min(1, confidence + 0.1);
                }
                else
                {
                    evidence.Add($"description '{text}' suggests {k} ({keyword.Why}); header evidence preferred");
                    confidence = Math.Max(0.3, confidence - 0.2);
                }
            }

            return new RoleClassification(role, confidence, evidence);
        }

        if (keyword.Role is { } kr)
        {
            evidence.Add($"header evidence inconclusive; description '{text}' ({keyword.Why})");
            return new RoleClassification(kr, 0.4, evidence);
        }

        evidence.Add("no decisive evidence");
        return new RoleClassification(SeriesRole.Other, 0.2, evidence);
    }

    /// <summary>Keyword reading of SeriesDescription/ProtocolName in the vendors' usual styles.</summary>
    internal static (SeriesRole? Role, bool FatSat, string Why) FromKeywords(string description, string sequenceName)
    {
        var t = " " + Regex.Replace(description.ToLowerInvariant(), "[^a-z0-9]+", " ") + " ";
        var fatSat = Has(t, "fs", "fatsat", "fat sat", "spir", "spair", "fsat", "sat fat", "chess", "fat suppressed", "fat supp", "fst2", "t2fs", "pdfs");
        var why = new List<string>();
        SeriesRole? role = null;
        if (Has(t, "dixon") && Has(t, "w", "water", "wat"))
        {
            role = SeriesRole.DixonWater;
            why.Add("Dixon water");
        }
        else if (Has(t, "dixon") && Has(t, "f", "fat"))
        {
            role = SeriesRole.DixonFat;
            why.Add("Dixon fat");
        }
        else if (Has(t, "stir", "tirm", "tir", "ir fse", "fse ir", "irfse", "stir fse", "short tau"))
        {
            role = SeriesRole.Stir;
            why.Add("STIR/TIRM keyword");
        }
        else if (Has(t, "pd", "pdw", "pd w", "dp", "pdfs", "proton density", "pd tse", "pd fse"))
        {
            role = fatSat ? SeriesRole.PdFatSat : SeriesRole.Other;
            why.Add(fatSat ? "PD with fat-sat keyword" : "PD keyword without fat suppression");
        }
        else if (Has(t, "t2", "t2w", "t2fs", "fst2"))
        {
            role = fatSat ? SeriesRole.T2FatSat : SeriesRole.T2;
            why.Add(fatSat ? "T2 with fat-sat keyword" : "T2 keyword");
        }
        else if (Has(t, "t1", "t1w", "mprage", "tfl", "spgr", "bravo", "vibe", "t1 tse", "t1 se", "t1 fse"))
        {
            role = fatSat ? SeriesRole.Other : SeriesRole.T1;
            why.Add(fatSat ? "T1 with fat suppression (post-contrast style)" : "T1 keyword");
        }
        else if (Has(t, "loc", "localizer", "scout", "survey", "3 plane", "3pl", "aahead"))
        {
            role = SeriesRole.Other;
            why.Add("localizer keyword");
        }

        // T1-weighted tokens glued to other text (e.g. "T1W_TSE_Sno", "anat-T1w_acq-tfl").
        if (role is null && Regex.IsMatch(t, @"(^|[^a-z0-9])t1(w|[^0-9]|$)"))
        {
            role = SeriesRole.T1;
            why.Add("T1 token");
        }

        _ = sequenceName;
        return (role, fatSat, string.Join(", ", why));
    }

    /// <summary>Siemens EPI sequence names: "*epfid2d1_64", "*ep_b1000", "epse2d1_128".</summary>
    [GeneratedRegex(@"(^|[\s*])ep(fid|se|_b|_|\d)", RegexOptions.CultureInvariant)]
    private static partial Regex SiemensEpiName();

    private static bool Has(string padded, params string[] words) =>
        words.Any(w => padded.Contains(" " + w + " ", StringComparison.Ordinal) || (w.Length >= 3 && padded.Contains(" " + w, StringComparison.Ordinal) && w is not "loc"));

    private static string Fmt(double? v) => v is { } x ? x.ToString("G4", CultureInfo.InvariantCulture) : "?";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
