using BenchmarkDotNet.Attributes;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;

namespace BmeQuant.Benchmarks.Phantoms;

/// <summary>The issue-5 benchmark study: a knee (migrating-BMES lesion), clinical T1 + STIR protocol (256², 28 and 24 slices), two visits.</summary>
internal static class PhantomBenchmarkData
{
    public static PhantomSpec KneeTwoVisits()
    {
        var spec = PhantomPresets.MigratingKneeBmes(seed: 7);
        return spec with { Visits = [spec.Visits[0], spec.Visits[1]] };
    }
}

/// <summary>Generation of the knee study (T1 + STIR, two visits; target under 5 s on the project machine).</summary>
[MemoryDiagnoser]
public class PhantomGenerationBenchmarks
{
    private PhantomSpec _spec = null!;

    [GlobalSetup]
    public void Setup() => _spec = PhantomBenchmarkData.KneeTwoVisits();

    [Benchmark]
    public int GenerateKneeTwoVisits() => PhantomGenerator.Generate(_spec).Visits.Count;
}

/// <summary>Writing the generated knee study as DICOM (one file per slice, 104 files) plus truth.json and truth NIfTI maps.</summary>
[MemoryDiagnoser]
public class PhantomDicomWriteBenchmarks
{
    private PhantomStudy _study = null!;
    private string _folder = string.Empty;

    [Params(false, true)]
    public bool TruthNifti { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _study = PhantomGenerator.Generate(PhantomBenchmarkData.KneeTwoVisits());
        _folder = Path.Combine(Path.GetTempPath(), "bmequant-bench-phantom-write");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Benchmark]
    public int WriteStudy() => PhantomDicomExporter.Write(_study, _folder, new PhantomExportOptions { WriteTruthNifti = TruthNifti }).Count;
}
