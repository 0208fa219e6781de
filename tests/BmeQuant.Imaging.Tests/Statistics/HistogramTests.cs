using BmeQuant.Imaging.Statistics;
using BmeQuant.Imaging.Tests.Kernels;

namespace BmeQuant.Imaging.Tests.Statistics;

public class HistogramTests
{
    /// <summary>Bin by the definition: the b with edge[b] ≤ x &lt; edge[b+1] (last bin closed), edges as numpy's linspace.</summary>
    private static long[] ByDefinition(float[] values, double min, double max, int bins, byte[]? mask)
    {
        var edges = new double[bins + 1];
        var step = (max - min) / bins;
        for (var b = 0; b < bins; b++)
        {
            edges[b] = (b * step) + min;
        }

        edges[bins] = max;
        var counts = new long[bins];
        for (var n = 0; n < values.Length; n++)
        {
            if (mask is not null && mask[n] == 0)
            {
                continue;
            }

            double x = values[n];
            if (x == max)
            {
                counts[bins - 1]++;
                continue;
            }

            for (var b = 0; b < bins; b++)
            {
                if (x >= edges[b] && x < edges[b + 1])
                {
                    counts[b]++;
                    break;
                }
            }
        }

        return counts;
    }

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(7, -300, 700)]
    [InlineData(256, -299.9, 699.9)]
    [InlineData(100, 0.1, 0.7)]
    public void Compute_RandomValues_MatchesEdgeDefinition(int bins, double min, double max)
    {
        foreach (var len in new[] { 0, 1, 17, 257, 1025 })
        {
            var v = KernelTestData.Floats(len, len + bins, 1000);
            var m = KernelTestData.Mask(len, len);
            Assert.Equal(ByDefinition(v, min, max, bins, null), Histogram.Compute(v, min, max, bins).Counts);
            Assert.Equal(ByDefinition(v, min, max, bins, m), Histogram.Compute(v, min, max, bins, m).Counts);
        }
    }

    [Fact]
    public void Compute_ValuesOnEveryEdge_CountedLikeNumpy()
    {
        // Values exactly on the edges 0, 1/8, …, 1: each goes to the bin it opens; 1.0 also to the last bin.
        var v = Enumerable.Range(0, 9).Select(i => i / 8f).ToArray();
        var h = Histogram.Compute(v, 0, 1, 8);
        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 2], h.Counts);
    }

    [Fact]
    public void Compute_LargeInputInParallel_EqualsScalarPath()
    {
        var v = KernelTestData.Floats(3_000_001, 77, 500);
        v[12345] = float.NaN;
        var m = KernelTestData.Mask(v.Length, 78);
        var expected = new long[97];
        Histogram.CountScalar(v, m, -100, 300, expected);
        Assert.Equal(expected, Histogram.Compute(v, -100, 300, 97, m).Counts);
    }

    /// <summary>Values on and one ulp either side of every edge, outside the range, NaN and ±∞, then random values.</summary>
    private static float[] EdgeHeavyValues(int length, int seed, double min, double max, int bins)
    {
        var v = KernelTestData.Floats(length, seed, (float)(1.4 * (max - min)));
        var step = (max - min) / bins;
        var rng = new Random(seed + 1);
        for (var n = 0; n < length; n++)
        {
            switch (rng.Next(8))
            {
                case 0:
                    var edge = (float)(min + (rng.Next(bins + 1) * step));
                    v[n] = rng.Next(3) switch { 0 => edge, 1 => MathF.BitDecrement(edge), _ => MathF.BitIncrement(edge) };
                    break;
                case 1:
                    v[n] = rng.Next(4) switch { 0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, _ => (float)max };
                    break;
                default:
                    v[n] += (float)min;
                    break;
            }
        }

        return v;
    }

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(7, -300, 700)]
    [InlineData(97, -100.3, 300.7)]
    [InlineData(256, 900, 8000)]
    [InlineData(256, 0.1, 0.7)]
    public void CountVector_OddLengthsEdgesNaNMask_EqualsScalarPath(int bins, double min, double max)
    {
        foreach (var len in new[] { 0, 3, 4 * bins, (4 * bins) + 1, (4 * bins) + 3, 4099, 65_537 })
        {
            var v = EdgeHeavyValues(len, len + bins, min, max, bins);
            var m = KernelTestData.Mask(len, len + 7);
            var expected = new long[bins];
            var actual = new long[bins];
            Histogram.CountScalar(v, default, min, max, expected);
            Histogram.CountVector(v, default, min, max, actual);
            Assert.Equal(expected, actual);

            Array.Clear(expected);
            Array.Clear(actual);
            Histogram.CountScalar(v, m, min, max, expected);
            Histogram.CountVector(v, m, min, max, actual);
            Assert.Equal(expected, actual);
            if (len > 0)
            {
                // The edge-heavy input must reach the corrections (else the test could not fail on them).
                Assert.True(expected.Sum() > 0);
            }
        }
    }

    [Fact]
    public void FiniteRange_NaNInfinitiesMaskOddLengths_EqualsScalarScan()
    {
        foreach (var len in new[] { 0, 1, 15, 16, 17, 1023, 600_001 })
        {
            var v = KernelTestData.Floats(len, len + 11);
            var m = KernelTestData.Mask(len, len + 12);
            for (var n = 0; n < len; n += 37)
            {
                v[n] = (n / 37 % 3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
            }

            foreach (var mask in new[] { Array.Empty<byte>(), m })
            {
                double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
                for (var n = 0; n < len; n++)
                {
                    if ((mask.Length == 0 || mask[n] != 0) && float.IsFinite(v[n]))
                    {
                        lo = Math.Min(lo, v[n]);
                        hi = Math.Max(hi, v[n]);
                    }
                }

                Assert.Equal((lo, hi), Histogram.FiniteRange(v, mask));
            }
        }
    }

    [Fact]
    public void Compute_ImageRange_UsesMinAndMaxOfIncludedValues()
    {
        float[] v = [5, 1, 9, float.NaN, 3];
        var h = Histogram.Compute(v, 4);
        Assert.Equal(1, h.Min);
        Assert.Equal(9, h.Max);
        Assert.Equal(4, h.Total);
        Assert.Equal(2, h.BinWidth);
        Assert.Equal(2, h.BinCenter(0));
    }
}
