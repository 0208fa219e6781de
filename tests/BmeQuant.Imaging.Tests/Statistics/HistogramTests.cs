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
