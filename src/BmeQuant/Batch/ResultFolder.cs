using System.Text.Json;
using System.Text.Json.Serialization;
using BmeQuant.Imaging;

namespace BmeQuant.Batch;

/// <summary>
/// The <c>batch.json</c> written into every result folder: what was analysed (manifest values, input names, key)
/// and how. Its presence inside a result folder means the folder is complete (folders appear by rename only).
/// </summary>
/// <param name="SchemaVersion">Marker format version.</param>
/// <param name="InputKey">Content key of inputs and parameters.</param>
/// <param name="Patient">Patient pseudonym (manifest).</param>
/// <param name="Timepoint">Timepoint label (manifest).</param>
/// <param name="Date">Date (manifest) or null.</param>
/// <param name="ManifestLine">Manifest line.</param>
/// <param name="Inputs">Input file names (column and path inside the input), in hashing order.</param>
/// <param name="Parameters">Analysis parameters (JSON).</param>
/// <param name="SoftwareVersion">BmeQuant version.</param>
/// <param name="AnalysedUtc">When the analysis finished.</param>
/// <param name="TotalEdemaVolumeMm3">Total edema volume.</param>
/// <param name="PercentOfBone">Edema as a percentage of all bone.</param>
/// <param name="BoneCount">Bones or regions analysed.</param>
/// <param name="AnalysisSeconds">Time spent reading and analysing.</param>
public sealed record BatchResultMarker(
    int SchemaVersion,
    string InputKey,
    string Patient,
    string Timepoint,
    DateOnly? Date,
    int ManifestLine,
    IReadOnlyList<string> Inputs,
    string Parameters,
    string SoftwareVersion,
    DateTime AnalysedUtc,
    double TotalEdemaVolumeMm3,
    double PercentOfBone,
    int BoneCount,
    double AnalysisSeconds)
{
    /// <summary>File name inside a result folder.</summary>
    public const string FileName = "batch.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Reads the marker of <paramref name="resultFolder"/>, or null when absent or unreadable.</summary>
    public static BatchResultMarker? TryRead(string resultFolder)
    {
        ArgumentNullException.ThrowIfNull(resultFolder);
        var path = Path.Combine(resultFolder, FileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<BatchResultMarker>(File.ReadAllText(path), Json) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }
}

/// <summary>Result folders that appear only complete: written under a hidden temporary name beside the target, then renamed.</summary>
internal static class ResultFolder
{
    internal const string PartialPrefix = ".partial-";
    internal const string ReplacedPrefix = ".replaced-";

    /// <summary>Fills a temporary folder through <paramref name="fill"/> and renames it to <paramref name="target"/> (replacing an older result).</summary>
    public static void WriteAtomically(string target, Action<string> fill, CancellationToken cancellationToken)
    {
        var parent = Path.GetDirectoryName(target)!;
        var name = Path.GetFileName(target);
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, PartialPrefix + name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(temp);
        try
        {
            fill(temp);
            cancellationToken.ThrowIfCancellationRequested();
            if (Directory.Exists(target))
            {
                var old = Path.Combine(parent, ReplacedPrefix + name + "-" + Guid.NewGuid().ToString("N")[..8]);
                Directory.Move(target, old);
                Directory.Move(temp, target);
                TryDelete(old);
            }
            else
            {
                Directory.Move(temp, target);
            }
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Removes what an interrupted run left: temporary folders are deleted; a replaced result whose replacement never
    /// arrived is put back, else deleted. Returns the number of folders handled.
    /// </summary>
    public static int CleanUp(string outputFolder)
    {
        if (!Directory.Exists(outputFolder))
        {
            return 0;
        }

        var count = 0;
        foreach (var patient in Directory.EnumerateDirectories(outputFolder))
        {
            if (new DirectoryInfo(patient).LinkTarget is not null)
            {
                continue;
            }

            foreach (var dir in Directory.EnumerateDirectories(patient).ToArray())
            {
                var name = Path.GetFileName(dir);
                if (name.StartsWith(PartialPrefix, StringComparison.Ordinal))
                {
                    TryDelete(dir);
                    count++;
                }
                else if (name.StartsWith(ReplacedPrefix, StringComparison.Ordinal))
                {
                    var original = name[ReplacedPrefix.Length..];
                    var dash = original.LastIndexOf('-');
                    var target = Path.Combine(patient, dash > 0 ? original[..dash] : original);
                    if (!Directory.Exists(target))
                    {
                        Directory.Move(dir, target);
                    }
                    else
                    {
                        TryDelete(dir);
                    }

                    count++;
                }
            }
        }

        return count;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
