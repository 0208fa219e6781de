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
/// (however large, as long as it is under half of the bone) does not move the reference. The spreads (fluid and T1)
/// are those a reader's small region of interest would see (<see cref="LocalSpread"/> over <see cref="PatchMm"/>
/// patches, never above the whole sample's): the slow change of normal marrow's level across the bones (coil
/// sensitivity, sacral against iliac marrow) is not noise and must not widen the threshold's margin.
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
        if (PatchMm > 0 && LocalSpread(fluid, mData, PatchMm, upper: false) is { } localFluidSd)
        {
            // The spread a reader's region of interest sees: noise and texture within a patch, not the slow change of
            // level across the bones (coil sensitivity, sacral against iliac marrow). Never above the global spread.
            spread = Math.Max(Math.Min(spread, localFluidSd * 0.6745), 1e-6 * Math.Abs(median) + 1e-12);
            lowerQ1 = median - spread;
        }

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

    /// <summary>
    /// Side of the in-plane patches (mm) over which the estimated reference's spreads are measured: about the region of
    /// interest a reader draws in normal marrow (the real sacroiliac references measure 130–490 mm² a slice, 11–22 mm
    /// across). 0 = the whole sample's spread only. Settable for the measuring script
    /// (benchmarks/scripts/realsij_reference.cs) only; the analysis always runs with <see cref="ReaderPatchMm"/>.
    /// </summary>
    internal static double PatchMm { get; set; } = ReaderPatchMm;

    /// <summary>Default of <see cref="PatchMm"/> (mm).</summary>
    public const double ReaderPatchMm = 15;

    /// <summary>
    /// Robust SD of normal marrow as a small region of interest sees it: each slice is tiled into squares of
    /// <paramref name="patchMm"/> (in-plane); in every tile holding at least a quarter of its area (and 20 voxels) of
    /// <paramref name="mask"/>, the robust SD from one half of its distribution ((median − Q1)/0.6745, or
    /// (Q3 − median)/0.6745 when <paramref name="upper"/>); the median over the tiles. Null when no tile qualifies.
    /// </summary>
    internal static double? LocalSpread(Volume<float> values, byte[] mask, double patchMm, bool upper)
    {
        var g = values.Geometry;
        int nx = Math.Max(2, (int)Math.Round(patchMm / g.Spacing.X)), ny = Math.Max(2, (int)Math.Round(patchMm / g.Spacing.Y));
        var minCount = Math.Max(20, nx * ny / 4);
        var buffer = new float[nx * ny];
        var spreads = new List<double>();
        var v = values.Data;
        for (var z = 0; z < g.SizeZ; z++)
        {
            for (var y0 = 0; y0 < g.SizeY; y0 += ny)
            {
                for (var x0 = 0; x0 < g.SizeX; x0 += nx)
                {
                    var n = 0;
                    for (var y = y0; y < Math.Min(y0 + ny, g.SizeY); y++)
                    {
                        var row = (int)g.Offset(0, y, z);
                        for (var x = x0; x < Math.Min(x0 + nx, g.SizeX); x++)
                        {
                            if (mask[row + x] != 0 && float.IsFinite(v[row + x]))
                            {
                                buffer[n++] = v[row + x];
                            }
                        }
                    }

                    if (n < minCount)
                    {
                        continue;
                    }

                    var s = buffer.AsSpan(0, n);
                    s.Sort();
                    var med = Q(s, 0.5);
                    spreads.Add((upper ? Q(s, 0.75) - med : med - Q(s, 0.25)) / 0.6745);
                }
            }
        }

        if (spreads.Count == 0)
        {
            return null;
        }

        spreads.Sort();
        var h = (spreads.Count - 1) * 0.5;
        var lo = (int)h;
        return spreads[lo] + ((h - lo) * (spreads[Math.Min(lo + 1, spreads.Count - 1)] - spreads[lo]));

        static double Q(Span<float> sorted, double p)
        {
            var h = (sorted.Length - 1) * p;
            var lo = (int)h;
            return sorted[lo] + ((h - lo) * (sorted[Math.Min(lo + 1, sorted.Length - 1)] - sorted[lo]));
        }
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
        var sd = (s.Quantile(0.75) - med) / 0.6745;
        if (PatchMm > 0 && LocalSpread(t1, mask, PatchMm, upper: true) is { } localSd)
        {
            sd = Math.Min(sd, localSd);
        }

        return (med, Math.Max(sd, 1e-6 * Math.Abs(med) + 1e-12));
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
