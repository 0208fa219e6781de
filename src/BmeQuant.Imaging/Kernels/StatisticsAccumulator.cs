namespace BmeQuant.Imaging.Kernels;

/// <summary>
/// Partial statistics of a set of voxels: count, min, max and sums of (x − <see cref="Shift"/>) and its square in
/// double. Partials with the same shift combine with <see cref="Combine"/> (e.g. one per slice, in parallel).
/// </summary>
/// <param name="Count">Number of voxels.</param>
/// <param name="Min">Minimum (+∞ when empty).</param>
/// <param name="Max">Maximum (−∞ when empty).</param>
/// <param name="ShiftedSum">Σ(x − shift).</param>
/// <param name="ShiftedSumOfSquares">Σ(x − shift)².</param>
/// <param name="Shift">The shift subtracted before summing.</param>
public readonly record struct StatisticsAccumulator(long Count, double Min, double Max, double ShiftedSum, double ShiftedSumOfSquares, double Shift)
{
    /// <summary>Σx (0 when empty).</summary>
    public double Sum => ShiftedSum + (Count * Shift);

    /// <summary>Evaluates the mean (NaN when empty).</summary>
    public double Mean => Count == 0 ? double.NaN : Shift + (ShiftedSum / Count);

    /// <summary>Evaluates the population variance Σ(x − mean)²/n (NaN when empty; never negative).</summary>
    public double PopulationVariance => Count == 0 ? double.NaN : Math.Max(0, (ShiftedSumOfSquares - (ShiftedSum * ShiftedSum / Count)) / Count);

    /// <summary>Estimates the sample variance Σ(x − mean)²/(n − 1) (NaN when fewer than two voxels).</summary>
    public double SampleVariance => Count < 2 ? double.NaN : Math.Max(0, (ShiftedSumOfSquares - (ShiftedSum * ShiftedSum / Count)) / (Count - 1));

    /// <summary>Combines two partials of the same shift.</summary>
    /// <exception cref="ArgumentException">The shifts differ.</exception>
    public StatisticsAccumulator Combine(StatisticsAccumulator other)
    {
        if (other.Shift != Shift && other.Count != 0 && Count != 0)
        {
            throw new ArgumentException($"Cannot combine partials with shifts {Shift} and {other.Shift}.", nameof(other));
        }

        return new StatisticsAccumulator(Count + other.Count, Math.Min(Min, other.Min), Math.Max(Max, other.Max), ShiftedSum + other.ShiftedSum, ShiftedSumOfSquares + other.ShiftedSumOfSquares, Count == 0 ? other.Shift : Shift);
    }
}
