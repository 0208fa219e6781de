using BenchmarkDotNet.Attributes;
using BmeQuant.Dicom.Series;

namespace BmeQuant.Benchmarks.Series;

/// <summary>Header-only discovery of a 5,000-file folder (25 series × 200 slices); parallel versus one thread.</summary>
[MemoryDiagnoser]
public class SeriesDiscoveryBenchmarks
{
    [Params(1, 0)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => SeriesBenchmarkData.EnsureDiscovery();

    [Benchmark]
    public int Discover() =>
        SeriesDiscovery.Discover(SeriesBenchmarkData.DiscoveryFolder, new SeriesDiscoveryOptions { MaxDegreeOfParallelism = Threads == 0 ? Environment.ProcessorCount : Threads }).Series.Count;
}

/// <summary>Assembly of a 200-slice 256×256 series into a Volume&lt;float&gt; (discovery included, as peers do).</summary>
[MemoryDiagnoser]
public class SeriesAssemblyBenchmarks
{
    [GlobalSetup]
    public void Setup() => SeriesBenchmarkData.EnsureAssembly();

    [Benchmark]
    public int DiscoverAndAssemble() =>
        SeriesDiscovery.Discover(SeriesBenchmarkData.AssemblyFolder).Series[0].ToVolume().Volume.SizeZ;
}
