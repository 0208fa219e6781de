using System.Globalization;
using BenchmarkDotNet.Attributes;
using BmeQuant.Batch;
using BmeQuant.Testing;

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
            // The same small knee as the batch tests (BatchPhantomData is shared with them).
            BatchPhantomData.WriteNiftiVisits(BatchPhantomData.SmallKnee(visits: 4), inputs);
            File.WriteAllText(Path.Combine(inputs, ".complete"), "ok");
        }

        var rows = Enumerable.Range(0, Studies).Select(i =>
            BatchPhantomData.NiftiRow("P" + (i / 4).ToString(CultureInfo.InvariantCulture), "T" + (i % 4).ToString(CultureInfo.InvariantCulture), BatchPhantomData.VisitDates[i % 4], "in/visit" + (1 + (i % 4)).ToString(CultureInfo.InvariantCulture)));
        _manifest = BatchManifest.Parse(new StringReader(BatchPhantomData.NiftiHeader + "\n" + string.Join("\n", rows) + "\n"), _root, "bench.csv");
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
