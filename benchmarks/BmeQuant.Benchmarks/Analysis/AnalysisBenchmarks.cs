using BenchmarkDotNet.Attributes;
using BmeQuant.Quantification;

namespace BmeQuant.Benchmarks.Analysis;

/// <summary>
/// Issue 6: <c>analyze</c> on a knee phantom (T1 coronal 512×512×24, STIR sagittal 320×320×30). <see cref="Analyze"/>
/// is the analysis alone (study already in memory; bones given as the phantom's label map) — target &lt; 1 s;
/// <see cref="OpenFolder"/> is discovery + reading both DICOM series; <see cref="OpenAndAnalyze"/> both.
/// Whole-process time and peak RSS: benchmarks/scripts/analyze_process.sh.
/// </summary>
[MemoryDiagnoser]
public class AnalysisBenchmarks
{
    private string _folder = string.Empty;
    private StudyOpenOptions _openOptions = StudyOpenOptions.Default;
    private Study? _study;

    [GlobalSetup]
    public void Setup()
    {
        var (folder, labels) = AnalysisBenchmarkData.Ensure();
        _folder = folder;
        _openOptions = new StudyOpenOptions { BoneMaskPath = labels };
        _study = BmeQuantStudy.OpenFolderAsync(_folder, _openOptions).GetAwaiter().GetResult();
    }

    [Benchmark]
    public double Analyze() => _study!.AnalyzeAsync().GetAwaiter().GetResult().Findings.Total.EdemaVolumeMm3;

    [Benchmark]
    public int OpenFolder() => BmeQuantStudy.OpenFolderAsync(_folder, _openOptions).GetAwaiter().GetResult().FluidSensitive.Volume.Length;

    [Benchmark]
    public double OpenAndAnalyze()
    {
        var study = BmeQuantStudy.OpenFolderAsync(_folder, _openOptions).GetAwaiter().GetResult();
        return study.AnalyzeAsync(AnalysisOptions.Default).GetAwaiter().GetResult().Findings.Total.EdemaVolumeMm3;
    }
}
