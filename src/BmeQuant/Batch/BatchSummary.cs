using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BmeQuant.Imaging;

namespace BmeQuant.Batch;

/// <summary>The outcome of a batch run: one entry per manifest row plus totals. Written as summary.json and summary.csv.</summary>
public sealed record BatchSummary
{
    /// <summary>File name of the JSON summary in the output folder.</summary>
    public const string JsonFileName = "summary.json";

    /// <summary>File name of the CSV summary in the output folder.</summary>
    public const string CsvFileName = "summary.csv";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The manifest run.</summary>
    public required string Manifest { get; init; }

    /// <summary>The output folder.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>Where the studies ran: <c>local</c> (this process) or <c>slurm</c> (one job-array task per study).</summary>
    public string Engine { get; init; } = "local";

    /// <summary>Slurm job ids submitted by this run (empty for the local engine or when nothing was submitted).</summary>
    public IReadOnlyList<string> SlurmJobIds { get; init; } = [];

    /// <summary>Studies run at the same time.</summary>
    public required int Jobs { get; init; }

    /// <summary>Memory budget in bytes.</summary>
    public required long MemoryBudgetBytes { get; init; }

    /// <summary>When the run started (UTC).</summary>
    public required DateTime StartedUtc { get; init; }

    /// <summary>When the run ended, or the time of this snapshot while it runs (UTC).</summary>
    public required DateTime FinishedUtc { get; init; }

    /// <summary>Wall time in seconds.</summary>
    public double WallSeconds => (FinishedUtc - StartedUtc).TotalSeconds;

    /// <summary>False while the batch runs (a snapshot), true once it ended.</summary>
    public required bool Complete { get; init; }

    /// <summary>True when the run was cancelled (Ctrl-C).</summary>
    public required bool Cancelled { get; init; }

    /// <summary>Peak working set of the process in bytes at the time of writing.</summary>
    public required long PeakWorkingSetBytes { get; init; }

    /// <summary>Largest sum of memory estimates in flight at once.</summary>
    public required long PeakReservedBytes { get; init; }

    /// <summary>Interrupted-run leftovers removed or restored at start.</summary>
    public required int LeftoversCleaned { get; init; }

    /// <summary>One entry per manifest row, in manifest order (rows not yet finished are absent from snapshots).</summary>
    public required IReadOnlyList<BatchStudyResult> Studies { get; init; }

    /// <summary>Number of studies per outcome.</summary>
    public IReadOnlyDictionary<string, int> Counts =>
        Studies.GroupBy(s => s.Outcome).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(), g => g.Count());

    /// <summary>Studies analysed now per minute of wall time.</summary>
    public double StudiesPerMinute => WallSeconds > 0 ? Studies.Count(s => s.Outcome == BatchOutcome.Succeeded) / (WallSeconds / 60) : 0;

    /// <summary>The JSON document.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The CSV document (header row, one row per study, RFC 4180 quoting).</summary>
    public string ToCsv()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("line,patient,timepoint,date,outcome,error_type,error,input_key,output_folder,hash_s,analysis_s,write_s,total_s,estimated_memory_mb,total_edema_mm3\n");
        foreach (var s in Studies)
        {
            string[] fields =
            [
                s.Line.ToString(c), s.Patient, s.Timepoint, s.Date?.ToString("yyyy-MM-dd", c) ?? string.Empty, s.Outcome.ToString(),
                s.ErrorType ?? string.Empty, s.Error ?? string.Empty, s.InputKey ?? string.Empty, s.OutputFolder ?? string.Empty,
                s.HashSeconds.ToString("F3", c), s.AnalysisSeconds.ToString("F3", c), s.WriteSeconds.ToString("F3", c), s.TotalSeconds.ToString("F3", c),
                (s.EstimatedMemoryBytes / (1024.0 * 1024)).ToString("F1", c), s.TotalEdemaVolumeMm3?.ToString("R", c) ?? string.Empty,
            ];
            sb.Append(string.Join(',', fields.Select(Quote))).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Writes summary.json and summary.csv into the output folder, each atomically.</summary>
    public void Write()
    {
        AtomicFile.WriteAllText(Path.Combine(OutputFolder, JsonFileName), ToJson());
        AtomicFile.WriteAllText(Path.Combine(OutputFolder, CsvFileName), ToCsv());
    }

    private static string Quote(string field)
    {
        var clean = new string(field.Select(ch => char.IsControl(ch) && ch != '\n' ? ' ' : ch).ToArray());
        return clean.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + clean.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : clean;
    }
}
