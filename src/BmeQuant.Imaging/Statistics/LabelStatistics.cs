using System.Buffers;

namespace BmeQuant.Imaging.Statistics;

/// <summary>Measures of one label (or of a mask) in an image, in physical units.</summary>
/// <param name="Label">The label value.</param>
/// <param name="Count">Number of voxels.</param>
/// <param name="VolumeMm3">Count × voxel volume, mm³.</param>
/// <param name="Mean">Mean intensity.</param>
/// <param name="StandardDeviation">Population standard deviation (as <c>scipy.ndimage.standard_deviation</c>).</param>
/// <param name="Min">Minimum intensity.</param>
/// <param name="Max">Maximum intensity.</param>
/// <param name="CentroidMm">Mean voxel centre, LPS mm.</param>
/// <param name="Percentiles">The requested percentiles (numpy 'linear'), keyed by percent; empty when none were asked.</param>
public sealed record LabelMeasures(
    int Label,
    long Count,
    double VolumeMm3,
    double Mean,
    double StandardDeviation,
    double Min,
    double Max,
    Vector3D CentroidMm,
    IReadOnlyDictionary<double, double> Percentiles);

/// <summary>
/// Per-label statistics of an image under a label map (label 0 is background and not measured). Two passes in
/// parallel over slices (sums, then squared deviations from the mean, in double); percentiles by selection.
/// NaN intensities propagate into the label's mean, SD, min and max.
/// </summary>
public static class LabelStatistics
{
    /// <summary>Largest label accepted (the accumulators are dense arrays indexed by label).</summary>
    public const int MaxLabel = 1 << 24;

    /// <summary>Evaluates the measures of every label present in <paramref name="labels"/>, in ascending label order.</summary>
    /// <param name="image">Intensities.</param>
    /// <param name="labels">Label map on the same grid size; values must lie in [0, <see cref="MaxLabel"/>].</param>
    /// <param name="percents">Percentiles to evaluate per label (each in [0, 100]); none when null.</param>
    /// <exception cref="ArgumentException">Sizes differ, or a label is negative or above <see cref="MaxLabel"/>.</exception>
    public static IReadOnlyList<LabelMeasures> Compute(Volume<float> image, Volume<int> labels, IReadOnlyList<double>? percents = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labels);
        if (image.Length != labels.Length || image.SizeX != labels.SizeX || image.SizeY != labels.SizeY)
        {
            throw new ArgumentException($"Labels are {labels.SizeX}×{labels.SizeY}×{labels.SizeZ}; the image {image.SizeX}×{image.SizeY}×{image.SizeZ}.", nameof(labels));
        }

        var maxLabel = 0;
        foreach (var l in labels.Data)
        {
            if ((uint)l > MaxLabel)
            {
                throw new ArgumentException($"Label {l} is outside [0, {MaxLabel}].", nameof(labels));
            }

            maxLabel = Math.Max(maxLabel, l);
        }

