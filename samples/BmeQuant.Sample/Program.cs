// BmeQuant in about 20 lines: generate a synthetic knee with known bone marrow edema, analyse it, print the findings.
using System.Globalization;
using BmeQuant;
using BmeQuant.Phantoms;
using BmeQuant.Quantification;

var seed = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
var spec = PhantomPresets.MigratingKneeBmes(seed);
var study = PhantomGenerator.Generate(spec with { Visits = [spec.Visits[0]] }); // first visit only
var visit = study.Visits[0];

// A real study would come from a folder instead: await BmeQuantStudy.OpenFolderAsync("path/to/dicom").
var input = PhantomInputs.ToStudyInput(study, visit);
var findings = EdemaAnalyzer.Analyze(input, AnalysisOptions.Default);

var inv = CultureInfo.InvariantCulture;
Console.WriteLine(string.Create(inv, $"version {BmeQuantInfo.Version}"));
foreach (var bone in findings.Bones)
{
    Console.WriteLine(string.Create(inv, $"bone {bone.Name} edema-mm3 {bone.EdemaVolumeMm3:F1} percent {bone.PercentOfRegion:F2}"));
}

Console.WriteLine(string.Create(inv, $"total edema-mm3 {findings.Total.EdemaVolumeMm3:F1} truth-mm3 {visit.Truth.TotalEdemaVolumeMm3:F1}"));
