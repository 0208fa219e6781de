using BenchmarkDotNet.Attributes;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Kernels;
using BmeQuant.Imaging.Statistics;
using BmeQuant.Imaging.Thresholding;

namespace BmeQuant.Benchmarks.Imaging.Kernels;

/// <summary>uint16 → float with slope and intercept: scalar path, SIMD path (one thread), and a float copy of the output size.</summary>
[MemoryDiagnoser]
public class ConvertBenchmarks
{
    private Volume<ushort> _stored = null!;
    private float[] _output = null!;
    private float[] _copySource = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => KernelBenchmarkData.Sizes;

    [GlobalSetup]
    public void Setup()
    {
        _stored = KernelBenchmarkData.Stored(Size);
        _output = new float[_stored.Length];
        _copySource = new float[_stored.Length];
    }

    [Benchmark(Baseline = true)]
    public void Scalar() => VoxelConvert.ToFloatScalar(_stored.Data, _output, 1.25f, -3f);

    [Benchmark]
    public void Simd() => VoxelConvert.ToFloat(_stored.Data, _output, 1.25f, -3f);

    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public void SimdParallel()
    {
        var slice = _stored.Geometry.SliceLength;
        Parallel.For(0, _stored.SizeZ, k => VoxelConvert.ToFloat(_stored.Data.AsSpan(k * slice, slice), _output.AsSpan(k * slice, slice), 1.25f, -3f));
    }

    /// <summary>Memory bandwidth reference: copy a float volume (reads and writes 8 bytes per voxel; the conversion 6).</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public void Copy() => _copySource.AsSpan().CopyTo(_output);
}

/// <summary>Count, min, max, mean and variance (one pass, double accumulation), unmasked and masked.</summary>
[MemoryDiagnoser]
public class StatisticsBenchmarks
{
    private Volume<float> _volume = null!;
    private Volume<byte> _mask = null!;
    private float[] _output = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => KernelBenchmarkData.Sizes;

    [GlobalSetup]
    public void Setup()
    {
        _volume = KernelBenchmarkData.Intensity(Size);
        _mask = KernelBenchmarkData.Mask(Size);
        _output = new float[_volume.Length];
    }

    [Benchmark(Baseline = true)]
    public StatisticsAccumulator Scalar() => VoxelStatistics.Scalar(_volume.Data, default, 1000f);

    [Benchmark]
    public StatisticsAccumulator Simd() => VoxelStatistics.Accumulate(_volume.Data, default, 1000f);

    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public SummaryStatistics SimdParallel() => VolumeStatistics.Summarize(_volume);

    [Benchmark]
    public StatisticsAccumulator MaskedScalar() => VoxelStatistics.Scalar(_volume.Data, _mask.Data, 1000f);

    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public SummaryStatistics MaskedSimdParallel() => VolumeStatistics.Summarize(_volume, _mask);

    /// <summary>Memory bandwidth reference: copy the volume (the reduction only reads it).</summary>
    [Benchmark]
    public void Copy() => _volume.Data.AsSpan().CopyTo(_output);
}

/// <summary>
/// Single and band thresholds into a 0/1 byte mask, and hysteresis. Two like-for-like pairs against numpy and
/// against our own copy: into an existing mask (numpy <c>np.greater(v, t, out=mask)</c>; baseline <see cref="Copy"/>
/// into an existing float array) and into a newly allocated mask (numpy <c>v &gt; t</c>; baseline
/// <see cref="CopyNew"/>, a copy into a newly allocated float array).
/// </summary>
[MemoryDiagnoser]
public class ThresholdBenchmarks
{
    private Volume<float> _volume = null!;
    private byte[] _mask = null!;
    private Volume<byte> _maskVolume = null!;
    private float[] _output = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => KernelBenchmarkData.Sizes;

    [GlobalSetup]
    public void Setup()
    {
        _volume = KernelBenchmarkData.Intensity(Size);
        _mask = new byte[_volume.Length];
        _maskVolume = new Volume<byte>(_volume.Geometry, _mask);
        _output = new float[_volume.Length];

        // The variants must give the library's mask, or their times mean nothing.
        var expected = Threshold.Above(_volume, 1500f).Data;
        foreach (var variant in new ThresholdVariants.Kernel[] { ThresholdVariants.AboveNonTemporal, ThresholdVariants.AboveUnrolled8 })
        {
            _mask.AsSpan().Fill(0xCD);
            ThresholdVariants.Parallel(_volume.Data, _mask, 1500f, variant);
            if (!_mask.AsSpan().SequenceEqual(expected))
            {
                throw new InvalidOperationException($"{variant.Method.Name} differs from Threshold.Above.");
            }
        }
    }

    [Benchmark(Baseline = true)]
    public void Scalar() => Threshold.RunScalar(_volume.Data, _mask, 1500f, 0, Threshold.Kind.Above);

    /// <summary>SIMD span kernel on one thread.</summary>
    [Benchmark]
    public void Simd() => Threshold.Above(_volume.Data, 1500f, _mask);

    /// <summary>x &gt; t into the existing mask volume (parallel blocks).</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public void IntoMask() => Threshold.Above(_volume, 1500f, _maskVolume);

    /// <summary>1200 ≤ x ≤ 1800 into the existing mask volume.</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public void BandIntoMask() => Threshold.Band(_volume, 1200f, 1800f, _maskVolume);

    /// <summary>x &gt; t into a new mask volume.</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<byte> SimdParallelNewVolume() => Threshold.Above(_volume, 1500f);

