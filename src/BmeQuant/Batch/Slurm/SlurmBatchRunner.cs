using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BmeQuant.Imaging;
using BmeQuant.Registry;

namespace BmeQuant.Batch.Slurm;

/// <summary>
/// Runs a manifest on a Slurm cluster: plans on the submitting host like the local engine (finished studies are
/// skipped by content key, earlier failures unless <see cref="BatchOptions.RetryFailed"/>), writes one job array per
/// memory class (one study per task), submits it with sbatch, follows it with squeue, and merges the per-study
/// results into the same summary.csv/json and registry as a local run. Each task runs <c>bmequant batch-task</c>,
/// which analyses one manifest row into its atomic result folder exactly as the local engine does.
/// Inputs, manifest and output folder must be on a filesystem the compute nodes share.
/// </summary>
public static class SlurmBatchRunner
{
    /// <summary>Memory a task needs besides the study's own estimate: the .NET runtime, the libraries and the CLI.</summary>
    internal const long RuntimeOverheadBytes = 256L << 20;

    /// <summary>Time limit added per GiB of float input data (measured analysis rate with a wide margin; see docs/cluster.md).</summary>
    internal static readonly TimeSpan TimePerFloatGiB = TimeSpan.FromMinutes(20);

    private const int MaxQueryFailures = 5;

