using System.Diagnostics;
using System.Text.Json;
using BmeQuant.Imaging;
using BmeQuant.Quantification;

namespace BmeQuant.Batch.Slurm;

/// <summary>
/// The compute-node side of <see cref="SlurmBatchRunner"/>: analyses the one manifest row of a task into its atomic
/// result folder exactly as the local engine does (same key, same checks, same files), and writes the task's result
/// (<c>results/task-N.json</c> in the run folder) for the submitting host to merge. Never touches the registry.
/// </summary>
public static class BatchTaskRunner
{
    /// <summary>Runs task <paramref name="taskIndex"/> of the run in <paramref name="runFolder"/>.</summary>
    /// <param name="runFolder">The run folder written at submission (holds run.json).</param>
    /// <param name="taskIndex">The task number (run.json's <c>tasks[].index</c>).</param>
    /// <param name="cancellationToken">Cancels the analysis (SIGTERM from scancel or the time limit).</param>
    /// <returns>The study's result (also written into the run folder).</returns>
    /// <exception cref="SlurmException">The run plan cannot be read or has no such task.</exception>
    public static BatchStudyResult Run(string runFolder, int taskIndex, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runFolder);
        runFolder = Path.GetFullPath(runFolder);
        var plan = SlurmRunPlan.Read(runFolder);
        var task = plan.Tasks.FirstOrDefault(t => t.Index == taskIndex)
            ?? throw new SlurmException($"{Path.Combine(runFolder, SlurmRunPlan.FileName)}: no task {taskIndex}; the run has tasks 0-{plan.Tasks.Count - 1}.");
        var result = Analyze(plan, task, cancellationToken);
        AtomicFile.WriteAllText(SlurmRunPlan.ResultPath(runFolder, taskIndex), JsonSerializer.Serialize(result, BatchSummary.Json));
        return result;
    }

    private static BatchStudyResult Analyze(SlurmRunPlan plan, SlurmPlannedTask task, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var placeholder = new BatchStudy { Line = task.Line, Patient = task.Patient, Timepoint = task.Timepoint, Stir = plan.Manifest };
        var timeout = TimeSpan.FromSeconds(plan.StudyTimeoutSeconds);
        BatchStudy study;
        BatchOptions options;
        try
        {
            var manifest = BatchManifest.Read(plan.Manifest);
            study = manifest.Studies.FirstOrDefault(s => s.Line == task.Line && s.Patient == task.Patient && s.Timepoint == task.Timepoint)
                ?? throw new StudyRefusedException($"{placeholder}: '{plan.Manifest}' changed since the batch was submitted: line {task.Line} is no longer {task.Patient} / {task.Timepoint}.");
            options = new BatchOptions(plan.OutputFolder)
            {
                StudyTimeout = timeout,
                RequireDeidentified = plan.RequireDeidentified,
                RetryFailed = true,
                Limits = plan.Limits,
                Analysis = JsonSerializer.Deserialize<AnalysisOptions>(plan.Parameters, BatchResultMarker.Json) ?? AnalysisOptions.Default,
            };
        }
        catch (Exception ex) when (ex is BmeQuantException or IOException or UnauthorizedAccessException or JsonException)
        {
            return BatchRunner.Failed(placeholder, ex, task.InputKey, task.EstimatedMemoryBytes, clock.Elapsed.TotalSeconds, timeout, timedOut: false);
        }

        StudyPlan studyPlan;
        try
        {
            studyPlan = StudyPipeline.Plan(study, options.Limits, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return BatchRunner.Failed(study, ex, task.InputKey, task.EstimatedMemoryBytes, clock.Elapsed.TotalSeconds, timeout, timedOut: false);
        }

        // Same step as a local run, with the registry left to the submitting host. The input key is computed again here,
        // from the files as this node sees them: the inputs may have changed since submission, and the result folder
        // must carry the key of what was actually analysed (the submitting host's key only decided what to submit).
        using var studyCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        studyCts.CancelAfter(timeout);
        var context = new BatchRunner.RunContext(options, null, plan.Parameters, StudyPipeline.Analyze, cancellationToken);
        return BatchRunner.Execute(studyPlan, context, studyCts, clock);
    }
}