        return Measure(image, labels.Data, maxLabel, l => l, percents);
    }

    /// <summary>Mean voxel index (x, y, z) of the set voxels of <paramref name="mask"/>, or null when none is set.</summary>
    /// <param name="mask">Mask (non-zero = set).</param>
    /// <returns>The centroid in index coordinates (<see cref="ImageGeometry.TransformIndexToPhysicalPoint(double, double, double)"/> gives mm).</returns>
    public static Vector3D? CentroidIndex(Volume<byte> mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var g = mask.Geometry;
        var data = mask.Data;
        double x = 0, y = 0, z = 0;
        long n = 0;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                var row = data.AsSpan(checked((int)g.Offset(0, j, k)), g.SizeX);
                for (var i = 0; i < row.Length; i++)
                {
                    if (row[i] != 0)
                    {
                        x += i;
                        y += j;
                        z += k;
                        n++;
                    }
                }
            }
        }

        return n == 0 ? null : new Vector3D(x / n, y / n, z / n);
    }

    /// <summary>Evaluates the measures of the non-zero voxels of <paramref name="mask"/> (reported as label 1); null when the mask is empty.</summary>
    public static LabelMeasures? Compute(Volume<float> image, Volume<byte> mask, IReadOnlyList<double>? percents = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(mask);
        if (image.Length != mask.Length || image.SizeX != mask.SizeX || image.SizeY != mask.SizeY)
        {
            throw new ArgumentException($"Mask is {mask.SizeX}×{mask.SizeY}×{mask.SizeZ}; the image {image.SizeX}×{image.SizeY}×{image.SizeZ}.", nameof(mask));
        }

        var r = Measure(image, mask.Data, 1, b => b != 0 ? 1 : 0, percents);
        return r.Count == 0 ? null : r[0];
    }

    private sealed class Partial(int labels)
    {
        public readonly long[] Count = new long[labels];
        public readonly double[] Sum = new double[labels];
        public readonly double[] Min = Fill(labels, double.PositiveInfinity);
        public readonly double[] Max = Fill(labels, double.NegativeInfinity);
        public readonly double[] SumX = new double[labels];
        public readonly double[] SumY = new double[labels];
        public readonly double[] SumZ = new double[labels];
        public readonly double[] SumSq = new double[labels];

        private static double[] Fill(int n, double v)
        {
            var a = new double[n];
            a.AsSpan().Fill(v);
            return a;
        }
    }

    private static List<LabelMeasures> Measure<TLabel>(Volume<float> image, TLabel[] labels, int maxLabel, Func<TLabel, int> toLabel, IReadOnlyList<double>? percents)
        where TLabel : unmanaged
    {
        var g = image.Geometry;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ;
        var slice = g.SliceLength;
        var data = image.Data;
        var n = maxLabel + 1;

        // Pass 1: count, sum, min, max, index sums — one partial per worker, merged after.
        var partials = new System.Collections.Concurrent.ConcurrentBag<Partial>();
        Parallel.For(
            0,
            nz,
            () => new Partial(n),
            (k, _, p) =>
            {
                var off = k * slice;
                for (var j = 0; j < ny; j++)
                {
                    var row = off + (j * nx);
                    for (var i = 0; i < nx; i++)
                    {
                        var l = toLabel(labels[row + i]);
                        if (l == 0)
                        {
                            continue;
                        }

                        double x = data[row + i];
                        p.Count[l]++;
                        p.Sum[l] += x;
                        p.Min[l] = Math.Min(p.Min[l], x);
                        p.Max[l] = Math.Max(p.Max[l], x);
                        p.SumX[l] += i;
                        p.SumY[l] += j;
                        p.SumZ[l] += k;
                    }
                }

                return p;
            },
            partials.Add);
        var total = new Partial(n);
        foreach (var p in partials)
        {
            for (var l = 1; l < n; l++)
            {
                total.Count[l] += p.Count[l];
                total.Sum[l] += p.Sum[l];
                total.Min[l] = Math.Min(total.Min[l], p.Min[l]);
                total.Max[l] = Math.Max(total.Max[l], p.Max[l]);
                total.SumX[l] += p.SumX[l];
                total.SumY[l] += p.SumY[l];
                total.SumZ[l] += p.SumZ[l];
            }
        }

        var mean = new double[n];
        for (var l = 1; l < n; l++)
        {
            mean[l] = total.Count[l] > 0 ? total.Sum[l] / total.Count[l] : double.NaN;
        }

        // Pass 2: Σ(x − mean)² per label.
        var squares = new System.Collections.Concurrent.ConcurrentBag<double[]>();
        Parallel.For(
            0,
            nz,
            () => new double[n],
            (k, _, sq) =>
            {
                var off = k * slice;
                for (var v = off; v < off + slice; v++)
                {
                    var l = toLabel(labels[v]);
                    if (l != 0)
                    {
                        var d = data[v] - mean[l];
                        sq[l] += d * d;
                    }
                }

                return sq;
            },
            squares.Add);
        foreach (var sq in squares)
        {
            for (var l = 1; l < n; l++)
            {
                total.SumSq[l] += sq[l];
            }
        }

        var percentiles = percents is { Count: > 0 } ? LabelPercentiles(image.Data, labels, toLabel, total.Count, percents) : null;
        var result = new List<LabelMeasures>();
        for (var l = 1; l < n; l++)
        {
            var c = total.Count[l];
            if (c == 0)
            {
                continue;
            }

            var centroid = g.TransformIndexToPhysicalPoint(total.SumX[l] / c, total.SumY[l] / c, total.SumZ[l] / c);
            IReadOnlyDictionary<double, double> pct = percentiles?[l] ?? new Dictionary<double, double>();
            result.Add(new LabelMeasures(l, c, c * g.VoxelVolumeMm3, mean[l], Math.Sqrt(total.SumSq[l] / c), total.Min[l], total.Max[l], centroid, pct));
        }

        return result;
    }

    private static Dictionary<int, Dictionary<double, double>> LabelPercentiles<TLabel>(float[] data, TLabel[] labels, Func<TLabel, int> toLabel, long[] counts, IReadOnlyList<double> percents)
        where TLabel : unmanaged
    {
        // Counting sort of the labelled values by label into one buffer, then a selection per label segment.
        var n = counts.Length;
        var start = new long[n + 1];
        for (var l = 1; l < n; l++)
        {
            start[l + 1] = start[l] + counts[l];
        }

        var fill = (long[])start.Clone();
        var buffer = ArrayPool<float>.Shared.Rent((int)Math.Max(1, start[n]));
        try
        {
            for (var v = 0; v < data.Length; v++)
            {
                var l = toLabel(labels[v]);
                if (l != 0)
                {
                    buffer[fill[l]++] = data[v];
                }
            }

            var result = new Dictionary<int, Dictionary<double, double>>();
            var ps = percents.ToArray();
            for (var l = 1; l < n; l++)
            {
                if (counts[l] == 0)
                {
                    continue;
                }

                var segment = buffer.AsSpan((int)start[l], (int)counts[l]);
                var values = Percentiles.Compute(segment, ps);
                var d = new Dictionary<double, double>();
                for (var q = 0; q < ps.Length; q++)
                {
                    d[ps[q]] = values[q];
                }

                result[l] = d;
            }

            return result;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }
}
