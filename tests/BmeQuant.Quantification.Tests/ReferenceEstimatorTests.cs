using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal;

namespace BmeQuant.Quantification.Tests;

/// <summary>The estimated normal-marrow reference (<see cref="ReferenceEstimator"/>): spreads a reader's region of interest would see.</summary>
public class ReferenceEstimatorTests
{
    private const double NoiseSd = 30;

    [Fact]
    public void LocalSpread_SlowGradientAcrossTheBone_MeasuresTheNoiseNotTheGradient()
    {
        var (values, mask) = Marrow(gradientPerMm: 2.0, seed: 11);

        var local = ReferenceEstimator.LocalSpread(values, mask.Data, ReferenceEstimator.ReaderPatchMm, upper: false);
        var global = LowerHalfSd(values, mask);

        Assert.NotNull(local);
        Assert.InRange(local.Value, 0.85 * NoiseSd, 1.15 * NoiseSd);
        Assert.True(global > 1.5 * NoiseSd, $"the whole sample's spread ({global:F1}) must be widened by the gradient, else the test shows nothing");
    }

    [Fact]
    public void LocalSpread_UpperHalf_MeasuresTheUpperTail()
    {
        // Noise that is wider above the median than below it: the upper-half spread must read the upper side.
        var (values, mask) = Marrow(gradientPerMm: 0, seed: 12);
        var v = values.Data;
        var m = mask.Data;
        var median = 500f;
        for (var i = 0; i < v.Length; i++)
        {
            if (m[i] != 0 && v[i] > median)
            {
                v[i] = median + (2 * (v[i] - median));
            }
        }

        var lower = ReferenceEstimator.LocalSpread(values, m, 15, upper: false);
        var upper = ReferenceEstimator.LocalSpread(values, m, 15, upper: true);

        Assert.InRange(lower!.Value, 0.85 * NoiseSd, 1.15 * NoiseSd);
        Assert.InRange(upper!.Value, 1.7 * NoiseSd, 2.3 * NoiseSd);
    }

    [Fact]
    public void LocalSpread_TooLittleMarrowInEveryPatch_ReturnsNull()
    {
        var g = new ImageGeometry(40, 40, 3, 1, 1, 3);
        var values = new Volume<float>(g);
        var mask = new Volume<byte>(g);
        for (var z = 0; z < 3; z++)
        {
            for (var x = 0; x < 40; x += 4)
            {
                mask.Data[g.Offset(x, 5, z)] = 1;
            }
        }

        Assert.Null(ReferenceEstimator.LocalSpread(values, mask.Data, 15, upper: false));
    }

    [Fact]
    public void Estimate_HomogeneousMarrow_SpreadsMatchTheNoise()
    {
        var (fluid, bones) = Marrow(gradientPerMm: 0, seed: 13);
        var (t1, _) = Marrow(gradientPerMm: 0, seed: 14, level: 1000);

        var r = ReferenceEstimator.Estimate(fluid, t1, bones, Depth(bones), null);

        Assert.InRange(r.FluidMedian, 495, 505);
        Assert.InRange(r.FluidRobustSd, 0.85 * NoiseSd, 1.15 * NoiseSd);
        Assert.InRange(r.T1RobustSd!.Value, 0.85 * NoiseSd, 1.15 * NoiseSd);
    }

    [Fact]
    public void Estimate_GradientsOnBothSeries_SpreadsStayAtTheNoiseWhileTheMedianStaysGlobal()
    {
        var (fluid, bones) = Marrow(gradientPerMm: 3.0, seed: 15);
        var (t1, _) = Marrow(gradientPerMm: 3.0, seed: 16, level: 1000);

        var r = ReferenceEstimator.Estimate(fluid, t1, bones, Depth(bones), null);

        // The whole T1-bright sample's spread is widened by the gradient (else the test shows nothing).
        var t1Median = t1.Data.Where((_, i) => bones.Data[i] != 0).Order().ElementAt(Count(bones) / 2);
        var fatty = bones.Clone();
        for (var i = 0; i < fatty.Length; i++)
        {
            fatty.Data[i] = (byte)(bones.Data[i] != 0 && t1.Data[i] >= t1Median ? 1 : 0);
        }

        Assert.True(LowerHalfSd(fluid, fatty) > 1.25 * NoiseSd, $"whole-sample spread {LowerHalfSd(fluid, fatty):F1}");

        // The fluid sample is the T1-bright half, whose median sits on the gradient's brighter side; the spread is the noise.
        Assert.InRange(r.FluidRobustSd, 0.8 * NoiseSd, 1.2 * NoiseSd);
        Assert.InRange(r.T1RobustSd!.Value, 0.8 * NoiseSd, 1.2 * NoiseSd);
        Assert.Equal(r.FluidMedian + (r.FluidRobustSd * 0.6745), r.FluidQ3, 6);
        Assert.Equal(r.FluidMedian - (r.FluidRobustSd * 0.6745), r.FluidQ1, 6);
    }

