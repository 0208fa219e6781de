#:project ../../src/BmeQuant/BmeQuant.csproj
#:property Nullable=enable
#:property TreatWarningsAsErrors=false

// Accuracy tables for docs/validation.md (run through scripts/validation/run.sh).
//   dotnet run validate.cs -- [--seeds N] [--real-sij <folder>] [--quick]
// Prints Markdown: (1) phantoms with exact truth, every preset and visit, each volume against the truth of the same
// kind; (2) real sacroiliac scans against readers.
// --quick: a reduced grid for checking the script itself (in-plane matrix at most 96, the first two visits of each
// preset, no real scans); its numbers are not the page's.
using System.Globalization;
using BmeQuant;
using BmeQuant.Imaging;
using BmeQuant.Phantoms;
using BmeQuant.Quantification;

var inv = CultureInfo.InvariantCulture;
var seeds = 1;
var quick = false;
string? realSij = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--seeds") seeds = int.Parse(args[++i], inv);
    else if (args[i] == "--real-sij") realSij = args[++i];
    else if (args[i] == "--quick") quick = true;
    else throw new ArgumentException($"unknown argument '{args[i]}' (expected --seeds N, --real-sij FOLDER, --quick)");
}

// Like with like: the binary volume counts voxels at least half edematous (MinimumEdemaFraction 0.5, the definition
// of the truth mask f >= 0.5), the fraction-weighted volume sums the estimated fraction (the truth's Σ f). One analysis
// per visit gives both; these are the options PhantomAccuracyTests holds to floors.
var options = AnalysisOptions.Default with { MinimumEdemaFraction = 0.5 };
const int QuickMatrix = 96;
const int QuickVisits = 2;

