using BmeQuant.Imaging.Filters;
using BmeQuant.Imaging.Thresholding;
using CsCheck;

namespace BmeQuant.Imaging.Tests.Kernels;

/// <summary>Odd shapes and special values for <see cref="GaussianFilter"/> (TensorPrimitives FIR rows and the recursive path).</summary>
public class GaussianFilterPropertyTests
{
    private static readonly double[] s_sigmasMm = [0, 0.3, 1.0, 2.6];

    [Fact]
    public void Apply_OddShapesWithExtremes_FirEqualsDoubleReference()
    {
        var values = Gen.Frequency((4, Gen.Float[-1000f, 1000f]), (1, Gen.OneOf(0f, -0f, 1e-40f, -1e-40f, 1e30f, -1e30f)));
        var seed = 0UL;
        foreach (var (nx, ny, nz) in OddShapes.Sizes)
        {
            var v = OddShapes.Volume(nx, ny, nz, values, seed++);
            foreach (var sigma in s_sigmasMm)
            {
                var sigmas = new Vector3D(sigma, sigma * 1.3, sigma * 2);
                var expected = GaussianFilter.ApplyReference(v, sigmas);
                var actual = GaussianFilter.Apply(v, sigmas);
                var maxAbs = v.Data.Max(Math.Abs);
                for (var n = 0; n < v.Length; n++)
                {
                    // Float accumulation of at most ~60 taps per axis, three axes: 1e-5 of the largest magnitude.
                    var tolerance = 1e-5f * maxAbs;
                    Assert.True(Math.Abs(expected.Data[n] - actual.Data[n]) <= tolerance, $"{nx}×{ny}×{nz}, σ {sigmas}: voxel {n} expected {expected.Data[n]:R}, got {actual.Data[n]:R}");
                }
            }
        }
    }

    [Fact]
    public void Apply_OddShapes_ConstantStaysConstantBothMethods()
    {
        foreach (var (nx, ny, nz) in OddShapes.Sizes)
        {
            var v = new Volume<float>(new ImageGeometry(nx, ny, nz, new Vector3D(0.5, 0.5, 0.5), Vector3D.Zero));
            v.Span.Fill(123.5f);
            foreach (var method in new[] { GaussianMethod.Fir, GaussianMethod.Recursive })
            {
                foreach (var sigma in new[] { 0.0, 0.4, 2.0, 6.0 })
                {
                    // FIR: weights sum to 1 in float, a few ulps. Recursive: the documented float drift of the y/z
                    // passes (2.3e-4 measured at σ 12–20 voxels; here up to 12 voxels).
                    var smoothed = GaussianFilter.Apply(v, sigma, method: method);
                    var tolerance = 123.5f * (method == GaussianMethod.Fir ? 1e-6f : 3e-4f);
                    Assert.All(smoothed.Data, x => Assert.True(Math.Abs(x - 123.5f) <= tolerance, $"{nx}×{ny}×{nz}, σ {sigma} mm, {method}: {x:R}"));
                }
            }
        }
    }

    [Fact]
    public void Apply_NaNVoxel_PropagatesExactlyAsFarAsTheKernelReaches()
    {
        // The documented rule; σ 1 voxel truncated at 4σ reaches 4 voxels along y.
        var v = new Volume<float>(new ImageGeometry(1, 19, 1));
        v.Span.Fill(2f);
        v[0, 9, 0] = float.NaN;
        var smoothed = GaussianFilter.Apply(v, 1.0);
        for (var j = 0; j < 19; j++)
        {
            Assert.Equal(Math.Abs(j - 9) <= 4, float.IsNaN(smoothed[0, j, 0]));
        }
    }

    [Fact]
    public void Apply_NegativeOrNonFiniteSigma_ThrowsArgumentOutOfRangeException()
    {
        var v = new Volume<float>(new ImageGeometry(3, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianFilter.Apply(v, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianFilter.Apply(v, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianFilter.Apply(v, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussianFilter.Apply(v, 1, truncateSigmas: 0));
    }
}

/// <summary>Odd shapes and special values for <see cref="Hysteresis"/> (SIMD threshold and run maxima) against its flood reference.</summary>
public class HysteresisPropertyTests
{
    [Fact]
    public void Apply_OddShapesWithSpecialValues_EqualsFloodReference()
    {
        var values = Gen.Frequency((4, Gen.Float[0f, 10f]), (1, Gen.OneOf<float>(PropertyCheck.SpecialFloats)));
        var seed = 300UL;
        foreach (var (nx, ny, nz) in OddShapes.Sizes.Concat([(70, 3, 2), (9, 9, 9)]))
        {
            var v = OddShapes.Volume(nx, ny, nz, values, seed++);
            foreach (var (low, high) in new[] { (3f, 7f), (5f, 5f), (float.NegativeInfinity, 9f), (2f, float.PositiveInfinity), (-float.MaxValue, float.MaxValue) })
            {
                foreach (var connectivity in new[] { 6, 18, 26 })
                {
                    var expected = Hysteresis.ApplyFlood(v, low, high, connectivity);
                    var actual = Hysteresis.Apply(v, low, high, connectivity);
                    Assert.True(expected.Data.SequenceEqual(actual.Data), $"{nx}×{ny}×{nz}, low {low}, high {high}, connectivity {connectivity}");
                }
            }
        }
    }

    [Fact]
    public void Apply_NaNThresholdOrLowAboveHigh_ThrowsArgumentOutOfRangeException()
    {
        var v = new Volume<float>(new ImageGeometry(2, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hysteresis.Apply(v, float.NaN, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hysteresis.Apply(v, 0f, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hysteresis.Apply(v, 2f, 1f));
    }
}

/// <summary>Edge inputs of <see cref="Otsu"/> (built on the SIMD histogram).</summary>
public class OtsuPropertyTests
{
    [Fact]
    public void Compute_TwoClustersWithNaNAndInfinities_ThresholdSeparatesThem()
    {
        foreach (var length in new[] { 2, 7, 64, 257, 4099 })
        {
            var values = Enumerable.Range(0, length).Select(n => n % 2 == 0 ? 10f + (n % 3) : 200f + (n % 5)).ToArray();
            if (length > 4)
            {
                values[1] = float.NaN;
                values[3] = float.PositiveInfinity;
                values[4] = float.NegativeInfinity;
            }

            var t = Otsu.Compute(values, 64);
            // The threshold is the centre of the last background bin: it lies in the low cluster's last bin (64 bins
            // over at most [10, 204]: 3.03 wide) and below every high value.
            Assert.True(t >= 10f && t < 15.1f, $"length {length}: threshold {t}");
        }
    }

    [Fact]
    public void Compute_NoFiniteValue_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Otsu.Compute([float.NaN, float.PositiveInfinity]));
        Assert.Throws<ArgumentException>(() => Otsu.Compute([]));
    }

    [Fact]
    public void Compute_SingleValue_ReturnsAValueInItsWidenedRange()
    {
        var t = Otsu.Compute(Enumerable.Repeat(42f, 100).ToArray());
        Assert.InRange(t, 41.5f, 42.5f);
    }
}
