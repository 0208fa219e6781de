using System.Globalization;
using BmeQuant.Loading;
using BmeQuant.Reporting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmeQuant;

/// <summary>Compares the analyses of one patient's timepoints and writes the follow-up report.</summary>
public static class FollowUp
{
    /// <summary>
    /// Compares timepoints: per bone and in total, the change between consecutive visits (resolved, improved, stable,
    /// worse, new), migration between bones and the trajectory. Timepoints are ordered by
    /// <see cref="StudyAnalysis.DayOffset"/> when every analysis has one, else by <see cref="StudyAnalysis.StudyDate"/>
    /// (days since the earliest).
    /// </summary>
    /// <param name="timepoints">The analyses, at least one, in any order.</param>
    /// <param name="options">Change thresholds (null = <see cref="ComparisonOptions.Default"/>).</param>
    /// <param name="patient">A label for the patient in the report (never required; avoid identifiers), or null.</param>
    /// <param name="progress">Receives stage and fraction, or null.</param>
    /// <param name="cancellationToken">Cancels before the comparison starts.</param>
    /// <exception cref="ArgumentException">No timepoint, or neither every day offset nor every study date is known (the message names the timepoint).</exception>
    public static Task<TimepointComparison> CompareAsync(
        IReadOnlyList<StudyAnalysis> timepoints,
        ComparisonOptions? options = null,
        string? patient = null,
        IProgress<BmeQuantProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(timepoints);
        if (timepoints.Count == 0)
        {
            throw new ArgumentException("At least one timepoint is needed.", nameof(timepoints));
        }

        var offsets = DayOffsets(timepoints);
        return Task.Run(
            () =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                var reporter = new ProgressReporter(progress);
                reporter.Report(BmeQuantStage.Comparing, 0, string.Create(CultureInfo.InvariantCulture, $"comparing {timepoints.Count} timepoints"));
                var measures = timepoints.Select((t, i) => FindingsAdapter.FromFindings(t.Findings, t.Label, offsets[i], t.StudyDate, t.Images) with { Source = t.Source }).ToArray();
                var comparison = TimepointComparer.Compare(measures, options ?? ComparisonOptions.Default, patient);
                reporter.Report(BmeQuantStage.Completed, 1, comparison.Summary);
                return comparison;
            },
            cancellationToken);
    }

    /// <summary>Writes the comparison as JSON, CSV and a self-contained HTML report (with slice images when the analyses kept them) into <paramref name="folder"/>.</summary>
    /// <param name="comparison">The comparison from <see cref="CompareAsync"/>.</param>
    /// <param name="folder">Output folder (created when missing).</param>
    /// <param name="logger">Receives what was written, or null.</param>
    /// <param name="cancellationToken">Cancels before writing starts.</param>
    /// <returns>The files written.</returns>
    public static Task<IReadOnlyList<string>> WriteReportsAsync(TimepointComparison comparison, string folder, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        return Task.Run(
            () =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                Directory.CreateDirectory(folder);
                var files = ReportWriters.WriteAll(comparison, folder);
                Log.Wrote(logger ?? NullLogger.Instance, files.Count, folder);
                return files;
            },
            cancellationToken);
    }

    private static double[] DayOffsets(IReadOnlyList<StudyAnalysis> timepoints)
    {
        if (timepoints.All(t => t.DayOffset is not null))
        {
            return timepoints.Select(t => t.DayOffset!.Value).ToArray();
        }

        if (timepoints.Count == 1)
        {
            return [0];
        }

        var undated = timepoints.FirstOrDefault(t => t.StudyDate is null);
        if (undated is not null)
        {
            throw new ArgumentException($"Timepoint '{undated.Label}' ({undated.Source}) has neither a study date nor a day offset; set StudyAnalysis.StudyDate or DayOffset on every timepoint (with 'with').", nameof(timepoints));
        }

        var origin = timepoints.Min(t => t.StudyDate!.Value);
        return timepoints.Select(t => (double)(t.StudyDate!.Value.DayNumber - origin.DayNumber)).ToArray();
    }
}
