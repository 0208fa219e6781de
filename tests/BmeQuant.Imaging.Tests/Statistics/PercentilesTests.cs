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
}
