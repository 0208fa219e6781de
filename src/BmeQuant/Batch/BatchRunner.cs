using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BmeQuant.Dicom;
using BmeQuant.Dicom.Series;
using BmeQuant.Imaging;
using BmeQuant.Quantification;
using BmeQuant.Registry;

namespace BmeQuant.Batch;

/// <summary>
/// Runs a manifest: studies in parallel within a memory budget, each with a timeout; each result folder
/// (<c>OUT/{patient}/{timepoint}</c>, names sanitised from the manifest) appears complete or not at all; studies
/// whose inputs and parameters are unchanged since a finished run are not redone; failures are recorded and not
/// retried unless asked; summary.json/summary.csv and the registry (registry.sqlite) are kept up to date.
/// One bad study never stops the others: every error becomes that study's outcome.
/// </summary>
public static class BatchRunner
{
    /// <summary>Runs <paramref name="manifest"/>.</summary>
    /// <param name="manifest">The studies.</param>
    /// <param name="options">Output folder, parallelism, budget, limits, parameters.</param>
    /// <param name="progress">Receives a start and an end event per study (from the scheduling thread), or null.</param>
    /// <param name="stopStarting">When cancelled, no further study starts; running ones finish (first Ctrl-C).</param>
    /// <param name="abort">When cancelled, running studies are cancelled too (second Ctrl-C).</param>
    /// <returns>The summary (also written to the output folder).</returns>
    public static Task<BatchSummary> RunAsync(
        BatchManifest manifest,
        BatchOptions options,
        IProgress<BatchProgress>? progress = null,
        CancellationToken stopStarting = default,
        CancellationToken abort = default) =>
        RunAsync(manifest, options, StudyPipeline.Analyze, progress, stopStarting, abort);

    /// <summary>As the public overload, with the "analyse one study" step injectable (tests).</summary>
    internal static async Task<BatchSummary> RunAsync(
        BatchManifest manifest,
        BatchOptions options,
        Func<StudyPlan, BatchOptions, CancellationToken, EdemaFindings> analyze,
        IProgress<BatchProgress>? progress,
        CancellationToken stopStarting,
        CancellationToken abort)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var studies = manifest.Studies;
        var running = new List<(Task<(BatchStudyResult Result, Task? Abandoned)> Task, int Index, long Reserved)>();
        var abandoned = new List<(Task Work, long Reserved)>();
        long reserved = 0;
        long peakReserved = 0;
        var next = 0;
        StudyPlan? pending = null;
        var ledger = new BatchRunLedger(
            manifest,
            options,
            progress,
            () => stopStarting.IsCancellationRequested || abort.IsCancellationRequested,
            s => s with { PeakReservedBytes = peakReserved });
        var context = new RunContext(options, ledger.Registry, ledger.Parameters, analyze, abort);