    [Fact]
    public void Estimate_EdemaInAThirdOfThePatches_FluidSpreadNotWidened()
    {
        var (fluid, bones) = Marrow(gradientPerMm: 0, seed: 17);
        var (t1, _) = Marrow(gradientPerMm: 0, seed: 18, level: 1000);
        var g = fluid.Geometry;
        var rng = new Random(19);
        for (var z = 0; z < g.SizeZ; z++)
        {
            for (var y = 0; y < g.SizeY; y++)
            {
                for (var x = 0; x < g.SizeX / 3; x++)
                {
                    // Edema in the left third: bright on the fluid series, a little darker on T1 (still in the T1-bright half at times).
                    var i = g.Offset(x, y, z);
                    if (bones.Data[i] != 0 && rng.NextDouble() < 0.5)
                    {
                        fluid.Data[i] += 400;
                    }
                }
            }
        }

        var r = ReferenceEstimator.Estimate(fluid, t1, bones, Depth(bones), null);

        Assert.InRange(r.FluidMedian, 490, 520);
        Assert.InRange(r.FluidRobustSd, 0.8 * NoiseSd, 1.2 * NoiseSd);
    }

    [Fact]
    public void Estimate_GivenMask_UsesTheMaskNotLocalSpreads()
    {
        var (fluid, bones) = Marrow(gradientPerMm: 2.0, seed: 20);
        var (t1, _) = Marrow(gradientPerMm: 0, seed: 21, level: 1000);
        var given = bones.Clone();

        var r = ReferenceEstimator.Estimate(fluid, t1, bones, Depth(bones), given);

        Assert.Equal("mask", r.Source);
        Assert.Equal((r.FluidQ3 - r.FluidQ1) / ReferenceStats.IqrToSd, r.FluidRobustSd, 9);
        Assert.True(r.FluidRobustSd > 1.5 * NoiseSd, "a given mask keeps its own (gradient-widened) spread");
    }

    /// <summary>A 120 × 120 × 6 grid (0.6 × 0.6 × 3.3 mm) with a square bone of 96 × 96 voxels; level + gradient along X + Gaussian noise.</summary>
    private static (Volume<float> Values, Volume<byte> Bones) Marrow(double gradientPerMm, int seed, double level = 500)
    {
        var g = new ImageGeometry(120, 120, 6, 0.6, 0.6, 3.3);
        var values = new Volume<float>(g);
        var bones = new Volume<byte>(g);
        var rng = new Random(seed);
        for (var z = 0; z < g.SizeZ; z++)
        {
            for (var y = 0; y < g.SizeY; y++)
            {
                for (var x = 0; x < g.SizeX; x++)
                {
                    var i = g.Offset(x, y, z);
                    var inBone = x is >= 12 and < 108 && y is >= 12 and < 108;
                    bones.Data[i] = (byte)(inBone ? 1 : 0);
                    var u1 = 1 - rng.NextDouble();
                    var u2 = rng.NextDouble();
                    var noise = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2) * NoiseSd;
                    values.Data[i] = (float)(level + (gradientPerMm * (x - 60) * 0.6) + noise);
                }
            }
        }

        return (values, bones);
    }

    /// <summary>In-plane distance (mm) to the square bone's edge (every slice holds the same square).</summary>
    private static Volume<float> Depth(Volume<byte> bones)
    {
        var g = bones.Geometry;
        var depth = new Volume<float>(g);
        for (var z = 0; z < g.SizeZ; z++)
        {
            for (var y = 0; y < g.SizeY; y++)
            {
                for (var x = 0; x < g.SizeX; x++)
                {
                    var i = g.Offset(x, y, z);
                    depth.Data[i] = bones.Data[i] == 0 ? 0 : (float)(0.6 * (1 + Math.Min(Math.Min(x - 12, 107 - x), Math.Min(y - 12, 107 - y))));
                }
            }
        }

        return depth;
    }

    private static int Count(Volume<byte> mask) => mask.Data.Count(v => v != 0);

    private static double LowerHalfSd(Volume<float> values, Volume<byte> mask)
    {
        var s = values.Data.Where((_, i) => mask.Data[i] != 0).Order().ToArray();
        return (s[s.Length / 2] - s[s.Length / 4]) / 0.6745;
    }
}
