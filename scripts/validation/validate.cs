#:project ../../src/BmeQuant/BmeQuant.csproj
#:property Nullable=enable
#:property TreatWarningsAsErrors=false

// Accuracy tables for docs/validation.md (run through scripts/validation/run.sh).
//   dotnet run validate.cs -- [--seeds N] [--real-sij <folder>]
// Prints Markdown: (1) phantoms with exact truth, every preset and visit; (2) real sacroiliac scans against readers.
using System.Globalization;
using System.Text.Json;
using BmeQuant;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Phantoms;
using BmeQuant.Quantification;

var inv = CultureInfo.InvariantCulture;
var seeds = 1;
string? realSij = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--seeds") seeds = int.Parse(args[++i], inv);
    else if (args[i] == "--real-sij") realSij = args[++i];
}

Console.WriteLine("### Phantoms (exact truth)");
Console.WriteLine();
Console.WriteLine(string.Create(inv, $"Default options; bones from the phantom's label map; {seeds} seed(s) per preset. Truth edema = Σ edema fraction × voxel volume; Dice against the truth voxels with edema fraction ≥ 0.5."));
Console.WriteLine();
Console.WriteLine("| preset | seed | visit | day | truth mL | measured mL | error % | Dice |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
var errors = new List<double>();
var dices = new List<double>();
foreach (var name in PhantomPresets.Names)
{
    for (var seed = 1; seed <= seeds; seed++)
    {
        var study = PhantomGenerator.Generate(PhantomPresets.Get(name, seed));
        foreach (var visit in study.Visits)
        {
            var input = PhantomInputs.ToStudyInput(study, visit);
            var findings = EdemaAnalyzer.Analyze(input, AnalysisOptions.Default);
            var fluid = visit.Series.First(s => s.Sequence.Sequence != PhantomSequence.T1SpinEcho);
            var truthMl = visit.Truth.TotalEdemaVolumeMm3 / 1000;
            var measuredMl = findings.Total.EdemaVolumeMilliliters;
            var truthMask = new Volume<byte>(fluid.EdemaFraction.Geometry);
            for (var n = 0; n < truthMask.Length; n++)
            {
                truthMask.Data[n] = fluid.EdemaFraction.Data[n] >= 0.5f ? (byte)1 : (byte)0;
            }

            var dice = Dice(findings.Masks.Edema, truthMask);
            string error;
            if (truthMl > 0.05)
            {
                var e = 100 * (measuredMl - truthMl) / truthMl;
                errors.Add(Math.Abs(e));
                error = e.ToString("+0.0;-0.0", inv);
            }
            else
            {
                error = "(no edema)";
            }

            if (!double.IsNaN(dice))
            {
                dices.Add(dice);
            }

            Console.WriteLine(string.Create(inv, $"| {name} | {seed} | {visit.Index + 1} | {visit.DayOffset} | {truthMl:F2} | {measuredMl:F2} | {error} | {(double.IsNaN(dice) ? "-" : dice.ToString("F3", inv))} |"));
        }
    }
}

Console.WriteLine();
Console.WriteLine(string.Create(inv, $"Mean absolute volume error over visits with edema: **{(errors.Count > 0 ? errors.Average() : double.NaN):F1} %**; mean Dice: **{(dices.Count > 0 ? dices.Average() : double.NaN):F3}**."));
Console.WriteLine();

Console.WriteLine("### Real sacroiliac scans (readers)");
Console.WriteLine();
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
foreach (var dir in Directory.GetDirectories(realSij).Order(StringComparer.Ordinal))
{
    if (!File.Exists(Path.Combine(dir, "stir.nii.gz")) || !File.Exists(Path.Combine(dir, "t1.nii.gz")))
    {
        continue;
    }

    var subject = Path.GetFileName(dir);
    var region = NiftiReader.ReadLabels(Path.Combine(dir, "region.nii.gz"));
    var labels = region.CreateLike<int>();
    for (var n = 0; n < labels.Length; n++)
    {
        labels.Data[n] = region.Data[n] > 0 ? 1 : 0;
    }

    var input = new StudyInput(NiftiReader.ReadFloat(Path.Combine(dir, "stir.nii.gz")), NiftiReader.ReadFloat(Path.Combine(dir, "t1.nii.gz")))
    {
        BoneLabels = labels,
        LabelNames = new Dictionary<int, string> { [1] = "sacroiliac region" },
        ReferenceMask = File.Exists(Path.Combine(dir, "reference.nii.gz")) ? NiftiReader.ReadMask(Path.Combine(dir, "reference.nii.gz")) : null,
        Anatomy = Anatomy.SacroiliacJoint,
    };
    var findings = EdemaAnalyzer.Analyze(input, AnalysisOptions.Default);
    var readers = Directory.GetFiles(dir, "edema_*.nii.gz").Order(StringComparer.Ordinal).Select(NiftiReader.ReadMask).ToList();
    if (readers.Count == 0)
    {
        continue;
    }

    var ours = readers.Average(r => Dice(findings.Masks.Edema, r));
    var mutual = MutualDice(realSij, subject, readers);
    var readersMl = readers.Average(r => Count(r) * r.Geometry.VoxelVolumeMm3 / 1000);
    ratios.Add((ours, mutual));
    Console.WriteLine(string.Create(inv, $"| {subject} | {ours:F3} | {mutual:F3} | {ours / mutual:F2} | {findings.Total.EdemaVolumeMilliliters:F2} | {readersMl:F2} |"));
}

if (ratios.Count > 0)
{
    var o = ratios.Average(r => r.Ours);
    var m = ratios.Average(r => r.Readers);
    Console.WriteLine(string.Create(inv, $"| **mean** | **{o:F3}** | **{m:F3}** | **{o / m:F2}** | | |"));
}

return 0;

static double MutualDice(string root, string subject, List<Volume<byte>> readers)
{
    var agreement = Path.Combine(root, "reader-agreement.json");
    if (File.Exists(agreement))
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(agreement));
        if (doc.RootElement.TryGetProperty("subjects", out var subs) && subs.TryGetProperty(subject, out var s) && s.TryGetProperty("mean_inter_reader_dice", out var d))
        {
            return d.GetDouble();
        }
    }

    var pairs = new List<double>();
    for (var a = 0; a < readers.Count; a++)
    {
        for (var b = a + 1; b < readers.Count; b++)
        {
            pairs.Add(Dice(readers[a], readers[b]));
        }
    }

    return pairs.Count > 0 ? pairs.Average() : 1;
}

static long Count(Volume<byte> m) => m.Data.LongCount(v => v != 0);

static double Dice(Volume<byte> a, Volume<byte> b)
{
    long both = 0, na = 0, nb = 0;
    for (var i = 0; i < a.Length; i++)
    {
        var x = a.Data[i] != 0;
        var y = b.Data[i] != 0;
        na += x ? 1 : 0;
        nb += y ? 1 : 0;
        both += x && y ? 1 : 0;
    }

    return na + nb == 0 ? double.NaN : 2.0 * both / (na + nb);
}