    /// <summary>Runs <paramref name="manifest"/> on the cluster behind <paramref name="client"/> and returns the merged summary (also written to the output folder).</summary>
    /// <param name="manifest">The studies.</param>
    /// <param name="options">Output folder, timeout, limits, parameters, retry (Jobs and the memory budget do not apply: Slurm schedules).</param>
    /// <param name="slurm">Task command, partition, account, sbatch arguments, polling.</param>
    /// <param name="client">The Slurm commands (<see cref="SlurmCommandClient"/> for the real tools).</param>
    /// <param name="progress">Receives start (task seen running) and end events, or null.</param>
    /// <param name="cancellationToken">Cancels the run: submitted jobs are cancelled (scancel) and what finished is merged.</param>
    /// <returns>The summary; <see cref="BatchSummary.Engine"/> is <c>slurm</c>.</returns>
    /// <exception cref="SlurmException">The run folder cannot be written.</exception>
    public static async Task<BatchSummary> RunAsync(
        BatchManifest manifest,
        BatchOptions options,
        SlurmOptions slurm,
        ISlurmClient client,
        IProgress<BatchProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(slurm);
        ArgumentNullException.ThrowIfNull(client);
        options.Validate();
        slurm.Validate();
        var studies = manifest.Studies;
        var jobIds = new List<string>();
        var ledger = new BatchRunLedger(
            manifest,
            options,
            progress,
            () => cancellationToken.IsCancellationRequested,
            s => s with { Engine = "slurm", SlurmJobIds = jobIds.ToArray() });
        var registry = ledger.Registry;
        var parameters = ledger.Parameters;
        var started = ledger.StartedUtc;

        // 1. Plan on this host: what is finished or failed before is not submitted.
        var toSubmit = new List<(int StudyIndex, StudyPlan Plan, string Key)>();
        for (var i = 0; i < studies.Count && !cancellationToken.IsCancellationRequested; i++)
        {
            var study = studies[i];
            var clock = Stopwatch.StartNew();
            StudyPlan plan;
            string key;
            try
            {
                plan = StudyPipeline.Plan(study, options.Limits, cancellationToken);
                key = InputHasher.Key(plan.Files, BatchRunner.StudyParameters(parameters, study, options), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                ledger.Finish(i, BatchRunner.Failed(study, ex, null, 0, clock.Elapsed.TotalSeconds, options.StudyTimeout, timedOut: false));
                continue;
            }

            var folder = ResultFolderOf(options, study);
            if (BatchResultMarker.TryRead(folder) is { } marker && marker.InputKey == key)
            {
                if (registry.Find(study.Patient, study.Timepoint)?.InputKey != key)
                {
                    registry.Upsert(BatchRunner.ToRegistry(marker, folder));
                }

                ledger.Finish(i, Result(study, BatchOutcome.AlreadyDone, null, null, key, Relative(options, folder), marker.TotalEdemaVolumeMm3, clock.Elapsed.TotalSeconds, plan.EstimatedMemoryBytes));
                continue;
            }

            if (!options.RetryFailed && registry.FindFailure(key) is { } failure)
            {
                ledger.Finish(i, Result(study, BatchOutcome.FailedEarlier, failure.ErrorType, $"Failed on {failure.AttemptedUtc:yyyy-MM-dd HH:mm} UTC with the same inputs and parameters ({failure.Outcome}): {failure.Error} Use --retry-failed to try again.", key, null, null, clock.Elapsed.TotalSeconds, plan.EstimatedMemoryBytes));
                continue;
            }

            toSubmit.Add((i, plan, key));
        }

        // 2. Write the run folder and submit one array per memory class.
        var tasks = new List<(SlurmPlannedTask Task, int StudyIndex)>();
        string? runFolder = null;
        var arrayOf = new Dictionary<int, (string JobId, int ArrayIndex)>();
        if (toSubmit.Count > 0 && !cancellationToken.IsCancellationRequested)
        {
            runFolder = Path.Combine(options.OutputFolder, SlurmRunPlan.RunsFolder, "run-" + started.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6]);
            for (var t = 0; t < toSubmit.Count; t++)
            {
                var (studyIndex, plan, key) = toSubmit[t];
                var study = studies[studyIndex];
                tasks.Add((new SlurmPlannedTask(t, study.Line, study.Patient, study.Timepoint, key, plan.EstimatedMemoryBytes, MemoryRequestMiB(plan.EstimatedMemoryBytes, slurm), TimeLimitMinutes(plan.EstimatedMemoryBytes, options, slurm)), studyIndex));
            }

            var runPlan = new SlurmRunPlan(1, manifest.Path, options.OutputFolder, parameters, options.RequireDeidentified, options.StudyTimeout.TotalSeconds, options.Limits, tasks.Select(t => t.Task).ToArray());
            try
            {
                Directory.CreateDirectory(Path.Combine(runFolder, "results"));
                Directory.CreateDirectory(Path.Combine(runFolder, "logs"));
                AtomicFile.WriteAllText(Path.Combine(runFolder, SlurmRunPlan.FileName), JsonSerializer.Serialize(runPlan, BatchResultMarker.Json));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SlurmException($"{runFolder}: cannot write the run folder ({ex.Message}).", ex);
            }

            foreach (var group in tasks.GroupBy(t => t.Task.MemoryRequestMiB).OrderBy(g => g.Key))
            {
                var members = group.ToArray();
                var script = Path.Combine(runFolder, "job-" + group.Key.ToString(CultureInfo.InvariantCulture) + "M.sh");
                AtomicFile.WriteAllText(script, JobScript(runFolder, members.Select(m => m.Task).ToArray(), slurm));
                try
                {
                    var jobId = await client.SubmitAsync(script, SbatchArguments(slurm), cancellationToken).ConfigureAwait(false);
                    jobIds.Add(jobId);
                    for (var a = 0; a < members.Length; a++)
                    {
                        arrayOf[members[a].Task.Index] = (jobId, a);
                    }
                }
                catch (SlurmException ex)
                {
                    foreach (var m in members)
                    {
                        var study = studies[m.StudyIndex];
                        ledger.Finish(m.StudyIndex, Result(study, BatchOutcome.Error, nameof(SlurmException), $"{study}: not submitted: {ex.Message}", m.Task.InputKey, null, null, 0, m.Task.EstimatedMemoryBytes));
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }

        // 3. Follow the arrays until every submitted task has a result or has left the queue.
        if (runFolder is not null && arrayOf.Count > 0)
        {
            await FollowAsync(runFolder, tasks.Where(t => arrayOf.ContainsKey(t.Task.Index)).ToArray(), arrayOf, jobIds, studies, options, slurm, client, registry, progress, ledger.Finish, cancellationToken).ConfigureAwait(false);
        }

        return ledger.Close();
    }

    /// <summary>Memory requested for a study: (estimate + runtime) × 1.25, at least the floor, rounded up to a power of two MiB (few memory classes, few arrays).</summary>
    internal static long MemoryRequestMiB(long estimatedBytes, SlurmOptions slurm)
    {
        var need = Math.Max(slurm.MemoryFloorBytes, (long)((estimatedBytes + RuntimeOverheadBytes) * 1.25));
        var mib = (need + (1L << 20) - 1) >> 20;
        return (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)mib);
    }

    /// <summary>Time limit for a study: the floor plus <see cref="TimePerFloatGiB"/> per GiB of float input, at most the per-study timeout plus 5 minutes.</summary>
    internal static int TimeLimitMinutes(long estimatedBytes, BatchOptions options, SlurmOptions slurm)
    {
        var floatBytes = Math.Max(0, estimatedBytes - StudyPipeline.MemoryOverheadBytes) / StudyPipeline.MemoryFactor;
        var minutes = slurm.TimeFloor.TotalMinutes + (TimePerFloatGiB.TotalMinutes * floatBytes / (1L << 30));
        minutes = Math.Min(minutes, options.StudyTimeout.TotalMinutes + 5);
        return (int)Math.Max(1, Math.Ceiling(minutes));
    }

    /// <summary>The batch script of one array: one task per planned study, mapped through a shell array.</summary>
    internal static string JobScript(string runFolder, IReadOnlyList<SlurmPlannedTask> members, SlurmOptions slurm)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("#!/bin/bash\n");
        sb.Append("# Written by bmequant batch --engine slurm: one study per array task (see run.json beside this script).\n");
        sb.Append(c, $"#SBATCH --job-name={slurm.JobName}\n");
        sb.Append(c, $"#SBATCH --array=0-{members.Count - 1}{(slurm.MaxRunningTasks is { } m ? "%" + m.ToString(c) : string.Empty)}\n");
        sb.Append("#SBATCH --ntasks=1\n");
        sb.Append("#SBATCH --cpus-per-task=1\n");
        sb.Append(c, $"#SBATCH --mem={members.Max(t => t.MemoryRequestMiB)}M\n");
        sb.Append(c, $"#SBATCH --time={members.Max(t => t.TimeLimitMinutes)}\n");
        sb.Append(c, $"#SBATCH --output={Path.Combine(runFolder, "logs", "%A_%a.log")}\n");
        sb.Append("set -u\n");
        sb.Append("TASKS=(").Append(string.Join(' ', members.Select(t => t.Index.ToString(c)))).Append(")\n");
        sb.Append("TASK=${TASKS[$SLURM_ARRAY_TASK_ID]}\n");
        foreach (var line in slurm.TaskSetup)
        {
            sb.Append(line).Append('\n');
        }

        sb.Append("exec ").Append(slurm.TaskCommand).Append(" batch-task ").Append(ShellQuote(runFolder)).Append(" --task \"$TASK\"\n");
        return sb.ToString();
    }

    /// <summary>Quotes <paramref name="text"/> for bash (single quotes; an embedded quote becomes <c>'\''</c>).</summary>
    public static string ShellQuote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private static List<string> SbatchArguments(SlurmOptions slurm)
    {
        var args = new List<string>();
        if (!string.IsNullOrWhiteSpace(slurm.Partition))
        {
            args.Add("--partition=" + slurm.Partition);
        }

        if (!string.IsNullOrWhiteSpace(slurm.Account))
        {
            args.Add("--account=" + slurm.Account);
        }

        args.AddRange(slurm.SbatchArguments);
        return args;
    }

    private static async Task FollowAsync(
        string runFolder,
        IReadOnlyList<(SlurmPlannedTask Task, int StudyIndex)> tasks,
        IReadOnlyDictionary<int, (string JobId, int ArrayIndex)> arrayOf,
        IReadOnlyList<string> jobIds,
        IReadOnlyList<BatchStudy> studies,
        BatchOptions options,
        SlurmOptions slurm,
        ISlurmClient client,
        ResultsRegistry registry,
        IProgress<BatchProgress>? progress,
        Action<int, BatchStudyResult> finish,
        CancellationToken cancellationToken)
    {
        var open = tasks.ToDictionary(t => t.Task.Index);
        var startedReported = new HashSet<int>();
        var lastState = new Dictionary<int, SlurmTaskState>();
        var finalPolls = new Dictionary<int, int>();
        var queryFailures = 0;
        var cancelled = false;
        var cancelDeadline = DateTime.MaxValue;
        string? lostContact = null;
        while (open.Count > 0)
        {
            if (cancellationToken.IsCancellationRequested && !cancelled)
            {
                cancelled = true;
                cancelDeadline = DateTime.UtcNow + slurm.CancelWait;
                try
                {
                    await client.CancelAsync(jobIds, CancellationToken.None).ConfigureAwait(false);
                }
                catch (SlurmException)
                {
                    // The tasks will still end at their time limit; the summary says they were cancelled.
                }
            }

            IReadOnlyList<SlurmTaskState>? states = null;
            try
            {
                states = await client.QueryAsync(jobIds.ToArray(), CancellationToken.None).ConfigureAwait(false);
                queryFailures = 0;
            }
            catch (SlurmException ex)
            {
                if (++queryFailures >= MaxQueryFailures)
                {
                    lostContact = ex.Message;
                }
            }

            var byTask = new Dictionary<int, SlurmTaskState>();
            if (states is not null)
            {
                var reverse = arrayOf.ToDictionary(kv => kv.Value, kv => kv.Key);
                foreach (var s in states)
                {
                    if (s.ArrayIndex is { } a && reverse.TryGetValue((s.JobId, a), out var taskIndex))
                    {
                        byTask[taskIndex] = s;
                    }
                }
            }

            foreach (var (index, entry) in open.ToArray())
            {
                var study = studies[entry.StudyIndex];
                var resultPath = SlurmRunPlan.ResultPath(runFolder, index);
                if (TryReadResult(resultPath) is { } written)
                {
                    open.Remove(index);
                    finish(entry.StudyIndex, Merge(written, entry.Task, study, options, registry));
                    continue;
                }

                if (byTask.TryGetValue(index, out var state))
                {
                    lastState[index] = state;
                    if (state.State == "RUNNING" && startedReported.Add(index))
                    {
                        progress?.Report(new BatchProgress(study, true, null, 0, studies.Count));
                    }
                }

                // Final (or gone from the queue) without a result: give the shared filesystem two more polls, then conclude.
                var gone = states is not null && !byTask.ContainsKey(index);
                if (lostContact is not null || (cancelled && DateTime.UtcNow > cancelDeadline) || gone || (byTask.TryGetValue(index, out var s2) && s2.IsFinal))
                {
                    finalPolls[index] = finalPolls.GetValueOrDefault(index) + 1;
                    if (finalPolls[index] > 2 || lostContact is not null || (cancelled && DateTime.UtcNow > cancelDeadline))
                    {
                        open.Remove(index);
                        var (jobId, arrayIndex) = arrayOf[index];
                        var log = Path.Combine(runFolder, "logs", jobId + "_" + arrayIndex.ToString(CultureInfo.InvariantCulture) + ".log");
                        var result = NoResult(study, entry.Task, lastState.GetValueOrDefault(index), jobId, arrayIndex, log, cancelled, lostContact);
                        if (result.Outcome != BatchOutcome.Cancelled)
                        {
                            TryRecordFailure(registry, result, entry.Task.InputKey);
                        }

                        finish(entry.StudyIndex, result);
                    }
                }
            }

            if (open.Count > 0)
            {
                try
                {
                    await Task.Delay(slurm.PollInterval, cancelled ? CancellationToken.None : cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Next round cancels the jobs.
                }
            }
        }
    }

    /// <summary>A task's own result, registered like a local run's (success: the registry row from the result folder; failure: the failure row).</summary>
    private static BatchStudyResult Merge(BatchStudyResult written, SlurmPlannedTask task, BatchStudy study, BatchOptions options, ResultsRegistry registry)
    {
        var result = written with { Line = study.Line, Patient = study.Patient, Timepoint = study.Timepoint, Date = study.Date };
        if (result.IsOk)
        {
            var folder = ResultFolderOf(options, study);
            if (BatchResultMarker.TryRead(folder) is { } marker)
            {
                registry.Upsert(BatchRunner.ToRegistry(marker, folder));
            }
            else
            {
                result = result with { Outcome = BatchOutcome.Error, ErrorType = nameof(SlurmException), Error = $"{study}: the task reported {written.Outcome} but '{folder}' holds no {BatchResultMarker.FileName} (is the output folder on a filesystem the nodes share?)." };
                TryRecordFailure(registry, result, result.InputKey ?? task.InputKey);
            }
        }
        else if (result.Outcome != BatchOutcome.Cancelled)
        {
            TryRecordFailure(registry, result, result.InputKey ?? task.InputKey);
        }

        return result;
    }

    /// <summary>The outcome of a task that ended without writing its result: from its last Slurm state and the end of its log.</summary>
    internal static BatchStudyResult NoResult(BatchStudy study, SlurmPlannedTask task, SlurmTaskState? state, string jobId, int arrayIndex, string logPath, bool cancelled, string? lostContact)
    {
        var tail = LogTail(logPath);
        var id = jobId + "_" + arrayIndex.ToString(CultureInfo.InvariantCulture);
        var stateText = state is null ? "no longer listed by squeue" : state.State + (state.Reason is "" or "None" ? string.Empty : " (" + state.Reason + ")");
        var where = tail.Length > 0 ? $" Last lines of {logPath}: {tail}" : $" Its log {logPath} is empty or missing.";
        BatchOutcome outcome;
        string message;
        if (lostContact is not null)
        {
            (outcome, message) = (BatchOutcome.Error, $"{study}: task {id}: lost contact with Slurm ({lostContact}); its result never appeared.");
        }
        else if (state?.State == "TIMEOUT" || tail.Contains("DUE TO TIME LIMIT", StringComparison.OrdinalIgnoreCase))
        {
            (outcome, message) = (BatchOutcome.TimedOut, $"{study}: task {id} reached its Slurm time limit of {task.TimeLimitMinutes.ToString(CultureInfo.InvariantCulture)} min.{where}");
        }
        else if (state?.State == "OUT_OF_MEMORY" || tail.Contains("oom", StringComparison.OrdinalIgnoreCase) || tail.Contains("out of memory", StringComparison.OrdinalIgnoreCase))
        {
            (outcome, message) = (BatchOutcome.Refused, $"{study}: task {id} ran out of its {task.MemoryRequestMiB.ToString(CultureInfo.InvariantCulture)} MiB (estimate {(task.EstimatedMemoryBytes >> 20).ToString(CultureInfo.InvariantCulture)} MiB); give more with --sbatch-arg=--mem=….{where}");
        }
        else if (cancelled || state?.State == "CANCELLED")
        {
            (outcome, message) = (BatchOutcome.Cancelled, $"{study}: task {id} was cancelled ({stateText}).");
        }
        else
        {
            (outcome, message) = (BatchOutcome.Error, $"{study}: task {id} ended without a result ({stateText}).{where}");
        }

        return new BatchStudyResult(study.Line, study.Patient, study.Timepoint, study.Date, outcome, nameof(SlurmException), message, task.InputKey, null, 0, 0, 0, 0, task.EstimatedMemoryBytes, null);
    }

    private static void TryRecordFailure(ResultsRegistry registry, BatchStudyResult result, string key)
    {
        try
        {
            registry.RecordFailure(new RegistryFailure(key, result.Patient, result.Timepoint, result.Outcome.ToString(), result.ErrorType, result.Error, DateTime.UtcNow));
        }
        catch (RegistryException)
        {
            // The failure is still in the summary; only the rerun shortcut is lost.
        }
    }

    private static BatchStudyResult? TryReadResult(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<BatchStudyResult>(File.ReadAllText(path), BatchSummary.Json) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The last few non-empty lines of a log, joined with " | " (at most 600 characters), or empty.</summary>
    private static string LogTail(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return string.Empty;
            }

            var lines = File.ReadAllLines(path).Where(l => l.Trim().Length > 0).TakeLast(4).ToArray();
            var text = string.Join(" | ", lines.Select(l => l.Trim()));
            return text.Length > 600 ? "…" + text[^600..] : text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    internal static string ResultFolderOf(BatchOptions options, BatchStudy study) =>
        Path.Combine(options.OutputFolder, SafeNames.Sanitize(study.Patient), SafeNames.Sanitize(study.Timepoint));

    private static string Relative(BatchOptions options, string folder) => Path.GetRelativePath(options.OutputFolder, folder).Replace('\\', '/');

    private static BatchStudyResult Result(BatchStudy study, BatchOutcome outcome, string? errorType, string? error, string? key, string? output, double? total, double seconds, long estimate) =>
        new(study.Line, study.Patient, study.Timepoint, study.Date, outcome, errorType, error, key, output, seconds, 0, 0, seconds, estimate, total);
}
