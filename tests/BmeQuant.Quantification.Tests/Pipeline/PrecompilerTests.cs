using BmeQuant.Quantification.Internal.Pipeline;

namespace BmeQuant.Quantification.Tests.Pipeline;

/// <summary><see cref="Precompiler"/>: the types it names exist and it compiles their methods (the analysis' own code ahead of use).</summary>
public class PrecompilerTests
{
    [Fact]
    public void Types_GivenBones_NamedTypesExistWithoutTheSegmenter()
    {
        var types = Precompiler.Types(automaticBones: false);
        var names = types.Select(t => t.Name).ToHashSet();

        // The stages' types in the analysis' order: alignment before the reference, the edema before the measures.
        Assert.Contains("SeriesAlignment", names);
        Assert.Contains("MetricEvaluator", names);
        Assert.Contains("EdemaSegmenter", names);
        Assert.DoesNotContain("MarrowBoneSegmenter", names);
        Assert.Equal(types.Count, types.Distinct().Count());
        int At(string name) => types.ToList().FindIndex(t => t.Name == name);
        Assert.True(At("SeriesAlignment") < At("ReferenceEstimator"));
        Assert.True(At("ReferenceEstimator") < At("EdemaSegmenter"));
        Assert.True(At("EdemaSegmenter") < At("RegionMeasurer"));
    }

    [Fact]
    public void Types_AutomaticBones_SegmenterAfterTheAlignment()
    {
        var types = Precompiler.Types(automaticBones: true).ToList();
        var segmenter = types.FindIndex(t => t.Name == "MarrowBoneSegmenter");
        Assert.True(segmenter > types.FindIndex(t => t.Name == "T1Registration"));
        Assert.True(segmenter < types.FindIndex(t => t.Name == "ReferenceEstimator"));
        Assert.Equal(Precompiler.Types(automaticBones: false).Count + 10, types.Count);
    }

    [Fact]
    public async Task PrecompileAsync_GivenBones_CompilesEveryNonGenericMethodOnce()
    {
        // Lambdas' closures are nested types: far more methods than the named types declare directly.
        var first = await EdemaAnalyzer.PrecompileAsync(automaticBones: false, TestContext.Current.CancellationToken);
        Assert.True(first > 500, $"{first} methods prepared");

        // Preparing again finds the same methods (already compiled: nothing fails the second time either).
        Assert.Equal(first, Precompiler.Run(automaticBones: false, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PrecompileAsync_Cancelled_StopsWithoutFaulting()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        Assert.Throws<OperationCanceledException>(() => Precompiler.Run(automaticBones: true, cancelled.Token));
        Assert.Equal(0, await EdemaAnalyzer.PrecompileAsync(automaticBones: true, cancelled.Token));
    }
}
