using System.Globalization;
using System.Text.Json;

namespace BmeQuant.Batch.Slurm;

/// <summary>
/// The <c>run.json</c> of a Slurm batch run (in <c>OUT/.slurm/{run}/</c>): everything a task needs to analyse its
/// manifest row exactly as the local engine would. Written by the submitting host, read by every task.
/// </summary>
/// <param name="SchemaVersion">Format version (1).</param>
/// <param name="Manifest">Full path of the manifest (on the shared filesystem).</param>
/// <param name="OutputFolder">Batch output folder.</param>
/// <param name="Parameters">Analysis options as JSON, exactly as hashed into the keys.</param>
/// <param name="RequireDeidentified">The --require-deidentified flag.</param>
/// <param name="StudyTimeoutSeconds">Per-study timeout inside a task.</param>
/// <param name="Limits">Input caps.</param>
/// <param name="Tasks">One entry per submitted study.</param>
internal sealed record SlurmRunPlan(
    int SchemaVersion,
    string Manifest,
    string OutputFolder,
    string Parameters,
    bool RequireDeidentified,
    double StudyTimeoutSeconds,
    BatchLimits Limits,
    IReadOnlyList<SlurmPlannedTask> Tasks)
{
    /// <summary>File name inside the run folder.</summary>
    public const string FileName = "run.json";

    /// <summary>Sub-folder of the output folder holding run folders.</summary>
    public const string RunsFolder = ".slurm";

    /// <summary>Reads the plan of <paramref name="runFolder"/>.</summary>
    /// <exception cref="SlurmException">The file is missing or not a run plan.</exception>
    public static SlurmRunPlan Read(string runFolder)
    {
        var path = Path.Combine(runFolder, FileName);
        try
        {
            return JsonSerializer.Deserialize<SlurmRunPlan>(File.ReadAllText(path), BatchResultMarker.Json)
                ?? throw new SlurmException($"{path}: empty run plan.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            throw new SlurmException($"{path}: cannot read the run plan ({ex.Message}).", ex);
        }
    }

    /// <summary>Where task <paramref name="index"/> writes its result.</summary>
    public static string ResultPath(string runFolder, int index) =>
        Path.Combine(runFolder, "results", "task-" + index.ToString(CultureInfo.InvariantCulture) + ".json");
}

/// <summary>One study submitted as one array task.</summary>
/// <param name="Index">Task number within the run (0-based; the array index maps to it through the job script).</param>
/// <param name="Line">Manifest line.</param>
/// <param name="Patient">Patient (manifest), to check the row did not change.</param>
/// <param name="Timepoint">Timepoint (manifest), to check the row did not change.</param>
/// <param name="InputKey">Key computed at submission.</param>
/// <param name="EstimatedMemoryBytes">The planner's memory estimate.</param>
/// <param name="MemoryRequestMiB">Memory requested for the task's array (<c>--mem</c>).</param>
/// <param name="TimeLimitMinutes">Time limit of the task's array (<c>--time</c>).</param>
internal sealed record SlurmPlannedTask(
    int Index,
    int Line,
    string Patient,
    string Timepoint,
    string InputKey,
    long EstimatedMemoryBytes,
    long MemoryRequestMiB,
    int TimeLimitMinutes);
