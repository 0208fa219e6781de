using System.Text.Json;
using BmeQuant.Batch;
using BmeQuant.Imaging.IO;
using BmeQuant.Quantification;
using BmeQuant.Registry;
using BmeQuant.Testing;

namespace BmeQuant.Tests.Batch;

public sealed class BatchRunnerTests
{
    private const string Header = "patient,timepoint,date,anatomy,t1,stir,bone_mask";

    private static string Row(string patient, string timepoint, string date, string visitFolder) =>
        $"{patient},{timepoint},{date},knee,{visitFolder}/t1.nii,{visitFolder}/stir.nii,{visitFolder}/bones.nii";

    /// <summary>A work folder with the four good visits copied in (relative paths) and broken copies beside them.</summary>
    private static (string Folder, string Manifest) MixedDataset(string name)
    {
        var root = TestPaths.NewOutputFolder(name);
        for (var v = 1; v <= 4; v++)
        {
            BatchPhantomData.CopyTree(Path.Combine(BatchTestData.NiftiVisits, "visit" + v), Path.Combine(root, "in", "visit" + v));
        }

        BatchPhantomData.CopyTree(Path.Combine(root, "in", "visit2"), Path.Combine(root, "in", "truncated"));
        BatchPhantomData.Truncate(Path.Combine(root, "in", "truncated", "stir.nii"), 0.6);
        BatchPhantomData.CopyTree(Path.Combine(root, "in", "visit3"), Path.Combine(root, "in", "zero"));
        File.WriteAllBytes(Path.Combine(root, "in", "zero", "t1.nii"), []);
        BatchPhantomData.CopyTree(Path.Combine(root, "in", "visit1"), Path.Combine(root, "in", "missing"));
        File.Delete(Path.Combine(root, "in", "missing", "stir.nii"));
        BatchPhantomData.CopyTree(Path.Combine(root, "in", "visit4"), Path.Combine(root, "in", "huge"));
        BatchPhantomData.SetNiftiDims(Path.Combine(root, "in", "huge", "stir.nii"), 2048, 2048, 1024);
        BatchPhantomData.CopyTree(Path.Combine(root, "in", "visit1"), Path.Combine(root, "in", "garbage"));
        File.WriteAllBytes(Path.Combine(root, "in", "garbage", "stir.nii"), Enumerable.Range(0, 4000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var manifest = BatchTestData.Manifest(root, Header,
        [
            Row("P1", "T0", "2026-01-05", "in/visit1"),
            Row("P1", "T1", "2026-03-06", "in/visit2"),
            Row("P1", "T2", "2026-06-04", "in/visit3"),
            Row("P1", "T3", "2026-09-02", "in/visit4"),
            Row("P3", "T0", "2026-01-05", "in/truncated"),
            Row("P4", "T0", "2026-01-05", "in/zero"),
            Row("P5", "T0", "2026-01-05", "in/missing"),
            Row("P6", "T0", "2026-01-05", "in/huge"),
            Row("P7", "T0", "2026-01-05", "in/garbage"),
        ]);
        return (root, manifest);
    }

    private static BatchOptions Options(string root) => new(Path.Combine(root, "out")) { Jobs = 2, StudyTimeout = TimeSpan.FromMinutes(5) };

    [Fact]
    public async Task RunAsync_GoodAndBrokenNiftiStudies_GoodResultsMatchDirectAnalysisAndEachFailureExplained()
    {
        var (root, manifestPath) = MixedDataset("batch-mixed");
        var manifest = BatchManifest.Read(manifestPath);
        var summary = await BatchRunner.RunAsync(manifest, Options(root), stopStarting: TestContext.Current.CancellationToken, abort: TestContext.Current.CancellationToken);

        Assert.Equal(9, summary.Studies.Count);
        Assert.True(summary.Complete);
        var byPatient = summary.Studies.ToDictionary(s => s.Patient + "/" + s.Timepoint);
        foreach (var v in new[] { 0, 1, 2, 3 })
        {
            var r = byPatient["P1/T" + v];
            Assert.True(r.Outcome == BatchOutcome.Succeeded, $"P1/T{v}: {r.Outcome} {r.Error}");
            var visit = Path.Combine(root, "in", "visit" + (v + 1));
            var direct = EdemaAnalyzer.Analyze(new StudyInput(NiftiReader.ReadFloat(Path.Combine(visit, "stir.nii")), NiftiReader.ReadFloat(Path.Combine(visit, "t1.nii")))
            {
                BoneLabels = NiftiReader.ReadLabels(Path.Combine(visit, "bones.nii")),
                Anatomy = Anatomy.Knee,
            }, cancellationToken: TestContext.Current.CancellationToken);
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "out", "P1", "T" + v, "findings.json")));
            var written = doc.RootElement.GetProperty("total").GetProperty("edemaVolumeMm3").GetDouble();
            Assert.Equal(direct.Total.EdemaVolumeMm3, written, 6);
            Assert.Equal(direct.Total.EdemaVolumeMm3, r.TotalEdemaVolumeMm3!.Value, 6);
            AssertCompleteResultFolder(Path.Combine(root, "out", "P1", "T" + v));
        }

