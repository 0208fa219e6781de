using BmeQuant.Imaging.Kernels;

namespace BmeQuant.Imaging.Statistics;

/// <summary>Summary of a set of voxels.</summary>
/// <param name="Count">Number of voxels.</param>
/// <param name="Min">Minimum (NaN when empty).</param>
/// <param name="Max">Maximum (NaN when empty).</param>
/// <param name="Sum">Sum, accumulated in double.</param>
/// <param name="Mean">Mean (NaN when empty).</param>
/// <param name="Variance">Population variance Σ(x − mean)²/n (NaN when empty).</param>
public readonly record struct SummaryStatistics(long Count, double Min, double Max, double Sum, double Mean, double Variance)
{
    /// <summary>Population standard deviation.</summary>
    public double StandardDeviation => Math.Sqrt(Variance);

    internal static SummaryStatistics From(StatisticsAccumulator a) => a.Count == 0
        ? new SummaryStatistics(0, double.NaN, double.NaN, 0, double.NaN, double.NaN)
        : new SummaryStatistics(a.Count, a.Min, a.Max, a.Sum, a.Mean, a.PopulationVariance);
}

/// <summary>Whole-volume statistics, run in parallel over slices with the SIMD kernels of <see cref="VoxelStatistics"/>.</summary>
public static class VolumeStatistics
{
    /// <summary>
    /// Evaluates count, min, max, sum, mean and population variance of <paramref name="volume"/>, restricted to
    /// the non-zero voxels of <paramref name="mask"/> when given. NaN voxels make min, max, sum, mean and variance NaN.
    /// </summary>
    /// <exception cref="ArgumentException">The mask is on another grid size.</exception>
    public static SummaryStatistics Summarize(Volume<float> volume, Volume<byte>? mask = null)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (mask is not null && mask.Length != volume.Length)
        {
            throw new ArgumentException($"Mask is {mask.SizeX}×{mask.SizeY}×{mask.SizeZ}; the volume {volume.SizeX}×{volume.SizeY}×{volume.SizeZ}.", nameof(mask));
        }

        var shift = FirstValue(volume.Data, mask?.Data);
        var slices = volume.SizeZ;
        var slice = volume.Geometry.SliceLength;
        var partials = new StatisticsAccumulator[slices];
        var data = volume.Data;
        var maskData = mask?.Data;
        if ((long)volume.Length < ParallelThreshold)
        {
            return SummaryStatistics.From(VoxelStatistics.Accumulate(data, maskData, shift));
        }

        Parallel.For(0, slices, k =>
        {
            var values = new ReadOnlySpan<float>(data, k * slice, slice);
            var m = maskData is null ? default : new ReadOnlySpan<byte>(maskData, k * slice, slice);
            partials[k] = VoxelStatistics.Accumulate(values, m, shift);
        });

        var total = new StatisticsAccumulator(0, double.PositiveInfinity, double.NegativeInfinity, 0, 0, shift);
        foreach (var p in partials)
        {
            total = total.Combine(p);
        }

        return SummaryStatistics.From(total);
    }

    /// <summary>Volumes smaller than this run on one thread.</summary>
    internal const long ParallelThreshold = 1 << 18;

    /// <summary>A shift for accurate sums: the first finite included value (0 if none).</summary>
    internal static float FirstValue(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask)
    {
        for (var n = 0; n < values.Length; n++)
        {
            if ((mask.Length == 0 || mask[n] != 0) && float.IsFinite(values[n]))
            {
                return values[n];
            }
        }

        return 0;
    }
}
