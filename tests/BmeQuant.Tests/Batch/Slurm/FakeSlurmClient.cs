using System.Globalization;
using System.Text.RegularExpressions;
using BmeQuant.Batch;
using BmeQuant.Batch.Slurm;

namespace BmeQuant.Tests.Batch.Slurm;

/// <summary>
/// A pretend cluster: sbatch runs every task of the array at once, in this process, through the same
/// <see cref="BatchTaskRunner"/> the nodes run; squeue reports their final states. Tasks can be made to die without a
/// result (state and log text given) or held pending (for cancellation).
/// </summary>
internal sealed partial class FakeSlurmClient : ISlurmClient
{
    private readonly Dictionary<string, List<SlurmTaskState>> _jobs = [];
    private int _nextJob = 100;

    /// <summary>Every submission: script text, sbatch arguments and the run's task numbers it holds.</summary>
    public List<(string Script, IReadOnlyList<string> Arguments, int[] Tasks)> Submitted { get; } = [];

    /// <summary>Task number → (final state, log text) for tasks that end without writing a result.</summary>
    public Dictionary<int, (string State, string Log)> Dying { get; } = [];

    /// <summary>When true, tasks stay PENDING until cancelled.</summary>
    public bool Hold { get; set; }

    /// <summary>When set, sbatch fails with this message.</summary>
    public string? SubmitError { get; set; }

    /// <summary>Called at every squeue poll.</summary>
    public Action? OnQuery { get; set; }

    /// <summary>Job ids passed to scancel.</summary>
    public List<string> CancelledJobs { get; } = [];

    public Task<string> SubmitAsync(string scriptPath, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (SubmitError is not null)
        {
            throw new SlurmException("sbatch: " + SubmitError);
        }

        var script = File.ReadAllText(scriptPath);
        var tasks = TasksLine().Match(script).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var runFolder = RunFolderLine().Match(script).Groups[1].Value;
        var log = LogLine().Match(script).Groups[1].Value;
        Assert.True(tasks.Length > 0 && runFolder.Length > 0 && log.Length > 0, "unexpected job script:\n" + script);
        var id = (_nextJob++).ToString(CultureInfo.InvariantCulture);
        Submitted.Add((script, arguments.ToArray(), tasks));
        var states = new List<SlurmTaskState>();
        for (var a = 0; a < tasks.Length; a++)
        {
            if (Hold)
            {
                states.Add(new SlurmTaskState(id, a, "PENDING", "Priority"));
            }
            else if (Dying.TryGetValue(tasks[a], out var death))
            {
                File.WriteAllText(log.Replace("%A", id, StringComparison.Ordinal).Replace("%a", a.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), death.Log);
                states.Add(new SlurmTaskState(id, a, death.State, "None"));
            }
            else
            {
                var result = BatchTaskRunner.Run(runFolder, tasks[a], cancellationToken);
                states.Add(new SlurmTaskState(id, a, result.IsOk ? "COMPLETED" : "FAILED", result.IsOk ? "None" : "NonZeroExitCode"));
            }
        }

        _jobs[id] = states;
        return Task.FromResult(id);
    }

    public Task<IReadOnlyList<SlurmTaskState>> QueryAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        OnQuery?.Invoke();
        return Task.FromResult<IReadOnlyList<SlurmTaskState>>(jobIds.Where(_jobs.ContainsKey).SelectMany(j => _jobs[j]).ToArray());
    }

    public Task CancelAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        foreach (var j in jobIds)
        {
            CancelledJobs.Add(j);
            if (_jobs.TryGetValue(j, out var states))
            {
                _jobs[j] = states.Select(s => s.IsFinal ? s : s with { State = "CANCELLED", Reason = "None" }).ToList();
            }
        }

        return Task.CompletedTask;
    }

    [GeneratedRegex(@"^TASKS=\(([0-9 ]*)\)$", RegexOptions.Multiline)]
    private static partial Regex TasksLine();

    [GeneratedRegex(@" batch-task '([^']*)' --task ""\$TASK""$", RegexOptions.Multiline)]
    private static partial Regex RunFolderLine();

    [GeneratedRegex(@"^#SBATCH --output=(.*)$", RegexOptions.Multiline)]
    private static partial Regex LogLine();
}
