using System.Text.Json;
using BmeQuant.Batch;
using BmeQuant.Batch.Slurm;
using BmeQuant.Registry;
using BmeQuant.Testing;

namespace BmeQuant.Tests.Batch.Slurm;

public sealed class SlurmBatchRunnerTests
{
    private const string Header = "patient,timepoint,date,anatomy,t1,stir,bone_mask";

    private static string Row(string patient, string timepoint, string visitFolder) =>
        $"{patient},{timepoint},2026-01-05,knee,{visitFolder}/t1.nii,{visitFolder}/stir.nii,{visitFolder}/bones.nii";

    /// <summary>The first <paramref name="good"/> of four visits (lines 2…) and, when asked, a truncated copy (P3, the last line); relative paths.</summary>
    private static (string Root, BatchManifest Manifest) Dataset(string name, int good = 4, bool broken = true)
    {
        var root = TestPaths.NewOutputFolder(name);
        for (var v = 1; v <= 4; v++)
        {
            BatchPhantomData.CopyTree(Path.Combine(BatchTestData.NiftiVisits, "visit" + v), Path.Combine(root, "in", "visit" + v));
        }

        BatchPhantomData.CopyTree(Path.Combine(root, "in", "visit2"), Path.Combine(root, "in", "broken"));
        BatchPhantomData.Truncate(Path.Combine(root, "in", "broken", "stir.nii"), 0.6);
        string[] rows =
        [
            Row("P1", "T0", "in/visit1"),
            Row("P1", "T1", "in/visit2"),
            Row("P2", "T0", "in/visit3"),
            Row("P2", "T1", "in/visit4"),
        ];
        var path = BatchTestData.Manifest(root, Header, broken ? [.. rows.Take(good), Row("P3", "T0", "in/broken")] : rows.Take(good));
        return (root, BatchManifest.Read(path));
    }

    private static BatchOptions Options(string root, string output) => new(Path.Combine(root, output)) { StudyTimeout = TimeSpan.FromMinutes(5) };

    private static SlurmOptions Slurm() => new("dotnet '/opt/bmequant/BmeQuant.Cli.dll'") { PollInterval = TimeSpan.FromMilliseconds(10), Partition = "short", Account = "lab7", SbatchArguments = ["--qos=test"] };

