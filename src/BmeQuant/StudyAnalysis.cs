using System.Text.Json.Serialization;
using BmeQuant.Loading;
using BmeQuant.Quantification;
using BmeQuant.Reporting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmeQuant;

/// <summary>
/// The result of analysing one study: the findings (which serialise to the documented findings.json schema) plus the
/// facts that place it in a follow-up (label, date). Immutable; change the label or date with <c>with</c>.
/// </summary>
public sealed record StudyAnalysis
{
    /// <summary>Every measure, parameter and input UID of the analysis, with the masks.</summary>
    public required EdemaFindings Findings { get; init; }

    /// <summary>Display label of the timepoint (default: the study date as yyyy-MM-dd, else the folder or file name).</summary>
    public required string Label { get; init; }

    /// <summary>Acquisition date, when known; orders the timepoints in <see cref="FollowUp.CompareAsync"/>.</summary>
    public DateOnly? StudyDate { get; init; }

    /// <summary>Days since a fixed origin (e.g. baseline), overriding <see cref="StudyDate"/> for ordering when set.</summary>
    public double? DayOffset { get; init; }

    /// <summary>The folder or file analysed (as given).</summary>
    public string? Source { get; init; }

    /// <summary>Images for the HTML report (fluid-sensitive series and edema mask), or null; not serialised.</summary>
    [JsonIgnore]
    public TimepointImages? Images { get; init; }

    /// <summary>A concise console summary (total, per bone, pattern, grades, reference, threshold).</summary>
    public string Summary() => FindingsWriter.Summary(Findings);

    /// <summary>Writes findings.json and the masks (edema, bones, depth zones, reference as .nii.gz) into <paramref name="folder"/>; each file is written to a temporary name, then renamed.</summary>
    /// <param name="folder">Output folder (created when missing).</param>
    /// <param name="logger">Receives what was written, or null.</param>
    /// <param name="cancellationToken">Cancels before writing starts.</param>
    /// <returns>The files written.</returns>
    public Task<IReadOnlyList<string>> WriteAsync(string folder, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        return Task.Run(
            () =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                var files = FindingsWriter.Write(Findings, folder);
                Log.Wrote(logger ?? NullLogger.Instance, files.Count, folder);
                return files;
            },
            cancellationToken);
    }
}