    /// <summary>Band threshold (lower ≤ x ≤ upper) into a new mask volume.</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<byte> BandNewVolume() => Threshold.Band(_volume, 1200f, 1800f);

    /// <summary>Hysteresis (low 1500, high 2000, 6-connected) into a new mask volume.</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<byte> Hysteresis6() => Hysteresis.Apply(_volume, 1500f, 2000f);

    /// <summary>Bandwidth baseline of the into-mask entries: copy the volume into an existing float array.</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public void Copy() => _volume.Data.AsSpan().CopyTo(_output);

    /// <summary>Bandwidth baseline of the allocating entries: copy the volume into a new (uninitialized) float array.</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public float[] CopyNew()
    {
        var copy = GC.AllocateUninitializedArray<float>(_volume.Length);
        _volume.Data.AsSpan().CopyTo(copy);
        return copy;
    }

    /// <summary>
    /// The floor of any single pass over the input: a read-only SIMD sum of the same float volume on every core
    /// (one equal part per core). A threshold reads the same bytes and also writes the mask, so it cannot be faster.
    /// </summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public float ReadOnlySum() => BandwidthProbe.Sum(_volume.Data);

    /// <summary>Copy into an existing float array on every core (one equal part per core).</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public void CopyParallel() => BandwidthProbe.Copy(_volume.Data, _output);

    /// <summary>x &gt; t into a mask rented from the volume pool (returned at the end): the pooled allocating use.</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public byte RentedMask()
    {
        using var rented = Volume<byte>.Rent(_volume.Geometry);
        Threshold.Above(_volume, 1500f, rented.Volume);
        return rented.Volume.Data[0];
    }

    /// <summary>x &gt; t into a new zero-filled mask (<c>new Volume&lt;byte&gt;</c>); the allocating entry allocates uninitialized.</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<byte> ZeroedNewMask()
    {
        var mask = new Volume<byte>(_volume.Geometry);
        Threshold.Above(_volume, 1500f, mask);
        return mask;
    }

    /// <summary>Variant tried: x &gt; t into the existing mask with non-temporal (cache-bypassing) 32-byte stores.</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public void IntoMaskNonTemporal() => ThresholdVariants.Parallel(_volume.Data, _mask, 1500f, ThresholdVariants.AboveNonTemporal);

    /// <summary>Variant tried: x &gt; t into the existing mask, 64 voxels (eight loads, two stores) per iteration.</summary>
    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public void IntoMaskUnrolled8() => ThresholdVariants.Parallel(_volume.Data, _mask, 1500f, ThresholdVariants.AboveUnrolled8);
}

/// <summary>256-bin histogram over the value range, scalar single thread vs parallel blocks.</summary>
[MemoryDiagnoser]
public class HistogramBenchmarks
{
    private Volume<float> _volume = null!;
    private long[] _counts = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => KernelBenchmarkData.Sizes;

    [GlobalSetup]
    public void Setup()
    {
        _volume = KernelBenchmarkData.Intensity(Size);
        _counts = new long[256];
    }

    [Benchmark(Baseline = true)]
    public void Scalar()
    {
        Array.Clear(_counts);
        Histogram.CountScalar(_volume.Data, default, 900, 8000, _counts);
    }

    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Histogram Parallel() => Histogram.Compute(_volume.Data, 900, 8000, 256);
}

/// <summary>Seven exact percentiles (1, 5, 25, 50, 75, 95, 99): selection vs a full sort.</summary>
[MemoryDiagnoser]
public class PercentileBenchmarks
{
    private static readonly double[] s_percents = [1, 5, 25, 50, 75, 95, 99];
    private Volume<float> _volume = null!;
    private float[] _work = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => KernelBenchmarkData.Sizes;

    [GlobalSetup]
    public void Setup()
    {
        _volume = KernelBenchmarkData.Intensity(Size);
        _work = new float[_volume.Length];
    }

    [Benchmark(Baseline = true)]
    public float SortBaseline()
    {
        _volume.Data.AsSpan().CopyTo(_work);
        Array.Sort(_work);
        return _work[_work.Length / 2];
    }

    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public double[] Selection() => Percentiles.Compute(_volume.Data, s_percents);
}

/// <summary>Otsu (256 bins, range of the data) and 3-class multi-Otsu.</summary>
[MemoryDiagnoser]
public class OtsuBenchmarks
{
    private Volume<float> _volume = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => KernelBenchmarkData.Sizes;

    [GlobalSetup]
    public void Setup() => _volume = KernelBenchmarkData.Intensity(Size);

    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark(Baseline = true)]
    public float Otsu2() => Otsu.Compute(_volume);

    [Benchmark]
    public float[] MultiOtsu3() => Otsu.ComputeMulti(_volume.Data, 3);
}

/// <summary>Per-label count, volume, mean, SD, min, max and centroid for four labels.</summary>
[MemoryDiagnoser]
public class LabelStatisticsBenchmarks
{
    private Volume<float> _volume = null!;
    private Volume<int> _labels = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => KernelBenchmarkData.Sizes;

    [GlobalSetup]
    public void Setup()
    {
        _volume = KernelBenchmarkData.Intensity(Size);
        _labels = KernelBenchmarkData.Labels(Size);
    }

    [BenchmarkCategory(Filters.FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public IReadOnlyList<LabelMeasures> Compute() => LabelStatistics.Compute(_volume, _labels);
}