    [Fact]
    public async Task RunAsync_FakeClusterGoodAndBrokenStudies_SameResultsAsLocalRunAndBrokenOneReported()
    {
        var (root, manifest) = Dataset("slurm-fake-vs-local");
        var ct = TestContext.Current.CancellationToken;
        var local = await BatchRunner.RunAsync(manifest, Options(root, "local"), stopStarting: ct, abort: ct);
        var fake = new FakeSlurmClient();
        var slurm = await SlurmBatchRunner.RunAsync(manifest, Options(root, "slurm"), Slurm(), fake, cancellationToken: ct);

        Assert.Equal("slurm", slurm.Engine);
        Assert.Equal(["100"], slurm.SlurmJobIds);
        Assert.Single(fake.Submitted);
        Assert.Equal(["--partition=short", "--account=lab7", "--qos=test"], fake.Submitted[0].Arguments);
        Assert.Equal([0, 1, 2, 3, 4], fake.Submitted[0].Tasks);
        Assert.Equal(local.Studies.Select(s => (s.Line, s.Outcome)), slurm.Studies.Select(s => (s.Line, s.Outcome)));
        Assert.Equal(4, slurm.Studies.Count(s => s.Outcome == BatchOutcome.Succeeded));
        for (var i = 0; i < 5; i++)
        {
            var (l, s) = (local.Studies[i], slurm.Studies[i]);
            Assert.Equal(l.InputKey, s.InputKey);
            Assert.Equal(l.TotalEdemaVolumeMm3, s.TotalEdemaVolumeMm3);
            Assert.Equal(l.OutputFolder, s.OutputFolder);
            Assert.Equal(l.ErrorType, s.ErrorType);
        }

        // The analysed visits differ, and the findings files agree number for number with the local run's.
        Assert.Equal(4, slurm.Studies.Where(s => s.IsOk).Select(s => s.TotalEdemaVolumeMm3).Distinct().Count());
        foreach (var s in slurm.Studies.Where(s => s.IsOk))
        {
            Assert.Equal(
                Total(Path.Combine(root, "local", s.OutputFolder!, "findings.json")),
                Total(Path.Combine(root, "slurm", s.OutputFolder!, "findings.json")));
        }

        var broken = slurm.Studies.Single(s => s.Patient == "P3");
        Assert.Equal(BatchOutcome.CorruptInput, broken.Outcome);
        Assert.Contains("line 6 (P3 / T0)", broken.Error, StringComparison.Ordinal);

        // Registry and summaries as for a local run.
        var registry = ResultsRegistry.Open(Path.Combine(root, "slurm", ResultsRegistry.DefaultFileName));
        Assert.Equal(2, registry.Timepoints("P1").Count);
        Assert.Equal(2, registry.Timepoints("P2").Count);
        Assert.Empty(registry.Timepoints("P3"));
        Assert.NotNull(registry.FindFailure(broken.InputKey!));

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "slurm", BatchSummary.JsonFileName)));
        Assert.Equal("slurm", json.RootElement.GetProperty("engine").GetString());
        Assert.True(json.RootElement.GetProperty("complete").GetBoolean());
        Assert.Equal(6, File.ReadAllLines(Path.Combine(root, "slurm", BatchSummary.CsvFileName)).Length);
    }

    [Fact]
    public async Task RunAsync_Rerun_NothingSubmittedThenRetryFailedResubmitsOnlyTheFailure()
    {
        var (root, manifest) = Dataset("slurm-fake-rerun", good: 2);
        var ct = TestContext.Current.CancellationToken;
        var options = Options(root, "out");
        await SlurmBatchRunner.RunAsync(manifest, options, Slurm(), new FakeSlurmClient(), cancellationToken: ct);

        var second = new FakeSlurmClient();
        var again = await SlurmBatchRunner.RunAsync(manifest, options, Slurm(), second, cancellationToken: ct);
        Assert.Empty(second.Submitted);
        Assert.Empty(again.SlurmJobIds);
        Assert.Equal(2, again.Studies.Count(s => s.Outcome == BatchOutcome.AlreadyDone));
        Assert.Equal(BatchOutcome.FailedEarlier, again.Studies.Single(s => s.Patient == "P3").Outcome);

        var third = new FakeSlurmClient();
        var retried = await SlurmBatchRunner.RunAsync(manifest, options with { RetryFailed = true }, Slurm(), third, cancellationToken: ct);
        Assert.Single(third.Submitted);
        Assert.Single(third.Submitted[0].Tasks);
        var run = Directory.GetDirectories(Path.Combine(root, "out", SlurmRunPlan.RunsFolder)).OrderBy(d => File.GetCreationTimeUtc(Path.Combine(d, SlurmRunPlan.FileName))).Last();
        var plan = SlurmRunPlan.Read(run);
        Assert.Equal(4, Assert.Single(plan.Tasks).Line);
        Assert.Equal(BatchOutcome.CorruptInput, retried.Studies.Single(s => s.Patient == "P3").Outcome);
        Assert.Equal(2, retried.Studies.Count(s => s.Outcome == BatchOutcome.AlreadyDone));
    }

    [Theory]
    [InlineData("OUT_OF_MEMORY", "slurmstepd: error: Detected 1 oom_kill event in StepId=100_2.batch.", BatchOutcome.Refused, "ran out of its")]
    [InlineData("TIMEOUT", "slurmstepd: error: *** JOB 100 ON node1 CANCELLED AT 2026-11-29T20:00:00 DUE TO TIME LIMIT ***", BatchOutcome.TimedOut, "time limit of")]
    [InlineData("FAILED", "/bin/bash: line 9: dotnet: command not found", BatchOutcome.Error, "dotnet: command not found")]
    public async Task RunAsync_TaskEndsWithoutResult_OutcomeFromStateAndLogAndRecordedAsFailure(string state, string log, BatchOutcome expected, string message)
    {
        var (root, manifest) = Dataset("slurm-fake-dies", good: 2, broken: false);
        var ct = TestContext.Current.CancellationToken;
        var fake = new FakeSlurmClient();
        fake.Dying[1] = (state, log);
        var options = Options(root, "out");
        var summary = await SlurmBatchRunner.RunAsync(manifest, options, Slurm(), fake, cancellationToken: ct);

        var dead = summary.Studies.Single(s => s.Line == 3);
        Assert.Equal(expected, dead.Outcome);
        Assert.Contains(message, dead.Error, StringComparison.Ordinal);
        Assert.Contains("line 3 (P1 / T1)", dead.Error, StringComparison.Ordinal);
        Assert.Contains("task 100_1", dead.Error, StringComparison.Ordinal);
        Assert.Equal(1, summary.Studies.Count(s => s.Outcome == BatchOutcome.Succeeded));
        Assert.False(Directory.Exists(Path.Combine(root, "out", "P1", "T1")));

        // Listed as a failure: a plain rerun does not resubmit it, --retry-failed does (and it now succeeds).
        var again = await SlurmBatchRunner.RunAsync(manifest, options, Slurm(), new FakeSlurmClient(), cancellationToken: ct);
        Assert.Equal(BatchOutcome.FailedEarlier, again.Studies.Single(s => s.Line == 3).Outcome);
        var retry = new FakeSlurmClient();
        var retried = await SlurmBatchRunner.RunAsync(manifest, options with { RetryFailed = true }, Slurm(), retry, cancellationToken: ct);
        Assert.Equal(1, retry.Submitted.Sum(s => s.Tasks.Length));
        Assert.Equal(BatchOutcome.Succeeded, retried.Studies.Single(s => s.Line == 3).Outcome);
    }

    [Fact]
    public async Task RunAsync_SbatchRefuses_StudiesReportTheErrorAndAreNotRememberedAsFailures()
    {
        var (root, manifest) = Dataset("slurm-fake-refused", good: 2, broken: false);
        var ct = TestContext.Current.CancellationToken;
        var options = Options(root, "out");
        var summary = await SlurmBatchRunner.RunAsync(manifest, options, Slurm(), new FakeSlurmClient { SubmitError = "error: invalid partition specified: short" }, cancellationToken: ct);
        Assert.All(summary.Studies, s =>
        {
            Assert.Equal(BatchOutcome.Error, s.Outcome);
            Assert.Contains("invalid partition specified", s.Error, StringComparison.Ordinal);
        });

        var fake = new FakeSlurmClient();
        var again = await SlurmBatchRunner.RunAsync(manifest, options, Slurm(), fake, cancellationToken: ct);
        Assert.Equal(2, fake.Submitted.Sum(s => s.Tasks.Length));
        Assert.Equal(2, again.Studies.Count(s => s.Outcome == BatchOutcome.Succeeded));
    }

    [Fact]
    public async Task RunAsync_CancelledWhileQueued_JobsCancelledAndStudiesReportedCancelled()
    {
        var (root, manifest) = Dataset("slurm-fake-cancel", good: 2, broken: false);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var fake = new FakeSlurmClient { Hold = true, OnQuery = cts.Cancel };
        var summary = await SlurmBatchRunner.RunAsync(manifest, Options(root, "out"), Slurm(), fake, cancellationToken: cts.Token);
        Assert.Equal(["100"], fake.CancelledJobs);
        Assert.True(summary.Cancelled);
        Assert.Equal(2, summary.Studies.Count);
        Assert.All(summary.Studies, s => Assert.Equal(BatchOutcome.Cancelled, s.Outcome));

        // Cancelled tasks are not failures: the next run submits them again.
        var next = new FakeSlurmClient();
        await SlurmBatchRunner.RunAsync(manifest, Options(root, "out"), Slurm(), next, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, next.Submitted.Sum(s => s.Tasks.Length));
    }

    [Fact]
    public void JobScript_TwoTasks_ArrayMemoryTimeLogAndQuotedRunFolder()
    {
        var slurm = new SlurmOptions("dotnet '/opt/bm q/BmeQuant.Cli.dll'") { MaxRunningTasks = 3, TaskSetup = ["module load dotnet/10"] };
        SlurmPlannedTask[] tasks =
        [
            new(4, 7, "P", "T0", "k", 100L << 20, 1024, 12),
            new(9, 8, "P", "T1", "k", 300L << 20, 1024, 15),
        ];
        var script = SlurmBatchRunner.JobScript("/data/out/.slurm/run-x's", tasks, slurm);
        var lines = script.Split('\n');
        Assert.Equal("#!/bin/bash", lines[0]);
        Assert.Contains("#SBATCH --array=0-1%3", lines);
        Assert.Contains("#SBATCH --mem=1024M", lines);
        Assert.Contains("#SBATCH --time=15", lines);
        Assert.Contains("#SBATCH --output=/data/out/.slurm/run-x's/logs/%A_%a.log", lines);
        Assert.Contains("TASKS=(4 9)", lines);
        Assert.True(Array.IndexOf(lines, "module load dotnet/10") < Array.FindIndex(lines, l => l.StartsWith("exec ", StringComparison.Ordinal)));
        Assert.Contains("exec dotnet '/opt/bm q/BmeQuant.Cli.dll' batch-task '/data/out/.slurm/run-x'\\''s' --task \"$TASK\"", lines);
    }

    [Theory]
    [InlineData(0L, 1024L)]
    [InlineData(500L << 20, 1024L)]
    [InlineData(700L << 20, 2048L)]
    [InlineData(2L << 30, 4096L)]
    [InlineData(4L << 30, 8192L)]
    public void MemoryRequestMiB_Estimate_FloorOverheadMarginPowerOfTwo(long estimate, long expected) =>
        Assert.Equal(expected, SlurmBatchRunner.MemoryRequestMiB(estimate, new SlurmOptions("bmequant")));

    [Fact]
    public void TimeLimitMinutes_SmallLargeAndCapped()
    {
        var slurm = new SlurmOptions("bmequant");
        var options = new BatchOptions(Path.GetTempPath()) { StudyTimeout = TimeSpan.FromMinutes(30) };
        Assert.Equal(10, SlurmBatchRunner.TimeLimitMinutes(StudyPipelineOverhead, options, slurm));
        // 1 GiB of float input: 12 GiB + overhead estimated; 10 + 20 minutes.
        Assert.Equal(30, SlurmBatchRunner.TimeLimitMinutes(StudyPipelineOverhead + (12L << 30), options, slurm));
        Assert.Equal(35, SlurmBatchRunner.TimeLimitMinutes(StudyPipelineOverhead + (48L << 30), options, slurm));
        Assert.Equal(7, SlurmBatchRunner.TimeLimitMinutes(StudyPipelineOverhead, options with { StudyTimeout = TimeSpan.FromMinutes(2) }, slurm));
    }

    private static long StudyPipelineOverhead => 48L << 20;

    private static double Total(string findings)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(findings));
        return doc.RootElement.GetProperty("total").GetProperty("edemaVolumeMm3").GetDouble();
    }
}
