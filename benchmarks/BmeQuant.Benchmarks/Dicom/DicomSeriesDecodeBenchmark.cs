using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BmeQuant.Dicom;

namespace BmeQuant.Benchmarks.Dicom;

/// <summary>
/// Full decode of a 200-slice 384×384 series: open every file and decode stored and modality values, either with the
/// default read (Pixel Data loaded into a pooled buffer, returned when the file is disposed) or on demand (Pixel Data
/// left in the file and read by offset into the destination).
/// </summary>
[MemoryDiagnoser]
public class DicomSeriesDecodeBenchmark
{
    private string[] _files = [];
    private readonly float[] _modality = new float[DicomBenchmarkData.Size * DicomBenchmarkData.Size];
    private readonly ushort[] _stored = new ushort[DicomBenchmarkData.Size * DicomBenchmarkData.Size];

    [GlobalSetup]
    public void Setup() => _files = DicomBenchmarkData.EnsureSeries();

    /// <summary>Default read, stored values into a new array per file (as pydicom's <c>dcmread(f).pixel_array</c>).</summary>
    [Benchmark(Baseline = true)]
    public double StoredValues() => ForEachFile(DicomReadOptions.Default, NewStoredArray);

    /// <summary>Default read, modality values into one reused float buffer.</summary>
    [Benchmark]
    public double ModalityValues() => ForEachFile(DicomReadOptions.Default, ModalityIntoBuffer);

    /// <summary>Header parsed, Pixel Data left in the file and each frame read by offset into one reused buffer.</summary>
    [Benchmark]
    public double StoredValuesOnDemand() => ForEachFile(DicomReadOptions.PixelDataOnDemand, StoredIntoBuffer);

    /// <summary>On-demand read with the modality rescale into one reused float buffer (what series assembly does per slice).</summary>
    [Benchmark]
    public double ModalityValuesOnDemand() => ForEachFile(DicomReadOptions.PixelDataOnDemand, ModalityIntoBuffer);

    /// <summary>The loop every method shares: open each file with <paramref name="options"/>, decode, dispose.</summary>
    private double ForEachFile(DicomReadOptions options, Func<DicomPixelData, double> decode)
    {
        double sum = 0;
        foreach (var f in _files)
        {
            using var file = DicomFile.Open(f, options);
            sum += decode(DicomPixelData.Create(file));
        }

        return sum;
    }

    private static double NewStoredArray(DicomPixelData px)
    {
        var frame = px.GetFrameStored<ushort>(0);
        return frame[frame.Length / 2];
    }

    private double StoredIntoBuffer(DicomPixelData px)
    {
        px.GetFrameStoredBytes(0, MemoryMarshal.AsBytes(_stored.AsSpan()));
        return _stored[_stored.Length / 2];
    }

    private double ModalityIntoBuffer(DicomPixelData px)
    {
        px.GetFrameModality(0, _modality);
        return _modality[_modality.Length / 2];
    }
}