        while (next < studies.Count || running.Count > 0)
        {
            for (var a = abandoned.Count - 1; a >= 0; a--)
            {
                if (abandoned[a].Work.IsCompleted)
                {
                    reserved -= abandoned[a].Reserved;
                    abandoned.RemoveAt(a);
                }
            }

            while (next < studies.Count && running.Count < options.Jobs && !stopStarting.IsCancellationRequested && !abort.IsCancellationRequested)
            {
                var study = studies[next];
                if (pending is null)
                {
                    var planClock = Stopwatch.StartNew();
                    try
                    {
                        pending = StudyPipeline.Plan(study, options.Limits, abort);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !abort.IsCancellationRequested)
                    {
                        ledger.Finish(next, Failed(study, ex, null, 0, planClock.Elapsed.TotalSeconds, options.StudyTimeout, timedOut: false));
                        next++;
                        continue;
                    }
                }

                if (pending.EstimatedMemoryBytes > options.MemoryBudgetBytes)
                {
                    var refusal = new StudyRefusedException($"{study}: needs about {Mib(pending.EstimatedMemoryBytes)} MiB, more than the whole memory budget of {Mib(options.MemoryBudgetBytes)} MiB (--memory-budget-mb).");
                    ledger.Finish(next, Failed(study, refusal, null, pending.EstimatedMemoryBytes, 0, options.StudyTimeout, timedOut: false));
                    pending = null;
                    next++;
                    continue;
                }

                if (reserved + pending.EstimatedMemoryBytes > options.MemoryBudgetBytes && (running.Count > 0 || abandoned.Count > 0))
                {
                    break;
                }

                reserved += pending.EstimatedMemoryBytes;
                peakReserved = Math.Max(peakReserved, reserved);
                progress?.Report(new BatchProgress(study, true, null, ledger.Completed, studies.Count));
                var plan = pending;
                running.Add((RunStudyAsync(plan, context), next, plan.EstimatedMemoryBytes));
                pending = null;
                next++;
            }

            if (running.Count == 0)
            {
                if (next < studies.Count && (stopStarting.IsCancellationRequested || abort.IsCancellationRequested))
                {
                    break;
                }

                if (next < studies.Count && abandoned.Count > 0)
                {
                    // Only abandoned work holds the budget: wait for one of them (or give up waiting after a while).
                    await Task.WhenAny(Task.WhenAny(abandoned.Select(a => a.Work)), Task.Delay(options.AbandonGrace)).ConfigureAwait(false);
                    if (!abandoned.Any(a => a.Work.IsCompleted))
                    {
                        reserved = 0;
                        abandoned.Clear();
                    }
                }

                continue;
            }

            var done = await Task.WhenAny(running.Select(r => r.Task)).ConfigureAwait(false);
            var entry = running.First(r => r.Task == done);
            running.Remove(entry);
            var (result, abandonedWork) = await done.ConfigureAwait(false);
            if (abandonedWork is null)
            {
                reserved -= entry.Reserved;
            }
            else
            {
                abandoned.Add((abandonedWork, entry.Reserved));
            }

            ledger.Finish(entry.Index, result);
        }

