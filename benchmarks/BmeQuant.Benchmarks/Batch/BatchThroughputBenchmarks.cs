using System.Globalization;
using BenchmarkDotNet.Attributes;
using BmeQuant.Batch;
using BmeQuant.Imaging.IO;
using BmeQuant.Phantoms;

namespace BmeQuant.Benchmarks.Batch;

/// <summary>
/// Batch throughput on small phantoms: 8 studies (two patients × four visits of a 64×64×16 knee, NIfTI inputs with a
/// bone label map) run by <see cref="BatchRunner"/> with 1 and 2 jobs into a fresh output folder each time.
/// Studies per minute = 8 / (mean time in minutes). The peak working set of the process is printed after the run.
/// </summary>
[MemoryDiagnoser]
public class BatchThroughputBenchmarks
{
    private const int Studies = 8;
    private BatchManifest _manifest = null!;
    private string _root = null!;
    private long _peakWorkingSet;

    /// <summary>Parallel studies.</summary>
    [Params(1, 2)]
    public int Jobs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "bmequant-bench-batch");
        var inputs = Path.Combine(_root, "in");
        if (!File.Exists(Path.Combine(inputs, ".complete")))
        {
            var spec = PhantomPresets.MigratingKneeBmes(seed: 5);
            spec = spec with
            {
                Acquisitions = spec.Acquisitions.Select(a => a with { Columns = 64, Rows = 64, PixelSpacingMm = a.PixelSpacingMm * 4, Slices = 16, SliceThicknessMm = 5, SliceGapMm = 0.5 }).ToArray(),
            };
            var study = PhantomGenerator.Generate(spec);
            foreach (var visit in study.Visits)
            {
                var input = PhantomInputs.ToStudyInput(study, visit);
                var folder = Path.Combine(inputs, "visit" + (visit.Index + 1).ToString(CultureInfo.InvariantCulture));
                Directory.CreateDirectory(folder);
                NiftiWriter.Write(input.FluidSensitive, Path.Combine(folder, "stir.nii"));
                NiftiWriter.Write(input.T1!, Path.Combine(folder, "t1.nii"));
                NiftiWriter.Write(input.BoneLabels!, Path.Combine(folder, "bones.nii"));
            }

            File.WriteAllText(Path.Combine(inputs, ".complete"), "ok");
        }

        var rows = Enumerable.Range(0, Studies).Select(i =>
        {
            var v = "in/visit" + (1 + (i % 4)).ToString(CultureInfo.InvariantCulture);
            return $"P{i / 4},T{i % 4},knee,{v}/t1.nii,{v}/stir.nii,{v}/bones.nii";
        });
        _manifest = BatchManifest.Parse(new StringReader("patient,timepoint,anatomy,t1,stir,bone_mask\n" + string.Join("\n", rows) + "\n"), _root, "bench.csv");
    }

    [Benchmark(Description = "8 small studies")]
    public BatchSummary Run()
    {
        var output = Path.Combine(_root, "out-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var summary = BatchRunner.RunAsync(_manifest, new BatchOptions(output) { Jobs = Jobs }).GetAwaiter().GetResult();
            if (summary.Studies.Any(s => s.Outcome != BatchOutcome.Succeeded))
            {
                throw new InvalidOperationException("benchmark study failed: " + summary.Studies.First(s => !s.IsOk).Error);
            }

            _peakWorkingSet = Math.Max(_peakWorkingSet, summary.PeakWorkingSetBytes);
            return summary;
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [GlobalCleanup]
    public void Cleanup() =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// Batch peak working set (jobs {Jobs}): {_peakWorkingSet / (1024.0 * 1024):F0} MiB"));
}
