using System.Diagnostics;
using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Tests.Pipeline;

/// <summary>The stage activities of <see cref="EdemaAnalyzer.ActivitySourceName"/> (what <c>analyze --timings</c> prints).</summary>
public class AnalysisStageTests
{
    // Given bones: their geometry is computed during the alignment (a child of "align").
    private static readonly string[] s_stages = ["align", "bias", "smooth", "reference", "edema", "measures"];

    [Fact]
    public void Analyze_Listened_ReportsEveryStageInOrderUnderOneAnalyzeActivityWithCpuAndAllocation()
    {
        var s = SyntheticStudy.Create(new Vector3D(8, 8, 5), 8, 41);
        var input = new StudyInput(s.Fluid, s.T1) { BoneLabels = s.Labels };
        var stopped = new List<Activity>();
        using var testSource = new ActivitySource("BmeQuant.Tests.AnalysisStage");
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is EdemaAnalyzer.ActivitySourceName || source == testSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (stopped)
                {
                    stopped.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        ActivityTraceId trace;
        using (var root = testSource.StartActivity("test"))
        {
            Assert.NotNull(root);
            trace = root.TraceId;
            EdemaAnalyzer.Analyze(input, AnalysisOptions.Default, TestContext.Current.CancellationToken);
        }

        // Other tests may analyse at the same time: keep this test's trace only.
        List<Activity> mine;
        lock (stopped)
        {
            mine = [.. stopped.Where(a => a.TraceId == trace && a.Source.Name == EdemaAnalyzer.ActivitySourceName)];
        }

        var analyze = Assert.Single(mine, a => a.OperationName == "analyze");
        var children = mine.Where(a => a.Parent == analyze).OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal(s_stages, children.Select(a => a.OperationName));
        for (var i = 1; i < children.Count; i++)
        {
            // Sequential: each stage starts after the previous one ended.
            Assert.True(children[i].StartTimeUtc >= children[i - 1].StartTimeUtc + children[i - 1].Duration, $"{children[i].OperationName} starts before {children[i - 1].OperationName} ends");
        }

        Assert.True(children.Sum(a => a.Duration.Ticks) <= analyze.Duration.Ticks, "the stages lie within the analysis");
        var align = children[0];
        var geometry = Assert.Single(mine, a => a.OperationName == "bones and geometry");
        Assert.Same(align, geometry.Parent);
        foreach (var a in mine)
        {
            Assert.True(a.GetTagItem("cpu.ms") is double cpu && cpu >= 0, $"{a.OperationName}: CPU milliseconds tag");
            Assert.True(a.GetTagItem("alloc.bytes") is long bytes && bytes >= 0, $"{a.OperationName}: allocation tag");
        }

        // The analysis allocates its masks and distance maps: the whole cannot have allocated nothing.
        Assert.True((long)analyze.GetTagItem("alloc.bytes")! > s.Fluid.Length, "allocation of the whole analysis counted");
    }
}
