using BmeQuant.Loading;
using BmeQuant.Quantification;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmeQuant;

/// <summary>
/// Opens studies for analysis: a folder of DICOM files (series and roles found automatically), explicit T1 and
/// fluid-sensitive inputs (each a DICOM folder or a NIfTI file), a custom source (<see cref="IStudySource"/>), or
/// volumes already in memory. Work runs on a worker thread; every call is cancellable and reports progress.
/// </summary>
/// <example>
/// <code>
/// var study = await BmeQuantStudy.OpenFolderAsync("exports/knee-2026-01-05");
/// var analysis = await study.AnalyzeAsync();
/// Console.WriteLine(analysis.Summary());
/// await analysis.WriteAsync("out/2026-01-05");
/// </code>
/// </example>
public static class BmeQuantStudy
{
    /// <summary>
    /// Opens the study in <paramref name="folder"/>: reads every DICOM header below it (no pixels), classifies each
    /// series (T1, STIR, PD/T2 fat-sat, Dixon …), picks the best T1 and fluid-sensitive series and reads them into
    /// volumes of modality values; loads the masks named in <paramref name="options"/>.
    /// </summary>
    /// <param name="folder">The study folder (any layout; DICOMDIR used when present).</param>
    /// <param name="options">Anatomy, masks, study choice, assembly policy (null = defaults).</param>
    /// <param name="progress">Receives stage and fraction, or null.</param>
    /// <param name="logger">Receives series chosen, files skipped and timings, or null.</param>
    /// <param name="cancellationToken">Stops discovery or reading (<see cref="OperationCanceledException"/>).</param>
    /// <exception cref="StudyOpenException">
    /// The folder does not exist, holds no DICOM image, lacks a fluid-sensitive series (the message lists the series
    /// found), holds several candidate studies, or the chosen series cannot be read (the inner exception says why).
    /// </exception>
    public static Task<Study> OpenFolderAsync(
        string folder,
        StudyOpenOptions? options = null,
        IProgress<BmeQuantProgress>? progress = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var o = options ?? StudyOpenOptions.Default;
        return Task.Run(() => StudyLoader.OpenFolder(folder, o, new ProgressReporter(progress), logger ?? NullLogger.Instance, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Opens a study from explicit inputs: <paramref name="fluidSensitive"/> and <paramref name="t1"/> are each a
    /// NIfTI file (.nii/.nii.gz; a JSON sidecar beside it is read for provenance) or a DICOM folder (the series of the
    /// right role is picked; a folder holding a single volume is used as given, with a note).
    /// The provenance source of a NIfTI input is its file name only (folder names may carry identifiers).
    /// </summary>
    /// <param name="fluidSensitive">STIR, PD/T2 fat-sat or Dixon water series; its grid is the analysis grid.</param>
    /// <param name="t1">T1-weighted series, or null.</param>
    /// <param name="options">Anatomy, masks, assembly policy (null = defaults).</param>
    /// <param name="progress">Receives stage and fraction, or null.</param>
    /// <param name="logger">Receives what was done, or null.</param>
    /// <param name="cancellationToken">Stops reading (<see cref="OperationCanceledException"/>).</param>
    /// <exception cref="StudyOpenException">A path does not exist, is neither NIfTI nor a DICOM folder, holds no series of the role, or cannot be read.</exception>
    public static Task<Study> OpenFilesAsync(
        string fluidSensitive,
        string? t1,
        StudyOpenOptions? options = null,
        IProgress<BmeQuantProgress>? progress = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fluidSensitive);
        var o = options ?? StudyOpenOptions.Default;
        return Task.Run(() => StudyLoader.OpenFiles(fluidSensitive, t1, o, new ProgressReporter(progress), logger ?? NullLogger.Instance, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Fetches a study from <paramref name="source"/> (e.g. a DICOMweb server) into <paramref name="workFolder"/>
    /// and opens it like <see cref="OpenFolderAsync"/>. The files stay in the work folder (the caller owns it).
    /// </summary>
    /// <param name="source">Where the DICOM files come from.</param>
    /// <param name="workFolder">An empty or missing local folder to fetch into.</param>
    /// <param name="options">As for <see cref="OpenFolderAsync"/>.</param>
    /// <param name="progress">Receives the fetch (stage <see cref="BmeQuantStage.Fetching"/>) then the opening, or null.</param>
    /// <param name="logger">Receives what was done, or null.</param>
    /// <param name="cancellationToken">Stops fetching or opening.</param>
    /// <exception cref="ArgumentException"><paramref name="workFolder"/> exists and is not empty.</exception>
    /// <exception cref="StudyOpenException">As for <see cref="OpenFolderAsync"/>.</exception>
    public static async Task<Study> OpenSourceAsync(
        IStudySource source,
        string workFolder,
        StudyOpenOptions? options = null,
        IProgress<BmeQuantProgress>? progress = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(workFolder);
        if (Directory.Exists(workFolder) && Directory.EnumerateFileSystemEntries(workFolder).Any())
        {
            throw new ArgumentException($"The work folder '{workFolder}' is not empty; give an empty or new folder to fetch {source.Description} into.", nameof(workFolder));
        }

        Directory.CreateDirectory(workFolder);
        var log = logger ?? NullLogger.Instance;
        Log.Fetching(log, source.Description, workFolder);
        var reporter = new ProgressReporter(progress);
        var fetchProgress = new FractionProgress(f => reporter.Report(BmeQuantStage.Fetching, 0.5 * f, "fetching " + source.Description));
        var folder = await source.FetchAsync(workFolder, fetchProgress, cancellationToken).ConfigureAwait(false);
        var o = options ?? StudyOpenOptions.Default;
        var openProgress = progress is null ? null : new ScaledProgress(progress, 0.5);
        return await Task.Run(() => StudyLoader.OpenFolder(folder, o, new ProgressReporter(openProgress), log, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A study over an analysis input already in memory (e.g. <see cref="PhantomInputs.ToStudyInput"/>, or volumes
    /// read by another library); nothing is read from disk.
    /// </summary>
    /// <param name="input">Volumes (modality values), masks, provenance and anatomy.</param>
    /// <param name="studyDate">Acquisition date for follow-up ordering, or null.</param>
    /// <param name="source">A label for the source (default: the fluid-sensitive series' source, else "memory").</param>
    public static Study FromInput(StudyInput input, DateOnly? studyDate = null, string? source = null) =>
        StudyLoader.FromInput(input, studyDate, source);

    /// <summary>Reports progress synchronously (no thread-pool hop, unlike <see cref="Progress{T}"/>).</summary>
    private sealed class FractionProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }

    /// <summary>Maps the 0–1 fractions of the opening into the second half of the call.</summary>
    private sealed class ScaledProgress(IProgress<BmeQuantProgress> target, double start) : IProgress<BmeQuantProgress>
    {
        public void Report(BmeQuantProgress value) => target.Report(value with { Fraction = start + ((1 - start) * value.Fraction) });
    }
}
