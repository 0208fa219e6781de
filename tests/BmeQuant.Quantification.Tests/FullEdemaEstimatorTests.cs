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

    [Fact]
    public void Estimate_CortexPartialVolumeVoxels_LeftOutOfTheMixingLine()
    {
        // A fifth of the lesion voxels mix half with cortex (dark on both series): fat loss without fluid rise.
        // Without trimming they pull the estimate about a fifth low; the trimmed fit must stay within 5 %.
        var (fluid, t1, raw, reference) = Build(6, 10, 1.0);
        var rng = new Random(7);
        var contaminated = 0;
        for (var i = 0; i < fluid.Length; i += 2)
        {
            if (rng.NextDouble() < 0.2)
            {
                fluid.Data[i] *= 0.5f;
                t1.Data[i] *= 0.5f;
                contaminated++;
            }
        }

        var full = FullEdemaEstimator.Estimate(fluid, t1, raw, reference, NormalFluid + 30, (150, MuscleT1));

        Assert.True(contaminated > 100);
        Assert.Equal("t1-fat-loss", full.Source);
        Assert.InRange(full.Fluid, 0.95 * FullFluid, 1.05 * FullFluid);
    }

    [Fact]
    public void RobustSlope_CleanLine_EqualsRatioOfSums()
    {
        double[] rise = [100, 200, 300, 400, 500, 250];
        double[] loss = [0.21, 0.39, 0.61, 0.8, 0.99, 0.5];

        var fit = FullEdemaEstimator.RobustSlope(rise, loss.Select(x => x * 5).ToArray());

        Assert.NotNull(fit);
        Assert.Equal(rise.Sum() / (5 * loss.Sum()), fit.Value.Slope, 9);
        Assert.Equal(rise.Length, fit.Value.Kept);
    }

    [Fact]
    public void Estimate_FreeWaterFound_AnchorsHalfwayBetweenMuscleAndFreeWater()
    {
        // Fat-free marrow at T1 250: muscle (400) and free water (100) bracket it; the muscle anchor alone would
        // under-estimate the fully edematous signal by (1000 − 250)/(1000 − 400) = 1.25.
        var g = new ImageGeometry(40, 40, 10, new Vector3D(1, 1, 1), Vector3D.Zero);
        var fluid = new Volume<float>(g);
        var t1 = new Volume<float>(g);
        var raw = new Volume<byte>(g);
        var rng = new Random(8);
        for (var i = 0; i < fluid.Length; i++)
        {
            var f = 0.1 + (0.9 * rng.NextDouble());
            fluid.Data[i] = (float)(NormalFluid + (f * (FullFluid - NormalFluid)));
            t1.Data[i] = (float)(NormalT1 - (f * (NormalT1 - 250)));
            raw.Data[i] = EdemaSegmenter.Interior;
        }

        var reference = new ReferenceStats("mask", raw, MaskedSample.From(fluid.Data, raw.Data), NormalFluid, NormalFluid - 10, NormalFluid + 10, 15, NormalT1, 15);

        var withWater = FullEdemaEstimator.Estimate(fluid, t1, raw, reference, NormalFluid + 30, (150, MuscleT1), freeWaterT1: 100);
        var muscleOnly = FullEdemaEstimator.Estimate(fluid, t1, raw, reference, NormalFluid + 30, (150, MuscleT1));

        Assert.InRange(withWater.Fluid, 0.99 * FullFluid, 1.01 * FullFluid);
        Assert.Contains("free water", withWater.Description, StringComparison.Ordinal);
        Assert.True(muscleOnly.Fluid < withWater.Fluid);
    }

    /// <summary>
    /// A lesion (fully edematous within 4 mm of its centre, fading linearly to normal marrow at 9 mm) inside one bone on
    /// 1 × 1 × 3 mm voxels; its T1 fat loss spread over three slices and the in-plane neighbours, as a T1 series on
    /// another grid is after resampling. Voxels above the threshold see less of the fat loss at the centre and more of it
    /// past their edge: the per-voxel ratio of sums reads the fat-free signal about 12 % high (a numpy prototype of the
    /// same construction: 11.9–12.9 % over three seeds), the sums over the lesion grown past the spread within 1 %.
    /// </summary>
    private static (Volume<float> Fluid, Volume<float> T1, Volume<byte> Raw, Volume<int> Labels, ReferenceStats Reference) BuildBlurredLesion(int seed, double threshold)
    {
        var g = new ImageGeometry(40, 40, 16, new Vector3D(1, 1, 3), Vector3D.Zero);
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ, sxy = nx * ny;
        var fraction = new double[g.VoxelCount];
        var labels = new Volume<int>(g);
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                for (var i = 0; i < nx; i++)
                {
                    var at = i + (j * nx) + (k * sxy);
                    var inBone = k is >= 1 and <= 14 && j is >= 2 and <= 37 && i is >= 2 and <= 37;
                    labels.Data[at] = inBone ? 1 : 0;
                    var r = Math.Sqrt((9.0 * (k - 8) * (k - 8)) + ((j - 20) * (j - 20)) + ((i - 20) * (i - 20)));
                    fraction[at] = inBone ? Math.Clamp((9 - r) / 5, 0, 1) : 0;
                }
            }
        }

        // T1's view of the fraction: mean over three slices, then [1 2 1]/4 along x and along y (zero outside the grid).
        double At(double[] v, int i, int j, int k) => i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz ? 0 : v[i + (j * nx) + (k * sxy)];
        var zBlur = new double[fraction.Length];
        var xBlur = new double[fraction.Length];
        var t1Fraction = new double[fraction.Length];
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                for (var i = 0; i < nx; i++)
                {
                    zBlur[i + (j * nx) + (k * sxy)] = (At(fraction, i, j, k - 1) + At(fraction, i, j, k) + At(fraction, i, j, k + 1)) / 3;
                }
            }
        }

        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                for (var i = 0; i < nx; i++)
                {
                    xBlur[i + (j * nx) + (k * sxy)] = (0.25 * At(zBlur, i - 1, j, k)) + (0.5 * At(zBlur, i, j, k)) + (0.25 * At(zBlur, i + 1, j, k));
                }
            }
        }

        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                for (var i = 0; i < nx; i++)
                {
                    t1Fraction[i + (j * nx) + (k * sxy)] = (0.25 * At(xBlur, i, j - 1, k)) + (0.5 * At(xBlur, i, j, k)) + (0.25 * At(xBlur, i, j + 1, k));
                }
            }
        }

        var rng = new Random(seed);
        double Noise() => 5 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var fluid = new Volume<float>(g);
        var t1 = new Volume<float>(g);
        for (var n = 0; n < fraction.Length; n++)
        {
            fluid.Data[n] = (float)(NormalFluid + (fraction[n] * (FullFluid - NormalFluid)) + Noise());
            t1.Data[n] = (float)(NormalT1 - (t1Fraction[n] * (NormalT1 - MuscleT1)) + Noise());
        }

        var boundary = EdemaSegmenter.BoundaryLayer(labels);
        var raw = new Volume<byte>(g);
        var reference = new Volume<byte>(g);
        for (var n = 0; n < fraction.Length; n++)
        {
            if (labels.Data[n] != 0 && fluid.Data[n] > threshold)
            {
                raw.Data[n] = boundary.Data[n] != 0 ? EdemaSegmenter.Boundary : EdemaSegmenter.Interior;
            }

            reference.Data[n] = (byte)(labels.Data[n] != 0 && fraction[n] == 0 && t1Fraction[n] == 0 ? 1 : 0);
        }

        var stats = new ReferenceStats("mask", reference, MaskedSample.From(fluid.Data, reference.Data), NormalFluid, NormalFluid - 3, NormalFluid + 3, 5, NormalT1, 5);
        return (fluid, t1, raw, labels, stats);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Estimate_T1SpreadPastTheLesion_GrownSumsRecoverFatFreeSignalWhereVoxelSumsReadHigh(int seed)
    {
        const double threshold = NormalFluid + (0.15 * (FullFluid - NormalFluid));
        var (fluid, t1, raw, labels, reference) = BuildBlurredLesion(seed, threshold);

        var voxels = FullEdemaEstimator.Estimate(fluid, t1, raw, reference, threshold, (300, MuscleT1));
        var grown = FullEdemaEstimator.Estimate(fluid, t1, raw, reference, threshold, (300, MuscleT1), labels: labels);

        Assert.True(voxels.Fluid > 1.10 * FullFluid, $"voxel sums {voxels.Fluid:F1}: {voxels.Description}");
        Assert.InRange(grown.Fluid, 0.97 * FullFluid, 1.03 * FullFluid);
        Assert.Contains("grown by", grown.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Estimate_LesionsOnly_LeavesOutRedMarrowIslandsDarkerThanMuscle(int seed)
    {
        // Two blocks of hyperintense interior marrow three voxels apart (separate 26-connected components): a lesion on
        // the mixing line to fat-free marrow (fractions 0.3–0.7), and a red-marrow island of the same size darker than muscle
        // on the fluid series (150–190 against muscle 220) with a large T1 fat loss (fat partly replaced by haematopoietic
        // cells, not by water): a flatter line. Over every voxel the island pulls the estimate far below the lesion's
        // fat-free signal; over the lesions brighter than muscle it is within 5 %.
        var g = new ImageGeometry(40, 20, 10, new Vector3D(1, 1, 1), Vector3D.Zero);
        var fluid = new Volume<float>(g);
        var t1 = new Volume<float>(g);
        var raw = new Volume<byte>(g);
        var rng = new Random(seed);
        double Noise() => 5 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        for (var k = 0; k < 10; k++)
        {
            for (var j = 0; j < 20; j++)
            {
                for (var i = 0; i < 40; i++)
                {
                    var at = i + (j * 40) + (k * 800);
                    if (i is >= 2 and < 18)
                    {
                        var f = 0.3 + (0.4 * rng.NextDouble());
                        fluid.Data[at] = (float)(NormalFluid + (f * (FullFluid - NormalFluid)) + Noise());
                        t1.Data[at] = (float)(NormalT1 - (f * (NormalT1 - MuscleT1)) + Noise());
                        raw.Data[at] = EdemaSegmenter.Interior;
                    }
                    else if (i is >= 21 and < 37)
                    {
                        var u = rng.NextDouble();
                        fluid.Data[at] = (float)(150 + (40 * u) + Noise());
                        t1.Data[at] = (float)(NormalT1 - ((0.3 + (0.4 * u)) * (NormalT1 - MuscleT1)) + Noise());
                        raw.Data[at] = EdemaSegmenter.Interior;
                    }
                    else
                    {
                        fluid.Data[at] = (float)(NormalFluid + Noise());
                        t1.Data[at] = (float)(NormalT1 + Noise());
                    }
                }
            }
        }

        var normal = new Volume<byte>(g);
        for (var n = 0; n < normal.Length; n++)
        {
            normal.Data[n] = (byte)(raw.Data[n] == 0 ? 1 : 0);
        }

        var reference = new ReferenceStats("mask", normal, MaskedSample.From(fluid.Data, normal.Data), NormalFluid, NormalFluid - 3, NormalFluid + 3, 5, NormalT1, 5);
        (double Fluid, double T1) muscle = (220, MuscleT1);

        var every = FullEdemaEstimator.Estimate(fluid, t1, raw, reference, NormalFluid + 15, muscle);
        var lesions = FullEdemaEstimator.Estimate(fluid, t1, raw, reference, NormalFluid + 15, muscle, lesionsOnly: true);

        Assert.True(every.Fluid < 0.8 * FullFluid, $"every voxel {every.Fluid:F1}: {every.Description}");
        Assert.InRange(lesions.Fluid, 0.95 * FullFluid, 1.05 * FullFluid);
        Assert.Contains("lesions brighter than muscle", lesions.Description, StringComparison.Ordinal);
    }
}
