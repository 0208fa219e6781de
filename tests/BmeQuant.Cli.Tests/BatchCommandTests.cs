using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BmeQuant.Batch;
using BmeQuant.Imaging.IO;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

public sealed class BatchCommandTests
{
    private static readonly Lazy<string> s_visits = new(WriteVisits, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>visit1..visit4 folders with t1.nii, stir.nii, bones.nii of a small (64×64) knee phantom.</summary>
    internal static string Visits => s_visits.Value;

    internal static string Manifest(string root, int patients, params string[] extraRows)
    {
        var rows = new List<string> { BatchPhantomData.NiftiHeader };
        for (var p = 1; p <= patients; p++)
        {
            for (var v = 1; v <= 4; v++)
            {
                var folder = Path.Combine(Visits, "visit" + v.ToString(CultureInfo.InvariantCulture));
                rows.Add(BatchPhantomData.NiftiRow("P" + p.ToString(CultureInfo.InvariantCulture), "T" + (v - 1).ToString(CultureInfo.InvariantCulture), BatchPhantomData.VisitDates[v - 1], folder));
            }
        }

        rows.AddRange(extraRows);
        var path = Path.Combine(root, "manifest.csv");
        File.WriteAllText(path, string.Join("\n", rows) + "\n");
        return path;
    }

    [Fact]
    public void Batch_GoodStudiesAndOneMissing_PartialExitCodeAndPlainProgressLines()
    {
        var root = TestPaths.NewOutputFolder("cli-batch");
        var manifest = Manifest(root, 1, "P9,T0,,knee,absent-t1.nii,absent-stir.nii,absent-bones.nii");
        var (code, stdout, stderr) = CliHost.Run("batch", manifest, "--out", Path.Combine(root, "out"), "--jobs", "2");
        Assert.True(code == 8, stdout + stderr);
        Assert.Equal(4, stdout.Split('\n').Count(l => l.Contains(" start line ", StringComparison.Ordinal)));
        Assert.Equal(4, stdout.Split('\n').Count(l => l.Contains("] Succeeded line", StringComparison.Ordinal)));
        Assert.Contains("] NoInput line 6 (P9 / T0)", stdout, StringComparison.Ordinal);
        Assert.Contains("4 Succeeded", stdout, StringComparison.Ordinal);

        var again = CliHost.Run("batch", manifest, "--out", Path.Combine(root, "out"));
        Assert.Equal(4, again.StdOut.Split('\n').Count(l => l.Contains("] AlreadyDone line", StringComparison.Ordinal)));
    }

    [Fact]
    public void Batch_AllGood_ExitZero_MissingManifestTwo_BadManifestOne()
    {
        var root = TestPaths.NewOutputFolder("cli-batch-codes");
        var manifest = Manifest(root, 1);
        Assert.Equal(0, CliHost.Run("batch", manifest, "--out", Path.Combine(root, "out"), "--jobs", "2").ExitCode);
        Assert.Equal(2, CliHost.Run("batch", Path.Combine(root, "absent.csv"), "--out", Path.Combine(root, "out")).ExitCode);
        var bad = Path.Combine(root, "bad.csv");
        File.WriteAllText(bad, "patient,timepoint,scan\nP,T,x\n");
        var (code, _, stderr) = CliHost.Run("batch", bad, "--out", Path.Combine(root, "out"));
        Assert.Equal(1, code);
        Assert.Contains("line 1", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_PatientFromRegistry_FindsVisitsInDateOrder()
    {
        var root = TestPaths.NewOutputFolder("cli-compare-registry");
        // Rows deliberately not in date order: the registry orders them.
        var manifest = Manifest(root, 1);
        var lines = File.ReadAllLines(manifest);
        File.WriteAllLines(manifest, [lines[0], lines[3], lines[1], lines[4], lines[2]]);
        var outDir = Path.Combine(root, "out");
        Assert.Equal(0, CliHost.Run("batch", manifest, "--out", outDir, "--jobs", "2").ExitCode);
        var report = Path.Combine(root, "report");
        var (code, stdout, stderr) = CliHost.Run("compare", "--patient", "P1", "--out-of-batch", outDir, "--out", report);
        Assert.True(code == 0, stdout + stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "report.json")));
        var text = doc.RootElement.ToString();
        var positions = new[] { "T0", "T1", "T2", "T3" }.Select(t => text.IndexOf("\"" + t + "\"", StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order().ToArray(), positions);
        Assert.Equal(0, CliHost.Run("compare", "--patient", "P1", "--registry", Path.Combine(outDir, "registry.sqlite"), "--out", Path.Combine(root, "report2")).ExitCode);
        Assert.Equal(2, CliHost.Run("compare", "--patient", "NOBODY", "--out-of-batch", outDir, "--out", Path.Combine(root, "report3")).ExitCode);
        Assert.Equal(1, CliHost.Run("compare", "--out-of-batch", outDir, "--out", Path.Combine(root, "report4")).ExitCode);
    }

    /// <summary>Result folders visible now (hidden <c>.partial-</c>/<c>.replaced-</c> folders not counted).</summary>
    internal static int CountResults(string outDir) =>
        Directory.Exists(outDir)
            ? Directory.GetDirectories(outDir).Sum(p => Directory.GetDirectories(p).Count(d => !Path.GetFileName(d).StartsWith('.')))
            : 0;

    /// <summary>Every result folder with its analysis time; asserts each is complete (no partial folder is ever visible) and its masks are <paramref name="columns"/> wide.</summary>
    internal static Dictionary<string, DateTime> CompleteResults(string outDir, int columns = 64)
    {
        var results = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        if (!Directory.Exists(outDir))
        {
            return results;
        }

        foreach (var patient in Directory.GetDirectories(outDir))
        {
            foreach (var folder in Directory.GetDirectories(patient).Where(d => !Path.GetFileName(d).StartsWith('.')))
            {
                foreach (var name in new[] { "findings.json", "edema.nii.gz", "bones.nii.gz", "depth-zones.nii.gz", "reference.nii.gz" })
                {
                    Assert.True(File.Exists(Path.Combine(folder, name)), $"{folder}: {name} missing");
                }

                using var findings = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "findings.json")));
                Assert.Equal(columns, NiftiReader.ReadHeader(Path.Combine(folder, "edema.nii.gz")).Dimensions[0]);
                var marker = BatchResultMarker.TryRead(folder);
                Assert.NotNull(marker);
                results[Path.GetRelativePath(outDir, folder)] = marker.AnalysedUtc;
            }
        }

        return results;
    }

    /// <summary>Starts <c>dotnet BmeQuant.Cli.dll batch MANIFEST --out OUT --jobs 2 --plain [extra…]</c> as a child process (output drained).</summary>
    internal static Process Start(string dll, string manifest, string outDir, params string[] extra)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "batch", manifest, "--out", outDir, "--jobs", "2", "--plain" }.Concat(extra))
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string WriteVisits()
    {
        var root = TestPaths.NewOutputFolder("cli-batch-visits");
        BatchPhantomData.WriteNiftiVisits(BatchPhantomData.SmallKnee(visits: 4), root);
        return root;
    }
}
