namespace BmeQuant.Quantification.Internal;

/// <summary>The values of a volume under a mask, sorted once so that any number of quantiles cost O(1) each.</summary>
internal sealed class MaskedSample
{
    private readonly float[] _sorted;

    private MaskedSample(float[] sorted)
    {
        _sorted = sorted;
        var sum = 0.0;
        foreach (var v in sorted)
        {
            sum += v;
        }

        Mean = sorted.Length == 0 ? double.NaN : sum / sorted.Length;
        var ss = 0.0;
        foreach (var v in sorted)
        {
            ss += (v - Mean) * (v - Mean);
        }

        StandardDeviation = sorted.Length < 2 ? double.NaN : Math.Sqrt(ss / (sorted.Length - 1));
    }

    public int Count => _sorted.Length;

    /// <summary>Evaluates the sample mean (NaN when empty).</summary>
    public double Mean { get; }

    /// <summary>Evaluates the sample standard deviation (n − 1; NaN with fewer than 2 values).</summary>
    public double StandardDeviation { get; }

    /// <summary>Collects the finite values where <paramref name="mask"/> is non-zero (and, if given, <paramref name="and"/> too).</summary>
    public static MaskedSample From(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, ReadOnlySpan<byte> and = default)
    {
        var n = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (mask[i] != 0 && (and.IsEmpty || and[i] != 0) && float.IsFinite(values[i]))
            {
                n++;
            }
        }

        var data = new float[n];
        n = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (mask[i] != 0 && (and.IsEmpty || and[i] != 0) && float.IsFinite(values[i]))
            {
                data[n++] = values[i];
            }
        }

        Array.Sort(data);
        return new MaskedSample(data);
    }

    /// <summary>Estimates the quantile <paramref name="p"/> (0..1) by linear interpolation between order statistics (numpy's default); NaN when empty.</summary>
    public double Quantile(double p)
    {
        if (_sorted.Length == 0)
        {
            return double.NaN;
        }

        var h = (_sorted.Length - 1) * Math.Clamp(p, 0, 1);
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, _sorted.Length - 1);
        return _sorted[lo] + ((h - lo) * (_sorted[hi] - _sorted[lo]));
    }

    /// <summary>Fraction of the sample strictly above <paramref name="threshold"/>.</summary>
    public double FractionAbove(double threshold)
    {
        if (_sorted.Length == 0)
        {
            return 0;
        }

        // First index whose value exceeds the threshold (upper bound).
        int lo = 0, hi = _sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_sorted[mid] <= threshold)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return (_sorted.Length - lo) / (double)_sorted.Length;
    }
}
