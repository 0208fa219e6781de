using BenchmarkDotNet.Attributes;
using BmeQuant.Dicom;

namespace BmeQuant.Benchmarks.Dicom;

/// <summary>Full decode of a 200-slice 384×384 series: open every file and decode stored and modality values.</summary>
[MemoryDiagnoser]
public class DicomSeriesDecodeBenchmark
{
    private string[] _files = [];
    private readonly float[] _modality = new float[DicomBenchmarkData.Size * DicomBenchmarkData.Size];

    [GlobalSetup]
    public void Setup() => _files = DicomBenchmarkData.EnsureSeries();

    [Benchmark(Baseline = true)]
    public long StoredValues()
    {
        long sum = 0;
        foreach (var f in _files)
        {
            var px = DicomPixelData.Create(DicomFile.Open(f));
            var frame = px.GetFrameStored<ushort>(0);
            sum += frame[frame.Length / 2];
        }

        return sum;
    }

    [Benchmark]
    public double ModalityValues()
    {
        double sum = 0;
        foreach (var f in _files)
        {
            var px = DicomPixelData.Create(DicomFile.Open(f));
            px.GetFrameModality(0, _modality);
            sum += _modality[_modality.Length / 2];
        }

        return sum;
    }
}