        // The migrating lesion makes the visits differ: the batch did not analyse one visit four times.
        Assert.True(Enumerable.Range(0, 4).Select(v => byPatient["P1/T" + v].TotalEdemaVolumeMm3).Distinct().Count() >= 3);

        Assert.Equal(BatchOutcome.CorruptInput, byPatient["P3/T0"].Outcome);
        Assert.Equal(BatchOutcome.CorruptInput, byPatient["P4/T0"].Outcome);
        Assert.Contains("0 bytes", byPatient["P4/T0"].Error, StringComparison.Ordinal);
        Assert.Equal(BatchOutcome.NoInput, byPatient["P5/T0"].Outcome);
        Assert.Contains("does not exist", byPatient["P5/T0"].Error, StringComparison.Ordinal);
        // A header claiming 4 G voxels: the NIfTI header check (data beyond the file) or the voxel cap refuses it before any allocation.
        Assert.True(byPatient["P6/T0"].Outcome is BatchOutcome.Refused or BatchOutcome.CorruptInput, byPatient["P6/T0"].Error);
        Assert.Equal(BatchOutcome.CorruptInput, byPatient["P7/T0"].Outcome);
        foreach (var failed in summary.Studies.Where(s => !s.IsOk))
        {
            Assert.False(string.IsNullOrWhiteSpace(failed.Error));
            Assert.Contains("line " + failed.Line, failed.Error, StringComparison.Ordinal);
            Assert.NotNull(failed.ErrorType);
            Assert.False(Directory.Exists(Path.Combine(root, "out", failed.Patient)), "no result folder for a failed study");
        }

