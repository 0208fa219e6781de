using System.Diagnostics;
using System.Globalization;
using System.Text;
using BmeQuant.Imaging;

namespace BmeQuant.Batch.Slurm;

/// <summary>A Slurm command failed (sbatch refused the job, squeue or scancel could not reach the controller, a tool is missing).</summary>
public sealed class SlurmException : BmeQuantException
{
    /// <summary>Creates the exception.</summary>
    public SlurmException()
    {
    }

    /// <summary>Creates the exception with a message naming the command, its exit code and its error output.</summary>
    public SlurmException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    public SlurmException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The state of one job-array task as <c>squeue</c> reports it.</summary>
/// <param name="JobId">The array's job id (e.g. <c>4711</c>).</param>
/// <param name="ArrayIndex">The task's array index, or null when squeue shows the job without one.</param>
/// <param name="State">Slurm state name: PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY, CANCELLED …</param>
/// <param name="Reason">squeue's reason field (e.g. <c>Resources</c>, <c>NonZeroExitCode</c>), or empty.</param>
public sealed record SlurmTaskState(string JobId, int? ArrayIndex, string State, string Reason)
{
    /// <summary>True for states after which the task does not run again (COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY, CANCELLED, NODE_FAIL, …).</summary>
    public bool IsFinal => State is "COMPLETED" or "FAILED" or "TIMEOUT" or "OUT_OF_MEMORY" or "CANCELLED" or "NODE_FAIL"
        or "BOOT_FAIL" or "DEADLINE" or "PREEMPTED" or "SPECIAL_EXIT" or "REVOKED";
}

/// <summary>The Slurm commands the batch engine needs; the seam that lets tests run without a cluster.</summary>
public interface ISlurmClient
{
    /// <summary>Submits <paramref name="scriptPath"/> with <c>sbatch</c> and returns the job id.</summary>
    /// <param name="scriptPath">The batch script (its <c>#SBATCH</c> lines carry the array, memory and time).</param>
    /// <param name="arguments">Extra sbatch arguments placed before the script (partition, account, user-given ones).</param>
    /// <param name="cancellationToken">Cancels the wait for sbatch.</param>
    /// <exception cref="SlurmException">sbatch failed or printed no job id.</exception>
    Task<string> SubmitAsync(string scriptPath, IReadOnlyList<string> arguments, CancellationToken cancellationToken);

    /// <summary>The tasks of <paramref name="jobIds"/> still known to the controller, one entry per array task (finished ones too, while the controller keeps them).</summary>
    /// <exception cref="SlurmException">squeue failed for another reason than unknown job ids.</exception>
    Task<IReadOnlyList<SlurmTaskState>> QueryAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken);

    /// <summary>Cancels every task of <paramref name="jobIds"/> (<c>scancel</c>).</summary>
    /// <exception cref="SlurmException">scancel failed.</exception>
    Task CancelAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="ISlurmClient"/> over the Slurm command-line tools (<c>sbatch</c>, <c>squeue</c>, <c>scancel</c>), taken from
/// a given folder or from PATH. The environment is inherited, so <c>SLURM_CONF</c> chooses the cluster as for any Slurm command.
/// </summary>
public sealed class SlurmCommandClient : ISlurmClient
{
    private readonly string? _binFolder;

    /// <summary>Creates the client.</summary>
    /// <param name="binFolder">Folder holding sbatch, squeue and scancel, or null to find them on PATH.</param>
    public SlurmCommandClient(string? binFolder = null)
    {
        _binFolder = string.IsNullOrWhiteSpace(binFolder) ? null : binFolder;
    }

    /// <inheritdoc/>
    public async Task<string> SubmitAsync(string scriptPath, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(scriptPath);
        ArgumentNullException.ThrowIfNull(arguments);
        var (code, stdout, stderr) = await RunAsync("sbatch", ["--parsable", .. arguments, scriptPath], cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            throw new SlurmException($"sbatch {scriptPath}: exit code {code.ToString(CultureInfo.InvariantCulture)}: {stderr.Trim()}");
        }

        return ParseJobId(stdout) ?? throw new SlurmException($"sbatch {scriptPath}: expected a job id on standard output (--parsable); found '{stdout.Trim()}'.");
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SlurmTaskState>> QueryAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        if (jobIds.Count == 0)
        {
            return [];
        }

        var (code, stdout, stderr) = await RunAsync("squeue", ["--noheader", "--array", "--states=all", "--jobs=" + string.Join(',', jobIds), "--format=%i|%T|%r"], cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            // A job the controller has already forgotten: nothing left to report.
            if (stderr.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
            {
                return [];
            }

            throw new SlurmException($"squeue --jobs={string.Join(',', jobIds)}: exit code {code.ToString(CultureInfo.InvariantCulture)}: {stderr.Trim()}");
        }

        return ParseQueue(stdout);
    }

    /// <inheritdoc/>
    public async Task CancelAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        if (jobIds.Count == 0)
        {
            return;
        }

        var (code, _, stderr) = await RunAsync("scancel", [.. jobIds], cancellationToken).ConfigureAwait(false);
        if (code != 0 && !stderr.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
        {
            throw new SlurmException($"scancel {string.Join(' ', jobIds)}: exit code {code.ToString(CultureInfo.InvariantCulture)}: {stderr.Trim()}");
        }
    }

    /// <summary>The job id of <c>sbatch --parsable</c> output (<c>id</c> or <c>id;cluster</c>), or null.</summary>
    internal static string? ParseJobId(string stdout)
    {
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (line is null)
        {
            return null;
        }

        var id = line.Split(';')[0].Trim();
        return id.Length > 0 && id.All(char.IsAsciiDigit) ? id : null;
    }

    /// <summary>Parses <c>squeue --format=%i|%T|%r</c> lines (<c>4711_3|RUNNING|None</c>); unparsable lines are skipped.</summary>
    internal static IReadOnlyList<SlurmTaskState> ParseQueue(string stdout)
    {
        var states = new List<SlurmTaskState>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('|');
            if (parts.Length < 2)
            {
                continue;
            }

            var id = parts[0];
            var underscore = id.IndexOf('_', StringComparison.Ordinal);
            int? index = null;
            var job = id;
            if (underscore > 0)
            {
                job = id[..underscore];
                if (int.TryParse(id.AsSpan(underscore + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var i))
                {
                    index = i;
                }
            }

            if (job.Length == 0 || !job.All(char.IsAsciiDigit))
            {
                continue;
            }

            // squeue shows a state with a suffix for some (e.g. "CANCELLED by 0"): keep the first word.
            var state = parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? string.Empty;
            states.Add(new SlurmTaskState(job, index, state, parts.Length > 2 ? parts[2] : string.Empty));
        }

        return states;
    }

    private async Task<(int Code, string StdOut, string StdErr)> RunAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var path = _binFolder is null ? tool : Path.Combine(_binFolder, tool);
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new SlurmException($"{path}: the process did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new SlurmException($"{path}: cannot run it ({ex.Message}); install slurm-wlm or give the folder of the Slurm tools (--slurm-bin).", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                throw;
            }

            return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
    }
}
