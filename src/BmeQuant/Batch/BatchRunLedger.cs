using System.Text.Json;
using BmeQuant.Registry;

namespace BmeQuant.Batch;

/// <summary>
/// What the local and the Slurm engine share about one run: the output folder prepared (leftovers of an interrupted
/// run cleaned, registry opened, parameters serialised), one result slot per manifest row, a progress event and an
/// atomic summary snapshot after each finished study, and the closing summary (rows never started marked cancelled).
/// </summary>
internal sealed class BatchRunLedger
{
    private readonly BatchManifest _manifest;
    private readonly BatchOptions _options;
    private readonly IProgress<BatchProgress>? _progress;
    private readonly Func<bool> _cancelled;
    private readonly Func<BatchSummary, BatchSummary> _engineFields;
    private readonly BatchStudyResult?[] _results;
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly int _cleaned;

    /// <summary>Prepares the output folder and opens the registry.</summary>
    /// <param name="manifest">The studies.</param>
    /// <param name="options">The run's options (validated by the caller).</param>
    /// <param name="progress">Receives an end event per study, or null.</param>
    /// <param name="cancelled">Whether the run was cancelled, asked at each snapshot.</param>
    /// <param name="engineFields">Sets the engine's own summary fields (engine name, job ids, memory reserved) on each snapshot.</param>
    public BatchRunLedger(BatchManifest manifest, BatchOptions options, IProgress<BatchProgress>? progress, Func<bool> cancelled, Func<BatchSummary, BatchSummary> engineFields)
    {
        _manifest = manifest;
        _options = options;
        _progress = progress;
        _cancelled = cancelled;
        _engineFields = engineFields;
        _results = new BatchStudyResult?[manifest.Studies.Count];
        Directory.CreateDirectory(options.OutputFolder);
        _cleaned = ResultFolder.CleanUp(options.OutputFolder);
        Registry = ResultsRegistry.Open(Path.Combine(options.OutputFolder, ResultsRegistry.DefaultFileName));
        Parameters = JsonSerializer.Serialize(options.Analysis, BatchResultMarker.Json);
    }

    /// <summary>The results registry of the output folder.</summary>
    public ResultsRegistry Registry { get; }

    /// <summary>The analysis options as JSON (recorded in each result and hashed into each key).</summary>
    public string Parameters { get; }

    /// <summary>When the run started (UTC).</summary>
    public DateTime StartedUtc => _started;

    /// <summary>Studies finished so far.</summary>
    public int Completed { get; private set; }

    /// <summary>Records the result of manifest row <paramref name="index"/>, reports it and writes a summary snapshot.</summary>
    public void Finish(int index, BatchStudyResult result)
    {
        _results[index] = result;
        Completed++;
        _progress?.Report(new BatchProgress(_manifest.Studies[index], false, result, Completed, _results.Length));
        Snapshot(complete: false).Write();
    }

    /// <summary>Marks the rows never started as cancelled, writes the final summary and returns it.</summary>
    public BatchSummary Close()
    {
        for (var i = 0; i < _results.Length; i++)
        {
            if (_results[i] is null)
            {
                var s = _manifest.Studies[i];
                _results[i] = new BatchStudyResult(s.Line, s.Patient, s.Timepoint, s.Date, BatchOutcome.Cancelled, null, "Not started: the batch was cancelled.", null, null, 0, 0, 0, 0, 0, null);
            }
        }

        var summary = Snapshot(complete: true);
        summary.Write();
        return summary;
    }

    private BatchSummary Snapshot(bool complete) => _engineFields(new BatchSummary
    {
        Manifest = _manifest.Path,
        OutputFolder = _options.OutputFolder,
        Jobs = _options.Jobs,
        MemoryBudgetBytes = _options.MemoryBudgetBytes,
        StartedUtc = _started,
        FinishedUtc = DateTime.UtcNow,
        Complete = complete,
        Cancelled = _cancelled(),
        PeakWorkingSetBytes = BatchRunner.PeakWorkingSet(),
        PeakReservedBytes = 0,
        LeftoversCleaned = _cleaned,
        Studies = _results.Where(r => r is not null).Select(r => r!).ToArray(),
    });
}
