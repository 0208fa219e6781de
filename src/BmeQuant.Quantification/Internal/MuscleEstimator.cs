using BmeQuant.Imaging;
using BmeQuant.Imaging.Statistics;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// Estimates the fluid-sensitive signal of muscle: soft tissue outside the bones but within 20 mm of them, not air
/// (both signals above 5 % of their 99th percentile) and not fat (T1 below 75 % of the marrow T1 median); of these,
/// those not brighter than twice their own median (joint fluid and vessels are several times brighter than muscle on
/// fluid-sensitive images), and the median of what remains. Null without T1 or with fewer than 100 such voxels.
/// </summary>
internal static class MuscleEstimator
{
    /// <summary>Soft tissue farther than this from the bones is not considered.</summary>
    private const double ReachMm = 20;

    public static double? EstimateFluid(Volume<float> fluid, Volume<float>? t1, BoneGeometry bones, ReferenceStats reference) =>
        Estimate(fluid, t1, bones, reference)?.Fluid;

    /// <summary>Muscle's median signal on both series (null as for <see cref="EstimateFluid"/>).</summary>
    public static (double Fluid, double T1)? Estimate(Volume<float> fluid, Volume<float>? t1, BoneGeometry bones, ReferenceStats reference)
    {
        if (t1 is null || reference.T1Median is null)
        {
            return null;
        }

        using var stage = Pipeline.AnalysisStage.Start("muscle");

        // 99th percentiles on every 7th voxel (a 1-in-7 systematic sample is plenty for a scale estimate).
        var stride = new byte[fluid.Length];
        for (var i = 0; i < stride.Length; i += 7)
        {
            stride[i] = 1;
        }

        var fluidHigh = SelectQuantile(fluid.Data, stride, 0.99);
        var t1High = SelectQuantile(t1.Data, stride, 0.99);
        // Distance to the bones on their bounding box grown by the 20 mm reach: every bone voxel lies inside it, so the
        // distances there are exact, and every voxel outside it is farther than 20 mm.
        var candidates = new Volume<byte>(fluid.Geometry);
        var f = fluid.Data;
        var t = t1.Data;
        var fatT1 = 0.75 * reference.T1Median.Value;
        var n = 0;
        var g = fluid.Geometry;
        if (Bones.VoxelBox.OfMask(bones.Union) is { } unionBox)
        {
            var box = unionBox.Grow(g, ReachMm);
            var near = Imaging.Filters.DistanceTransform.OutsideMm(box.Crop(bones.Union)).Data;
            var nx = box.SizeX;
            for (var k = 0; k < box.SizeZ; k++)
            {
                for (var j = 0; j < box.SizeY; j++)
                {
                    var at = nx * (j + (box.SizeY * k));
                    var full = box.FullIndex(g, 0, j, k);
                    for (var x = 0; x < nx; x++)
                    {
                        var d = near[at + x];
                        var i = full + x;
                        if (d > 0 && d <= ReachMm && f[i] > 0.05 * fluidHigh && t[i] > 0.05 * t1High && t[i] < fatT1)
                        {
                            candidates.Data[i] = 1;
                            n++;
                        }
                    }
                }
            }
        }

        if (n < 100)
        {
            return null;
        }

        var fluidMax = 2 * SelectQuantile(f, candidates.Data, 0.5);
        n = 0;
        for (var i = 0; i < f.Length; i++)
        {
            if (candidates.Data[i] != 0 && !(f[i] <= fluidMax))
            {
                candidates.Data[i] = 0;
            }

            n += candidates.Data[i];
        }

        return n < 100 ? null : (SelectQuantile(f, candidates.Data, 0.5), SelectQuantile(t, candidates.Data, 0.5));
    }

    /// <summary>
    /// The same value as <c>MaskedSample.From(values, mask).Quantile(p)</c> (finite values under the mask, linear
    /// interpolation between order statistics; NaN when none) found by selection instead of a full sort.
    /// </summary>
    internal static double SelectQuantile(float[] values, byte[] mask, double p)
    {
        var n = 0;
        for (var i = 0; i < values.Length; i++)
        {
            n += mask[i] != 0 && float.IsFinite(values[i]) ? 1 : 0;
        }

        if (n == 0)
        {
            return double.NaN;
        }

        var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(n);
        try
        {
            var m = 0;
            for (var i = 0; i < values.Length; i++)
            {
                if (mask[i] != 0 && float.IsFinite(values[i]))
                {
                    buffer[m++] = values[i];
                }
            }

            var a = buffer.AsSpan(0, n);
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
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(buffer);
        }
    }
}
