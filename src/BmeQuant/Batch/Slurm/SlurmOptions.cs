namespace BmeQuant.Batch.Slurm;

/// <summary>How <see cref="SlurmBatchRunner"/> submits a manifest to Slurm (see docs/cluster.md).</summary>
public sealed record SlurmOptions
{
    /// <summary>Creates options whose tasks start BmeQuant with <paramref name="taskCommand"/>.</summary>
    /// <param name="taskCommand">
    /// Shell text that starts the BmeQuant CLI on a compute node, inserted verbatim into the job script before
    /// <c>batch-task RUN_FOLDER --task N</c>: e.g. <c>bmequant</c> (the dotnet tool), <c>/shared/bmequant/bmequant</c>
    /// (a self-contained publish) or <c>dotnet /shared/bmequant/BmeQuant.Cli.dll</c>.
    /// </param>
    public SlurmOptions(string taskCommand)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskCommand);
        TaskCommand = taskCommand;
    }

    /// <summary>Shell text starting the BmeQuant CLI on a compute node (see the constructor).</summary>
    public string TaskCommand { get; init; }

    /// <summary>Partition (<c>sbatch --partition</c>), or null for the cluster's default.</summary>
    public string? Partition { get; init; }

    /// <summary>Account charged (<c>sbatch --account</c>), or null.</summary>
    public string? Account { get; init; }

    /// <summary>Further sbatch arguments, passed as given after partition and account (e.g. <c>--qos=short</c>, <c>--constraint=avx2</c>).</summary>
    public IReadOnlyList<string> SbatchArguments { get; init; } = [];

    /// <summary>Shell lines run in each task before BmeQuant starts (e.g. <c>module load dotnet/10.0</c>).</summary>
    public IReadOnlyList<string> TaskSetup { get; init; } = [];

    /// <summary>Largest number of tasks of one array running at once (<c>--array=0-N%M</c>), or null for no limit.</summary>
    public int? MaxRunningTasks { get; init; }

    /// <summary>Job name shown by squeue (default <c>bmequant</c>).</summary>
    public string JobName { get; init; } = "bmequant";

    /// <summary>Time between two <c>squeue</c> polls while the job runs (default 5 s).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Smallest memory request of a task, bytes (default 1 GiB): the .NET runtime and the libraries alone need a few hundred MiB.</summary>
    public long MemoryFloorBytes { get; init; } = 1L << 30;

    /// <summary>Smallest time limit of a task (default 10 minutes): start-up, queue-side delays and small studies.</summary>
    public TimeSpan TimeFloor { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long to wait, after cancelling (Ctrl-C), for cancelled tasks to leave the queue before giving up (default 60 s).</summary>
    public TimeSpan CancelWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MemoryFloorBytes, 1L << 20, nameof(MemoryFloorBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(TimeFloor, TimeSpan.FromMinutes(1), nameof(TimeFloor));
        if (MaxRunningTasks is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(MaxRunningTasks));
        }

        ArgumentNullException.ThrowIfNull(SbatchArguments);
        ArgumentNullException.ThrowIfNull(TaskSetup);
    }
}
