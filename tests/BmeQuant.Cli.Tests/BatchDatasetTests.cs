using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BmeQuant.Batch;
using BmeQuant.Phantoms;
using BmeQuant.Quantification;
using BmeQuant.Registry;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

/// <summary>
/// Issue 8's check, run by the real CLI in a child process: "A test dataset of 50 phantom studies with 10 broken ones
/// mixed in (truncated files, wrong series, missing slices, identifiers present, a zero-byte file, a directory loop, a
/// 4 GB length claim): the batch finishes, the 40 good results are right, the 10 failures are each explained, and
/// killing the process at random points (test kills it, then reruns) never leaves a partial or corrupt result and never
/// repeats finished work."
/// <para>
/// Reading of the numbers: the one consistent reading of "50 studies with 10 broken ones mixed in" and "the 40 good
/// results" is 50 manifest rows of which 10 are broken and 40 good (50 − 10 = 40); that is the always-on test. The
/// other reading (50 good studies plus 10 broken, 60 rows) runs under BMEQUANT_FULL_VALIDATION=1 with more kills.
/// </para>
/// <para>
/// Good studies: ten pseudonymised patients × the four visits of a small migrating-knee phantom (48×48 pixels, 12
/// slices, DICOM study folders with a NIfTI bone label map), so copies of the same visit must give identical numbers
/// and different visits different ones; one good copy also holds a directory link loop, which must not change its
/// result. The ten broken studies are spread through the manifest (one after every fourth good row).
/// </para>
/// </summary>
public sealed class BatchDatasetTests
{
    private const int Matrix = 48;
    private const int SliceCount = 12;
    private const string Header = "patient,timepoint,date,anatomy,study,t1,stir,bone_mask";

    private static readonly Lazy<Source> s_source = new(MakeSource, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A broken study: how to make it, the outcome it must get and words its explanation must hold.</summary>
    private sealed record Broken(string Name, BatchOutcome Outcome, string[] Words, Func<string, string> Make);

    /// <summary>The phantom written once: DICOM visits, bone maps, NIfTI visits and each visit's reference analysis (floats, in memory).</summary>
    private sealed record Source(string Dicom, string Nifti, string[] VisitFolders, double[] ReferenceEdemaMm3, double[] TruthEdemaMm3);

    [Fact]
    public void Batch_FortyGoodTenBrokenKilledAtRandomPoints_GoodRightFailuresExplainedNothingPartialNothingRepeated() =>
        Run(goodStudies: 40, kills: 3, seed: 8);

    [Fact]
    public void Batch_FiftyGoodTenBrokenManyKills_FullValidation()
    {
        if (Environment.GetEnvironmentVariable("BMEQUANT_FULL_VALIDATION") != "1")
        {
            Assert.Skip("Heavy variant (50 good + 10 broken, 8 kills): set BMEQUANT_FULL_VALIDATION=1.");
        }

        Run(goodStudies: 50, kills: 8, seed: 80);
    }

    private static void Run(int goodStudies, int kills, int seed)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "BmeQuant.Cli.dll");
        if (!File.Exists(Path.Combine(AppContext.BaseDirectory, "BmeQuant.Cli.runtimeconfig.json")))
        {
            Assert.Skip("BmeQuant.Cli.runtimeconfig.json not beside the tests: the CLI cannot be started as a child process.");
        }

        var source = s_source.Value;
        var root = TestPaths.NewOutputFolder("cli-batch-dataset");
        var (manifest, good, broken) = WriteDataset(root, source, goodStudies);
        var outDir = Path.Combine(root, "out");
        var random = new Random(seed);

        // 1. Kill the batch at seeded random points: after 1..6 more results than before plus 0..1.5 s, SIGKILL.
        var finished = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        var killed = 0;
        for (var round = 0; round < kills; round++)
        {
            using var process = BatchCommandTests.Start(dll, manifest, outDir, "--require-deidentified");
            var target = finished.Count + 1 + random.Next(6);
            bool exited;
            while (!(exited = process.WaitForExit(50)) && BatchCommandTests.CountResults(outDir) < target)
            {
            }

            var completed = exited || process.WaitForExit(random.Next(1500));
            if (!completed)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                killed++;
            }

            // Whatever is visible now is complete, and nothing finished before was redone.
            foreach (var (folder, analysed) in BatchCommandTests.CompleteResults(outDir, Matrix))
            {
                if (finished.TryGetValue(folder, out var before))
                {
                    Assert.Equal(before, analysed);
                }

                finished[folder] = analysed;
            }

