using System.Text.Json;
using BmeQuant.Batch;
using BmeQuant.Testing;

namespace BmeQuant.Tests.Batch;

/// <summary>Batches over DICOM study folders: phantom studies with broken copies mixed in, and the de-identification guard.</summary>
public sealed class BatchDicomTests
{
    private const string Header = "patient,timepoint,anatomy,study,bone_mask";

    private static string Visit(int index) => Directory.GetDirectories(BatchTestData.DicomVisits, "visit-*").Order(StringComparer.Ordinal).ElementAt(index);

    private static string Bones(int index) => Path.Combine(BatchTestData.DicomVisits, $"bones-{index + 1}.nii");

    private static string Copy(string root, string name, int visit)
    {
        var to = Path.Combine(root, "in", name);
        BatchPhantomData.CopyTree(Visit(visit), to);
        return to;
    }

    private static string SeriesFolder(string study, string contains) =>
        Directory.GetDirectories(study).Single(d => Path.GetFileName(d).Contains(contains, StringComparison.OrdinalIgnoreCase));

    private static string[] Slices(string series) => Directory.GetFiles(series).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task RunAsync_GoodAndBrokenDicomStudies_BatchFinishesGoodRightEachFailureExplained()
    {
        var root = TestPaths.NewOutputFolder("batch-dicom");
        Copy(root, "good1", 0);
        Copy(root, "good2", 1);

        var truncated = Copy(root, "truncated", 0);
        BatchPhantomData.Truncate(Slices(SeriesFolder(truncated, "stir"))[3], 0.5);

        var missing = Copy(root, "missing-slice", 0);
        File.Delete(Slices(SeriesFolder(missing, "stir"))[7]);

        var wrong = Copy(root, "wrong-series", 1);
        Directory.Delete(SeriesFolder(wrong, "stir"), recursive: true);

        var identified = Copy(root, "identified", 0);
        BatchPhantomData.AddIdentifiers(identified);

        var zero = Copy(root, "zero-byte", 1);
        File.WriteAllBytes(Path.Combine(SeriesFolder(zero, "t1"), "IM_EMPTY.dcm"), []);

        var loop = Copy(root, "loop", 0);
        Directory.CreateSymbolicLink(Path.Combine(SeriesFolder(loop, "t1"), "loop"), "..");

        var huge = Copy(root, "length-4gb", 1);
        BatchPhantomData.ClaimFourGigabytes(Slices(SeriesFolder(huge, "t1"))[2]);

        Directory.CreateDirectory(Path.Combine(root, "in", "empty"));

        var manifest = BatchTestData.Manifest(root, Header,
        [
            $"G1,T0,knee,in/good1,{Bones(0)}",
            $"G2,T1,knee,in/good2,{Bones(1)}",
            $"B1,T0,knee,in/truncated,{Bones(0)}",
            $"B2,T0,knee,in/missing-slice,{Bones(0)}",
            $"B3,T0,knee,in/wrong-series,{Bones(1)}",
            $"B4,T0,knee,in/identified,{Bones(0)}",
            $"B5,T0,knee,in/zero-byte,{Bones(1)}",
            $"L1,T0,knee,in/loop,{Bones(0)}",
            $"B6,T0,knee,in/length-4gb,{Bones(1)}",
            $"B7,T0,knee,in/empty,{Bones(1)}",
            $"B8,T0,knee,in/absent,{Bones(1)}",
        ]);
        var options = new BatchOptions(Path.Combine(root, "out")) { Jobs = 2, RequireDeidentified = true, StudyTimeout = TimeSpan.FromMinutes(5) };
        var summary = await BatchRunner.RunAsync(BatchManifest.Read(manifest), options, stopStarting: TestContext.Current.CancellationToken, abort: TestContext.Current.CancellationToken);
        var r = summary.Studies.ToDictionary(s => s.Patient);
        var report = string.Join("\n", summary.Studies.Select(s => $"{s.Patient}: {s.Outcome} {s.ErrorType} {s.Error}"));

        Assert.True(r["G1"].Outcome == BatchOutcome.Succeeded, report);
        Assert.True(r["G2"].Outcome == BatchOutcome.Succeeded, report);
        Assert.True(r["L1"].Outcome == BatchOutcome.Succeeded, report);
        Assert.Equal(r["G1"].TotalEdemaVolumeMm3, r["L1"].TotalEdemaVolumeMm3);
        Assert.Equal(r["G1"].InputKey, r["L1"].InputKey);
        Assert.NotEqual(r["G1"].TotalEdemaVolumeMm3, r["G2"].TotalEdemaVolumeMm3);
        BatchRunnerTests.AssertCompleteResultFolder(Path.Combine(root, "out", "G1", "T0"));

        // The same visit analysed from NIfTI floats (no uint16 quantisation) gives nearly the same volume.
        var niftiSummary = await BatchRunner.RunAsync(
            BatchManifest.Parse(new StringReader($"patient,timepoint,anatomy,t1,stir,bone_mask\nN,T0,knee,visit1/t1.nii,visit1/stir.nii,visit1/bones.nii\n"), BatchTestData.NiftiVisits, "n.csv"),
            new BatchOptions(Path.Combine(root, "out-nifti")), stopStarting: TestContext.Current.CancellationToken, abort: TestContext.Current.CancellationToken);
        var fromNifti = Assert.Single(niftiSummary.Studies).TotalEdemaVolumeMm3!.Value;
        Assert.InRange(r["G1"].TotalEdemaVolumeMm3!.Value, fromNifti * 0.9, fromNifti * 1.1);

        Assert.True(r["B1"].Outcome == BatchOutcome.CorruptInput, report);
        Assert.True(r["B2"].Outcome == BatchOutcome.Refused, report);
        Assert.True(r["B3"].Outcome == BatchOutcome.Refused, report);
        Assert.Contains("fluid-sensitive", r["B3"].Error, StringComparison.Ordinal);
        Assert.True(r["B4"].Outcome == BatchOutcome.Refused, report);
        Assert.Contains("--require-deidentified", r["B4"].Error, StringComparison.Ordinal);
        Assert.Contains("PatientBirthDate", r["B4"].Error, StringComparison.Ordinal);
        Assert.True(r["B5"].Outcome == BatchOutcome.CorruptInput, report);
        Assert.Contains("0 bytes", r["B5"].Error, StringComparison.Ordinal);
        Assert.True(r["B6"].Outcome == BatchOutcome.CorruptInput, report);
        Assert.True(r["B7"].Outcome == BatchOutcome.NoInput, report);
        Assert.True(r["B8"].Outcome == BatchOutcome.NoInput, report);
        Assert.All(summary.Studies.Where(s => !s.IsOk), s => Assert.Contains("line " + s.Line, s.Error, StringComparison.Ordinal));
        Assert.Empty(BatchPhantomData.FilesContaining(Path.Combine(root, "out"), BatchPhantomData.Identifiers));
    }

