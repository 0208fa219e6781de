using System.Diagnostics;
using BmeQuant.Loading;
using BmeQuant.Quantification;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmeQuant;

/// <summary>
/// An opened study: the fluid-sensitive series (the analysis grid), the T1 series when there is one, the optional bone
/// label map and reference mask, the anatomy and where each came from. Open one with <see cref="BmeQuantStudy"/>;
/// analyse it with <see cref="AnalyzeAsync"/> (any number of times, with different options). Immutable.
/// </summary>
public sealed class Study
{
    internal Study(
        StudyInput input,
        StudySeries fluidSensitive,
        StudySeries? t1,
        string anatomyEvidence,
        string source,
        string? studyInstanceUid,
        DateOnly? studyDate,
        IReadOnlyList<string> notes)
    {
        Input = input;
        FluidSensitive = fluidSensitive;
        T1 = t1;
        AnatomyEvidence = anatomyEvidence;
        Source = source;
        StudyInstanceUid = studyInstanceUid;
        StudyDate = studyDate;
        Notes = notes;
    }

    /// <summary>The folder or file the study was opened from (as given).</summary>
    public string Source { get; }

    /// <summary>StudyInstanceUID (0020,000D), or null when the inputs carry none (NIfTI without sidecar, memory).</summary>
    public string? StudyInstanceUid { get; }

    /// <summary>StudyDate (0008,0020), or null when unknown; used to order timepoints in <see cref="FollowUp"/>.</summary>
    public DateOnly? StudyDate { get; }

    /// <summary>The fluid-sensitive fat-suppressed series (STIR, PD/T2 fat-sat, Dixon water).</summary>
    public StudySeries FluidSensitive { get; }

    /// <summary>The T1-weighted series, or null when the study has none.</summary>
    public StudySeries? T1 { get; }

    /// <summary>The joint imaged (given, or from the headers; <see cref="Anatomy.Unknown"/> when no evidence).</summary>
    public Anatomy Anatomy => Input.Anatomy;

    /// <summary>Why <see cref="Anatomy"/> was chosen ("given", or the header fields and keywords matched).</summary>
    public string AnatomyEvidence { get; }

    /// <summary>What was noticed while opening (files skipped, duplicates dropped, series chosen against their role, missing T1 …).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The analysis input assembled from the study (volumes, masks, provenance, anatomy), for the stage API.</summary>
    public StudyInput Input { get; }

    /// <summary>Quantifies the bone marrow edema of this study on a worker thread.</summary>
    /// <param name="options">Every analysis parameter (null = <see cref="AnalysisOptions.Default"/>).</param>
    /// <param name="progress">Receives stage and fraction, or null.</param>
    /// <param name="logger">Receives what was done, or null.</param>
    /// <param name="cancellationToken">Stops the analysis between steps (<see cref="OperationCanceledException"/>).</param>
    /// <returns>The findings with this study's date and source.</returns>
    /// <exception cref="QuantificationException">The study cannot be quantified (no bone found, automatic bone segmentation unavailable, inputs that do not overlap).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (the message names it).</exception>
    public Task<StudyAnalysis> AnalyzeAsync(
        AnalysisOptions? options = null,
        IProgress<BmeQuantProgress>? progress = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        var reporter = new ProgressReporter(progress);
        var log = logger ?? NullLogger.Instance;
        return Task.Run(
            () =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                reporter.Report(BmeQuantStage.Analyzing, 0, "analysing " + Source);
                var watch = Stopwatch.StartNew();
                var findings = EdemaAnalyzer.Analyze(Input, options ?? AnalysisOptions.Default, cancellationToken);
                Log.Analysed(log, Source, findings.Total.EdemaVolumeMm3, findings.Bones.Count, watch.ElapsedMilliseconds);
                reporter.Report(BmeQuantStage.Completed, 1, "analysed " + Source);
                return new StudyAnalysis
                {
                    Findings = findings,
                    Label = StudyDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Source)),
                    StudyDate = StudyDate,
                    Source = Source,
                    Images = new Reporting.TimepointImages(Input.FluidSensitive, null, findings.Masks.Edema),
                };
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Source} ({Anatomy}, fluid-sensitive {FluidSensitive.Provenance.SeriesDescription ?? "?"}{(T1 is null ? ", no T1" : ", T1 " + (T1.Provenance.SeriesDescription ?? "?"))})";
}
