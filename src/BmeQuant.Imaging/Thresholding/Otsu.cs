using BmeQuant.Imaging.Statistics;

namespace BmeQuant.Imaging.Thresholding;

/// <summary>
/// Otsu's threshold and multi-level Otsu thresholds from a histogram of equal-width bins over the (masked) value
/// range, as scikit-image computes them: the result is the centre of the last bin of each lower class, so the
/// classes are x ≤ t (background) and x &gt; t (foreground, <see cref="Threshold.Above(Volume{float}, float)"/>).
/// Valley emphasis (Ng, 2006) weights the between-class variance by (1 − p(t)), the histogram probability at each
/// threshold, favouring thresholds in valleys: better for small objects on a large background.
/// </summary>
public static class Otsu
{
    /// <summary>Evaluates Otsu's threshold of the (masked, non-NaN) values with <paramref name="bins"/> bins.</summary>
    /// <exception cref="ArgumentException">No finite voxel is included.</exception>
    public static float Compute(ReadOnlySpan<float> values, int bins = 256, ReadOnlySpan<byte> mask = default, bool valleyEmphasis = false) =>
        (float)FromHistogram(Histogram.Compute(values, bins, mask), valleyEmphasis);

    /// <summary>Evaluates Otsu's threshold of a volume, optionally inside a mask.</summary>
    public static float Compute(Volume<float> volume, int bins = 256, Volume<byte>? mask = null, bool valleyEmphasis = false)
    {
        ArgumentNullException.ThrowIfNull(volume);
        return Compute(volume.Data, bins, mask is null ? default : mask.Data, valleyEmphasis);
    }

    /// <summary>Otsu's threshold of a histogram: the centre of the last background bin.</summary>
    public static double FromHistogram(Histogram histogram, bool valleyEmphasis = false)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        return histogram.BinCenter(ThresholdBin(histogram, valleyEmphasis));
    }

    /// <summary>
    /// Evaluates the <paramref name="classes"/> − 1 multi-level Otsu thresholds (ascending) of the (masked) values.
    /// Without valley emphasis the maximum of the between-class variance is found exactly by dynamic programming;
    /// with it by exhaustive search, so valley emphasis is limited to at most 4 classes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">classes &lt; 2 or &gt; bins, or &gt; 4 with valley emphasis.</exception>
    public static float[] ComputeMulti(ReadOnlySpan<float> values, int classes, int bins = 256, ReadOnlySpan<byte> mask = default, bool valleyEmphasis = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, bins);
        if (valleyEmphasis && classes > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "Valley-emphasis multi-Otsu supports at most 4 classes.");
        }

        var h = Histogram.Compute(values, bins, mask);
        var ends = valleyEmphasis ? MultiExhaustive(h, classes, true) : MultiDynamic(h, classes);
        return [.. ends.Select(b => (float)h.BinCenter(b))];
    }

    internal static int ThresholdBin(Histogram h, bool valleyEmphasis)
    {
        var n = h.Bins;
        var counts = h.Counts;
        double total = 0, totalMoment = 0;
        for (var b = 0; b < n; b++)
        {
            total += counts[b];
            totalMoment += counts[b] * h.BinCenter(b);
        }

        double w1 = 0, m1 = 0, best = double.NegativeInfinity;
        var bestBin = 0;
        for (var b = 0; b < n - 1; b++)
        {
            w1 += counts[b];
            m1 += counts[b] * h.BinCenter(b);
            var w2 = total - w1;
            if (w1 == 0 || w2 == 0)
            {
                continue;
            }

            var mean1 = m1 / w1;
            var mean2 = (totalMoment - m1) / w2;
            var score = w1 * w2 * (mean1 - mean2) * (mean1 - mean2);
            if (valleyEmphasis)
            {
                score *= 1 - (counts[b] / total);
            }

            if (score > best)
            {
                best = score;
                bestBin = b;
            }
        }

        return bestBin;
    }

    /// <summary>Last bin of each of the first classes − 1 classes maximising Σ_k S_k²/W_k (DP over bins).</summary>
    internal static int[] MultiDynamic(Histogram h, int classes)
    {
        var n = h.Bins;
        var (w, s) = Prefix(h);
        double Cost(int from, int to) // bins from..to inclusive
        {
            var ww = w[to + 1] - w[from];
            var ss = s[to + 1] - s[from];
            return ww > 0 ? ss * ss / ww : 0;
        }

        // best[k, j]: best objective with k + 1 classes covering bins 0..j; arg[k, j]: start bin of the last class.
        var best = new double[classes, n];
        var arg = new int[classes, n];
        for (var j = 0; j < n; j++)
        {
            best[0, j] = Cost(0, j);
        }

        for (var k = 1; k < classes; k++)
        {
            for (var j = k; j < n; j++)
            {
                var bestValue = double.NegativeInfinity;
                var bestStart = k;
                for (var start = k; start <= j; start++)
                {
                    var value = best[k - 1, start - 1] + Cost(start, j);
                    if (value > bestValue)
                    {
                        bestValue = value;
                        bestStart = start;
                    }
                }

                best[k, j] = bestValue;
                arg[k, j] = bestStart;
            }
        }

        var ends = new int[classes - 1];
        var end = n - 1;
        for (var k = classes - 1; k >= 1; k--)
        {
            var start = arg[k, end];
            ends[k - 1] = start - 1;
            end = start - 1;
        }

        return ends;
    }

    /// <summary>Exhaustive search over all threshold tuples (reference for the DP, and the valley-emphasis search).</summary>
    internal static int[] MultiExhaustive(Histogram h, int classes, bool valleyEmphasis)
    {
        var n = h.Bins;
        var (w, s) = Prefix(h);
        var total = w[n];
        var meanTotal = s[n] / total;
        var ends = new int[classes - 1];
        var bestEnds = new int[classes - 1];
        var best = double.NegativeInfinity;

        void Recurse(int k, int from, double objective, double valley)
        {
            if (k == classes - 1)
            {
                var ww = w[n] - w[from];
                var ss = s[n] - s[from];
                // Between-class variance Σ W_k μ_k² / N − μ², weighted by (1 − Σ p(t_k)) for valley emphasis.
                var variance = ((objective + (ww > 0 ? ss * ss / ww : 0)) / total) - (meanTotal * meanTotal);
                var value = valleyEmphasis ? variance * valley : variance;
                if (value > best)
                {
                    best = value;
                    ends.CopyTo(bestEnds, 0);
                }

                return;
            }

            // Class k covers bins from..end; leave at least one bin per remaining class.
            for (var end = from; end <= n - (classes - k); end++)
            {
                var ww = w[end + 1] - w[from];
                var ss = s[end + 1] - s[from];
                ends[k] = end;
                var p = (w[end + 1] - w[end]) / total;
                Recurse(k + 1, end + 1, objective + (ww > 0 ? ss * ss / ww : 0), valley - p);
            }
        }

        Recurse(0, 0, 0, 1);
        return bestEnds;
    }

    private static (double[] W, double[] S) Prefix(Histogram h)
    {
        var n = h.Bins;
        var w = new double[n + 1];
        var s = new double[n + 1];
        for (var b = 0; b < n; b++)
        {
            w[b + 1] = w[b] + h.Counts[b];
            s[b + 1] = s[b] + (h.Counts[b] * h.BinCenter(b));
        }

        return (w, s);
    }
}
