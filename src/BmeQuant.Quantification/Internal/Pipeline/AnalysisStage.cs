using System.Diagnostics;

namespace BmeQuant.Quantification.Internal.Pipeline;

/// <summary>
/// One timed stage of the analysis, reported as an <see cref="Activity"/> of <see cref="EdemaAnalyzer.ActivitySourceName"/>
/// (nested stages are child activities). On stop the activity carries the process CPU time spent during the stage
/// (<see cref="CpuMsTag"/>, all threads) and the bytes allocated (<see cref="AllocatedBytesTag"/>, all threads).
/// Costs nothing measurable when nobody listens (<c>bmequant analyze --timings</c>, dotnet-trace, OpenTelemetry).
/// </summary>
internal readonly struct AnalysisStage : IDisposable
{
    /// <summary>Tag with the process CPU milliseconds (user + system) spent while the stage ran.</summary>
    public const string CpuMsTag = "cpu.ms";

    /// <summary>Tag with the bytes allocated by all threads while the stage ran.</summary>
    public const string AllocatedBytesTag = "alloc.bytes";

    private static readonly ActivitySource s_source = new(EdemaAnalyzer.ActivitySourceName);

    private readonly Activity? _activity;
    private readonly TimeSpan _cpuStart;
    private readonly long _allocatedStart;

    private AnalysisStage(Activity activity)
    {
        _activity = activity;
        _cpuStart = Environment.CpuUsage.TotalTime;
        _allocatedStart = GC.GetTotalAllocatedBytes(precise: false);
    }

    /// <summary>Starts stage <paramref name="name"/> (a no-op value when nobody listens).</summary>
    public static AnalysisStage Start(string name) =>
        s_source.StartActivity(name, ActivityKind.Internal) is { } activity ? new AnalysisStage(activity) : default;

    /// <summary>Stops the stage and records its CPU time and allocation.</summary>
    public void Dispose()
    {
        if (_activity is null)
        {
            return;
        }

        _activity.SetTag(CpuMsTag, (Environment.CpuUsage.TotalTime - _cpuStart).TotalMilliseconds);
        _activity.SetTag(AllocatedBytesTag, GC.GetTotalAllocatedBytes(precise: false) - _allocatedStart);
        _activity.Stop();
    }
}

/// <summary>
/// The analysis as a sequence of sibling stages under one "analyze" stage: <see cref="Next"/> ends the running stage
/// and starts the next; <see cref="Dispose"/> ends the last one and the whole.
/// </summary>
internal sealed class AnalysisStages : IDisposable
{
    private readonly AnalysisStage _whole;
    private AnalysisStage _current;

    /// <summary>Starts the whole-analysis stage.</summary>
    public AnalysisStages() => _whole = AnalysisStage.Start("analyze");

    /// <summary>Ends the running stage (if any) and starts <paramref name="name"/>.</summary>
    public void Next(string name)
    {
        _current.Dispose();
        _current = AnalysisStage.Start(name);
    }

    /// <summary>Ends the running stage and the whole.</summary>
    public void Dispose()
    {
        _current.Dispose();
        _current = default;
        _whole.Dispose();
    }
}
