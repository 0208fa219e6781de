using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;

namespace BmeQuant.Quantification;

/// <summary>
/// Writes findings: <c>findings.json</c> (schema docs/findings.schema.json) and the masks as NIfTI
/// (<c>edema.nii.gz</c>, <c>bones.nii.gz</c>, <c>depth-zones.nii.gz</c>, <c>reference.nii.gz</c>). Every file is
/// written to a temporary name in the same folder and renamed, so a failed run never leaves a half-written file.
/// </summary>
public static class FindingsWriter
{
    /// <summary>File name of the findings document.</summary>
    public const string FindingsFileName = "findings.json";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Serialises <paramref name="findings"/> to JSON (camelCase; enums as kebab-case strings).</summary>
    public static string ToJson(EdemaFindings findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        return JsonSerializer.Serialize(findings, s_json);
    }

    /// <summary>Writes findings.json and the NIfTI masks into <paramref name="directory"/> (created if absent); returns the paths written.</summary>
    public static IReadOnlyList<string> Write(EdemaFindings findings, string directory)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var m = findings.Masks;
        var jsonPath = Path.Combine(directory, FindingsFileName);

        // The files are independent (each compressed on its own core); the list keeps this order.
        return Internal.Pipeline.Concurrent.Map<Func<string>, string>(
            [
                () => WriteMask(m.Edema, Path.Combine(directory, "edema.nii.gz"), "BmeQuant edema mask"),
                () => WriteMask(m.Bones, Path.Combine(directory, "bones.nii.gz"), "BmeQuant bone labels"),
                () => WriteMask(m.DepthZones, Path.Combine(directory, "depth-zones.nii.gz"), "BmeQuant edema depth bands"),
                () => WriteMask(m.Reference, Path.Combine(directory, "reference.nii.gz"), "BmeQuant normal marrow reference"),
                () =>
                {
                    AtomicFile.WriteAllText(jsonPath, ToJson(findings));
                    return jsonPath;
                },
            ],
            findings.Options.MaxDegreeOfParallelism,
            write => write());
    }

    /// <summary>A concise multi-line console summary: total and per-bone volumes, grades and pattern.</summary>
    public static string Summary(EdemaFindings findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        var t = findings.Total;
        sb.AppendLine(c, $"Edema: {t.EdemaVolumeMilliliters:F2} mL ({t.PercentOfRegion:F1} % of bone), pattern {t.Distribution.Pattern}, {t.Distribution.FociCount} foci, rule {findings.Threshold.Rule} (threshold {findings.Threshold.FluidThreshold:G5}).");
        if (findings.EdemaFraction is { } model && double.IsFinite(model.FullEdemaFluidSignal))
        {
            sb.AppendLine(c, $"Fraction-weighted (partial-volume) edema: {t.FractionWeightedVolumeMilliliters:F2} mL (fully edematous marrow at {model.FullEdemaFluidSignal:G5}, {model.Source}).");
        }

        sb.AppendLine(c, $"Threshold ∓{100 * findings.Sensitivity.Fraction:F0} %: {findings.Sensitivity.VolumeAtLowerThresholdMm3 / 1000:F2} / {findings.Sensitivity.VolumeMm3 / 1000:F2} / {findings.Sensitivity.VolumeAtHigherThresholdMm3 / 1000:F2} mL.");
        if (t.Signal.EdemaToNormalMarrow is { } r)
        {
            sb.AppendLine(c, $"Signal: edema/normal marrow {r:F2}, CNR {t.Signal.ContrastToNoise:F1}{(t.Signal.T1EdemaToNormalMarrow is { } t1r ? string.Create(c, $", T1 edema/normal {t1r:F2}") : "")}.");
        }

        foreach (var b in findings.Bones)
        {
            sb.AppendLine(c, $"  {b.Name,-20} {b.EdemaVolumeMilliliters,8:F2} mL {b.PercentOfRegion,6:F1} %  WORMS {b.Grades.Worms} MOAKS {b.Grades.Moaks}  {b.Distribution.Pattern}");
        }

        if (findings.Sparcc is { } s)
        {
            sb.AppendLine(c, $"SPARCC-style SIJ score: {s.Total} over {s.SlicesScored} slices.");
        }

        foreach (var band in findings.LowSignalBands)
        {
            sb.AppendLine(c, $"Low-signal band in {band.Bone}: {band.ThicknessMm:F1} mm thick, {band.LengthMm:F1} mm long{(band.ThicknessFlag || band.LengthFlag ? " (FLAGGED)" : "")}.");
        }

        return sb.ToString();
    }

    private static string WriteMask<T>(Volume<T> mask, string path, string description)
        where T : unmanaged
    {
        NiftiWriter.Write(mask, path, description: description);
        return path;
    }
}
