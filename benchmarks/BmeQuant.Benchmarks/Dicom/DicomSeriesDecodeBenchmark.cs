using BenchmarkDotNet.Attributes;
using BmeQuant.Dicom;

namespace BmeQuant.Benchmarks.Dicom;

/// <summary>Full decode of a 200-slice 384×384 series: open every file and decode stored and modality values.</summary>
[MemoryDiagnoser]
public class DicomSeriesDecodeBenchmark
{
    private string[] _files = [];
    private readonly float[] _modality = new float[DicomBenchmarkData.Size * DicomBenchmarkData.Size];
    private readonly ushort[] _stored = new ushort[DicomBenchmarkData.Size * DicomBenchmarkData.Size];

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

    /// <summary>Header parsed, Pixel Data left in the file and each frame read by offset into one reused buffer.</summary>
    [Benchmark]
    public long StoredValuesOnDemand()
    {
        long sum = 0;
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(_stored.AsSpan());
        foreach (var f in _files)
        {
            DicomPixelData.Create(DicomFile.Open(f, DicomReadOptions.PixelDataOnDemand)).GetFrameStoredBytes(0, bytes);
            sum += _stored[_stored.Length / 2];
        }

        return sum;
    }

    /// <summary>On-demand read with the modality rescale into one reused float buffer (what series assembly does per slice).</summary>
    [Benchmark]
    public double ModalityValuesOnDemand()
    {
        double sum = 0;
        foreach (var f in _files)
        {
            DicomPixelData.Create(DicomFile.Open(f, DicomReadOptions.PixelDataOnDemand)).GetFrameModality(0, _modality);
            sum += _modality[_modality.Length / 2];
        }

        return sum;
    }
}
