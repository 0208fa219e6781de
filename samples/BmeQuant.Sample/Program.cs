// BmeQuant in about 20 lines: write two visits of a synthetic knee with known bone marrow edema as DICOM, open each
// study folder through the facade, analyse it, compare the visits and write the follow-up report.
using System.Globalization;
using BmeQuant;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;

var seed = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
var output = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), $"bmequant-sample-{seed}");
var spec = PhantomPresets.MigratingKneeBmes(seed);
var phantom = PhantomGenerator.Generate(spec with { Visits = [spec.Visits[0], spec.Visits[1]] }); // baseline, day 60
var folders = PhantomDicomExporter.Write(phantom, Path.Combine(output, "dicom")); // one DICOM study folder per visit
var boneNames = phantom.BoneNames.Select((name, i) => (i + 1, name)).ToDictionary();

var inv = CultureInfo.InvariantCulture;
Console.WriteLine(string.Create(inv, $"version {BmeQuantInfo.Version}"));
var analyses = new List<StudyAnalysis>();
foreach (var (folder, visit) in folders.Zip(phantom.Visits))
{
    // Bones from a label map (here the phantom's own; leave BoneMaskPath out to have them segmented automatically).
    var stir = PhantomDicomExporter.SeriesFolderName(visit.Series.First(s => s.Sequence.Sequence == PhantomSequence.Stir), PhantomVendor.Siemens);
    var options = new StudyOpenOptions { BoneMaskPath = Path.Combine(folder, "truth", stir + "_bone_labels.nii.gz"), BoneLabelNames = boneNames };
    var study = await BmeQuantStudy.OpenFolderAsync(folder, options); // series, roles, anatomy and date from the headers
    var analysis = await study.AnalyzeAsync();                         // reference and edema with the default options
    analyses.Add(analysis);
    foreach (var bone in analysis.Findings.Bones)
    {
        Console.WriteLine(string.Create(inv, $"visit {analysis.Label} bone {bone.Name} edema-mm3 {bone.EdemaVolumeMm3:F1} percent {bone.PercentOfRegion:F2}"));
    }

    Console.WriteLine(string.Create(inv, $"visit {analysis.Label} total edema-mm3 {analysis.Findings.Total.EdemaVolumeMm3:F1} truth-mm3 {visit.Truth.TotalEdemaVolumeMm3:F1}"));
}

var comparison = await FollowUp.CompareAsync(analyses);
var files = await FollowUp.WriteReportsAsync(comparison, Path.Combine(output, "report"));
Console.WriteLine(string.Create(inv, $"status {comparison.OverallStatus} days {comparison.BaselineToLatest.Days:F0}: {comparison.Summary}"));
Console.WriteLine($"report {string.Join(" ", files.Select(Path.GetFileName))} in {Path.Combine(output, "report")}");