            AssertReadableSummaryAndRegistry(outDir);
            if (completed)
            {
                break;
            }
        }

        // 2. Rerun to the end.
        int lastExit;
        using (var last = BatchCommandTests.Start(dll, manifest, outDir, "--require-deidentified"))
        {
            Assert.True(last.WaitForExit(TimeSpan.FromMinutes(5)), "the final run did not end within 5 minutes");
            lastExit = last.ExitCode;
        }

        using var summaryDoc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, BatchSummary.JsonFileName)));
        var summary = JsonSerializer.Deserialize<BatchSummary>(summaryDoc.RootElement.GetRawText(), s_json)!;
        Assert.True(summary.Complete);
        Assert.False(summary.Cancelled);
        Assert.Equal(good.Count + broken.Count, summary.Studies.Count);
        var report = string.Join("\n", summary.Studies.Select(s => $"line {s.Line} {s.Patient}/{s.Timepoint}: {s.Outcome} {s.ErrorType} {s.Error}"));
        var byRow = summary.Studies.ToDictionary(s => s.Patient + "/" + s.Timepoint);
        TestContext.Current.TestOutputHelper?.WriteLine($"{killed} kill(s), {finished.Count} result(s) finished before the final run\n{report}");

        // 4 (some input corrupt) when a corrupt study ran in this run; 8 when every corrupt one was recorded by a killed run (failedEarlier).
        Assert.True(lastExit == (summary.Studies.Any(s => s.Outcome == BatchOutcome.CorruptInput) ? 4 : 8), $"exit code {lastExit}\n{report}");

        // 3. The good results are right and nothing finished was repeated.
        var all = BatchCommandTests.CompleteResults(outDir, Matrix);
        Assert.Equal(good.Count, all.Count);
        Assert.True(killed > 0, "no kill happened: the test did not test resumption");
        Assert.NotEmpty(finished);
        foreach (var (folder, analysed) in finished)
        {
            Assert.Equal(analysed, all[folder]);
        }

        Assert.Equal(finished.Count, summary.Studies.Count(s => s.Outcome == BatchOutcome.AlreadyDone));
        Assert.Equal(good.Count - finished.Count, summary.Studies.Count(s => s.Outcome == BatchOutcome.Succeeded));
        var perVisit = new List<double>[4];
        for (var v = 0; v < 4; v++)
        {
            perVisit[v] = [];
        }

        foreach (var (row, visit) in good)
        {
            var r = byRow[row];
            Assert.True(r.IsOk, report);
            using var findings = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, r.OutputFolder!, "findings.json")));
            var written = findings.RootElement.GetProperty("total").GetProperty("edemaVolumeMm3").GetDouble();
            Assert.Equal(written, r.TotalEdemaVolumeMm3!.Value, 6);

            // DICOM stores the phantom as 16-bit integers: within 10 % of the analysis of the same visit's floats.
            Assert.InRange(written, source.ReferenceEdemaMm3[visit] * 0.9, source.ReferenceEdemaMm3[visit] * 1.1);
            perVisit[visit].Add(written);
        }

        // Every visit with true edema shows some.
        Assert.All(Enumerable.Range(0, 4), v => Assert.True(source.TruthEdemaMm3[v] <= 0 || perVisit[v][0] > 0, $"visit {v + 1}: truth {source.TruthEdemaMm3[v]} mm³, measured 0"));

        // Copies of a visit agree exactly (the loop copy included); the migrating lesion makes the visits differ.
        Assert.All(perVisit, p => Assert.Single(p.Distinct()));
        Assert.True(perVisit.Select(p => p[0]).Distinct().Count() >= 3, string.Join(", ", perVisit.Select(p => p[0])));

        var registry = ResultsRegistry.OpenExisting(Path.Combine(outDir, ResultsRegistry.DefaultFileName));
        var expectedTimepoints = good.GroupBy(g => g.Row.Split('/')[0]).ToDictionary(g => g.Key, g => g.Select(x => x.Row.Split('/')[1]).ToArray());
        Assert.Equal(expectedTimepoints.Keys.Order(StringComparer.Ordinal), registry.Patients().Order(StringComparer.Ordinal));
        Assert.All(expectedTimepoints, e => Assert.Equal(e.Value, registry.Timepoints(e.Key).Select(t => t.Timepoint)));

        // 4. Each failure is explained: the expected outcome (or the same outcome recorded by an earlier, killed run and
        // not retried), the manifest line, words naming the fault; and no result folder.
        foreach (var (row, b) in broken)
        {
            var r = byRow[row];
            Assert.False(r.IsOk, report);
            Assert.True(
                r.Outcome == b.Outcome || (r.Outcome == BatchOutcome.FailedEarlier && r.Error!.Contains("(" + b.Outcome + ")", StringComparison.Ordinal)),
                $"{b.Name}: expected {b.Outcome}\n{report}");
            Assert.Contains("line " + r.Line.ToString(CultureInfo.InvariantCulture), r.Error, StringComparison.Ordinal);
            Assert.NotNull(r.ErrorType);
            foreach (var word in b.Words)
            {
                Assert.True(r.Error!.Contains(word, StringComparison.Ordinal), $"{b.Name}: '{word}' not in: {r.Error}");
            }

            Assert.False(Directory.Exists(Path.Combine(outDir, r.Patient)), $"{b.Name}: a result folder exists");
        }

        // 5. The identifiers of the identified study reached no output.
        Assert.Empty(BatchPhantomData.FilesContaining(outDir, BatchPhantomData.Identifiers));
    }

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>summary.json (when present) is whole JSON; the registry (when present) opens and answers.</summary>
    private static void AssertReadableSummaryAndRegistry(string outDir)
    {
        var summary = Path.Combine(outDir, BatchSummary.JsonFileName);
        if (File.Exists(summary))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(summary));
            Assert.True(doc.RootElement.GetProperty("studies").GetArrayLength() >= 0);
        }

        var registryPath = Path.Combine(outDir, ResultsRegistry.DefaultFileName);
        if (File.Exists(registryPath))
        {
            var registry = ResultsRegistry.OpenExisting(registryPath);
            foreach (var p in registry.Patients())
            {
                Assert.All(registry.Timepoints(p), t => Assert.True(File.Exists(t.FindingsPath), t.FindingsPath));
            }
        }
    }

    /// <summary>Writes the manifest and the study copies; returns the good rows (patient/timepoint → visit index) and the broken rows.</summary>
    private static (string Manifest, List<(string Row, int Visit)> Good, List<(string Row, Broken Kind)> Broken) WriteDataset(string root, Source source, int goodStudies)
    {
        var input = Path.Combine(root, "in");
        var good = new List<(string, int)>();
        var brokenRows = new List<(string, Broken)>();
        var rows = new List<string>();
        var kinds = BrokenKinds(source, input);
        var c = CultureInfo.InvariantCulture;
        for (var i = 0; i < goodStudies; i++)
        {
            var (p, v) = ((i / 4) + 1, i % 4);
            var patient = "G" + p.ToString("00", c);
            var folder = Path.Combine(input, patient + "-T" + v.ToString(c));
            BatchPhantomData.CopyTree(source.VisitFolders[v], folder);
            if (p == 3 && v == 1)
            {
                // A link back to the study folder inside a series: walked once, the result must not change.
                Directory.CreateSymbolicLink(Path.Combine(SeriesFolder(folder, "t1"), "loop"), "..");
            }

            rows.Add($"{patient},T{v},{BatchPhantomData.VisitDates[v]},knee,{Path.GetRelativePath(root, folder)},,,{Bones(source, v)}");
            good.Add((patient + "/T" + v.ToString(c), v));

            // One broken study after every fourth good one.
            if (v == 3 && p - 1 < kinds.Length)
            {
                var b = kinds[p - 1];
                var patientB = "B" + p.ToString("00", c);
                rows.Add(b.Make(patientB));
                brokenRows.Add((patientB + "/T0", b));
            }
        }

        Assert.Equal(kinds.Length, brokenRows.Count);
        var manifest = Path.Combine(root, "manifest.csv");
        File.WriteAllText(manifest, Header + "\n" + string.Join("\n", rows) + "\n");
        return (manifest, good, brokenRows);
    }

    /// <summary>The ten broken studies; each <c>Make</c> writes its inputs and returns its manifest row.</summary>
    private static Broken[] BrokenKinds(Source source, string input)
    {
        string Copy(string patient, int visit)
        {
            var to = Path.Combine(input, patient);
            BatchPhantomData.CopyTree(source.VisitFolders[visit], to);
            return to;
        }

        string StudyRow(string patient, string folder, int visit) =>
            $"{patient},T0,,knee,{Path.GetRelativePath(Path.GetDirectoryName(input)!, folder)},,,{Bones(source, visit)}";

        return
        [
            new("truncated pixel data", BatchOutcome.CorruptInput, ["unreadable DICOM file", "(7FE0,0010)", "exceeds"], patient =>
            {
                var s = Copy(patient, 0);
                BatchPhantomData.Truncate(Slices(SeriesFolder(s, "stir"))[3], 0.5);
                return StudyRow(patient, s, 0);
            }),
            new("wrong series (no fluid-sensitive series)", BatchOutcome.Refused, ["fluid-sensitive"], patient =>
            {
                var s = Copy(patient, 1);
                Directory.Delete(SeriesFolder(s, "stir"), recursive: true);
                return StudyRow(patient, s, 1);
            }),
            new("missing slice", BatchOutcome.Refused, ["1 slice(s) missing"], patient =>
            {
                var s = Copy(patient, 2);
                File.Delete(Slices(SeriesFolder(s, "stir"))[SliceCount / 2]);
                return StudyRow(patient, s, 2);
            }),
            new("identifiers present", BatchOutcome.Refused, ["--require-deidentified", "PatientBirthDate"], patient =>
            {
                var s = Copy(patient, 3);
                BatchPhantomData.AddIdentifiers(s);
                return StudyRow(patient, s, 3);
            }),
            new("zero-byte file", BatchOutcome.CorruptInput, ["0 bytes"], patient =>
            {
                var s = Copy(patient, 0);
                File.WriteAllBytes(Path.Combine(SeriesFolder(s, "t1"), "IM_EMPTY.dcm"), []);
                return StudyRow(patient, s, 0);
            }),
            new("directory loop without images", BatchOutcome.NoInput, ["holds no file"], patient =>
            {
                var s = Path.Combine(input, patient);
                Directory.CreateDirectory(Path.Combine(s, "series"));
                Directory.CreateSymbolicLink(Path.Combine(s, "series", "again"), "..");
                Directory.CreateSymbolicLink(Path.Combine(s, "self"), ".");
                return StudyRow(patient, s, 0);
            }),
            new("4 GB length claim", BatchOutcome.CorruptInput, ["4294967280"], patient =>
            {
                var s = Copy(patient, 1);
                BatchPhantomData.ClaimFourGigabytes(Slices(SeriesFolder(s, "t1"))[2]);
                return StudyRow(patient, s, 1);
            }),
            new("header cut short", BatchOutcome.CorruptInput, ["unreadable DICOM file"], patient =>
            {
                var s = Copy(patient, 2);
                var file = Slices(SeriesFolder(s, "t1"))[5];
                File.WriteAllBytes(file, File.ReadAllBytes(file).AsSpan(0, 200).ToArray());
                return StudyRow(patient, s, 2);
            }),
            new("study folder missing", BatchOutcome.NoInput, ["does not exist"], patient =>
                StudyRow(patient, Path.Combine(input, patient), 3)),
            new("truncated NIfTI", BatchOutcome.CorruptInput, ["voxel data truncated"], patient =>
            {
                var s = Path.Combine(input, patient);
                BatchPhantomData.CopyTree(Path.Combine(source.Nifti, "visit1"), s);
                BatchPhantomData.Truncate(Path.Combine(s, "stir.nii"), 0.6);
                var rel = Path.GetRelativePath(Path.GetDirectoryName(input)!, s);
                return $"{patient},T0,,knee,,{rel}/t1.nii,{rel}/stir.nii,{rel}/bones.nii";
            }),
        ];
    }

    private static string Bones(Source source, int visit) => Path.Combine(source.Dicom, "bones-" + (visit + 1).ToString(CultureInfo.InvariantCulture) + ".nii");

    private static string SeriesFolder(string study, string contains) =>
        Directory.GetDirectories(study).Single(d => Path.GetFileName(d).Contains(contains, StringComparison.OrdinalIgnoreCase));

    private static string[] Slices(string series) => Directory.GetFiles(series).Order(StringComparer.Ordinal).ToArray();

    private static Source MakeSource()
    {
        var root = TestPaths.NewOutputFolder("cli-batch-dataset-source");
        var study = BatchPhantomData.SmallKnee(visits: 4, matrix: Matrix, slices: SliceCount);
        var dicom = Path.Combine(root, "dicom");
        var nifti = Path.Combine(root, "nifti");
        BatchPhantomData.WriteDicomVisits(study, dicom);
        BatchPhantomData.WriteNiftiVisits(study, nifti);
        var references = study.Visits.Select(v => EdemaAnalyzer.Analyze(PhantomInputs.ToStudyInput(study, v), AnalysisOptions.Default).Total.EdemaVolumeMm3).ToArray();
        return new Source(
            dicom,
            nifti,
            Directory.GetDirectories(dicom, "visit-*").Order(StringComparer.Ordinal).ToArray(),
            references,
            study.Visits.Select(v => v.Truth.TotalEdemaVolumeMm3).ToArray());
    }
}
