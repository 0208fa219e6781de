using BmeQuant.Imaging;
using BmeQuant.Imaging.Statistics;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// Estimates the fluid-sensitive signal of muscle: soft tissue outside the bones but within 20 mm of them, not air
/// (both signals above 5 % of their 99th percentile) and not fat (T1 below 75 % of the marrow T1 median); of these,
/// those not brighter than twice their own median (joint fluid and vessels are several times brighter than muscle on
/// fluid-sensitive images), and the median of what remains. Null without T1 or with fewer than 100 such voxels.
/// </summary>
/// <remarks>
/// The soft tissue is read from the <see cref="Pipeline.BoneShell"/> (found from the bones alone while T1 is aligned).
/// </remarks>
internal static class MuscleEstimator
{
    /// <summary>Soft tissue farther than this from the bones is not considered: the whole <see cref="Pipeline.BoneShell"/>.</summary>
    internal const double ReachMm = Pipeline.BoneShell.ReachMm;

    /// <summary>Every 7th voxel is sampled for the 99th percentiles (a systematic sample is plenty for a scale estimate).</summary>
    private const int PercentileStride = 7;

    /// <summary>
    /// Muscle's median signal on both series (null without T1, without a T1 reference, or with fewer than 100 muscle
    /// voxels); <paramref name="shell"/> is the soft tissue around the bones on the same grid (reaching at least <see cref="ReachMm"/>).
    /// </summary>
    public static (double Fluid, double T1)? Estimate(Volume<float> fluid, Volume<float>? t1, Pipeline.BoneShell shell, ReferenceStats reference)
    {
        ArgumentNullException.ThrowIfNull(shell);
        if (t1 is null || reference.T1Median is null)
        {
            return null;
        }

        using var stage = Pipeline.AnalysisStage.Start("muscle");
        var f = fluid.Data;
        var t = t1.Data;
        var fluidHigh = SelectStridedQuantile(f, PercentileStride, 0.99);
        var t1High = SelectStridedQuantile(t, PercentileStride, 0.99);
        var fatT1 = 0.75 * reference.T1Median.Value;
        var candidates = new List<int>();
        var indices = shell.Indices;
        var distances = shell.DistanceMm;
        for (var at = 0; at < indices.Length; at++)
        {
            var i = indices[at];
            if (distances[at] <= ReachMm && f[i] > 0.05 * fluidHigh && t[i] > 0.05 * t1High && t[i] < fatT1)
            {
                candidates.Add(i);
            }
        }

        if (candidates.Count < 100)
        {
            return null;
        }

        // Joint fluid and vessels: brighter than twice the candidates' median on the fluid-sensitive series.
        var fluidMax = 2 * SelectQuantileAt(f, candidates, 0.5);
        candidates.RemoveAll(i => !(f[i] <= fluidMax));
        return candidates.Count < 100 ? null : (SelectQuantileAt(f, candidates, 0.5), SelectQuantileAt(t, candidates, 0.5));
    }

    /// <summary>
    /// The same value as <c>MaskedSample.From(values, mask).Quantile(p)</c> with the mask set at <paramref name="indices"/>
    /// (finite values, linear interpolation between order statistics; NaN when none) found by selection instead of a full sort.
    /// </summary>
    internal static double SelectQuantileAt(float[] values, List<int> indices, double p)
    {
        var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(Math.Max(indices.Count, 1));
        try
        {
            var m = 0;
            foreach (var i in indices)
            {
                if (float.IsFinite(values[i]))
                {
                    buffer[m++] = values[i];
                }
            }

            return QuantileInPlace(buffer.AsSpan(0, m), p);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>As <see cref="SelectQuantileAt"/> over every <paramref name="stride"/>-th value (indices 0, stride, 2·stride …).</summary>
    internal static double SelectStridedQuantile(float[] values, int stride, double p)
    {
        var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(((values.Length + stride - 1) / stride) + 1);
        try
        {
            var m = 0;
            for (var i = 0; i < values.Length; i += stride)
            {
                if (float.IsFinite(values[i]))
                {
                    buffer[m++] = values[i];
                }
            }

            return QuantileInPlace(buffer.AsSpan(0, m), p);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Quantile <paramref name="p"/> of <paramref name="a"/> (linear interpolation between order statistics; NaN when empty); reorders <paramref name="a"/>.</summary>
    private static double QuantileInPlace(Span<float> a, double p)
    {
        var n = a.Length;
        if (n == 0)
        {
            return double.NaN;
        }

        var h = (n - 1) * Math.Clamp(p, 0, 1);
        var lo = (int)Math.Floor(h);
        var low = Percentiles.SelectInPlace(a, lo);
        if (lo + 1 >= n)
        {
            return low;
        }

        // After the selection every value right of lo is ≥ the lo-th: the next order statistic is their minimum.
        var high = float.PositiveInfinity;
        foreach (var v in a[(lo + 1)..])
        {
            high = Math.Min(high, v);
        }

        return low + ((h - lo) * (high - low));
    }
}
