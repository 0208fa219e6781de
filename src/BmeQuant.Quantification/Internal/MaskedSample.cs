using BmeQuant.Imaging.Statistics;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// The finite values of a volume under a mask. Quantiles are found by selection (no sort: a few quantiles of a large
/// sample cost O(n) each); the sample is sorted only when <see cref="FractionAbove"/> is first asked (then O(log n)
/// per call). Values equal those of a sorted sample: the same order statistics, the same interpolation. Thread-safe
/// (the reordering is done under a lock).
/// </summary>
internal sealed class MaskedSample
{
    private readonly float[] _values;
    private readonly Lock _lock = new();
    private bool _sorted;
    private double _mean = double.NaN;
    private double _standardDeviation = double.NaN;
    private bool _momentsKnown;

    private MaskedSample(float[] values) => _values = values;

    public int Count => _values.Length;

    /// <summary>Evaluates the sample mean (NaN when empty; summed in voxel order).</summary>
    public double Mean
    {
        get
        {
            EnsureMoments();
            return _mean;
        }
    }

    /// <summary>Evaluates the sample standard deviation (n − 1; NaN with fewer than 2 values).</summary>
    public double StandardDeviation
    {
        get
        {
            EnsureMoments();
            return _standardDeviation;
        }
    }

    /// <summary>Collects the finite values where <paramref name="mask"/> is non-zero (and, if given, <paramref name="and"/> too).</summary>
    public static MaskedSample From(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, ReadOnlySpan<byte> and = default)
    {
        var n = 0;
        for (var i = 0; i < values.Length; i++)
        {
            n += mask[i] != 0 && (and.IsEmpty || and[i] != 0) && float.IsFinite(values[i]) ? 1 : 0;
        }

        var data = GC.AllocateUninitializedArray<float>(n);
        n = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (mask[i] != 0 && (and.IsEmpty || and[i] != 0) && float.IsFinite(values[i]))
            {
                data[n++] = values[i];
            }
        }

        return new MaskedSample(data);
    }

    /// <summary>Estimates the quantile <paramref name="p"/> (0..1) by linear interpolation between order statistics (numpy's default); NaN when empty.</summary>
    public double Quantile(double p)
    {
        lock (_lock)
        {
            return QuantileLocked(p);
        }
    }

    /// <summary>Fraction of the sample strictly above <paramref name="threshold"/>.</summary>
    public double FractionAbove(double threshold)
    {
        lock (_lock)
        {
            return FractionAboveLocked(threshold);
        }
    }

    private double QuantileLocked(double p)
    {
        var a = _values;
        if (a.Length == 0)
        {
            return double.NaN;
        }

        var h = (a.Length - 1) * Math.Clamp(p, 0, 1);
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, a.Length - 1);
        float low, high;
        if (_sorted)
        {
            low = a[lo];
            high = a[hi];
        }
        else
        {
            // After the selection every value right of lo is ≥ the lo-th: the next order statistic is their minimum.
            low = Percentiles.SelectInPlace(a, lo);
            high = low;
            if (hi > lo)
            {
                high = float.PositiveInfinity;
                foreach (var v in a.AsSpan(lo + 1))
                {
                    high = Math.Min(high, v);
                }
            }
        }

        return low + ((h - lo) * (high - low));
    }

    private double FractionAboveLocked(double threshold)
    {
        if (_values.Length == 0)
        {
            return 0;
        }

        if (!_sorted)
        {
            Array.Sort(_values);
            _sorted = true;
        }

        // First index whose value exceeds the threshold (upper bound).
        int lo = 0, hi = _values.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_values[mid] <= threshold)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return (_values.Length - lo) / (double)_values.Length;
    }

    private void EnsureMoments()
    {
        lock (_lock)
        {
            if (!_momentsKnown)
            {
                ComputeMoments();
            }
        }
    }

    private void ComputeMoments()
    {
        var a = _values;
        var sum = 0.0;
        foreach (var v in a)
        {
            sum += v;
        }

        _mean = a.Length == 0 ? double.NaN : sum / a.Length;
        var ss = 0.0;
        foreach (var v in a)
        {
            ss += (v - _mean) * (v - _mean);
        }

        _standardDeviation = a.Length < 2 ? double.NaN : Math.Sqrt(ss / (a.Length - 1));
        _momentsKnown = true;
    }
}
