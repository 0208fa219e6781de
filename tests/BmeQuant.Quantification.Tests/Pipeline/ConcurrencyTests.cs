using BmeQuant.Quantification.Internal;
using BmeQuant.Quantification.Internal.Pipeline;

namespace BmeQuant.Quantification.Tests.Pipeline;

/// <summary><see cref="MaskedSample"/>'s selection quantiles against an explicitly sorted sample.</summary>
public class MaskedSampleTests
{
    private static double SortedQuantile(float[] values, byte[] mask, double p)
    {
        var sorted = values.Where((v, i) => mask[i] != 0 && float.IsFinite(v)).OrderBy(v => v).ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var h = (sorted.Length - 1) * p;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(999)]
    [InlineData(40_000)]
    public void Quantile_ManyInAnyOrderThenFractionAbove_EqualSortedSample(int length)
    {
        var random = new Random(length);
        var values = new float[length];
        var mask = new byte[length];
        for (var i = 0; i < length; i++)
        {
            // Few distinct values (ties), some NaN and infinities (excluded), about a third masked out.
            values[i] = random.Next(20) switch { 0 => float.NaN, 1 => float.NegativeInfinity, _ => random.Next(300) * 0.25f };
            mask[i] = (byte)(random.Next(3) == 0 ? 0 : 1);
        }

        mask[0] = 1;
        values[0] = 7.25f;
        var sample = MaskedSample.From(values, mask);
        Assert.Equal(values.Where((v, i) => mask[i] != 0 && float.IsFinite(v)).Count(), sample.Count);

        // Quantiles in an order that makes each selection start from the previous one's partial order.
        foreach (var p in new[] { 0.5, 0.99, 0.25, 0.0, 1.0, 0.75, 0.5, 0.01, 0.333 })
        {
            Assert.Equal(SortedQuantile(values, mask, p), sample.Quantile(p));
        }

        // Sorting for FractionAbove keeps the quantiles.
        var finite = values.Where((v, i) => mask[i] != 0 && float.IsFinite(v)).ToArray();
        Assert.Equal(finite.Count(v => v > 30.0) / (double)finite.Length, sample.FractionAbove(30.0));
        Assert.Equal(SortedQuantile(values, mask, 0.9), sample.Quantile(0.9));

        // Mean and SD (summed in voxel order) match a direct computation to rounding.
        var mean = finite.Average(v => (double)v);
        Assert.Equal(mean, sample.Mean, 1e-9 * Math.Max(1, Math.Abs(mean)));
        if (finite.Length > 1)
        {
            var sd = Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / (finite.Length - 1));
            Assert.Equal(sd, sample.StandardDeviation, 1e-9 * Math.Max(1, sd));
        }
    }

    [Fact]
    public void Quantile_ConcurrentCallers_SameValuesAsSequential()
    {
        var random = new Random(77);
        var values = new float[60_000];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)random.NextDouble() * 1000;
        }

        var mask = Enumerable.Repeat((byte)1, values.Length).ToArray();
        var ps = Enumerable.Range(0, 64).Select(i => i / 63.0).ToArray();
        var expected = ps.Select(p => SortedQuantile(values, mask, p)).ToArray();
        var sample = MaskedSample.From(values, mask);
        var found = new double[ps.Length];
        Parallel.For(0, ps.Length, i => found[i] = sample.Quantile(ps[i]));
        Assert.Equal(expected, found);
    }

    [Fact]
    public void Quantile_Empty_NaN() =>
        Assert.True(double.IsNaN(MaskedSample.From([float.NaN, 1f], [1, 0]).Quantile(0.5)));
}

/// <summary><see cref="Concurrent"/>: every piece runs, results in order, failures as the sequential order would raise them.</summary>
public class ConcurrentTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public void Run_TwoPiecesFail_RethrowsTheFirstInArgumentOrderUnwrapped(int maxDegreeOfParallelism)
    {
        var ran = new int[4];
        var ex = Assert.Throws<QuantificationException>(() => Concurrent.Run(
            maxDegreeOfParallelism,
            () => ran[0] = 1,
            () =>
            {
                ran[1] = 1;
                throw new QuantificationException("first");
            },
            () => ran[2] = 1,
            () =>
            {
                ran[3] = 1;
                throw new InvalidOperationException("second");
            }));
        Assert.Equal("first", ex.Message);

        // Sequentially the pieces after the failing one never start; concurrently every piece runs.
        Assert.Equal(maxDegreeOfParallelism == 1 ? [1, 1, 0, 0] : [1, 1, 1, 1], ran);
    }

    [Fact]
    public void Map_ManyItems_ResultsInItemOrder()
    {
        var items = Enumerable.Range(0, 200).ToArray();
        Assert.Equal(items.Select(i => i * i), Concurrent.Map(items, -1, i => i * i));
    }
}

/// <summary>The analysis with its stages overlapped gives exactly what it gives one piece at a time.</summary>
public class AnalysisConcurrencyTests
{
    [Fact]
    public void Analyze_ConcurrentAndSequential_SameFindingsAndMasks()
    {
        var input = PipelinePhantoms.Input(PipelinePhantoms.Aligned);
        var ct = TestContext.Current.CancellationToken;
        var sequential = EdemaAnalyzer.Analyze(input, AnalysisOptions.Default with { MaxDegreeOfParallelism = 1 }, ct);
        var concurrent = EdemaAnalyzer.Analyze(input, AnalysisOptions.Default, ct);
        Assert.True(sequential.Total.EdemaVolumeMm3 > 0, "the phantom's lesion is found");
        Assert.Equal(
            FindingsWriter.ToJson(sequential).Replace("\"maxDegreeOfParallelism\": 1", "\"maxDegreeOfParallelism\": -1", StringComparison.Ordinal),
            FindingsWriter.ToJson(concurrent));
        Assert.Equal(sequential.Masks.Edema.Data, concurrent.Masks.Edema.Data);
        Assert.Equal(sequential.Masks.Bones.Data, concurrent.Masks.Bones.Data);
        Assert.Equal(sequential.Masks.DepthZones.Data, concurrent.Masks.DepthZones.Data);
        Assert.Equal(sequential.Masks.Reference.Data, concurrent.Masks.Reference.Data);
    }
}
