using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Internal;

/// <summary>Normal-marrow statistics on the (smoothed) series.</summary>
internal sealed record ReferenceStats(
    string Source,
    Volume<byte> Mask,
    MaskedSample Fluid,
    double FluidMedian,
    double FluidQ1,
    double FluidQ3,
    double FluidRobustSd,
    double? T1Median,
    double? T1RobustSd)
{
    /// <summary>Centre of normal marrow for the mean-SD rule and the ratios: the sample mean for a given mask, the median for an estimate.</summary>
    public double FluidMean => Source == "mask" ? Fluid.Mean : FluidMedian;

    /// <summary>Spread for the mean-SD rule and the CNR: the sample SD for a given mask, the robust SD for an estimate (its sample is trimmed).</summary>
    public double FluidSd => Source == "mask" ? Fluid.StandardDeviation : FluidRobustSd;

    public const double IqrToSd = 1.349;
}

/// <summary>
/// Finds the normal-marrow reference: the given mask, or an estimate robust to the edema inside the bones.
/// The estimate keeps the marrow voxels at least 1 mm from the bone surface (no cortex) that are fatty on T1
/// (T1 at or above the bones' T1 median) and takes the fluid-signal median and the lower half of its distribution
/// only: the spread is (median − Q1)/0.674 and Q3 is mirrored as median + (median − Q1), so an upper tail of edema
/// (however large, as long as it is under half of the bone) does not move the reference.
/// </summary>
internal static class ReferenceEstimator
{
    public static ReferenceStats Estimate(Volume<float> fluid, Volume<float>? t1, Volume<byte> bones, Volume<float> boneDepthMm, Volume<byte>? givenMask)
    {
        if (givenMask is not null)
        {
            var mask = givenMask;
            var sample = MaskedSample.From(fluid.Data, mask.Data);
            if (sample.Count < 10)
            {
                throw new QuantificationException($"The reference mask holds {sample.Count} voxels on the fluid-sensitive grid; expected at least 10 voxels of normal marrow.");
            }

            double q1 = sample.Quantile(0.25), med = sample.Quantile(0.5), q3 = sample.Quantile(0.75);
            var (t1Med, t1Sd) = T1Stats(t1, mask);
            return new ReferenceStats("mask", mask, sample, med, q1, q3, Math.Max((q3 - q1) / ReferenceStats.IqrToSd, 1e-6 * Math.Abs(med) + 1e-12), t1Med, t1Sd);
        }

        var marrow = new Volume<byte>(bones.Geometry);
        var minDepth = Math.Min(1.0, 0.99 * Math.Max(bones.Geometry.Spacing.X, bones.Geometry.Spacing.Y));
        var b = bones.Data;
        var d = boneDepthMm.Data;
        var mData = marrow.Data;
        for (var i = 0; i < b.Length; i++)
        {
            mData[i] = (byte)(b[i] != 0 && d[i] >= minDepth ? 1 : 0);
        }

        if (t1 is not null)
        {
            var t1Sample = MaskedSample.From(t1.Data, mData);
            var t1Median = t1Sample.Quantile(0.5);
            var t = t1.Data;
            for (var i = 0; i < mData.Length; i++)
            {
                if (mData[i] != 0 && !(t[i] >= t1Median))
                {
                    mData[i] = 0;
                }
            }
        }

        var fluidSample = MaskedSample.From(fluid.Data, mData);
        if (fluidSample.Count < 10)
        {
            throw new QuantificationException($"Only {fluidSample.Count} marrow voxels were found to estimate the normal-marrow reference; expected at least 10 (bones too small or empty).");
        }

        var median = fluidSample.Quantile(0.5);
        var lowerQ1 = fluidSample.Quantile(0.25);
        var spread = Math.Max(median - lowerQ1, 1e-6 * Math.Abs(median) + 1e-12);

        // Keep as the reference mask the voxels within the mirrored central half (for reporting and ratios).
        var f = fluid.Data;
        for (var i = 0; i < mData.Length; i++)
        {
            if (mData[i] != 0 && f[i] > median + spread)
            {
                mData[i] = 0;
            }
        }

        // T1 of normal marrow: deep marrow whose fluid signal is normal (edema excluded by the fluid-sensitive
        // series, not by T1), so the T1 distribution is not truncated; its spread from the upper half (edema and
        // partial volume with cortex only ever lower T1).
        var (tm, ts) = T1StatsUpperHalf(t1, bones, boneDepthMm, minDepth, fluid, median + spread);
        return new ReferenceStats("estimated", marrow, MaskedSample.From(fluid.Data, mData), median, lowerQ1, median + spread, spread / 0.6745, tm, ts);
    }

    private static (double? Median, double? RobustSd) T1StatsUpperHalf(Volume<float>? t1, Volume<byte> bones, Volume<float> boneDepthMm, double minDepth, Volume<float> fluid, double fluidUpper)
    {
        if (t1 is null)
        {
            return (null, null);
        }

        var mask = new byte[bones.Length];
        var b = bones.Data;
        var d = boneDepthMm.Data;
        var f = fluid.Data;
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = (byte)(b[i] != 0 && d[i] >= minDepth && f[i] <= fluidUpper ? 1 : 0);
        }

        var s = MaskedSample.From(t1.Data, mask);
        if (s.Count == 0)
        {
            return (null, null);
        }

        var med = s.Quantile(0.5);
        var sd = Math.Max((s.Quantile(0.75) - med) / 0.6745, 1e-6 * Math.Abs(med) + 1e-12);
        return (med, sd);
    }

    private static (double? Median, double? RobustSd) T1Stats(Volume<float>? t1, Volume<byte> mask)
    {
        if (t1 is null)
        {
            return (null, null);
        }

        var s = MaskedSample.From(t1.Data, mask.Data);
        if (s.Count == 0)
        {
            return (null, null);
        }

        var med = s.Quantile(0.5);
        var sd = Math.Max((s.Quantile(0.75) - s.Quantile(0.25)) / ReferenceStats.IqrToSd, 1e-6 * Math.Abs(med) + 1e-12);
        return (med, sd);
    }
}
