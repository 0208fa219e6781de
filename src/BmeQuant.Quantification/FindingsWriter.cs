using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;

namespace BmeQuant.Quantification;

/// <summary>
/// Writes findings: <c>findings.json</c> (schema docs/findings.schema.json) and the masks as NIfTI
/// (<c>edema.nii.gz</c>, <c>bones.nii.gz</c>, <c>depth-zones.nii.gz</c>, <c>reference.nii.gz</c>). The files are
/// staged in a hidden folder and moved into place together, so a failed run leaves the previous result whole.
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

    /// <summary>
    /// Writes findings.json and the NIfTI masks into <paramref name="directory"/> (created if absent); returns the paths
    /// written. Every file is first written into a hidden staging folder inside <paramref name="directory"/>, then moved
    /// into place, findings.json last; when a move fails the files already replaced are put back, so the folder holds
    /// either the complete new result or the previous one (the staging folder is removed either way).
    /// </summary>
    /// <exception cref="IOException">A file could not be written or replaced (the message names it); the previous files are kept.</exception>
    public static IReadOnlyList<string> Write(EdemaFindings findings, string directory)
    {
        ArgumentNullException.ThrowIfNull(findings);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var m = findings.Masks;
        string[] names = ["edema.nii.gz", "bones.nii.gz", "depth-zones.nii.gz", "reference.nii.gz", FindingsFileName];
        var stage = Path.Combine(directory, ".bmequant-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(stage);
        try
        {
            // The files are independent (each compressed on its own core).
            Internal.Pipeline.Concurrent.Map<Func<string>, string>(
                [
                    () => WriteMask(m.Edema, Path.Combine(stage, names[0]), "BmeQuant edema mask"),
                    () => WriteMask(m.Bones, Path.Combine(stage, names[1]), "BmeQuant bone labels"),
                    () => WriteMask(m.DepthZones, Path.Combine(stage, names[2]), "BmeQuant edema depth bands"),
                    () => WriteMask(m.Reference, Path.Combine(stage, names[3]), "BmeQuant normal marrow reference"),
                    () =>
                    {
                        var jsonPath = Path.Combine(stage, names[4]);
                        AtomicFile.WriteAllText(jsonPath, ToJson(findings));
                        return jsonPath;
                    },
                ],
                findings.Options.MaxDegreeOfParallelism,
                write => write());
            return MoveIntoPlace(stage, directory, names);
        }
        finally
        {
            try
            {
                Directory.Delete(stage, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Moves the staged files over their targets in order (the previous ones set aside); on failure restores every target.</summary>
    private static string[] MoveIntoPlace(string stage, string directory, string[] names)
    {
        var done = new List<(string Target, string? Previous)>();
        var current = string.Empty;
        try
        {
            foreach (var name in names)
            {
                current = Path.Combine(directory, name);
                string? previous = null;
                if (File.Exists(current))
                {
                    previous = Path.Combine(stage, name + ".previous");
                    File.Move(current, previous);
                }

                done.Add((current, previous));
                File.Move(Path.Combine(stage, name), current);
            }

            return [.. names.Select(n => Path.Combine(directory, n))];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            for (var n = done.Count - 1; n >= 0; n--)
            {
                var (target, previous) = done[n];
                try
                {
                    if (previous is not null)
                    {
                        File.Move(previous, target, overwrite: true);
                    }
                    else if (n < done.Count - 1 || File.Exists(target))
                    {
                        File.Delete(target);
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            throw new IOException($"{current}: could not be replaced ({ex.Message}); the previous results in {directory} were kept.", ex);
        }
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
