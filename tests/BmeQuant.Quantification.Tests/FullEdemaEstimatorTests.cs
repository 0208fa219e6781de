using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal;
using BmeQuant.Quantification.Internal.Edema;

namespace BmeQuant.Quantification.Tests;

/// <summary>
/// The partial-volume anchor: voxels mixing normal marrow (fluid 100, T1 1000) with fat-free marrow (fluid 600, T1
/// 400 = muscle's T1) at random fractions, with noise; the estimate must recover the fat-free fluid signal.
/// </summary>
public class FullEdemaEstimatorTests
{
    private const double NormalFluid = 100;
    private const double FullFluid = 600;
    private const double NormalT1 = 1000;
    private const double MuscleT1 = 400;

    private static (Volume<float> Fluid, Volume<float> T1, Volume<byte> Raw, ReferenceStats Reference) Build(int seed, double noiseSd, double maxFraction)
    {
        var g = new ImageGeometry(40, 40, 10, new Vector3D(1, 1, 1), Vector3D.Zero);
        var fluid = new Volume<float>(g);
        var t1 = new Volume<float>(g);
        var raw = new Volume<byte>(g);
        var reference = new Volume<byte>(g);
        var rng = new Random(seed);
        double Noise() => noiseSd * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        for (var i = 0; i < fluid.Length; i++)
        {
            // Half the voxels normal marrow (the reference), half lesion with fractions 0.1–maxFraction.
            var lesion = i % 2 == 0;
            var f = lesion ? 0.1 + ((maxFraction - 0.1) * rng.NextDouble()) : 0;
            fluid.Data[i] = (float)(NormalFluid + (f * (FullFluid - NormalFluid)) + Noise());
            t1.Data[i] = (float)(NormalT1 - (f * (NormalT1 - MuscleT1)) + Noise());
            raw.Data[i] = lesion ? EdemaSegmenter.Interior : (byte)0;
            reference.Data[i] = lesion ? (byte)0 : (byte)1;
        }

        var sample = MaskedSample.From(fluid.Data, reference.Data);
        var stats = new ReferenceStats("mask", reference, sample, NormalFluid, NormalFluid - 10, NormalFluid + 10, 15, NormalT1, 15);
        return (fluid, t1, raw, stats);
    }

    [Theory]
    [InlineData(1, 10.0, 1.0)]
    [InlineData(2, 25.0, 1.0)]
    [InlineData(3, 10.0, 0.5)]
    public void Estimate_MixedVoxelsWithT1AndMuscle_RecoversFatFreeSignalWithin5Percent(int seed, double noiseSd, double maxFraction)
    {
        var (fluid, t1, raw, reference) = Build(seed, noiseSd, maxFraction);

        var full = FullEdemaEstimator.Estimate(fluid, t1, raw, reference, NormalFluid + (3 * noiseSd), (150, MuscleT1));

        Assert.Equal("t1-fat-loss", full.Source);
        Assert.InRange(full.Fluid, 0.95 * FullFluid, 1.05 * FullFluid);
        Assert.Equal(0.5, full.Fraction(full.SignalAt(0.5, NormalFluid), NormalFluid), 6);
    }

    [Fact]
    public void Estimate_WithoutT1_TakesTheBrightestLesionVoxelsAsFull()
    {
        // Faint lesions (at most half edematous) without T1: fractions become relative to the brightest voxels.
        var (fluid, _, raw, reference) = Build(4, 10, 0.5);

        var full = FullEdemaEstimator.Estimate(fluid, null, raw, reference, NormalFluid + 30, null);

        Assert.Equal("lesion-peak", full.Source);
        Assert.InRange(full.Fluid, NormalFluid + (0.45 * (FullFluid - NormalFluid)), NormalFluid + (0.6 * (FullFluid - NormalFluid)));
    }

    [Fact]
    public void Estimate_FewHyperintenseVoxels_ReportsNone()
    {
        var (fluid, t1, _, reference) = Build(5, 10, 1);
        var raw = new Volume<byte>(fluid.Geometry);
        raw.Data[0] = EdemaSegmenter.Interior;

        var full = FullEdemaEstimator.Estimate(fluid, t1, raw, reference, NormalFluid + 30, (150, MuscleT1));

        Assert.Equal("none", full.Source);
        Assert.True(double.IsNaN(full.Fluid));
        Assert.Equal(0, full.Fraction(500, NormalFluid));
    }
}
