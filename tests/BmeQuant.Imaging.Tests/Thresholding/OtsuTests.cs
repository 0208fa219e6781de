using BmeQuant.Imaging.Statistics;
using BmeQuant.Imaging.Thresholding;

namespace BmeQuant.Imaging.Tests.Thresholding;

public class OtsuTests
{
    private static float[] Mixture(int seed, params (double Mean, double Sd, int Count)[] parts)
    {
        var rng = new Random(seed);
        var list = new List<float>();
        foreach (var (mean, sd, count) in parts)
        {
            for (var n = 0; n < count; n++)
            {
                var u1 = 1 - rng.NextDouble();
                var u2 = rng.NextDouble();
                list.Add((float)(mean + (sd * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2))));
            }
        }

        return [.. list];
    }

    /// <summary>Brute force: the bin whose split maximises the between-class variance computed from scratch.</summary>
    private static int BruteForceBin(Histogram h)
    {
        var best = double.NegativeInfinity;
        var bin = -1;
        for (var t = 0; t < h.Bins - 1; t++)
        {
            double w0 = 0, w1 = 0, s0 = 0, s1 = 0;
            for (var b = 0; b < h.Bins; b++)
            {
                if (b <= t)
                {
                    w0 += h.Counts[b];
                    s0 += h.Counts[b] * h.BinCenter(b);
                }
                else
                {
                    w1 += h.Counts[b];
                    s1 += h.Counts[b] * h.BinCenter(b);
                }
            }

            if (w0 == 0 || w1 == 0)
            {
                continue;
            }

            var score = w0 * w1 * Math.Pow((s0 / w0) - (s1 / w1), 2);
            if (score > best)
            {
                best = score;
                bin = t;
            }
        }

        return bin;
    }

    [Fact]
    public void Compute_Bimodal_ThresholdBetweenModesAndEqualsBruteForce()
    {
        // Well-separated modes: every voxel of the first lies at or below the threshold, every one of the second above
        // (within half a bin: the threshold is the centre of the last background bin).
        var v = Mixture(1, (100, 10, 5000), (300, 20, 3000));
        var t = Otsu.Compute(v);
        var halfBin = (v.Max() - v.Min()) / 256f / 2;
        Assert.All(v.Take(5000), x => Assert.True(x <= t + halfBin));
        Assert.All(v.Skip(5000), x => Assert.True(x > t - halfBin));
        var h = Histogram.Compute(v, 256);
        Assert.Equal(BruteForceBin(h), Otsu.ThresholdBin(h, false));
    }

    [Fact]
    public void Compute_SmallBrightObject_ValleyEmphasisMovesThresholdIntoValley()
    {
        // 2 % bright object: plain Otsu lands in the big mode's tail; valley emphasis nearer the valley.
        var v = Mixture(2, (100, 15, 49000), (400, 15, 1000));
        var plain = Otsu.Compute(v);
        var valley = Otsu.Compute(v, valleyEmphasis: true);
        var h = Histogram.Compute(v, 256);
        var binPlain = (int)((plain - h.Min) / h.BinWidth);
        var binValley = (int)((valley - h.Min) / h.BinWidth);
        Assert.True(h.Counts[binValley] <= h.Counts[binPlain], $"valley bin {binValley} count {h.Counts[binValley]} vs plain {binPlain} count {h.Counts[binPlain]}");
        Assert.InRange(valley, 160, 340);
        var objectVoxels = v.Count(x => x > valley);
        Assert.InRange(objectVoxels, 990, 1010);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void ComputeMulti_DynamicProgramming_EqualsExhaustiveSearch(int classes)
    {
        for (var seed = 0; seed < 4; seed++)
        {
            var v = Mixture(seed, (50, 10, 2000), (150, 15, 1500), (300, 20, 1000), (500, 30, 500));
            var h = Histogram.Compute(v, 48);
            Assert.Equal(Otsu.MultiExhaustive(h, classes, false), Otsu.MultiDynamic(h, classes));
        }
    }

    [Fact]
    public void ComputeMulti_ThreeModes_ThresholdsSeparateThem()
    {
        var v = Mixture(3, (100, 10, 4000), (300, 10, 4000), (600, 15, 4000));
        // The threshold is the centre of the last bin of a class (skimage's convention): allow half a bin.
        var halfBin = (v.Max() - v.Min()) / 256f / 2;
        foreach (var t in new[] { Otsu.ComputeMulti(v, 3), Otsu.ComputeMulti(v, 3, valleyEmphasis: true) })
        {
            Assert.Equal(2, t.Length);
            Assert.All(v.Take(4000), x => Assert.True(x <= t[0] + halfBin));
            Assert.All(v.Skip(4000).Take(4000), x => Assert.True(x > t[0] - halfBin && x <= t[1] + halfBin));
            Assert.All(v.Skip(8000), x => Assert.True(x > t[1] - halfBin));
        }
    }

    [Fact]
    public void ComputeMulti_TwoClasses_EqualsSingleOtsu()
    {
        var v = Mixture(4, (100, 10, 3000), (200, 30, 2000));
        Assert.Equal(Otsu.Compute(v), Otsu.ComputeMulti(v, 2)[0]);
    }
}
