using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BmeQuant.Imaging;

namespace BmeQuant.Reporting;

/// <summary>Writes a <see cref="TimepointComparison"/> as JSON, tidy CSV and HTML, each atomically.</summary>
public static class ReportWriters
{
    /// <summary>JSON options of the report (camelCase, indented, enums as strings).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The CSV header (documented in docs/report-csv.md).</summary>
    public const string CsvHeader = "patient,timepoint,date,day_offset,bone,region,measure,value,unit,status";

    /// <summary>Writes report.json, report.csv and report.html into <paramref name="folder"/>; returns their paths.</summary>
    public static IReadOnlyList<string> WriteAll(TimepointComparison comparison, string folder)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        Directory.CreateDirectory(folder);
        var json = Path.Combine(folder, "report.json");
        var csv = Path.Combine(folder, "report.csv");
        var html = Path.Combine(folder, "report.html");
        WriteJson(comparison, json);
        WriteCsv(comparison, csv);
        AtomicFile.WriteAllText(html, HtmlReport.Render(comparison));
        return [json, csv, html];
    }

    /// <summary>Writes the JSON report atomically.</summary>
    public static void WriteJson(TimepointComparison comparison, string path) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(comparison, JsonOptions));

    /// <summary>Writes the tidy CSV atomically.</summary>
    public static void WriteCsv(TimepointComparison comparison, string path) => AtomicFile.WriteAllText(path, ToCsv(comparison));

    /// <summary>
    /// The tidy CSV: one row per patient × timepoint × bone × region × measure. Change rows (vs. previous timepoint and
    /// vs. baseline) sit on the later timepoint, carry the status and are named after the compared volume
    /// (<c>edema_volume_change_*</c> for binary, <c>edema_volume_fraction_weighted_change_*</c> for fraction-weighted).
    /// </summary>
    public static string ToCsv(TimepointComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        var sb = new StringBuilder();
        sb.Append(CsvHeader).Append('\n');
        var patient = comparison.Patient ?? string.Empty;
        var byLabel = comparison.Timepoints.ToDictionary(t => t.Label, StringComparer.Ordinal);

        void Row(TimepointMeasures t, string bone, string measure, double? value, string unit, string status = "")
        {
            var inv = CultureInfo.InvariantCulture;
            sb.Append(Csv(patient)).Append(',')
              .Append(Csv(t.Label)).Append(',')
              .Append(t.Date?.ToString("yyyy-MM-dd", inv) ?? string.Empty).Append(',')
              .Append(t.DayOffset.ToString("0.###", inv)).Append(',')
              .Append(Csv(bone)).Append(',')
              .Append("whole").Append(',')
              .Append(measure).Append(',')
              .Append(value is { } v && double.IsFinite(v) ? v.ToString("G10", inv) : string.Empty).Append(',')
              .Append(unit).Append(',')
              .Append(status).Append('\n');
        }

        foreach (var t in comparison.Timepoints)
        {
            foreach (var r in t.Regions)
            {
                Row(t, r.Name, "edema_volume", r.EdemaVolumeMm3, "mm3");
                if (r.FractionWeightedVolumeMm3 is { } weighted)
                {
                    Row(t, r.Name, "edema_volume_fraction_weighted", weighted, "mm3");
                }

                Row(t, r.Name, "region_volume", r.RegionVolumeMm3, "mm3");
                Row(t, r.Name, "edema_percent_of_region", r.RegionVolumeMm3 > 0 ? 100 * r.EdemaVolumeMm3 / r.RegionVolumeMm3 : null, "percent");
                Row(t, r.Name, "edema_to_normal_marrow", r.EdemaToNormalMarrow, "ratio");
                Row(t, r.Name, "foci", r.FociCount, "count");
            }

            Row(t, "total", "edema_volume", t.TotalEdemaVolumeMm3, "mm3");
            if (t.TotalFractionWeightedVolumeMm3 is { } totalWeighted)
            {
                Row(t, "total", "edema_volume_fraction_weighted", totalWeighted, "mm3");
            }
        }

        // Change rows are named after the per-timepoint measure they are the change of.
        var compared = comparison.VolumeMeasure == VolumeMeasure.FractionWeighted ? "edema_volume_fraction_weighted" : "edema_volume";
        void ChangeRows(IntervalComparison interval, string suffix)
        {
            var t = byLabel[interval.ToLabel];
            foreach (var c in interval.Regions.Append(interval.Total))
            {
                var status = JsonNamingPolicy.CamelCase.ConvertName(c.Status.ToString());
                Row(t, c.Name, compared + "_change_" + suffix, c.ChangeMm3, "mm3", status);
                Row(t, c.Name, compared + "_change_percent_" + suffix, c.ChangePercent, "percent", status);
            }

            foreach (var o in interval.Overlaps)
            {
                Row(t, o.Name, "edema_persisting_" + suffix, o.PersistingMm3, "mm3");
                Row(t, o.Name, "edema_resolved_" + suffix, o.ResolvedMm3, "mm3");
                Row(t, o.Name, "edema_new_" + suffix, o.NewMm3, "mm3");
                Row(t, o.Name, "edema_overlap_dice_" + suffix, o.Dice, "ratio");
            }
        }

        foreach (var interval in comparison.Intervals)
        {
            ChangeRows(interval, "from_previous");
        }

        ChangeRows(comparison.BaselineToLatest, "from_baseline");
        return sb.ToString();
    }

    private static string Csv(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