    [Fact]
    public async Task RunAsync_StudyWithIdentifiersWithoutGuard_AnalysedAndNoIdentifierInAnyOutput()
    {
        var root = TestPaths.NewOutputFolder("batch-identifiers");
        var identified = Copy(root, "identified", 1);
        BatchPhantomData.AddIdentifiers(identified);
        var manifest = BatchTestData.Manifest(root, Header, [$"PSEUDO-7,baseline,knee,in/identified,{Bones(1)}"]);
        var summary = await BatchRunner.RunAsync(BatchManifest.Read(manifest), new BatchOptions(Path.Combine(root, "out")), stopStarting: TestContext.Current.CancellationToken, abort: TestContext.Current.CancellationToken);
        var study = Assert.Single(summary.Studies);
        Assert.True(study.Outcome == BatchOutcome.Succeeded, study.Error);

        // The inputs do carry the identifiers (so the check below can fail)…
        Assert.NotEmpty(BatchPhantomData.FilesContaining(identified, BatchPhantomData.Identifiers));

        // …and nothing written (findings, masks, batch.json, summaries, registry) does.
        Assert.Empty(BatchPhantomData.FilesContaining(Path.Combine(root, "out"), BatchPhantomData.Identifiers));
        Assert.True(Directory.Exists(Path.Combine(root, "out", "PSEUDO-7", "baseline")));
        using var findings = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "out", "PSEUDO-7", "baseline", "findings.json")));
        Assert.True(findings.RootElement.GetProperty("total").GetProperty("edemaVolumeMm3").GetDouble() > 0);
    }
}
