using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using BmeQuant.Batch;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

/// <summary>
/// <c>bmequant batch --engine slurm</c> against a real single-node Slurm cluster (slurmctld + slurmd + munge) started by
/// scripts/slurm/local-cluster.sh with all its state in a temporary folder; skipped only when the packages are not
/// installed or the daemons cannot start here (e.g. not root). Also the CLI wiring without a cluster.
/// </summary>
public sealed class BatchSlurmTests
{
    /// <summary>Six studies: four visits of P1, one of P2, and P3 whose STIR is truncated (manifest line 7).</summary>
    private static (string Root, string Manifest) SixStudies(string name)
    {
        var root = TestPaths.NewOutputFolder(name);
        var visits = BatchCommandTests.Visits;
        var broken = Path.Combine(root, "broken");
        Directory.CreateDirectory(broken);
        foreach (var file in new[] { "t1.nii", "stir.nii", "bones.nii" })
        {
            File.Copy(Path.Combine(visits, "visit2", file), Path.Combine(broken, file));
        }

        var stir = File.ReadAllBytes(Path.Combine(broken, "stir.nii"));
        File.WriteAllBytes(Path.Combine(broken, "stir.nii"), stir.AsSpan(0, stir.Length * 6 / 10).ToArray());
        var rows = new List<string> { "patient,timepoint,date,anatomy,t1,stir,bone_mask" };
        string Row(string p, string t, string folder) => $"{p},{t},2026-01-05,knee,{folder}/t1.nii,{folder}/stir.nii,{folder}/bones.nii";
        for (var v = 1; v <= 4; v++)
        {
            rows.Add(Row("P1", "T" + (v - 1).ToString(CultureInfo.InvariantCulture), Path.Combine(visits, "visit" + v.ToString(CultureInfo.InvariantCulture))));
        }

        rows.Add(Row("P2", "T0", Path.Combine(visits, "visit3")));
        rows.Add(Row("P3", "T0", broken));
        var manifest = Path.Combine(root, "manifest.csv");
        File.WriteAllText(manifest, string.Join("\n", rows) + "\n");
        return (root, manifest);
    }

