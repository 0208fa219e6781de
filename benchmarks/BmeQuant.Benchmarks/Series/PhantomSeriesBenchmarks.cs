using System.Globalization;
using BenchmarkDotNet.Attributes;
using BmeQuant.Dicom.Series;
using BmeQuant.Imaging;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;

namespace BmeQuant.Benchmarks.Series;

/// <summary>
/// Folders written once (seeded) from phantoms under $TMPDIR/bmequant-bench-phantom-series, for discovery and assembly
/// on realistic MR headers and pixels: <c>discovery-5000</c> (25 one-visit patients × T1 + STIR × 100 slices of 64², 5,000
/// files in 50 series) and <c>assembly-200</c> (one sagittal 256² T1 series of 200 slices). benchmarks/scripts/series_peers.sh runs
/// pydicom+numpy and dcm2niix on the same folders.
/// </summary>
internal static class PhantomSeriesBenchmarkData
{
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), "bmequant-bench-phantom-series");

    public static string DiscoveryFolder => Path.Combine(Root, "discovery-5000");

    public static string AssemblyFolder => Path.Combine(Root, "assembly-200");

    public static void EnsureDiscovery() => Ensure(DiscoveryFolder, visits: 25, slices: 100, matrix: 64, pixelMm: 2.5, thicknessMm: 1.5, t1Only: false);

    public static void EnsureAssembly() => Ensure(AssemblyFolder, visits: 1, slices: 200, matrix: 256, pixelMm: 0.625, thicknessMm: 0.8, t1Only: true);

    private static void Ensure(string folder, int visits, int slices, int matrix, double pixelMm, double thicknessMm, bool t1Only)
    {
        var marker = Path.Combine(folder, ".complete");
        if (File.Exists(marker))
        {
            return;
        }

        var acquisitions = PhantomPresets.DefaultAcquisitions(PhantomAnatomy.Knee)
            .Take(t1Only ? 1 : 2)
            .Select(a => a with { Columns = matrix, Rows = matrix, PixelSpacingMm = pixelMm, Slices = slices, SliceThicknessMm = thicknessMm, SliceGapMm = 0 })
            .ToArray();

        // One patient per visit, generated and written one at a time: memory stays that of one small study however many
        // visits the folder holds (generating all visits as one study kept every rendered series in memory at once).
        for (var v = 0; v < visits; v++)
        {
            var visit = new VisitSpec(0, []) { Repositioning = new RigidPose(new Vector3D(0, 0, v % 5), new Vector3D(v % 3, 0, 0)) };
            var spec = new PhantomSpec(PhantomAnatomy.Knee, acquisitions, [visit]) { Seed = 20261129 + v, Supersampling = 1, TruthStepMm = 2 };
            var patient = string.Create(CultureInfo.InvariantCulture, $"BENCH-{v:D3}");
            PhantomDicomExporter.Write(
                PhantomGenerator.Generate(spec),
                Path.Combine(folder, patient),
                new PhantomExportOptions { WriteTruthNifti = false, PatientId = patient, PatientName = "BENCH^" + patient });
        }

        File.WriteAllText(marker, "ok");
    }
}

/// <summary>Header-only discovery of the 5,000-file phantom folder; parallel (0 = all cores) versus one thread.</summary>
[MemoryDiagnoser]
public class PhantomSeriesDiscoveryBenchmarks
{
    [Params(1, 0)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => PhantomSeriesBenchmarkData.EnsureDiscovery();

    [Benchmark]
    public int Discover() =>
        SeriesDiscovery.Discover(PhantomSeriesBenchmarkData.DiscoveryFolder, new SeriesDiscoveryOptions { MaxDegreeOfParallelism = Threads == 0 ? Environment.ProcessorCount : Threads }).Series.Count;
}

/// <summary>Discovery and assembly of the 200-slice 256² phantom series into a Volume&lt;float&gt; (as the peers do: find, sort, stack, rescale).</summary>
[MemoryDiagnoser]
public class PhantomSeriesAssemblyBenchmarks
{
    [GlobalSetup]
    public void Setup() => PhantomSeriesBenchmarkData.EnsureAssembly();

    [Benchmark]
    public int DiscoverAndAssemble() =>
        SeriesDiscovery.Discover(PhantomSeriesBenchmarkData.AssemblyFolder).Series[0].ToVolume().Volume.SizeZ;
}
