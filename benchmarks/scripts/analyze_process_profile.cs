#:project ../BmeQuant.Benchmarks/BmeQuant.Benchmarks.csproj
#:property Nullable=enable
#:property AssemblyName=AnalyzeProcessProfile
#:property PublishAot=false
#:property TieredCompilation=false

// In-process stage profile of the issue-6 analysis (the study of analyze_process.sh, read once): runs the analysis
// RUNS times (default 4) in one process, like the CLI without tiered compilation, and prints each stage's CPU ms per
// run (process CPU over all threads, from the EdemaAnalyzer activities) plus the JIT time of each run. The first run
// pays the JIT (what one `bmequant analyze` process pays); the later ones are the steady state of the kernels. The wall ms
// of each stage follow (meaningful on a quiet machine only).
//
// A stage's CPU is the whole process's while it ran: where stages overlap (the bones beside the alignment, the measures)
// each counts the others' too. "sequential" runs the analysis on one thread (MaxDegreeOfParallelism = 1) so that each
// stage's CPU is its own.
//
//   dotnet run -c Release --file benchmarks/scripts/analyze_process_profile.cs [RUNS] [sequential]
using System.Diagnostics;
using System.Globalization;
using BmeQuant;
using BmeQuant.Benchmarks.Analysis;
using BmeQuant.Quantification;

var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4;
var options = args.Length > 1 && args[1] == "sequential" ? AnalysisOptions.Default with { MaxDegreeOfParallelism = 1 } : AnalysisOptions.Default;
var (folder, labels) = AnalysisBenchmarkData.Ensure();
var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
var cpuBefore = Environment.CpuUsage.TotalTime;
var wallBefore = Stopwatch.GetTimestamp();
var study = await BmeQuantStudy.OpenFolderAsync(folder, new StudyOpenOptions { BoneMaskPath = labels });
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read: wall {Stopwatch.GetElapsedTime(wallBefore).TotalMilliseconds:F0} ms, CPU {(Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds:F0} ms, JIT {(System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds:F0} ms"));

var order = new List<string>();
var table = new Dictionary<string, double[]>();
var wallTable = new Dictionary<string, double[]>();
var run = 0;
using var listener = new ActivityListener
{
    ShouldListenTo = s => s.Name == EdemaAnalyzer.ActivitySourceName,
    Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    ActivityStopped = a =>
    {
        var depth = 0;
        for (var p = a.Parent; p is not null; p = p.Parent)
        {
            depth++;
        }

        var key = new string(' ', 2 * depth) + a.OperationName;
        lock (table)
        {
            if (!table.TryGetValue(key, out var row))
            {
                table[key] = row = new double[runs];
                wallTable[key] = new double[runs];
                order.Add(key);
            }

            row[run] += a.GetTagItem("cpu.ms") is double c ? c : double.NaN;
            wallTable[key][run] += a.Duration.TotalMilliseconds;
        }
    },
};
ActivitySource.AddActivityListener(listener);
var jit = new double[runs];
var wall = new double[runs];
double volume = 0;
for (run = 0; run < runs; run++)
{
    var j0 = System.Runtime.JitInfo.GetCompilationTime();
    var w0 = Stopwatch.GetTimestamp();
    var analysis = await study.AnalyzeAsync(options);
    wall[run] = Stopwatch.GetElapsedTime(w0).TotalMilliseconds;
    jit[run] = (System.Runtime.JitInfo.GetCompilationTime() - j0).TotalMilliseconds;
    volume = analysis.Findings.Total.EdemaVolumeMm3;
}

var inv = CultureInfo.InvariantCulture;
Console.WriteLine(string.Create(inv, $"edema {volume:F1} mm³; CPU ms per stage, runs 1..{runs} (run 1 includes the JIT), then wall ms per stage:"));
foreach (var key in order.OrderBy(k => k == "analyze" ? 0 : 1))
{
    Console.WriteLine(string.Format(inv, "  {0,-26}{1}  |{2}", key, string.Concat(table[key].Select(v => string.Format(inv, "{0,8:F0}", v))), string.Concat(wallTable[key].Select(v => string.Format(inv, "{0,8:F0}", v)))));
}

Console.WriteLine(string.Format(inv, "  {0,-26}{1}", "(wall)", string.Concat(wall.Select(v => string.Format(inv, "{0,8:F0}", v)))));
Console.WriteLine(string.Format(inv, "  {0,-26}{1}", "(JIT)", string.Concat(jit.Select(v => string.Format(inv, "{0,8:F0}", v)))));

// The registration's levels (iterations, stop reason, metric) through the internal refinement's observer.
var refine = typeof(EdemaAnalyzer).Assembly.GetType("BmeQuant.Quantification.Internal.Pipeline.T1Registration")?.GetMethod("Refine");
if (refine is not null && study.Input.T1 is { } t1)
{
    var levels = new List<BmeQuant.Imaging.Registration.RegistrationLevelInfo>();
    var observe = new Action<BmeQuant.Imaging.Registration.RigidRegistrationResult>(r => levels.AddRange(r.Levels));
    var arguments = refine.GetParameters().Select(p => p.Name switch
    {
        "fluid" => (object?)study.Input.FluidSensitive,
        "t1" => t1,
        "boneLabels" => study.Input.BoneLabels,
        "options" => AnalysisOptions.Default,
        "notes" => new List<string>(),
        "observe" => observe,
        _ => p.DefaultValue,
    }).ToArray();
    var c0 = Environment.CpuUsage.TotalTime;
    var outcome = refine.Invoke(null, arguments);
    Console.WriteLine(string.Create(inv, $"registration alone: CPU {(Environment.CpuUsage.TotalTime - c0).TotalMilliseconds:F0} ms; {outcome}"));
    foreach (var l in levels)
    {
        Console.WriteLine(string.Create(inv, $"  level {l.Level} shrink {l.NominalShrinkFactor}: {l.SampleCount} samples, {l.Iterations} iterations, stop {l.StopReason}, metric {l.FinalMetricValue:F5}, step {l.FinalStepMm:G3} mm"));
    }
}