        var csv = File.ReadAllLines(Path.Combine(root, "out", BatchSummary.CsvFileName));
        Assert.Equal(10, csv.Length);
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "out", BatchSummary.JsonFileName)));
        Assert.Equal(9, json.RootElement.GetProperty("studies").GetArrayLength());
        Assert.True(json.RootElement.GetProperty("complete").GetBoolean());

        var registry = ResultsRegistry.OpenExisting(Path.Combine(root, "out", ResultsRegistry.DefaultFileName));
        var rows = registry.Timepoints("P1");
        Assert.Equal(["T0", "T1", "T2", "T3"], rows.Select(r => r.Timepoint));
        Assert.All(rows, r => Assert.True(File.Exists(r.FindingsPath)));
        Assert.Equal(["P1"], registry.Patients());
    }

    [Fact]
    public async Task RunAsync_Rerun_SkipsFinishedAndEarlierFailuresUnlessRetryRequested()
    {
        var (root, manifestPath) = MixedDataset("batch-rerun");
        var manifest = BatchManifest.Read(manifestPath);
        var first = await BatchRunner.RunAsync(manifest, Options(root), stopStarting: TestContext.Current.CancellationToken, abort: TestContext.Current.CancellationToken);
        var stamps = Directory.GetFiles(Path.Combine(root, "out", "P1"), "*", SearchOption.AllDirectories).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        var calls = 0;
        EdemaFindings Counting(StudyPlan plan, BatchOptions options, CancellationToken ct)
        {
            Interlocked.Increment(ref calls);
            return StudyPipeline.Analyze(plan, options, ct);
        }

        var second = await BatchRunner.RunAsync(manifest, Options(root), Counting, null, TestContext.Current.CancellationToken, TestContext.Current.CancellationToken);
        var byKey = second.Studies.Where(s => s.Patient != "P1").ToDictionary(s => s.Patient);
        Assert.All(second.Studies.Where(s => s.Patient == "P1"), s => Assert.Equal(BatchOutcome.AlreadyDone, s.Outcome));
        Assert.All(stamps, kv => Assert.Equal(kv.Value, File.GetLastWriteTimeUtc(kv.Key)));

        // Failures found after hashing (e.g. pixel data cut short) are remembered and reported as FailedEarlier with a
        // hint to --retry-failed; failures found while reading headers during planning are re-checked (cheap) and fail
        // the same way again. Either way nothing is analysed again without --retry-failed.
        foreach (var patient in new[] { "P3", "P7" })
        {
            var firstOutcome = first.Studies.Single(s => s.Patient == patient).Outcome;
            Assert.Contains(byKey[patient].Outcome, new[] { BatchOutcome.FailedEarlier, firstOutcome });
            if (byKey[patient].Outcome == BatchOutcome.FailedEarlier)
            {
                Assert.Contains("--retry-failed", byKey[patient].Error, StringComparison.Ordinal);
            }
        }

        Assert.Equal(first.Studies.Single(s => s.Patient == "P4").Outcome, byKey["P4"].Outcome);
        Assert.Equal(0, calls);
        var remembered = second.Studies.Count(s => s.Outcome == BatchOutcome.FailedEarlier);

        // --retry-failed analyses exactly the remembered failures again; they fail as they did the first time.
        var retried = await BatchRunner.RunAsync(manifest, Options(root) with { RetryFailed = true }, Counting, null, TestContext.Current.CancellationToken, TestContext.Current.CancellationToken);
        Assert.Equal(BatchOutcome.CorruptInput, retried.Studies.Single(s => s.Patient == "P3").Outcome);
        Assert.Equal(first.Studies.Single(s => s.Patient == "P7").Outcome, retried.Studies.Single(s => s.Patient == "P7").Outcome);
        Assert.All(retried.Studies.Where(s => s.Patient == "P1"), s => Assert.Equal(BatchOutcome.AlreadyDone, s.Outcome));
        Assert.Equal(remembered, calls);

        // A changed parameter changes every key: finished studies are redone, their folders replaced whole.
        var changed = await BatchRunner.RunAsync(manifest, Options(root) with { Analysis = AnalysisOptions.Default with { MinimumLesionVolumeMm3 = 60 } }, stopStarting: TestContext.Current.CancellationToken, abort: TestContext.Current.CancellationToken);
        Assert.All(changed.Studies.Where(s => s.Patient == "P1"), s => Assert.Equal(BatchOutcome.Succeeded, s.Outcome));
        Assert.Empty(Directory.GetDirectories(Path.Combine(root, "out", "P1"), ".*"));
        AssertCompleteResultFolder(Path.Combine(root, "out", "P1", "T2"));
    }

    [Fact]
    public async Task RunAsync_StudyOverTimeout_TimedOutCooperativeOrAbandoned()
    {
        var (root, _) = MixedDataset("batch-timeout");
        var manifest = BatchManifest.Parse(new StringReader(Header + "\n" + Row("A", "T0", "", "in/visit1") + "\n" + Row("B", "T0", "", "in/visit2") + "\n"), root, "timeout.csv");
        EdemaFindings Hang(StudyPlan plan, BatchOptions options, CancellationToken ct)
        {
            if (plan.Study.Patient == "A")
            {
                Task.Delay(Timeout.Infinite, ct).GetAwaiter().GetResult();
            }
            else
            {
                Thread.Sleep(3000); // ignores its token
            }

            throw new InvalidOperationException("unreachable");
        }

        var options = Options(root) with { StudyTimeout = TimeSpan.FromMilliseconds(300), AbandonGrace = TimeSpan.FromMilliseconds(300) };
        var summary = await BatchRunner.RunAsync(manifest, options, Hang, null, TestContext.Current.CancellationToken, TestContext.Current.CancellationToken);
        Assert.All(summary.Studies, s => Assert.Equal(BatchOutcome.TimedOut, s.Outcome));
        Assert.Contains("timeout", summary.Studies[0].Error, StringComparison.Ordinal);
        Assert.Contains("abandoned", summary.Studies[1].Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(root, "out", "A")));
    }

    [Fact]
    public async Task RunAsync_MemoryBudget_NeverMoreInFlightThanFits()
    {
        var (root, _) = MixedDataset("batch-budget");
        var rows = Enumerable.Range(0, 6).Select(i => Row("P" + i, "T0", "", "in/visit" + (1 + (i % 4))));
        var manifest = BatchManifest.Parse(new StringReader(Header + "\n" + string.Join("\n", rows) + "\n"), root, "budget.csv");
        var estimate = StudyPipeline.Plan(manifest.Studies[0], BatchLimits.Default, TestContext.Current.CancellationToken).EstimatedMemoryBytes;
        var inFlight = 0;
        var maxInFlight = 0;
        EdemaFindings Tracking(StudyPlan plan, BatchOptions options, CancellationToken ct)
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            Thread.Sleep(150);
            Interlocked.Decrement(ref inFlight);
            return StudyPipeline.Analyze(plan, options, ct);
        }

        var summary = await BatchRunner.RunAsync(manifest, Options(root) with { Jobs = 4, MemoryBudgetBytes = estimate * 3 / 2 }, Tracking, null, TestContext.Current.CancellationToken, TestContext.Current.CancellationToken);
        Assert.All(summary.Studies, s => Assert.Equal(BatchOutcome.Succeeded, s.Outcome));
        Assert.Equal(1, maxInFlight);
        Assert.True(summary.PeakReservedBytes <= estimate * 3 / 2);

        var tooSmall = await BatchRunner.RunAsync(manifest, new BatchOptions(Path.Combine(root, "out2")) { MemoryBudgetBytes = estimate / 2 }, stopStarting: TestContext.Current.CancellationToken, abort: TestContext.Current.CancellationToken);
        Assert.All(tooSmall.Studies, s => Assert.Equal(BatchOutcome.Refused, s.Outcome));
        Assert.Contains("memory budget", tooSmall.Studies[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StopRequestedAfterFirstStudy_RunningFinishRestNotStartedSummaryWritten()
    {
        var (root, _) = MixedDataset("batch-cancel");
        var rows = Enumerable.Range(0, 5).Select(i => Row("P" + i, "T0", "", "in/visit" + (1 + (i % 4))));
        var manifest = BatchManifest.Parse(new StringReader(Header + "\n" + string.Join("\n", rows) + "\n"), root, "cancel.csv");
        using var stop = new CancellationTokenSource();
        var progress = new Callback(p =>
        {
            if (!p.Started)
            {
                stop.Cancel();
            }
        });
        var summary = await BatchRunner.RunAsync(manifest, Options(root) with { Jobs = 1 }, progress, stop.Token, TestContext.Current.CancellationToken);
        Assert.True(summary.Cancelled);
        Assert.Equal(BatchOutcome.Succeeded, summary.Studies[0].Outcome);
        Assert.All(summary.Studies.Skip(1), s => Assert.Equal(BatchOutcome.Cancelled, s.Outcome));
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "out", BatchSummary.JsonFileName)));
        Assert.Equal(5, json.RootElement.GetProperty("studies").GetArrayLength());
        Assert.Single(Directory.GetDirectories(Path.Combine(root, "out")), d => Path.GetFileName(d).StartsWith('P'));
    }

    [Fact]
    public void CleanUp_InterruptedReplacement_RestoresOldResultAndDropsPartial()
    {
        var root = TestPaths.NewOutputFolder("batch-cleanup");
        var patient = Path.Combine(root, "P1");
        Directory.CreateDirectory(Path.Combine(patient, ResultFolder.ReplacedPrefix + "T0-1a2b3c4d"));
        File.WriteAllText(Path.Combine(patient, ResultFolder.ReplacedPrefix + "T0-1a2b3c4d", "batch.json"), "{}");
        Directory.CreateDirectory(Path.Combine(patient, ResultFolder.PartialPrefix + "T0-99999999"));
        Directory.CreateDirectory(Path.Combine(patient, "T1"));
        Directory.CreateDirectory(Path.Combine(patient, ResultFolder.ReplacedPrefix + "T1-00000000"));
        Assert.Equal(3, ResultFolder.CleanUp(root));
        Assert.Equal(["T0", "T1"], Directory.GetDirectories(patient).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(Path.Combine(patient, "T0", "batch.json")));
    }

    internal static void AssertCompleteResultFolder(string folder)
    {
        foreach (var name in new[] { "findings.json", "batch.json", "edema.nii.gz", "bones.nii.gz", "depth-zones.nii.gz", "reference.nii.gz" })
        {
            Assert.True(File.Exists(Path.Combine(folder, name)), $"{folder}: {name} missing");
        }

        using var findings = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "findings.json")));
        var marker = BatchResultMarker.TryRead(folder);
        Assert.NotNull(marker);
        Assert.Equal(findings.RootElement.GetProperty("total").GetProperty("edemaVolumeMm3").GetDouble(), marker.TotalEdemaVolumeMm3, 9);
        Assert.Equal(64, NiftiReader.ReadMask(Path.Combine(folder, "edema.nii.gz")).Geometry.SizeX);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class Callback(Action<BatchProgress> action) : IProgress<BatchProgress>
    {
        public void Report(BatchProgress value) => action(value);
    }
}