Console.WriteLine("### Phantoms (exact truth)");
Console.WriteLine();
Console.WriteLine(string.Create(inv, $"Default options except `MinimumEdemaFraction` 0.5; bones from the phantom's label map; {seeds} seed(s) per preset{(quick ? $"; QUICK CHECK: in-plane matrix at most {QuickMatrix}, first {QuickVisits} visits (not the page's numbers)" : string.Empty)}. Each measure is set against the truth of the same kind: **binary** (voxels at least half edematous) against the volume of the truth mask (edema fraction ≥ 0.5), **weighted** (Σ estimated edema fraction × voxel volume, `fractionWeightedVolumeMm3`) against Σ true edema fraction × voxel volume. Dice against the truth mask (fraction ≥ 0.5)."));
Console.WriteLine();
Console.WriteLine("| preset | seed | visit | day | truth f ≥ 0.5 mL | binary mL | error % | truth Σf mL | weighted mL | error % | Dice |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
var binaryErrors = new List<double>();
var weightedErrors = new List<double>();
var dices = new List<double>();
foreach (var name in PhantomPresets.Names)
{
    for (var seed = 1; seed <= seeds; seed++)
    {
        var spec = PhantomPresets.Get(name, seed);
        if (quick)
        {
            spec = spec with
            {
                Acquisitions = spec.Acquisitions
                    .Select(a => a.Columns <= QuickMatrix ? a : a with { Columns = QuickMatrix, Rows = Math.Max(1, a.Rows * QuickMatrix / a.Columns), PixelSpacingMm = a.PixelSpacingMm * a.Columns / QuickMatrix })
                    .ToArray(),
                Visits = spec.Visits.Take(QuickVisits).ToArray(),
            };
        }

        var study = PhantomGenerator.Generate(spec);
        foreach (var visit in study.Visits)
        {
            var input = PhantomInputs.ToStudyInput(study, visit);
            var findings = EdemaAnalyzer.Analyze(input, options);
            var fluid = visit.Series.First(s => s.Sequence.Sequence != PhantomSequence.T1SpinEcho);
            var truthExtentMl = visit.Truth.Bones.Sum(b => b.EdemaExtentVolumeMm3) / 1000;
            var truthSumMl = visit.Truth.TotalEdemaVolumeMm3 / 1000;
            var binaryMl = findings.Total.EdemaVolumeMilliliters;
            var weightedMl = findings.Total.FractionWeightedVolumeMilliliters;
            var truthMask = new Volume<byte>(fluid.EdemaFraction.Geometry);
            for (var n = 0; n < truthMask.Length; n++)
            {
                truthMask.Data[n] = fluid.EdemaFraction.Data[n] >= 0.5f ? (byte)1 : (byte)0;
            }

            var dice = Dice(findings.Masks.Edema, truthMask);
            if (!double.IsNaN(dice))
            {
                dices.Add(dice);
            }

            Console.WriteLine(string.Create(inv, $"| {name} | {seed} | {visit.Index + 1} | {visit.DayOffset} | {truthExtentMl:F2} | {binaryMl:F2} | {Error(binaryMl, truthExtentMl, binaryErrors)} | {truthSumMl:F2} | {weightedMl:F2} | {Error(weightedMl, truthSumMl, weightedErrors)} | {(double.IsNaN(dice) ? "-" : dice.ToString("F3", inv))} |"));
        }
    }
}

Console.WriteLine();
Console.WriteLine(string.Create(inv, $"Mean absolute volume error over visits with that kind of truth: binary **{Mean(binaryErrors):F1} %** ({binaryErrors.Count} visits), weighted **{Mean(weightedErrors):F1} %** ({weightedErrors.Count} visits); mean Dice: **{Mean(dices):F3}**. A visit whose truth is below 0.05 mL shows \"(no edema)\" and its measured volume is a false positive."));
Console.WriteLine();

Console.WriteLine("### Real sacroiliac scans (readers)");
Console.WriteLine();
if (quick)
{
    Console.WriteLine("Not run: --quick.");
    return 0;
}

if (realSij is null || !Directory.Exists(realSij))
{
    Console.WriteLine($"Not run: folder of real scans not found ({realSij ?? "none given"}; set BMEQUANT_REAL_SIJ).");
    return 0;
}

Console.WriteLine("Default options with the readers' region and reference masks; Dice against each reader outline, averaged; the bar is ours ≥ 0.90 × the readers' mutual Dice.");
Console.WriteLine();
Console.WriteLine("| subject | Dice vs readers | readers' mutual Dice | ratio | ours mL | readers mL |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
var ratios = new List<(double Ours, double Readers)>();
foreach (var dir in ReaderAgreement.SubjectFolders(realSij))
{
    if (Directory.GetFiles(dir, "edema_*.nii.gz").Length == 0)
    {
        continue;
    }

    // One implementation with RealSijTests (region binarised, sacroiliac anatomy, reference mask when present).
    var r = ReaderAgreement.Measure(dir, AnalysisOptions.Default, useReferenceMask: true);
    ratios.Add((r.MeanDiceVsReaders, r.ReadersMutualDice));
    Console.WriteLine(string.Create(inv, $"| {r.Subject} | {r.MeanDiceVsReaders:F3} | {r.ReadersMutualDice:F3} | {r.MeanDiceVsReaders / r.ReadersMutualDice:F2} | {r.VolumeMl:F2} | {r.ReaderMeanVolumeMl:F2} |"));
}

if (ratios.Count > 0)
{
    var o = ratios.Average(r => r.Ours);
    var m = ratios.Average(r => r.Readers);
    Console.WriteLine(string.Create(inv, $"| **mean** | **{o:F3}** | **{m:F3}** | **{o / m:F2}** | | |"));
}

return 0;

// 100 × (measured − truth) / truth as "+0.0" text, the absolute value added to the list; "(no edema)" below 0.05 mL of truth.
static string Error(double measuredMl, double truthMl, List<double> errors)
{
    if (truthMl <= 0.05)
    {
        return "(no edema)";
    }

    var e = 100 * (measuredMl - truthMl) / truthMl;
    errors.Add(Math.Abs(e));
    return e.ToString("+0.0;-0.0", CultureInfo.InvariantCulture);
}

static double Mean(List<double> values) => values.Count > 0 ? values.Average() : double.NaN;

// Dice against the phantom's truth; NaN when both masks are empty (the visit has no edema and none was found).
static double Dice(Volume<byte> a, Volume<byte> b) =>
    a.Data.All(v => v == 0) && b.Data.All(v => v == 0) ? double.NaN : ReaderAgreement.Dice(a, b);
