using System.Globalization;
using System.Net;
using System.Text;

namespace BmeQuant.Reporting;

/// <summary>
/// One self-contained HTML file: summary first, then the timeline chart (inline SVG), a table per timepoint, images
/// (PNG as data URIs) at matched positions, the methods and parameters, and every warning. No script, no external
/// reference; prints on paper.
/// </summary>
public static class HtmlReport
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>Renders the report.</summary>
    public static string Render(TimepointComparison c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append("<title>BmeQuant follow-up report</title>");
        sb.Append("<style>")
          .Append("body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#111;max-width:1100px}")
          .Append("h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}")
          .Append(".summary{font-size:1.1em;padding:12px 16px;border-radius:6px;background:#f3f6fa;border-left:6px solid #3367d6}")
          .Append(".status{font-weight:700;font-size:1.3em}")
          .Append("table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}td:first-child,th:first-child{text-align:left}")
          .Append(".imgs{display:flex;flex-wrap:wrap;gap:12px}.imgs figure{margin:0}.imgs img{max-width:300px;height:auto;border:1px solid #999}")
          .Append("figcaption{font-size:.85em;color:#444}.warn{color:#8a4b00}")
          .Append("@media print{body{margin:0}.imgs img{max-width:45%}h2{page-break-after:avoid}section{page-break-inside:avoid}}")
          .Append("</style></head><body>\n");

        sb.Append("<h1>Bone marrow edema follow-up</h1>\n");
        sb.Append("<section id=\"summary\" class=\"summary\"><div class=\"status\">").Append(E(TimepointComparer.StatusWord(c.OverallStatus))).Append("</div><p>")
          .Append(E(c.Summary)).Append("</p>");
        var measureName = VolumeSelection.ShortName(c.VolumeMeasure);
        sb.Append("<table><tr><th>Timepoint</th><th>Date</th><th>Day</th><th>Total edema, ").Append(measureName).Append(" (mL)</th><th>Status vs. previous</th></tr>");
        for (var i = 0; i < c.Timepoints.Count; i++)
        {
            var t = c.Timepoints[i];
            var status = i == 0 ? "baseline" : TimepointComparer.StatusWord(c.Intervals[i - 1].Status);
            sb.Append("<tr><td>").Append(E(t.Label)).Append("</td><td>").Append(t.Date?.ToString("yyyy-MM-dd", s_inv) ?? "—")
              .Append("</td><td>").Append(t.DayOffset.ToString("0", s_inv)).Append("</td><td>").Append(Ml(VolumeSelection.Total(t, c.VolumeMeasure)))
              .Append("</td><td>").Append(E(status)).Append("</td></tr>");
        }

        sb.Append("</table>");
        if (c.Patient is not null)
        {
            sb.Append("<p>Patient: ").Append(E(c.Patient)).Append("</p>");
        }

        sb.Append("</section>\n");

        sb.Append("<section id=\"per-bone\"><h2>Per bone</h2><table><tr><th>Bone / region</th>");
        foreach (var t in c.Timepoints)
        {
            sb.Append("<th>").Append(E(t.Label)).Append(" (mL, ").Append(measureName).Append(")</th>");
        }

        sb.Append("<th>Status</th></tr>");
        foreach (var course in c.Courses)
        {
            sb.Append("<tr><td>").Append(E(course.Name)).Append("</td>");
            foreach (var v in course.VolumesMm3)
            {
                sb.Append("<td>").Append(Ml(v)).Append("</td>");
            }

            sb.Append("<td>").Append(E(TimepointComparer.StatusWord(course.Status))).Append("</td></tr>");
        }

        sb.Append("</table>");
        var migrations = c.Intervals.SelectMany(i => i.Migrations.Select(m => (i, m))).ToList();
        if (migrations.Count > 0)
        {
            sb.Append("<p><b>Migration:</b> ");
            sb.Append(string.Join("; ", migrations.Select(x => E($"{x.m.From} → {x.m.To} between {x.i.FromLabel} and {x.i.ToLabel} (−{x.m.LostMm3 / 1000:0.0} mL / +{x.m.GainedMm3 / 1000:0.0} mL)"))));
            sb.Append("</p>");
        }

        sb.Append("</section>\n");

        sb.Append("<section id=\"chart\"><h2>Volume over time</h2>").Append(Chart(c)).Append("</section>\n");
        if (c.Trajectory is { } tr)
        {
            sb.Append("<p>").Append(E(tr.Statement)).Append("</p>");
        }

        var overlapIntervals = c.Intervals.Where(i => i.Overlaps.Count > 0).ToList();
        if (overlapIntervals.Count > 0)
        {
            sb.Append("<section id=\"overlap\"><h2>Where the edema went</h2><p><small>After aligning each bone of the later study to the earlier one; binary edema masks, volumes on the earlier grid.</small></p>");
            foreach (var interval in overlapIntervals)
            {
                sb.Append("<h3>").Append(E(interval.FromLabel)).Append(" → ").Append(E(interval.ToLabel))
                  .Append("</h3><table><tr><th>Bone</th><th>Persisting (mL)</th><th>Resolved (mL)</th><th>New (mL)</th><th>Dice</th><th>Alignment</th></tr>");
                foreach (var o in interval.Overlaps)
                {
                    var moved = o.ShiftMm is { } shift ? string.Create(s_inv, $" ({shift:0.0} mm, {o.RotationDegrees ?? 0:0.0}°)") : string.Empty;
                    sb.Append("<tr><td>").Append(E(o.Name)).Append("</td><td>").Append(Ml(o.PersistingMm3)).Append("</td><td>").Append(Ml(o.ResolvedMm3))
                      .Append("</td><td>").Append(Ml(o.NewMm3)).Append("</td><td>").Append(o.Dice?.ToString("0.00", s_inv) ?? "—")
                      .Append("</td><td>").Append(E(o.Alignment + moved)).Append("</td></tr>");
                }

                sb.Append("</table>");
            }

            sb.Append("</section>\n");
        }

        sb.Append("<section id=\"timepoints\"><h2>Timepoints</h2>");
        foreach (var t in c.Timepoints)
        {
            sb.Append("<h3>").Append(E(t.Label)).Append("</h3><table><tr><th>Bone / region</th><th>Edema, binary (mL)</th><th>Edema, fraction-weighted (mL)</th><th>% of bone</th><th>Edema/normal marrow</th><th>Pattern</th><th>Foci</th></tr>");
            foreach (var r in t.Regions)
            {
                var pct = r.RegionVolumeMm3 > 0 ? (100 * r.EdemaVolumeMm3 / r.RegionVolumeMm3).ToString("0.0", s_inv) : "—";
                sb.Append("<tr><td>").Append(E(r.Name)).Append("</td><td>").Append(Ml(r.EdemaVolumeMm3)).Append("</td><td>")
                  .Append(r.FractionWeightedVolumeMm3 is { } w ? Ml(w) : "—").Append("</td><td>").Append(pct)
                  .Append("</td><td>").Append(r.EdemaToNormalMarrow?.ToString("0.00", s_inv) ?? "—").Append("</td><td>").Append(E(r.Pattern))
                  .Append("</td><td>").Append(r.FociCount.ToString(s_inv)).Append("</td></tr>");
            }

            sb.Append("</table>");
            if (t.InputSeries.Count > 0)
            {
                sb.Append("<p><small>Inputs: ").Append(E(string.Join("; ", t.InputSeries))).Append("</small></p>");
            }
        }

        sb.Append("</section>\n");
        AppendImages(sb, c);

        sb.Append("<section id=\"methods\"><h2>Methods and parameters</h2><p>")
          .Append("Edema is marrow that is hyperintense on the fluid-sensitive fat-suppressed series relative to the patient's normal marrow (T1 hypointensity as supporting evidence), measured per bone in physical units. See docs/methods.md of BmeQuant for every definition. ")
          .Append(E(c.SmallestDetectableChangeStatement)).Append("</p><table>")
          .Append("<tr><td>BmeQuant version</td><td>").Append(E(c.SoftwareVersion)).Append("</td></tr>")
          .Append("<tr><td>Report schema</td><td>").Append(E(c.SchemaVersion)).Append("</td></tr>")
          .Append("<tr><td>Volume compared</td><td>").Append(E(VolumeSelection.Describe(c.VolumeMeasure))).Append("</td></tr>")
          .Append("<tr><td>Repeatability CV</td><td>").Append(c.Options.RepeatabilityCoefficientOfVariation.ToString("P1", s_inv)).Append("</td></tr>")
          .Append("<tr><td>Detection floor</td><td>").Append(Ml(c.Options.DetectionFloorMm3)).Append(" mL</td></tr>")
          .Append("<tr><td>Confidence level</td><td>").Append(c.Options.ConfidenceLevel.ToString("P0", s_inv)).Append("</td></tr>")
          .Append("</table></section>\n");

        sb.Append("<section id=\"warnings\"><h2>Warnings</h2>");
        if (c.Warnings.Count == 0)
        {
            sb.Append("<p>None.</p>");
        }
        else
        {
            sb.Append("<ul>");
            foreach (var w in c.Warnings)
            {
                sb.Append("<li class=\"warn\">").Append(E(w)).Append("</li>");
            }

            sb.Append("</ul>");
        }

        sb.Append("</section>\n</body></html>\n");
        return sb.ToString();
    }

    private static void AppendImages(StringBuilder sb, TimepointComparison c)
    {
        var withImages = c.Timepoints.Where(t => t.Images is not null).ToList();
        if (withImages.Count == 0)
        {
            return;
        }

        // Matched positions: the baseline slice with the most edema (or the first timepoint that has any), then the
        // slice nearest to the same patient-space point in every other timepoint.
        var anchorSource = withImages.FirstOrDefault(t => t.Images!.Edema.Span.IndexOfAnyExcept((byte)0) >= 0) ?? withImages[0];
        var ai = anchorSource.Images!;
        var anchor = SliceImages.SliceAnchor(ai.Edema, SliceImages.SliceWithMostEdema(ai.Edema));

        sb.Append("<section id=\"images\"><h2>Images</h2><p>Edema outlined in red at matched positions (patient coordinates ")
          .Append(E(anchor.ToString())).Append(" mm), and a maximum-intensity projection of the fluid-sensitive series.</p>");
        foreach (var t in withImages)
        {
            var im = t.Images!;
            var k = SliceImages.NearestSlice(im.FluidSensitive.Geometry, anchor);
            sb.Append("<h3>").Append(E(t.Label)).Append("</h3><div class=\"imgs\">");
            Figure(sb, SliceImages.SlicePng(im.FluidSensitive, im.Edema, k), $"{t.Label}: fluid-sensitive, slice {k + 1}");
            if (im.T1 is not null)
            {
                Figure(sb, SliceImages.SlicePng(im.T1, im.Edema, k), $"{t.Label}: T1, slice {k + 1}");
            }

            Figure(sb, SliceImages.MipPng(im.FluidSensitive, im.Edema), $"{t.Label}: maximum-intensity projection");
            sb.Append("</div>");
        }

        sb.Append("</section>\n");
    }

    private static void Figure(StringBuilder sb, byte[] png, string caption) =>
        sb.Append("<figure><img alt=\"").Append(E(caption)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png))
          .Append("\"><figcaption>").Append(E(caption)).Append("</figcaption></figure>");

    /// <summary>Inline SVG line chart of the total and per-bone edema volume (mL) over days.</summary>
    private static string Chart(TimepointComparison c)
    {
        const int W = 640, H = 280, L = 56, R = 150, T = 16, B = 40;
        var days = c.Timepoints.Select(t => t.DayOffset).ToArray();
        double d0 = days.Min(), d1 = Math.Max(days.Max(), d0 + 1);
        var series = new List<(string Name, double[] Ml)> { ("total", c.Timepoints.Select(t => VolumeSelection.Total(t, c.VolumeMeasure) / 1000).ToArray()) };
        series.AddRange(c.Courses.Where(x => x.VolumesMm3.Any(v => v > 0)).Select(x => (x.Name, x.VolumesMm3.Select(v => v / 1000).ToArray())));
        var vmax = Math.Max(0.1, series.SelectMany(s => s.Ml).Max()) * 1.1;
        string X(double d) => (L + ((d - d0) / (d1 - d0) * (W - L - R))).ToString("0.0", s_inv);
        string Y(double v) => (T + ((1 - (v / vmax)) * (H - T - B))).ToString("0.0", s_inv);
        string[] colours = ["#000000", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

        var sb = new StringBuilder();
        sb.Append(string.Create(s_inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"Edema volume over time\">"));
        sb.Append(string.Create(s_inv, $"<line x1=\"{L}\" y1=\"{H - B}\" x2=\"{W - R}\" y2=\"{H - B}\" stroke=\"#333\"/><line x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{H - B}\" stroke=\"#333\"/>"));
        for (var i = 0; i <= 4; i++)
        {
            var v = vmax * i / 4;
            sb.Append(string.Create(s_inv, $"<text x=\"{L - 6}\" y=\"{Y(v)}\" font-size=\"11\" text-anchor=\"end\" dominant-baseline=\"middle\">{v:0.0}</text>"));
        }

        foreach (var d in days)
        {
            sb.Append(string.Create(s_inv, $"<text x=\"{X(d)}\" y=\"{H - B + 16}\" font-size=\"11\" text-anchor=\"middle\">{d:0}</text>"));
        }

        sb.Append(string.Create(s_inv, $"<text x=\"{(L + W - R) / 2}\" y=\"{H - 6}\" font-size=\"12\" text-anchor=\"middle\">days</text>"));
        sb.Append(string.Create(s_inv, $"<text x=\"14\" y=\"{(T + H - B) / 2}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {(T + H - B) / 2})\">edema, {VolumeSelection.ShortName(c.VolumeMeasure)} (mL)</text>"));
        for (var s = 0; s < series.Count; s++)
        {
            var colour = colours[s % colours.Length];
            var pts = string.Join(" ", days.Select((d, i) => X(d) + "," + Y(series[s].Ml[i])));
            sb.Append("<polyline fill=\"none\" stroke=\"").Append(colour).Append("\" stroke-width=\"").Append(s == 0 ? "3" : "1.5").Append("\" points=\"").Append(pts).Append("\"/>");
            for (var i = 0; i < days.Length; i++)
            {
                sb.Append("<circle cx=\"").Append(X(days[i])).Append("\" cy=\"").Append(Y(series[s].Ml[i])).Append("\" r=\"3\" fill=\"").Append(colour).Append("\"/>");
            }

            sb.Append(string.Create(s_inv, $"<text x=\"{W - R + 8}\" y=\"{T + 6 + (s * 15)}\" font-size=\"11\" fill=\"{colour}\">{WebUtility.HtmlEncode(series[s].Name)}</text>"));
        }

        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string Ml(double mm3) => (mm3 / 1000).ToString("0.00", s_inv);

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
