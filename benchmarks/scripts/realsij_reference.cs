#:project ../../src/BmeQuant.Quantification/BmeQuant.Quantification.csproj
#:property Nullable=enable
#:property AssemblyName=BmeQuant.Benchmarks
#:property TieredCompilation=false
#:property PublishAot=false

// The normal-marrow reference on the real sacroiliac scans: for each subject, with the readers' reference mask (mask)
// and estimated (nomask), the agreement with the readers (as realsij_agreement.cs) and the reference statistics the
// analysis used (median, quartiles, SD, T1), optionally writing our edema and reference masks for
// benchmarks/scripts/realsij_reference.py (per-slice diagnosis).
//
//   MODES=mask,nomask REALSIJ_OUT=/tmp/realsij-ref dotnet run -c Release --file benchmarks/scripts/realsij_reference.cs
//
// Environment: BMEQUANT_REAL_SIJ (folder of subject folders; default ../shared/testdata/real-sij), MODES (default
// mask,nomask), REALSIJ_OUT (folder for <mode>-<subject>-{edema,reference}.nii.gz), PATCH (ReferenceEstimator.PatchMm:
// side of the in-plane patches of the estimated reference's spreads, mm; 0 = the whole sample's spread, as before
// 2026-11-30).
using System.Globalization;
using BmeQuant.Imaging.IO;
using BmeQuant.Quantification;

var inv = CultureInfo.InvariantCulture;
var root = Environment.GetEnvironmentVariable("BMEQUANT_REAL_SIJ") ?? Path.Combine("..", "shared", "testdata", "real-sij");
var outDir = Environment.GetEnvironmentVariable("REALSIJ_OUT");
if (outDir is not null)
{
    Directory.CreateDirectory(outDir);
}

var options = AnalysisOptions.Default;
double? Knob(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? double.Parse(v, inv) : null;
if (Knob("PATCH") is { } patch) { BmeQuant.Quantification.Internal.ReferenceEstimator.PatchMm = patch; }
var subjects = ReaderAgreement.SubjectFolders(root);
if (subjects.Count == 0)
{
    Console.Error.WriteLine($"No subject folders under {Path.GetFullPath(root)}; set BMEQUANT_REAL_SIJ.");
    return 2;
}

Console.WriteLine("mode   subject  Dice   mutual  ratio  ours-mL readers-mL | ref-mL  median     Q1     Q3   mean     SD  T1-median T1-SD");
foreach (var mode in (Environment.GetEnvironmentVariable("MODES") ?? "mask,nomask").Split(','))
{
    var results = new List<ReaderAgreementResult>();
    foreach (var dir in subjects)
    {
        var (r, findings) = ReaderAgreement.MeasureWithFindings(dir, options, mode == "mask", CancellationToken.None);
        results.Add(r);
        var rf = findings.Reference;
        Console.WriteLine(string.Create(inv, $"{mode,-6} {r.Subject,-8} {r.MeanDiceVsReaders,5:F3} {r.ReadersMutualDice,6:F3} {r.MeanDiceVsReaders / r.ReadersMutualDice,6:F3} {r.VolumeMl,7:F2} {r.ReaderMeanVolumeMl,9:F2}  | {rf.VolumeMm3 / 1000,6:F2} {rf.FluidMedian,7:F1} {rf.FluidQ1,6:F1} {rf.FluidQ3,6:F1} {rf.FluidMean,6:F1} {rf.FluidSd,6:F1} {rf.T1Median,9:F1} {rf.T1RobustSd,5:F1}"));
        if (outDir is not null)
        {
            var stem = Path.Combine(outDir, mode + "-" + r.Subject);
            NiftiWriter.Write(findings.Masks.Edema, stem + "-edema.nii.gz");
            NiftiWriter.Write(findings.Masks.Reference, stem + "-reference.nii.gz");
        }
    }

    var ours = results.Average(r => r.MeanDiceVsReaders);
    var readers = results.Average(r => r.ReadersMutualDice);
    Console.WriteLine(string.Create(inv, $"{mode,-6} mean     {ours,5:F3} {readers,6:F3} {ours / readers,6:F3}"));
}

return 0;
