using System.Globalization;
using BmeQuant.Phantoms;
using BmeQuant.Quantification;
using BmeQuant.Reporting;

namespace BmeQuant;

/// <summary>What <see cref="FollowUpDemo.Run"/> produced.</summary>
/// <param name="OutputFolder">The folder written.</param>
/// <param name="ReportHtml">Path of report.html.</param>
/// <param name="Comparison">The comparison of all visits.</param>
/// <param name="TruthTotalsMm3">True total edema volume of each visit (from the phantom), in visit order.</param>
public sealed record DemoResult(string OutputFolder, string ReportHtml, TimepointComparison Comparison, IReadOnlyList<double> TruthTotalsMm3);

/// <summary>
/// The built-in demonstration: a synthetic knee patient whose bone marrow edema migrates between visits is generated,
/// every visit is analysed, the visits are compared and the report is written.
/// </summary>
public static class FollowUpDemo
{
    /// <summary>Runs the demonstration into <paramref name="outputFolder"/> (one sub-folder per visit plus the report files).</summary>
    public static DemoResult Run(string outputFolder, int seed = 7, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        progress?.Report("Generating a synthetic knee patient with a migrating bone marrow edema (4 visits)…");
        var spec = PhantomPresets.MigratingKneeBmes(seed);
        var study = PhantomGenerator.Generate(spec);
        var patient = "DEMO-KNEE-" + seed.ToString(CultureInfo.InvariantCulture);
        var baseDate = new DateOnly(2026, 1, 5);
        var timepoints = new List<TimepointMeasures>();
        foreach (var visit in study.Visits)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var label = "visit " + (visit.Index + 1).ToString(CultureInfo.InvariantCulture);
            progress?.Report($"Analysing {label} (day {visit.DayOffset})…");
            var input = PhantomInputs.ToStudyInput(study, visit);
            var findings = EdemaAnalyzer.Analyze(input, AnalysisOptions.Default, cancellationToken);
            var folder = Path.Combine(outputFolder, "visit-" + (visit.Index + 1).ToString(CultureInfo.InvariantCulture));
            FindingsWriter.Write(findings, folder);
            var images = new TimepointImages(input.FluidSensitive, null, findings.Masks.Edema);
            timepoints.Add(FindingsAdapter.FromFindings(findings, label, visit.DayOffset, baseDate.AddDays(visit.DayOffset), images));
        }

        progress?.Report("Comparing the visits and writing the report…");
        var comparison = TimepointComparer.Compare(timepoints, ComparisonOptions.Default, patient);
        var files = ReportWriters.WriteAll(comparison, outputFolder);
        return new DemoResult(
            Path.GetFullPath(outputFolder),
            files.Single(f => f.EndsWith(".html", StringComparison.Ordinal)),
            comparison,
            study.Visits.Select(v => v.Truth.TotalEdemaVolumeMm3).ToArray());
    }
}
