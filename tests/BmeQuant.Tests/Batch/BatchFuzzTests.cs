using System.Globalization;
using BmeQuant.Batch;
using BmeQuant.Testing;

namespace BmeQuant.Tests.Batch;

/// <summary>Mutated NIfTI and DICOM headers through the whole batch pipeline: only typed errors, never a hang or a crash.</summary>
public sealed class BatchFuzzTests
{
    [Fact]
    public async Task RunAsync_MutatedNiftiAndDicomHeaders_OnlyTypedOutcomesWithinTheTimeout()
    {
        var root = TestPaths.NewOutputFolder("batch-fuzz");
        var random = new Random(424242);
        var rows = new List<string>();
        var niftiCases = Environment.GetEnvironmentVariable("BMEQUANT_FULL_VALIDATION") == "1" ? 120 : 16;
        var dicomCases = niftiCases / 2;
        for (var i = 0; i < niftiCases; i++)
        {
            var folder = Path.Combine(root, "nifti" + i.ToString(CultureInfo.InvariantCulture));
            BatchPhantomData.CopyTree(Path.Combine(BatchTestData.NiftiVisits, "visit" + (1 + (i % 4)).ToString(CultureInfo.InvariantCulture)), folder);
            var target = Path.Combine(folder, (i % 3) switch { 0 => "stir.nii", 1 => "t1.nii", _ => "bones.nii" });
            Mutate(target, random, from: 0, to: 352);
            rows.Add($"N{i},T0,knee,,{folder}/t1.nii,{folder}/stir.nii,{folder}/bones.nii");
        }

        var dicomSource = Directory.GetDirectories(BatchTestData.DicomVisits, "visit-*").Order(StringComparer.Ordinal).First();
        for (var i = 0; i < dicomCases; i++)
        {
            var folder = Path.Combine(root, "dicom" + i.ToString(CultureInfo.InvariantCulture));
            BatchPhantomData.CopyTree(dicomSource, folder);
            var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
            for (var m = 0; m < 3; m++)
            {
                Mutate(files[random.Next(files.Length)], random, from: 132, to: 1400);
            }

            rows.Add($"D{i},T0,knee,{folder},,,{Path.Combine(BatchTestData.DicomVisits, "bones-1.nii")}");
        }

        var manifest = BatchManifest.Parse(new StringReader("patient,timepoint,anatomy,study,t1,stir,bone_mask\n" + string.Join("\n", rows) + "\n"), root, "fuzz.csv");
        var options = new BatchOptions(Path.Combine(root, "out"))
        {
            Jobs = 2,
            StudyTimeout = TimeSpan.FromMinutes(2),
            AbandonGrace = TimeSpan.FromSeconds(10),
            Limits = BatchLimits.Default with { MaxVoxels = 8L << 20, MaxDimension = 1024 },
        };
        var summary = await BatchRunner.RunAsync(manifest, options, stopStarting: TestContext.Current.CancellationToken, abort: TestContext.Current.CancellationToken);
        Assert.Equal(rows.Count, summary.Studies.Count);
        var report = string.Join("\n", summary.Studies.Where(s => !s.IsOk).Select(s => $"{s.Patient}: {s.Outcome} {s.ErrorType} {s.Error}"));
        Assert.All(summary.Studies, s =>
        {
            Assert.True(s.Outcome is not (BatchOutcome.Error or BatchOutcome.TimedOut or BatchOutcome.Cancelled), $"{s.Patient}: {s.Outcome} {s.ErrorType}: {s.Error}");
            if (!s.IsOk)
            {
                Assert.NotNull(s.ErrorType);
                Assert.Contains("line " + s.Line, s.Error, StringComparison.Ordinal);
            }
        });

        // The mutations must actually break some inputs, or the test proves nothing.
        Assert.True(summary.Studies.Count(s => !s.IsOk) >= rows.Count / 4, report);
        Assert.Contains(summary.Studies, s => s.Patient.StartsWith('N') && !s.IsOk);
        Assert.Contains(summary.Studies, s => s.Patient.StartsWith('D') && !s.IsOk);
    }

    private static void Mutate(string path, Random random, int from, int to)
    {
        var bytes = File.ReadAllBytes(path);
        var count = 1 + random.Next(4);
        for (var k = 0; k < count; k++)
        {
            var at = random.Next(from, Math.Min(to, bytes.Length));
            bytes[at] = random.Next(3) switch
            {
                0 => (byte)random.Next(256),
                1 => 0xFF,
                _ => (byte)(bytes[at] ^ (1 << random.Next(8))),
            };
        }

        File.WriteAllBytes(path, bytes);
    }
}