    [Fact]
    public void Batch_EngineSlurmWithoutSlurmTools_EveryStudyReportsWhySubmissionFailed()
    {
        var (root, manifest) = SixStudies("cli-slurm-no-tools");
        var missing = Path.Combine(root, "no-slurm-bin");
        var (code, stdout, stderr) = CliHost.Run("batch", manifest, "--out", Path.Combine(root, "out"), "--engine", "slurm", "--slurm-bin", missing, "--partition", "p1");
        // The truncated STIR passes planning (its header is intact), so all six were to be submitted: none ran.
        Assert.True(code == 8, stdout + stderr);
        Assert.Contains("Failed (6); rerun with --retry-failed", stdout, StringComparison.Ordinal);
        Assert.Equal(6, stdout.Split('\n').Count(l => l.StartsWith("  line ", StringComparison.Ordinal) && l.Contains("not submitted", StringComparison.Ordinal) && l.Contains(missing, StringComparison.Ordinal)));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "out", BatchSummary.JsonFileName)));
        Assert.Equal("slurm", summary.RootElement.GetProperty("engine").GetString());
    }

    [Fact]
    public void BatchTask_MissingRunFolder_ExitTwoNamingRunJson()
    {
        var root = TestPaths.NewOutputFolder("cli-batch-task-missing");
        var (code, _, stderr) = CliHost.Run("batch-task", Path.Combine(root, "absent-run"), "--task", "0");
        Assert.Equal(2, code);
        Assert.Contains("run.json", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Batch_EngineSlurmOnLocalCluster_GoodResultsEqualLocalRunAndBrokenReported()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "BmeQuant.Cli.dll");
        if (!File.Exists(Path.Combine(AppContext.BaseDirectory, "BmeQuant.Cli.runtimeconfig.json")))
        {
            Assert.Skip("BmeQuant.Cli.runtimeconfig.json not beside the tests: the CLI cannot be started as a child process.");
        }

        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("The local Slurm cluster needs Linux.");
        }

        var script = Path.Combine(TestPaths.RepoRoot, "scripts", "slurm", "local-cluster.sh");
        // A short path: the munge socket path must fit in a Unix socket address (108 bytes).
        var slurmDir = Path.Combine(Path.GetTempPath(), "bq-slurm-" + Guid.NewGuid().ToString("N")[..8]);
        var env = new Dictionary<string, string>
        {
            ["SLURM_DIR"] = slurmDir,
            ["SLURM_CONF"] = Path.Combine(slurmDir, "slurm.conf"),
            ["SLURMCTLD_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["SLURMD_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
        };
        var setup = Run("bash", [script, "setup"], env, TimeSpan.FromSeconds(30));
        if (setup.Code is 3 or 4)
        {
            Assert.Skip("Slurm cannot run here: " + setup.Output.Trim());
        }

        Assert.True(setup.Code == 0, "local-cluster.sh setup: " + setup.Output);
        try
        {
            var start = Run("bash", [script, "start"], env, TimeSpan.FromSeconds(30));
            var ready = start.Code == 0 ? Run("bash", [script, "wait"], env, TimeSpan.FromSeconds(45)) : start;
            if (ready.Code != 0)
            {
                Assert.Skip($"The local Slurm cluster did not start (exit {ready.Code}): {ready.Output.Trim()} {Logs(slurmDir)}");
            }

            var (root, manifest) = SixStudies("cli-slurm-cluster");
            var local = CliHost.Run("batch", manifest, "--out", Path.Combine(root, "local"), "--jobs", "2", "--plain");
            Assert.True(local.ExitCode == 4, local.StdOut + local.StdErr);

            var outDir = Path.Combine(root, "slurm");
            var slurm = Run("dotnet", [dll, "batch", manifest, "--out", outDir, "--engine", "slurm", "--poll-seconds", "0.5", "--plain"], env, TimeSpan.FromSeconds(150));
            Assert.True(slurm.Code == 4, $"exit {slurm.Code}: {slurm.Output} {Logs(slurmDir)}");
            Assert.Contains("Failed (1); rerun with --retry-failed", slurm.Output, StringComparison.Ordinal);
            Assert.Contains("line 7 (P3 / T0) CorruptInput", slurm.Output, StringComparison.Ordinal);

            var l = Studies(Path.Combine(root, "local"));
            var s = Studies(outDir);
            Assert.Equal(6, s.Count);
            Assert.Equal(l.Select(x => (x.Line, x.Outcome)), s.Select(x => (x.Line, x.Outcome)));
            Assert.Equal(5, s.Count(x => x.Outcome == "succeeded"));
            for (var i = 0; i < 6; i++)
            {
                Assert.Equal(l[i].Key, s[i].Key);
                Assert.Equal(l[i].Total, s[i].Total);
                if (s[i].Folder is { } folder)
                {
                    Assert.Equal(Findings(Path.Combine(root, "local", folder)), Findings(Path.Combine(outDir, folder)));
                }
            }

            // Every task ran this test's CLI on the cluster: its log and result are in the run folder.
            var run = Assert.Single(Directory.GetDirectories(Path.Combine(outDir, ".slurm")));
            Assert.Equal(6, Directory.GetFiles(Path.Combine(run, "results"), "task-*.json").Length);
            Assert.Equal(6, Directory.GetFiles(Path.Combine(run, "logs"), "*.log").Length);
            Assert.Contains(dll, File.ReadAllText(Directory.GetFiles(run, "job-*.sh").Single()), StringComparison.Ordinal);

            // The registry holds what a local run's holds: compare finds P1's four visits.
            var compare = CliHost.Run("compare", "--patient", "P1", "--out-of-batch", outDir, "--out", Path.Combine(root, "report"));
            Assert.True(compare.ExitCode == 0, compare.StdOut + compare.StdErr);

            // A rerun submits nothing; --retry-failed resubmits only the broken study.
            var again = Run("dotnet", [dll, "batch", manifest, "--out", outDir, "--engine", "slurm", "--poll-seconds", "0.5", "--plain", "--retry-failed"], env, TimeSpan.FromSeconds(90));
            Assert.True(again.Code == 4, again.Output);
            var runs = Directory.GetDirectories(Path.Combine(outDir, ".slurm"));
            Assert.Equal(2, runs.Length);
            var retryRun = runs.Single(r => r != run);
            Assert.Single(Directory.GetFiles(Path.Combine(retryRun, "results"), "task-*.json"));
            Assert.Equal(5, Studies(outDir).Count(x => x.Outcome == "alreadyDone"));
        }
        finally
        {
            Run("bash", ["-c", "scancel --user=root >/dev/null 2>&1; for i in $(seq 1 50); do [ -z \"$(squeue -h 2>/dev/null)\" ] && break; sleep 0.2; done"], env, TimeSpan.FromSeconds(20));
            Run("bash", [script, "stop"], env, TimeSpan.FromSeconds(60));
            try
            {
                Directory.Delete(slurmDir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static List<(int Line, string Outcome, string? Key, double? Total, string? Folder)> Studies(string outDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, BatchSummary.JsonFileName)));
        return doc.RootElement.GetProperty("studies").EnumerateArray().Select(e => (
            e.GetProperty("line").GetInt32(),
            e.GetProperty("outcome").GetString()!,
            e.GetProperty("inputKey").GetString(),
            e.GetProperty("totalEdemaVolumeMm3").ValueKind == JsonValueKind.Number ? e.GetProperty("totalEdemaVolumeMm3").GetDouble() : (double?)null,
            e.GetProperty("outputFolder").GetString())).ToList();
    }

    /// <summary>The findings numbers (total and per bone), without provenance and timing fields.</summary>
    private static string Findings(string folder)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "findings.json")));
        var root = doc.RootElement;
        return root.GetProperty("total").GetRawText() + "\n" + (root.TryGetProperty("bones", out var bones) ? bones.GetRawText() : string.Empty);
    }

    private static string Logs(string slurmDir)
    {
        var sb = new StringBuilder();
        var logs = Path.Combine(slurmDir, "log");
        if (Directory.Exists(logs))
        {
            foreach (var f in Directory.GetFiles(logs))
            {
                var lines = File.ReadAllLines(f);
                sb.Append('\n').Append(Path.GetFileName(f)).Append(": ").Append(string.Join("\n", lines.TakeLast(8)));
            }
        }

        return sb.ToString();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a process with extra environment variables; kills it (whole tree) at the timeout.</summary>
    private static (int Code, string Output) Run(string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> env, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var gate = new Lock();
        process.OutputDataReceived += (_, e) => { lock (gate) { output.Append(e.Data).Append('\n'); } };
        process.ErrorDataReceived += (_, e) => { lock (gate) { output.Append(e.Data).Append('\n'); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (gate)
            {
                return (-1, $"timed out after {timeout.TotalSeconds} s: {output}");
            }
        }

        process.WaitForExit();
        lock (gate)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
