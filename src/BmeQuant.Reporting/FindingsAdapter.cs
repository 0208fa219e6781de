using System.Globalization;
using System.Text.Json;
using BmeQuant.Imaging;
using BmeQuant.Quantification;

namespace BmeQuant.Reporting;

/// <summary>Turns analysis results (in memory, or earlier <c>findings.json</c> files) into timepoint measures.</summary>
public static class FindingsAdapter
{
    /// <summary>Measures of an in-memory analysis; <paramref name="withImages"/> keeps the images for the HTML report.</summary>
    public static TimepointMeasures FromFindings(
        EdemaFindings findings,
        string label,
        double dayOffset,
        DateOnly? date = null,
        TimepointImages? withImages = null)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var inputs = new List<string>();
        AddSeries(inputs, "fluid-sensitive", findings.Inputs.FluidSensitive);
        if (findings.Inputs.T1 is { } t1)
        {
            AddSeries(inputs, "T1", t1);
        }

        return new TimepointMeasures
        {
            Label = label,
            DayOffset = dayOffset,
            Date = date,
            Anatomy = findings.Inputs.Anatomy.ToString(),
            Regions = findings.Bones.Select(b => new RegionMeasure(
                b.Name,
                b.EdemaVolumeMm3,
                b.RegionVolumeMm3,
                b.Signal.EdemaToNormalMarrow,
                b.Distribution.Pattern,
                b.Distribution.FociCount)
            {
                FractionWeightedVolumeMm3 = b.FractionWeightedVolumeMm3,
            }).ToArray(),
            TotalEdemaVolumeMm3 = findings.Total.EdemaVolumeMm3,
            TotalFractionWeightedVolumeMm3 = findings.Total.FractionWeightedVolumeMm3,
            InputSeries = inputs,
            ThresholdSensitivityMm3 = new VolumeRange(findings.Sensitivity.VolumeAtLowerThresholdMm3, findings.Sensitivity.VolumeAtHigherThresholdMm3),
            Notes = findings.Notes,
            Images = WithBones(withImages, findings),
        };
    }

    /// <summary>Adds the analysis' partial-volume anchor (as a ratio to normal marrow) and its bone labels and names to the
    /// images when the caller gave none, so follow-up comparisons can register, overlap and re-measure bone by bone.</summary>
    private static TimepointImages? WithBones(TimepointImages? images, EdemaFindings findings)
    {
        if (images is null)
        {
            return null;
        }

        if (images.FullEdemaSignalRatio is null && findings.EdemaFraction is { } model && findings.Reference.FluidMedian > 0
            && model.FullEdemaFluidSignal > findings.Reference.FluidMedian)
        {
            images = images with { FullEdemaSignalRatio = model.FullEdemaFluidSignal / findings.Reference.FluidMedian };
        }

        if (images.BoneLabels is not null || findings.Masks is not { } masks || !masks.Bones.Geometry.IsSameGrid(images.Edema.Geometry))
        {
            return images;
        }

        var names = findings.Bones.Where(b => b.Label > 0).GroupBy(b => b.Label).ToDictionary(g => g.Key, g => g.First().Name);
        return images with { BoneLabels = masks.Bones, BoneNames = names };
    }

    /// <summary>Reads a <c>findings.json</c> written by <c>bmequant analyze</c> (schema docs/findings.schema.json).</summary>
    /// <exception cref="BmeQuantException">The file is not valid findings JSON; the message names the file and the missing field.</exception>
    public static TimepointMeasures ReadFindingsJson(string path, string? label = null, double? dayOffset = null, DateOnly? date = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw new BmeQuantException($"{path}: not valid JSON ({ex.Message}).", ex);
        }

        using (doc)
        {
            try
            {
                var root = doc.RootElement;
                var regions = new List<RegionMeasure>();
                foreach (var b in root.GetProperty("bones").EnumerateArray())
                {
                    double? ratio = b.TryGetProperty("signal", out var s) && s.TryGetProperty("edemaToNormalMarrow", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetDouble() : null;
                    var dist = b.GetProperty("distribution");
                    regions.Add(new RegionMeasure(
                        b.GetProperty("name").GetString() ?? "?",
                        b.GetProperty("edemaVolumeMm3").GetDouble(),
                        b.GetProperty("regionVolumeMm3").GetDouble(),
                        ratio,
                        dist.GetProperty("pattern").GetString() ?? "none",
                        dist.GetProperty("fociCount").GetInt32())
                    {
                        FractionWeightedVolumeMm3 = OptionalNumber(b, "fractionWeightedVolumeMm3"),
                    });
                }

                var notes = root.TryGetProperty("notes", out var n) ? n.EnumerateArray().Select(x => x.GetString() ?? string.Empty).ToArray() : [];
                var inputs = new List<string>();
                if (root.TryGetProperty("inputs", out var inp))
                {
                    foreach (var key in new[] { "fluidSensitive", "t1" })
                    {
                        if (inp.TryGetProperty(key, out var series) && series.ValueKind == JsonValueKind.Object)
                        {
                            var uid = series.TryGetProperty("seriesInstanceUid", out var u) ? u.GetString() : null;
                            var src = series.TryGetProperty("source", out var so) ? so.GetString() : null;
                            inputs.Add($"{key}: {uid ?? src ?? "?"}");
                        }
                    }
                }

                VolumeRange? sens = null;
                if (root.TryGetProperty("sensitivity", out var se))
                {
                    sens = new VolumeRange(se.GetProperty("volumeAtLowerThresholdMm3").GetDouble(), se.GetProperty("volumeAtHigherThresholdMm3").GetDouble());
                }

                return new TimepointMeasures
                {
                    Label = label ?? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? path,
                    DayOffset = dayOffset ?? 0,
                    Date = date,
                    Anatomy = root.TryGetProperty("inputs", out var i2) && i2.TryGetProperty("anatomy", out var an) ? an.ToString() : "Unknown",
                    Regions = regions,
                    TotalEdemaVolumeMm3 = root.GetProperty("total").GetProperty("edemaVolumeMm3").GetDouble(),
                    TotalFractionWeightedVolumeMm3 = OptionalNumber(root.GetProperty("total"), "fractionWeightedVolumeMm3"),
                    InputSeries = inputs,
                    ThresholdSensitivityMm3 = sens,
                    Notes = notes,
                    Source = path,
                };
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new BmeQuantException($"{path}: not a BmeQuant findings file ({ex.Message}); expected the fields of docs/findings.schema.json.", ex);
            }
        }
    }

    /// <summary>A number property, or null when absent (findings written before the field existed) or not a number.</summary>
    private static double? OptionalNumber(JsonElement element, string name) =>
        element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static void AddSeries(List<string> inputs, string role, SeriesProvenance p) =>
        inputs.Add(string.Create(CultureInfo.InvariantCulture, $"{role}: {p.SeriesInstanceUid ?? p.Source ?? "?"}{(p.SeriesDescription is { } d ? " (" + d + ")" : string.Empty)}"));
}
