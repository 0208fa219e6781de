using BmeQuant.Imaging.Statistics;
using BmeQuant.Imaging.Tests.Kernels;

namespace BmeQuant.Imaging.Tests.Statistics;

public class PercentilesTests
{
    private static double BySort(IEnumerable<float> values, double p)
    {
        var s = values.Select(x => (double)x).Order().ToArray();
        var h = (s.Length - 1) * (p / 100);
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, s.Length - 1);
        return Percentiles.Lerp(s[lo], s[hi], h - lo);
    }

    [Fact]
    public void Compute_RandomValues_EqualsSortDefinition()
    {
        double[] ps = [50, 0, 100, 1, 99, 25, 75, 33.3, 95, 5];
        foreach (var len in KernelTestData.Lengths.Where(l => l > 0))
        {
            var v = KernelTestData.Floats(len, len);

            // Duplicates stress the partition's equal-to-pivot handling.
            for (var n = 0; n < len; n += 3)
            {
                v[n] = MathF.Round(v[n] / 100) * 100;
            }

            var m = KernelTestData.Mask(len, len + 1);
            var got = Percentiles.Compute(v, ps);
            var gotMasked = Percentiles.Compute(v, ps, m);
            var inside = v.Where((x, n) => m[n] != 0).ToArray();
            for (var q = 0; q < ps.Length; q++)
            {
                Assert.Equal(BySort(v, ps[q]), got[q]);
                if (inside.Length > 0)
                {
                    Assert.Equal(BySort(inside, ps[q]), gotMasked[q]);
                }
                else
                {
                    Assert.True(double.IsNaN(gotMasked[q]));
                }
            }
        }
    }

    [Theory]
    [InlineData(16384, 0)]
    [InlineData(70001, 1)]
    [InlineData((1 << 20) + 3, 2)]
    public void ComputeByBuckets_LargeInputs_EqualsSelectionAndSort(int length, int kind)
    {
        double[] ps = [0, 1, 5, 25, 33.3, 50, 75, 95, 99, 100];
        var rng = new Random(length);
        var v = new float[length];
        for (var n = 0; n < length; n++)
        {
            v[n] = kind switch
            {
                // Narrow range: many values share one bucket of the key's top bits.
                0 => 1000f + (float)rng.NextDouble(),
                // Wide signed range with duplicates, ±0, ±∞ and NaN.
                1 => rng.Next(40) switch
                {
                    0 => float.NaN,
                    1 => float.PositiveInfinity,
                    2 => float.NegativeInfinity,
                    3 => -0f,
                    4 => 0f,
                    < 15 => MathF.Round((float)((rng.NextDouble() - 0.5) * 2000) / 50) * 50,
                    _ => (float)((rng.NextDouble() - 0.5) * 1e6),
                },
                // Intensity-like values (the parallel-chunk path).
                _ => 1000f + (400f * MathF.Sin(n * 0.001f)) + rng.Next(256),
            };
        }

        var m = new byte[length];
        for (var n = 0; n < length; n++)
        {
            m[n] = (byte)(rng.Next(3) == 0 ? 0 : 1 + rng.Next(200));
        }

        foreach (var mask in new[] { Array.Empty<byte>(), m })
        {
            var buckets = Percentiles.ComputeByBuckets(v, ps, mask);
            var selection = Percentiles.ComputeBySelection(v, ps, mask);
            Assert.Equal(selection, buckets);
            Assert.Equal(selection, Percentiles.Compute(v, ps, mask));
            if (length < 100_000)
            {
                var included = v.Where((x, n) => (mask.Length == 0 || mask[n] != 0) && !float.IsNaN(x)).ToArray();
                for (var q = 0; q < ps.Length; q++)
                {
                    Assert.Equal(BySort(included, ps[q]), buckets[q]);
                }
            }
        }
    }

    [Fact]
    public void ComputeByBuckets_AllEqualOrAllMasked_ValueOrNaN()
    {
        var v = Enumerable.Repeat(7.5f, 20000).ToArray();
        Assert.All(Percentiles.ComputeByBuckets(v, [0, 50, 99.9], default), x => Assert.Equal(7.5, x));
        Assert.All(Percentiles.ComputeByBuckets(v, [0, 50], new byte[v.Length]), x => Assert.True(double.IsNaN(x)));
    }

    [Fact]
    public void Compute_KnownValues_NumpyLinear()
    {
        // np.percentile([1, 2, 3, 4], [0, 25, 50, 90, 100]) = [1, 1.75, 2.5, 3.7, 4]
        float[] v = [4, 1, 3, 2];
        var r = Percentiles.Compute(v, [0, 25, 50, 90, 100]);
        Assert.Equal([1, 1.75, 2.5, 3.7, 4], r, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void Compute_NaNIgnored_OutOfRangePercentRefused()
    {
        float[] v = [float.NaN, 10, 20, float.NaN];
        Assert.Equal(15, Percentiles.Compute(v, 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Compute(v, 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Compute(v, double.NaN));
    }

    [Fact]
    public void SelectInPlace_TiesOddLengths_KthOfSortAndPartitioned()
    {
        foreach (var len in new[] { 1, 2, 15, 16, 17, 101, 1025, 20_001 })
        {
            var rng = new Random(len);
            // Few distinct values (many ties) in half the cases, continuous values in the rest.
            var v = Enumerable.Range(0, len).Select(_ => len % 2 == 0 ? (float)rng.Next(7) : (float)(rng.NextDouble() * 100 - 30)).ToArray();
            var sorted = v.Order().ToArray();
            foreach (var k in new[] { 0, len / 3, len / 2, len - 1 })
            {
                var work = (float[])v.Clone();
                var x = Percentiles.SelectInPlace(work, k);
                Assert.Equal(sorted[k], x);
                Assert.Equal(sorted[k], work[k]);
                Assert.All(work[..k], y => Assert.True(y <= x));
                Assert.All(work[(k + 1)..], y => Assert.True(y >= x));
                Assert.Equal(sorted, work.Order().ToArray()); // a permutation of the input
            }
        }
    }

    [Fact]
    public void SelectInPlace_KOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.SelectInPlace(new float[3], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.SelectInPlace(new float[3], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.SelectInPlace(Span<float>.Empty, 0));
    }

    [Fact]
    public void QuantileInPlace_RandomValues_EqualsComputeAndSortDefinition()
    {
        double[] fractions = [0, 0.01, 0.05, 0.25, 0.333, 0.5, 0.75, 0.95, 0.99, 1];
        foreach (var len in new[] { 1, 2, 3, 17, 1000, 40_001 })
        {
            var v = KernelTestData.Floats(len, len + 5);
            foreach (var f in fractions)
            {
                var expected = Percentiles.Compute(v, 100 * f);
                Assert.Equal(expected, Percentiles.QuantileInPlace((float[])v.Clone(), f));
                Assert.Equal(BySort(v, 100 * f), expected, 9);
            }
        }

        Assert.True(double.IsNaN(Percentiles.QuantileInPlace(Span<float>.Empty, 0.5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.QuantileInPlace(new float[2], 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.QuantileInPlace(new float[2], double.NaN));
    }
}
