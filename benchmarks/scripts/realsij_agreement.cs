#:project ../../src/BmeQuant.Quantification/BmeQuant.Quantification.csproj
#:property Nullable=enable
#:property AssemblyName=BmeQuant.Benchmarks
#:property TieredCompilation=false
#:property PublishAot=false

// Real sacroiliac agreement with the readers, per subject, for one set of analysis options: the table RealSijTests
// prints (Dice against each outline, their mean, the readers' mutual Dice, ratio, volumes), with the options' knobs
// taken from the environment so that a variant is one command, and optionally our edema masks written for
// benchmarks/scripts/realsij_misses.py (where the misses and false voxels lie). The analysis is
// ReaderAgreement.Measure (region map binarised to one region, sacroiliac anatomy).
//
//   BMEQUANT_REAL_SIJ=../shared/testdata/real-sij dotnet run -c Release --file benchmarks/scripts/realsij_agreement.cs
//   MODES=mask,nomask REALSIJ_OUT=/tmp/realsij EDGE=0.3 dotnet run -c Release --file benchmarks/scripts/realsij_agreement.cs
//
// Environment: BMEQUANT_REAL_SIJ (folder of subject folders; default ../shared/testdata/real-sij from the current
// directory), MODES (comma list of mask = region + reference masks, nomask = region only; default mask), REALSIJ_OUT
// (folder for <mode>-<subject>.nii.gz edema masks), and AnalysisOptions overrides: EDGE (LesionEdgeFraction), FILL
// (FillHolesUpToMm3), K, SMOOTH (SmoothingSigmaMm), VETO (T1BrightVetoZ), MINVOL (MinimumLesionVolumeMm3), SURF
// (SurfaceMarginMm), T1W (T1SupportWeight), BIAS=1 (CorrectBiasField), LC* (local-contrast lesions, below). About 10 s of analysis per mode on 2 cores.
using System.Globalization;
using BmeQuant.Imaging;
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
if (Knob("EDGE") is { } edge) { options = options with { LesionEdgeFraction = edge }; }
if (Knob("FILL") is { } fill) { options = options with { FillHolesUpToMm3 = fill }; }
if (Knob("K") is { } k) { options = options with { K = k }; }
if (Knob("SMOOTH") is { } smooth) { options = options with { SmoothingSigmaMm = smooth }; }
if (Knob("VETO") is { } veto) { options = options with { T1BrightVetoZ = veto }; }
if (Knob("MINVOL") is { } minVolume) { options = options with { MinimumLesionVolumeMm3 = minVolume }; }
if (Knob("SURF") is { } surface) { options = options with { SurfaceMarginMm = surface }; }
if (Knob("T1W") is { } t1Weight) { options = options with { T1SupportWeight = t1Weight }; }
if (Environment.GetEnvironmentVariable("BIAS") == "1") { options = options with { CorrectBiasField = true }; }

// Local-contrast lesions (EdemaSegmenter.LocalContrast, internal): LC=0 turns them off; LC_HW, LC_C, LC_SW, LC_SC, LC_SD
// override the rule's neighbourhood half-width (mm), local contrast (SD), shell width (mm), shell contrast (shell SDs)
// and how far the shell lies below normal marrow (SD).
if (Environment.GetEnvironmentVariable("LC") == "0")
{
    BmeQuant.Quantification.Internal.EdemaSegmenter.LocalContrast = null;
}
else
{
    var lc = BmeQuant.Quantification.Internal.Edema.LocalContrastRule.Default;
    BmeQuant.Quantification.Internal.EdemaSegmenter.LocalContrast = lc with
    {
        NeighbourhoodHalfWidthMm = Knob("LC_HW") ?? lc.NeighbourhoodHalfWidthMm,
        LocalContrastSd = Knob("LC_C") ?? lc.LocalContrastSd,
        ShellWidthMm = Knob("LC_SW") ?? lc.ShellWidthMm,
        ShellContrastSd = Knob("LC_SC") ?? lc.ShellContrastSd,
        ShellDarkerSd = Knob("LC_SD") ?? lc.ShellDarkerSd,
    };
}

var subjects = ReaderAgreement.SubjectFolders(root);
if (subjects.Count == 0)
{
    Console.Error.WriteLine($"No subject folders (stir.nii.gz + t1.nii.gz) under {Path.GetFullPath(root)}; set BMEQUANT_REAL_SIJ.");
    return 2;
}

Console.WriteLine("mode   subject  Dice-vs-readers  readers-mutual  ratio  ours-mL  readers-mL  per-reader");
foreach (var mode in (Environment.GetEnvironmentVariable("MODES") ?? "mask").Split(','))
{
    var withMasks = mode == "mask";
    var results = new List<ReaderAgreementResult>();
    foreach (var dir in subjects)
    {
        var r = Measure(dir, withMasks, outDir is null ? null : Path.Combine(outDir, mode + "-" + Path.GetFileName(dir) + ".nii.gz"));
        results.Add(r);
        Console.WriteLine(string.Create(inv, $"{mode,-6} {r.Subject,-8} {r.MeanDiceVsReaders,15:F3} {r.ReadersMutualDice,15:F3} {r.MeanDiceVsReaders / r.ReadersMutualDice,6:F3} {r.VolumeMl,8:F2} {r.ReaderMeanVolumeMl,11:F2}  {string.Join(" ", r.DicePerReader.Select(d => d.ToString("F2", inv)))}"));
    }

    var ours = results.Average(r => r.MeanDiceVsReaders);
    var readers = results.Average(r => r.ReadersMutualDice);
    Console.WriteLine(string.Create(inv, $"{mode,-6} mean     {ours,15:F3} {readers,15:F3} {ours / readers,6:F3}   (bar: ratio >= 0.90)"));
}

return 0;

ReaderAgreementResult Measure(string dir, bool withMasks, string? maskPath)
{
    var (result, findings) = ReaderAgreement.MeasureWithFindings(dir, options, withMasks, CancellationToken.None);
    if (maskPath is not null)
    {
        NiftiWriter.Write(findings.Masks.Edema, maskPath);
    }

    return result;
}
