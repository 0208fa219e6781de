using BenchmarkDotNet.Attributes;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Benchmarks.Imaging.Filters;

/// <summary>Gaussian σ = 1.5 mm (FIR, scipy's kernel) and σ = 3 mm recursive.</summary>
[MemoryDiagnoser]
public class GaussianFilterBenchmarks
{
    private Volume<float> _volume = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => FilterBenchmarkVolumes.Sizes;

    [GlobalSetup]
    public void Setup() => _volume = FilterBenchmarkVolumes.Intensity(Size);

    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark(Baseline = true)]
    public Volume<float> Fir() => GaussianFilter.Apply(_volume, 1.5);

    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<float> Recursive() => GaussianFilter.Apply(_volume, 3.0, method: GaussianMethod.Recursive);
}

/// <summary>3×3×3 median, SIMD sorting network vs the scalar selection path.</summary>
[MemoryDiagnoser]
public class MedianFilterBenchmarks
{
    private Volume<float> _volume = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => FilterBenchmarkVolumes.Sizes;

    [GlobalSetup]
    public void Setup() => _volume = FilterBenchmarkVolumes.Intensity(Size);

    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark(Baseline = true)]
    public Volume<float> Simd() => MedianFilter.ApplyVoxels(_volume, 1, 1, 1);

    [Benchmark]
    public Volume<float> Scalar() => MedianFilter.ApplyVoxels(_volume, 1, 1, 1, useSimd: false);
}

/// <summary>Ellipsoid morphology, radius 2 mm (distance-transform based).</summary>
[MemoryDiagnoser]
public class BinaryMorphologyBenchmarks
{
    private Volume<byte> _mask = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => FilterBenchmarkVolumes.Sizes;

    [GlobalSetup]
    public void Setup() => _mask = FilterBenchmarkVolumes.Mask(Size);

    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark(Baseline = true)]
    public Volume<byte> Dilate() => BinaryMorphology.Dilate(_mask, 2.0);

    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<byte> Erode() => BinaryMorphology.Erode(_mask, 2.0);

    /// <summary>Erosion at the pipeline's marrow closing radius (1.5 mm).</summary>
    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<byte> Erode15() => BinaryMorphology.Erode(_mask, 1.5);

    /// <summary>Erosion at the pipeline's air opening and wall closing radius (2.5 mm).</summary>
    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<byte> Erode25() => BinaryMorphology.Erode(_mask, 2.5);

    [Benchmark]
    public Volume<byte> DilateExplicitElement() => BinaryMorphology.Dilate(_mask, StructuringElement.Ellipsoid(_mask.Geometry.Spacing, 2.0));
}

/// <summary>3-D hole filling.</summary>
[MemoryDiagnoser]
public class HoleFillingBenchmarks
{
    private Volume<byte> _mask = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => FilterBenchmarkVolumes.Sizes;

    [GlobalSetup]
    public void Setup() => _mask = FilterBenchmarkVolumes.Mask(Size);

    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<byte> Fill() => HoleFilling.Fill(_mask);

    /// <summary>Hole filling of every z slice on its own (2-D, as scipy's fill on each slice).</summary>
    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<byte> FillPerSlice() => HoleFilling.FillPerSlice(_mask);
}

/// <summary>Connected components with statistics, 26-connectivity.</summary>
[MemoryDiagnoser]
public class ConnectedComponentsBenchmarks
{
    private Volume<byte> _mask = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => FilterBenchmarkVolumes.Sizes;

    [GlobalSetup]
    public void Setup() => _mask = FilterBenchmarkVolumes.Mask(Size);

    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public ComponentLabeling Label26() => ConnectedComponents.Label(_mask, Connectivity.Vertex26);

    /// <summary>Removal of 6-connected components under 5 mm³ (labels, sizes, repaint).</summary>
    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<byte> RemoveSmall() => ConnectedComponents.RemoveSmall(_mask, 5.0);
}

/// <summary>Exact Euclidean distance transform (foreground to background), anisotropic spacing.</summary>
[MemoryDiagnoser]
public class DistanceTransformBenchmarks
{
    private Volume<byte> _mask = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => FilterBenchmarkVolumes.Sizes;

    [GlobalSetup]
    public void Setup() => _mask = FilterBenchmarkVolumes.Mask(Size);

    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<float> InsideMm() => DistanceTransform.InsideMm(_mask);
}

/// <summary>Trilinear resampling onto a grid of the same size rotated 10° about z.</summary>
[MemoryDiagnoser]
public class ResamplerBenchmarks
{
    private Volume<float> _volume = null!;
    private ImageGeometry _target = null!;

    [ParamsSource(nameof(Sizes))]
    public string Size { get; set; } = "";

    public static IEnumerable<string> Sizes => FilterBenchmarkVolumes.Sizes;

    [GlobalSetup]
    public void Setup()
    {
        _volume = FilterBenchmarkVolumes.Intensity(Size);
        _target = FilterBenchmarkVolumes.RotatedTarget(_volume.Geometry);
    }

    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark(Baseline = true)]
    public Volume<float> Linear() => Resampler.Resample(_volume, _target, Interpolation.Linear);

    [BenchmarkCategory(FilterBenchmarkVolumes.PeerCategory)]
    [Benchmark]
    public Volume<float> BSpline3() => Resampler.Resample(_volume, _target, Interpolation.BSpline3);

    /// <summary>Lanczos-3 windowed sinc (no scipy.ndimage counterpart; not in the peer category).</summary>
    [Benchmark]
    public Volume<float> Lanczos3() => Resampler.Resample(_volume, _target, Interpolation.Lanczos3);
}
