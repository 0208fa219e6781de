using System.Diagnostics;
using System.Globalization;
using BmeQuant.Quantification;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant analyze --timings</c>: wall and process-CPU milliseconds (and MB allocated) of start-up, reading, every
/// analysis stage (the activities of <see cref="EdemaAnalyzer.ActivitySourceName"/>, nested as they ran) and writing,
/// then the whole process with its peak resident memory. CPU is the process's (all threads), so a parallel stage shows
/// more CPU than wall time; on a loaded machine compare CPU, not wall. Stages that run at the same time (align with the
/// given bones' geometry, the per-bone references, the measures) each count the CPU of everything running beside them.
/// The last line gives the JIT's share (methods compiled and time spent compiling).
/// </summary>
internal sealed class AnalyzeTimings : IDisposable
{
    private const string CpuMsTag = "cpu.ms";
    private const string AllocatedBytesTag = "alloc.bytes";

    private readonly List<Row> _rows = [];
    private readonly Lock _lock = new();
    private readonly ActivityListener _listener;
    private readonly DateTime _processStartUtc;

    /// <summary>Starts listening to the analysis stages and records start-up (process start until now).</summary>
    public AnalyzeTimings()
    {
        using var process = Process.GetCurrentProcess();
        _processStartUtc = process.StartTime.ToUniversalTime();
        var now = DateTime.UtcNow;
        _rows.Add(new Row("start-up", 0, _processStartUtc, (now - _processStartUtc).TotalMilliseconds, Environment.CpuUsage.TotalTime.TotalMilliseconds, null));
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == EdemaAnalyzer.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Times a stage of the command itself (read, write) until the returned value is disposed.</summary>
    public IDisposable Stage(string name) => new CommandStage(this, name);

    /// <summary>Writes the table: one line a stage in start order, analysis stages indented under "analyze".</summary>
    public void Write(TextWriter output)
    {
        List<Row> rows;
        lock (_lock)
        {
            rows = [.. _rows.OrderBy(r => r.StartUtc).ThenBy(r => r.Depth)];
        }

        var inv = CultureInfo.InvariantCulture;
        output.WriteLine("Timings (wall ms, process CPU ms over all threads, MB allocated):");
        output.WriteLine(string.Format(inv, "  {0,-24} {1,9} {2,9} {3,9}", "stage", "wall", "CPU", "alloc"));
        foreach (var r in rows)
        {
            var name = new string(' ', 2 * r.Depth) + r.Name;
            var alloc = r.AllocatedBytes is { } b ? (b / 1048576.0).ToString("F0", inv) : "-";
            output.WriteLine(string.Format(inv, "  {0,-24} {1,9:F0} {2,9:F0} {3,9}", name, r.WallMs, r.CpuMs, alloc));
        }

        using var process = Process.GetCurrentProcess();
        var total = (DateTime.UtcNow - _processStartUtc).TotalMilliseconds;
        output.WriteLine(string.Format(inv, "  {0,-24} {1,9:F0} {2,9:F0} {3,9}", "process so far", total, Environment.CpuUsage.TotalTime.TotalMilliseconds, (GC.GetTotalAllocatedBytes() / 1048576.0).ToString("F0", inv)));
        output.WriteLine(string.Format(inv, "  peak resident memory {0:F0} MB, GC heap now {1:F0} MB", process.PeakWorkingSet64 / 1048576.0, GC.GetTotalMemory(false) / 1048576.0));
        output.WriteLine(string.Format(inv, "  JIT: {0} methods compiled, {1:F0} ms spent compiling (elapsed, summed over threads: on a loaded machine more than the CPU it took)", System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds));
    }

    /// <summary>Stops listening.</summary>
    public void Dispose() => _listener.Dispose();

    private void Stopped(Activity activity)
    {
        var depth = 0;
        for (var p = activity.Parent; p is not null; p = p.Parent)
        {
            depth++;
        }

        var cpu = activity.GetTagItem(CpuMsTag) is double c ? c : double.NaN;
        var alloc = activity.GetTagItem(AllocatedBytesTag) is long a ? a : (long?)null;
        lock (_lock)
        {
            _rows.Add(new Row(activity.OperationName, depth, activity.StartTimeUtc, activity.Duration.TotalMilliseconds, cpu, alloc));
        }
    }

    private void Add(Row row)
    {
        lock (_lock)
        {
            _rows.Add(row);
        }
    }

    private readonly record struct Row(string Name, int Depth, DateTime StartUtc, double WallMs, double CpuMs, long? AllocatedBytes);

    private sealed class CommandStage : IDisposable
    {
        private readonly AnalyzeTimings _owner;
        private readonly string _name;
        private readonly DateTime _startUtc = DateTime.UtcNow;
        private readonly long _startTicks = Stopwatch.GetTimestamp();
        private readonly TimeSpan _cpuStart = Environment.CpuUsage.TotalTime;
        private readonly long _allocatedStart = GC.GetTotalAllocatedBytes();

        public CommandStage(AnalyzeTimings owner, string name)
        {
            _owner = owner;
            _name = name;
        }

        public void Dispose() => _owner.Add(new Row(
            _name,
            0,
            _startUtc,
            Stopwatch.GetElapsedTime(_startTicks).TotalMilliseconds,
            (Environment.CpuUsage.TotalTime - _cpuStart).TotalMilliseconds,
            GC.GetTotalAllocatedBytes() - _allocatedStart));
    }
}