        return ledger.Close();
    }

    /// <summary>What <see cref="Execute"/> needs besides the study; <c>Registry</c> is null inside a cluster task (the submitting host merges).</summary>
    internal sealed record RunContext(
        BatchOptions Options,
        ResultsRegistry? Registry,
        string Parameters,
        Func<StudyPlan, BatchOptions, CancellationToken, EdemaFindings> Analyze,
        CancellationToken Abort);

    /// <summary>Runs one study with its timeout; a study that ignores cancellation past the grace is abandoned (its memory stays reserved until it ends).</summary>
    private static async Task<(BatchStudyResult Result, Task? Abandoned)> RunStudyAsync(StudyPlan plan, RunContext context)
    {
        var options = context.Options;
        using var studyCts = CancellationTokenSource.CreateLinkedTokenSource(context.Abort);
        studyCts.CancelAfter(options.StudyTimeout);
        var clock = Stopwatch.StartNew();
        var work = Task.Run(() => Execute(plan, context, studyCts, clock), CancellationToken.None);
        using var deadlineCts = new CancellationTokenSource();
        var deadline = Task.Delay(options.StudyTimeout + options.AbandonGrace, deadlineCts.Token);
        var abortDeadline = WhenCancelled(context.Abort).ContinueWith(_ => Task.Delay(options.AbandonGrace, deadlineCts.Token), TaskScheduler.Default).Unwrap();
        var first = await Task.WhenAny(work, deadline, abortDeadline).ConfigureAwait(false);
        await deadlineCts.CancelAsync().ConfigureAwait(false);
        if (first == work)
        {
            return (await work.ConfigureAwait(false), null);
        }

        var study = plan.Study;
        var timedOut = !context.Abort.IsCancellationRequested;
        return (new BatchStudyResult(
            study.Line, study.Patient, study.Timepoint, study.Date,
            timedOut ? BatchOutcome.TimedOut : BatchOutcome.Cancelled,
            nameof(TimeoutException),
            timedOut
                ? $"{study}: still running {Seconds(options.StudyTimeout + options.AbandonGrace)} s after start (timeout {Seconds(options.StudyTimeout)} s) and did not stop when cancelled; abandoned."
                : $"{study}: did not stop within {Seconds(options.AbandonGrace)} s of the cancellation; abandoned.",
            null, null, 0, clock.Elapsed.TotalSeconds, 0, clock.Elapsed.TotalSeconds, plan.EstimatedMemoryBytes, null), work);
    }

    private static Task WhenCancelled(CancellationToken token)
    {
        if (!token.CanBeCanceled)
        {
            return Task.Delay(Timeout.Infinite, CancellationToken.None);
        }

        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => tcs.TrySetResult());
        return tcs.Task;
    }

    /// <summary>The parameters text hashed into a study's key: analysis options, anatomy and the de-identification flag.</summary>
    internal static string StudyParameters(string parameters, BatchStudy study, BatchOptions options) =>
        parameters + "\nanatomy=" + (study.Anatomy ?? "unknown") + "\nrequire-deidentified=" + (options.RequireDeidentified ? "1" : "0");

    /// <summary>Hashes, skips finished work, analyses and writes the result folder of one planned study. Never throws: errors become the result.</summary>
    internal static BatchStudyResult Execute(StudyPlan plan, RunContext context, CancellationTokenSource studyCts, Stopwatch clock)
    {
        var options = context.Options;
        var study = plan.Study;
        var token = studyCts.Token;
        string? key = null;
        double hashSeconds = 0, analysisSeconds = 0;
        var folder = Path.Combine(options.OutputFolder, SafeNames.Sanitize(study.Patient), SafeNames.Sanitize(study.Timepoint));
        var relativeFolder = Path.GetRelativePath(options.OutputFolder, folder).Replace('\\', '/');
        try
        {
            var studyParameters = StudyParameters(context.Parameters, study, options);
            key = InputHasher.Key(plan.Files, studyParameters, token);
            hashSeconds = clock.Elapsed.TotalSeconds;
            if (BatchResultMarker.TryRead(folder) is { } marker && marker.InputKey == key)
            {
                if (context.Registry is { } registry && registry.Find(study.Patient, study.Timepoint)?.InputKey != key)
                {
                    registry.Upsert(ToRegistry(marker, folder));
                }

                return Result(BatchOutcome.AlreadyDone, null, null, relativeFolder, marker.TotalEdemaVolumeMm3, 0);
            }

            if (!options.RetryFailed && context.Registry?.FindFailure(key) is { } failure)
            {
                return Result(BatchOutcome.FailedEarlier, failure.ErrorType, $"Failed on {failure.AttemptedUtc:yyyy-MM-dd HH:mm} UTC with the same inputs and parameters ({failure.Outcome}): {failure.Error} Use --retry-failed to try again.", null, null, 0);
            }

            var findings = context.Analyze(plan, options, token);
            analysisSeconds = clock.Elapsed.TotalSeconds - hashSeconds;
            token.ThrowIfCancellationRequested();
            var newMarker = new BatchResultMarker(
                1, key, study.Patient, study.Timepoint, study.Date, study.Line, plan.Files.Select(f => f.Name).ToArray(), context.Parameters,
                BmeQuantInfo.Version, DateTime.UtcNow, findings.Total.EdemaVolumeMm3, findings.Total.PercentOfRegion, findings.Bones.Count, analysisSeconds);
            ResultFolder.WriteAtomically(
                folder,
                temp =>
                {
                    FindingsWriter.Write(findings, temp);
                    AtomicFile.WriteAllText(Path.Combine(temp, BatchResultMarker.FileName), JsonSerializer.Serialize(newMarker, BatchResultMarker.Json));
                },
                token);
            context.Registry?.Upsert(ToRegistry(newMarker, folder));
            return Result(BatchOutcome.Succeeded, null, null, relativeFolder, findings.Total.EdemaVolumeMm3, clock.Elapsed.TotalSeconds - hashSeconds - analysisSeconds);
        }
        catch (Exception ex)
        {
            var timedOut = ex is OperationCanceledException && studyCts.IsCancellationRequested && !context.Abort.IsCancellationRequested;
            var result = Failed(study, ex, key, plan.EstimatedMemoryBytes, clock.Elapsed.TotalSeconds, options.StudyTimeout, timedOut) with
            {
                HashSeconds = hashSeconds,
                AnalysisSeconds = Math.Max(0, clock.Elapsed.TotalSeconds - hashSeconds),
            };
            if (key is not null && result.Outcome != BatchOutcome.Cancelled && context.Registry is not null)
            {
                try
                {
                    context.Registry.RecordFailure(new RegistryFailure(key, study.Patient, study.Timepoint, result.Outcome.ToString(), result.ErrorType, result.Error, DateTime.UtcNow));
                }
                catch (RegistryException)
                {
                    // The failure is still in the summary; only the rerun shortcut is lost.
                }
            }

            return result;
        }

        BatchStudyResult Result(BatchOutcome outcome, string? errorType, string? error, string? output, double? total, double writeSeconds) =>
            new(study.Line, study.Patient, study.Timepoint, study.Date, outcome, errorType, error, key, output, hashSeconds, analysisSeconds, writeSeconds, clock.Elapsed.TotalSeconds, plan.EstimatedMemoryBytes, total);
    }

    internal static RegistryTimepoint ToRegistry(BatchResultMarker marker, string folder) => new(
        marker.Patient, marker.Timepoint, marker.Date, marker.InputKey, marker.Parameters, Path.Combine(folder, FindingsWriter.FindingsFileName),
        marker.TotalEdemaVolumeMm3, marker.PercentOfBone, marker.BoneCount, marker.SoftwareVersion, marker.AnalysedUtc);

    /// <summary>Turns any error into the study's outcome and a message in words.</summary>
    internal static BatchStudyResult Failed(BatchStudy study, Exception ex, string? key, long estimate, double seconds, TimeSpan timeout, bool timedOut)
    {
        var (outcome, message) = Classify(study, ex, timeout, timedOut);
        return new BatchStudyResult(study.Line, study.Patient, study.Timepoint, study.Date, outcome, ex.GetType().Name, message, key, null, 0, 0, 0, seconds, estimate, null);
    }

    internal static (BatchOutcome Outcome, string Message) Classify(BatchStudy study, Exception ex, TimeSpan timeout, bool timedOut)
    {
        var where = study.ToString();
        var message = ex.Message.StartsWith("line ", StringComparison.Ordinal) ? ex.Message : where + ": " + ex.Message;
        return ex switch
        {
            OperationCanceledException when timedOut => (BatchOutcome.TimedOut, $"{where}: cancelled after the per-study timeout of {Seconds(timeout)} s."),
            OperationCanceledException => (BatchOutcome.Cancelled, $"{where}: cancelled (Ctrl-C) while running."),
            FileNotFoundException or DirectoryNotFoundException => (BatchOutcome.NoInput, message),
            StudyOpenException { Reason: StudyOpenFailure.NotFound or StudyOpenFailure.NoImages } => (BatchOutcome.NoInput, message),
            StudyOpenException { Reason: StudyOpenFailure.MissingSeries } => (BatchOutcome.Refused, message),
            StudyOpenException { InnerException: InconsistentSeriesException } => (BatchOutcome.Refused, message),
            StudyRefusedException or InconsistentSeriesException or UnsupportedTransferSyntaxException or QuantificationException => (BatchOutcome.Refused, message),
            DicomException or ImageFormatException or StudyOpenException or InvalidDataException or EndOfStreamException => (BatchOutcome.CorruptInput, message),
            OutOfMemoryException or InsufficientExecutionStackException => (BatchOutcome.Refused, $"{where}: ran out of memory or stack ({ex.GetType().Name}); the input is too large for this machine."),
            BmeQuantException => (BatchOutcome.CorruptInput, message),
            IOException or UnauthorizedAccessException => (BatchOutcome.NoInput, message),
            _ => (BatchOutcome.Error, $"{where}: internal error {ex.GetType().Name}: {ex.Message}"),
        };
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);

    private static long Mib(long bytes) => bytes >> 20;

    internal static long PeakWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }
}
