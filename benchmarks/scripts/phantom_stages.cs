#:project ../../src/BmeQuant.Phantoms/BmeQuant.Phantoms.csproj
#:property Nullable=enable
#:property AssemblyName=BmeQuant.Benchmarks
#:property TieredCompilation=false
#:property PublishAot=false

// Per-stage CPU seconds of the issue-5 knee study that benchmarks/BmeQuant.Benchmarks/Phantoms/phantom_process.sh times as a
// whole process (`bmequant phantom --anatomy knee --side left --visits 0,60 --pattern subchondral --snr 25 --seed 7`, the
// default clinical T1 + STIR protocol). The assembly is named BmeQuant.Benchmarks to reach the renderer's internals.
// Each stage runs ROUNDS times (default 2; the first round includes JIT compilation, as the CLI's run does: it runs without
// tiered compilation). Stages:
//   truth        TruthIntegrator.Compute, both visits
//   centres      every series rendered with supersampling 1, bias and noise off (anatomy at voxel centres)
//   supersampled every series with supersampling 3, bias and noise off (centres + sub-samples near boundaries)
//   full         every series as generated (+ bias field and Rician noise)
//   dicom        PhantomDicomExporter.Write without truth NIfTI (104 DICOM files + 2 truth.json)
//   nifti        the same with truth NIfTI maps (difference = the 8 .nii.gz files)
// and prints a checksum of every series (image, labels and edema bits) and of the truth numbers, so a speed change can be
// checked to give the same bytes.
//
//   dotnet run -c Release --file benchmarks/scripts/phantom_stages.cs [-- ROUNDS]
using System.Diagnostics;
using System.Globalization;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Geometry;
using BmeQuant.Phantoms.Output;

var inv = CultureInfo.InvariantCulture;
var rounds = args.Length > 0 ? int.Parse(args[0], inv) : 2;
var spec = PhantomPresets.NaturalCourse(PhantomAnatomy.Knee, LesionPattern.Subchondral, [0, 60], BodySide.Left, 7) with { Snr = 25 };
var model = AnatomyLibrary.Get(spec.Anatomy);
var scenes = spec.Visits.Select(v => new Scene(model, v.Lesions, v.FlexionDeg, v.EffusionMm)).ToArray();
var process = Process.GetCurrentProcess();

(double Cpu, double Wall) Time(Action action)
{
    process.Refresh();
    var cpu0 = process.TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    action();
    sw.Stop();
    process.Refresh();
    return ((process.TotalProcessorTime - cpu0).TotalSeconds, sw.Elapsed.TotalSeconds);
}

void RenderAll(PhantomSpec s, List<PhantomSeries>? keep)
{
    for (var v = 0; v < s.Visits.Count; v++)
    {
        for (var a = 0; a < s.Acquisitions.Count; a++)
        {
            var series = SeriesRenderer.Render(scenes[v], s, v, a);
            keep?.Add(series);
        }
    }
}

var quiet = spec with { AddNoise = false, BiasFieldAmplitude = 0 };
var results = new List<PhantomSeries>();
PhantomStudy? study = null;
var outDir = Path.Combine(Path.GetTempPath(), "bmequant-phantom-stages-" + Environment.ProcessId.ToString(inv));
Console.WriteLine($"load {File.ReadAllText("/proc/loadavg").Trim()}");
for (var r = 1; r <= rounds; r++)
{
    var rows = new List<(string, (double Cpu, double Wall))>
    {
        ("truth", Time(() =>
        {
            for (var v = 0; v < spec.Visits.Count; v++)
            {
                TruthIntegrator.Compute(scenes[v], spec, spec.Visits[v]);
            }
        })),
        ("centres", Time(() => RenderAll(quiet with { Supersampling = 1 }, null))),
        ("supersampled", Time(() => RenderAll(quiet, null))),
        ("full", Time(() =>
        {
            results.Clear();
            RenderAll(spec, results);
        })),
        ("generate", Time(() => study = PhantomGenerator.Generate(spec))),
        ("dicom", Time(() => PhantomDicomExporter.Write(study!, Path.Combine(outDir, "d" + r.ToString(inv)), new PhantomExportOptions { WriteTruthNifti = false }))),
        ("dicom+nifti", Time(() => PhantomDicomExporter.Write(study!, Path.Combine(outDir, "n" + r.ToString(inv)), new PhantomExportOptions()))),
    };
    foreach (var (name, (cpu, wall)) in rows)
    {
        Console.WriteLine(string.Create(inv, $"round {r} {name,-13} CPU {cpu,6:0.00} s  wall {wall,6:0.00} s"));
    }
}

Directory.Delete(outDir, recursive: true);
foreach (var s in results)
{
    Console.WriteLine(string.Create(inv, $"series {s.Index}: image {Hash(s.Image.Data):X16} labels {Hash(s.BoneLabels.Data):X16} edema {Hash(s.EdemaFraction.Data):X16}"));
}

foreach (var v in study!.Visits)
{
    var t = v.Truth;
    var lesions = string.Join("; ", t.Lesions.Select(l => string.Create(inv, $"{l.Id} {l.EdemaVolumeMm3:R} extent {l.EdemaExtentVolumeMm3:R} depth {l.MaxDepthMm:R}")));
    Console.WriteLine(string.Create(inv, $"truth visit {v.Index}: total {t.TotalEdemaVolumeMm3:R} mm3; {lesions}"));
}

static ulong Hash<T>(T[] data)
    where T : unmanaged
{
    var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan());
    var h = 14695981039346656037UL;
    foreach (var b in bytes)
    {
        h = (h ^ b) * 1099511628211UL;
    }

    return h;
}
