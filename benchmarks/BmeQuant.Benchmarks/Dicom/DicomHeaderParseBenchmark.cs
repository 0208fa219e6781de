using BenchmarkDotNet.Attributes;
using BmeQuant.Dicom;

namespace BmeQuant.Benchmarks.Dicom;

/// <summary>Header-only parse of one MR file (Pixel Data skipped), from memory and from disk.</summary>
[MemoryDiagnoser]
public class DicomHeaderParseBenchmark
{
    private byte[] _bytes = [];
    private string _path = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _path = DicomBenchmarkData.EnsureSeries()[0];
        _bytes = File.ReadAllBytes(_path);
    }

    [Benchmark(Baseline = true)]
    public string HeaderOnlyFromMemory() =>
        DicomFile.Read(new MemoryStream(_bytes, false), DicomReadOptions.HeaderOnly).Dataset.GetString(DicomTag.SeriesInstanceUID);

    [Benchmark]
    public string HeaderOnlyFromFile() =>
        DicomFile.Open(_path, DicomReadOptions.HeaderOnly).Dataset.GetString(DicomTag.SeriesInstanceUID);
}
