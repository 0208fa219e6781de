using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// The edema decision, uniform over rules: a marrow voxel is edema when
/// <c>fluid + supportSd · w · (T1median − T1) / T1sd &gt; FluidThreshold</c>, T1 is not brighter than the fat veto,
/// fluid is above the reference median, and it lies deeper than the surface margin; then lesions below the minimum
/// volume are dropped and small enclosed holes filled.
/// </summary>
internal sealed record ThresholdRule(string Name, double K, double FluidThreshold, double T1SupportMultiplier, string Description)
{
    public static ThresholdRule Create(AnalysisOptions options, ReferenceStats reference, bool hasT1)
    {
        var iqr = reference.FluidQ3 - reference.FluidQ1;
        switch (options.Rule)
        {
            case EdemaRule.Q3Iqr:
                {
                    var k = options.K ?? AdaptiveK(reference, iqr);
                    var thr = reference.FluidQ3 + (k * iqr);
                    return new("q3-iqr", k, thr, 0, Invariant($"fluid > Q3 + k·IQR = {reference.FluidQ3:G5} + {k:G3}·{iqr:G5} = {thr:G5}{(options.K is null ? " (k adaptive: smallest k ≥ 1.5 leaving ≤ 1 % of normal marrow above)" : "")}"));
                }

            case EdemaRule.MeanSd:
                {
                    var k = options.EffectiveK!.Value;
                    var sd = reference.FluidSd;
                    var thr = reference.FluidMean + (k * sd);
                    return new("mean-sd", k, thr, 0, Invariant($"fluid > mean + k·SD = {reference.FluidMean:G5} + {k:G3}·{sd:G5} = {thr:G5}"));
                }

            default:
                {
                    var k = options.EffectiveK!.Value;
                    var thr = reference.FluidMedian + (k * reference.FluidRobustSd);
                    var w = hasT1 ? options.T1SupportWeight : 0;
                    return new("robust", k, thr, w * reference.FluidRobustSd, Invariant($"(fluid − {reference.FluidMedian:G5})/{reference.FluidRobustSd:G4} + {w:G3}·(T1 hypointensity z) > {k:G3}, i.e. fluid > {thr:G5} where T1 is normal"));
                }
        }
    }

    private static double AdaptiveK(ReferenceStats reference, double iqr)
    {
        if (reference.Source != "mask")
        {
            // The estimated reference is trimmed above Q3; under its normal model 1 % lies above median + 2.326 SD,
            // i.e. Q3 + 1.22 IQR, so the lower bound 1.5 applies.
            return 1.5;
        }

        const double Step = 0.05;
        for (var k = 1.5; k < 4.0; k += Step)
        {
            if (reference.Fluid.FractionAbove(reference.FluidQ3 + (k * iqr)) <= 0.01)
            {
                return Math.Round(k, 2);
            }
        }

        return 4.0;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Applies a <see cref="ThresholdRule"/> to the smoothed series inside the bones.</summary>
internal static class EdemaSegmenter
{
    /// <summary>Cap on the T1 hypointensity z-score that supports a voxel (beyond it T1 adds nothing more).</summary>
    public const double MaxT1SupportZ = 4.0;

    /// <summary>Raw decision (no size filter) at <paramref name="fluidThreshold"/>.</summary>
    public static Volume<byte> Threshold(Volume<float> fluid, Volume<float>? t1, Volume<byte> bones, Volume<float> surfaceDepthMm, ReferenceStats reference, ThresholdRule rule, double fluidThreshold, AnalysisOptions options)
    {
        var output = new Volume<byte>(fluid.Geometry);
        var f = fluid.Data;
        var b = bones.Data;
        var depth = surfaceDepthMm.Data;
        var o = output.Data;
        var useT1 = t1 is not null && reference.T1Median is not null && reference.T1RobustSd is not null;
        var t = useT1 ? t1!.Data : null;
        var t1Med = reference.T1Median ?? 0;
        var t1Sd = reference.T1RobustSd ?? 1;
        var veto = options.T1BrightVetoZ;
        var support = rule.T1SupportMultiplier;
        var median = reference.FluidMedian;
        var margin = options.SurfaceMarginMm;

        // Edema must be hyperintense on the fluid series itself (≥ median + 1 robust SD); T1 only supports it.
        var minimumFluid = median + reference.FluidRobustSd;
        var sliceLength = fluid.Geometry.SliceLength;
        Parallel.For(0, fluid.SizeZ, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism }, k =>
        {
            var end = (k + 1) * sliceLength;
            for (var i = k * sliceLength; i < end; i++)
            {
                if (b[i] == 0 || !(f[i] > minimumFluid) || depth[i] < margin)
                {
                    continue;
                }

                var value = (double)f[i];
                if (t is not null)
                {
                    var z = (t1Med - t[i]) / t1Sd;
                    if (-z > veto)
                    {
                        continue;
                    }

                    // T1 hypointensity adds at most MaxT1SupportZ robust SDs of the T1 series.
                    value += support * Math.Min(z, MaxT1SupportZ);
                }

                if (value > fluidThreshold)
                {
                    o[i] = 1;
                }
            }
        });
        return output;
    }

    /// <summary>Drops lesions under the minimum volume and fills small enclosed holes (within the bones).</summary>
    public static Volume<byte> Clean(Volume<byte> raw, Volume<byte> bones, Volume<float> surfaceDepthMm, AnalysisOptions options)
    {
        // Lesions (26-connected) under the minimum volume, or lying only in the outermost voxel layer of the bone
        // (partial volume with cortex or joint fluid), are dropped.
        var g = raw.Geometry;
        var layer = 1.0001 * Math.Max(g.Spacing.X, Math.Max(g.Spacing.Y, g.Spacing.Z));
        var cc = ConnectedComponents.Label(raw, Connectivity.Vertex26);
        var keep = new bool[cc.Count + 1];
        var lab = cc.Labels.Data;
        var depth = surfaceDepthMm.Data;
        for (var i = 0; i < lab.Length; i++)
        {
            if (lab[i] != 0 && depth[i] > layer)
            {
                keep[lab[i]] = true;
            }
        }

        foreach (var c in cc.Components)
        {
            keep[c.Label] &= c.VolumeMm3 >= options.MinimumLesionVolumeMm3 * (1 - 1e-12);
        }

        var mask = new Volume<byte>(g);
        for (var i = 0; i < lab.Length; i++)
        {
            mask.Data[i] = (byte)(lab[i] != 0 && keep[lab[i]] ? 1 : 0);
        }

        if (options.FillHolesUpToMm3 > 0)
        {
            var filled = HoleFilling.FillPerSlice(mask);
            var holes = new Volume<byte>(mask.Geometry);
            var h = holes.Data;
            var fd = filled.Data;
            var m = mask.Data;
            var b = bones.Data;
            for (var i = 0; i < h.Length; i++)
            {
                h[i] = (byte)(fd[i] != 0 && m[i] == 0 && b[i] != 0 ? 1 : 0);
            }

            var labels = ConnectedComponents.Label(holes, Connectivity.Face6);
            var small = new bool[labels.Count + 1];
            foreach (var c in labels.Components)
            {
                small[c.Label] = c.VolumeMm3 <= options.FillHolesUpToMm3;
            }

            var l = labels.Labels.Data;
            for (var i = 0; i < m.Length; i++)
            {
                if (l[i] != 0 && small[l[i]])
                {
                    m[i] = 1;
                }
            }
        }

        return mask;
    }
}
