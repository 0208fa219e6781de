#:project ../BmeQuant.Benchmarks/BmeQuant.Benchmarks.csproj
#:property Nullable=enable
#:property AssemblyName=AnalyzeProcessData
#:property PublishAot=false

// Generates (once) the issue-6 analysis benchmark study and prints its folder and STIR bone label map, tab-separated.
// Used by analyze_process.sh; the same data as AnalysisBenchmarks (benchmarks/BmeQuant.Benchmarks/Analysis).
using BmeQuant.Benchmarks.Analysis;

var (folder, labels) = AnalysisBenchmarkData.Ensure();
Console.WriteLine(folder + "\t" + labels);
