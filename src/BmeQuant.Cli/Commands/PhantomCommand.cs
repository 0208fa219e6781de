using System.CommandLine;
using System.Globalization;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant phantom --anatomy knee|hip|ankle|sij --side left|right --visits 0,30,90,180 --pattern
/// subchondral|diffuse|subcortical|multifocal|osteonecrosis|none --snr 25 --field 1.5|3 --vendor siemens|ge|philips --seed 7
/// --out DIR</c>, or <c>--preset NAME</c>, or <c>--list-presets</c>: a synthetic study written as DICOM (one folder per
/// visit) with truth.json and truth NIfTI maps.
/// </summary>
internal sealed class PhantomCommand : ICliCommand
{
    public Command Build()
    {
        var anatomy = new Option<string>("--anatomy") { Description = "Joint: knee, hip, ankle or sij.", DefaultValueFactory = _ => "knee" };
        anatomy.AcceptOnlyFromAmong("knee", "hip", "ankle", "sij");
        var side = new Option<string>("--side") { Description = "Side of the limb: left or right (ignored for sij).", DefaultValueFactory = _ => "left" };
        side.AcceptOnlyFromAmong("left", "right");
        var visits = new Option<string>("--visits") { Description = "Visit days after baseline, comma-separated, ascending (e.g. 0,30,90,180).", DefaultValueFactory = _ => "0,30,90,180" };
        var pattern = new Option<string>("--pattern") { Description = "Lesion pattern: subchondral, diffuse, subcortical, multifocal, osteonecrosis (negative control) or none.", DefaultValueFactory = _ => "subchondral" };
        pattern.AcceptOnlyFromAmong("subchondral", "diffuse", "subcortical", "multifocal", "osteonecrosis", "none");
        var snr = new Option<double>("--snr") { Description = "Signal-to-noise ratio of muscle.", DefaultValueFactory = _ => 25 };
        var field = new Option<double>("--field") { Description = "Field strength in tesla (1.5 or 3; relaxation times are interpolated in between).", DefaultValueFactory = _ => 1.5 };
        var vendor = new Option<string>("--vendor") { Description = "Header style: siemens, ge or philips.", DefaultValueFactory = _ => "siemens" };
        vendor.AcceptOnlyFromAmong("siemens", "ge", "philips");
        var seed = new Option<int>("--seed") { Description = "Seed of noise, bias field, motion and repositioning (same seed, same bytes).", DefaultValueFactory = _ => 7 };
        var preset = new Option<string?>("--preset") { Description = "A ready-made study (see --list-presets); replaces --anatomy, --pattern and --visits." };
        var listPresets = new Option<bool>("--list-presets") { Description = "List the presets and exit." };
        var matrix = new Option<int?>("--matrix") { Description = "In-plane matrix of every series (field of view kept; default: the joint's clinical protocol, 256)." };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Output folder (one sub-folder per visit)." };
        var command = new Command("phantom", "Generate a synthetic MRI study with exact edema truth and write it as DICOM, truth.json and truth NIfTI maps.")
        {
            anatomy, side, visits, pattern, snr, field, vendor, seed, preset, listPresets, matrix, outDir,
        };
        command.SetAction((parse, ct) =>
        {
            var o = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(listPresets))
            {
                foreach (var name in PhantomPresets.Names)
                {
                    o.WriteLine($"{name,-28} {PhantomPresets.Describe(name)}");
                }

                return Task.FromResult(ExitCodes.Ok);
            }

            var folder = parse.GetValue(outDir);
            if (folder is null)
            {
                error.WriteLine("--out DIR is required (the folder to write the study into).");
                return Task.FromResult(ExitCodes.Usage);
            }

            if (File.Exists(folder.FullName))
            {
                error.WriteLine($"{folder.FullName}: --out names an existing file; expected a folder.");
                return Task.FromResult(ExitCodes.Usage);
            }

            PhantomSpec spec;
            try
            {
                spec = BuildSpec(
                    parse.GetValue(preset),
                    parse.GetValue(anatomy)!,
                    parse.GetValue(side)!,
                    parse.GetValue(visits)!,
                    parse.GetValue(pattern)!,
                    parse.GetValue(snr),
                    parse.GetValue(field),
                    parse.GetValue(seed),
                    parse.GetValue(matrix));
            }
            catch (ArgumentException ex)
            {
                error.WriteLine(ex.Message);
                return Task.FromResult(ExitCodes.Usage);
            }

            var exportOptions = new PhantomExportOptions { Vendor = ParseVendor(parse.GetValue(vendor)!) };
            ct.ThrowIfCancellationRequested();
            var study = PhantomGenerator.Generate(spec);
            ct.ThrowIfCancellationRequested();
            var written = PhantomDicomExporter.Write(study, folder.FullName, exportOptions);
            var inv = CultureInfo.InvariantCulture;
            o.WriteLine(string.Create(inv, $"{spec.Anatomy} ({spec.Side}), {spec.FieldStrengthTesla:0.0#} T, SNR {spec.Snr:0.#}, {exportOptions.Vendor} headers, seed {spec.Seed}, patient {exportOptions.PatientId}"));
            for (var v = 0; v < study.Visits.Count; v++)
            {
                var visit = study.Visits[v];
                var series = string.Join(", ", visit.Series.Select(s => PhantomDicomExporter.SeriesDescription(s, exportOptions.Vendor)));
                o.WriteLine(string.Create(inv, $"  {Path.GetFileName(written[v])}: {series}; edema truth {visit.Truth.TotalEdemaVolumeMm3:0} mm³ in {visit.Truth.Lesions.Count(l => l.EdemaVolumeMm3 > 0)} lesion(s)"));
            }

            o.WriteLine("Written to " + folder.FullName);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>The spec the options describe; throws <see cref="ArgumentException"/> with a user-facing message when a value is bad.</summary>
    internal static PhantomSpec BuildSpec(string? preset, string anatomy, string side, string visits, string pattern, double snr, double field, int seed, int? matrix)
    {
        if (!(snr > 0) || !double.IsFinite(snr))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--snr must be a positive number; found {snr}."));
        }

        if (!(field is > 0.2 and <= 7))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--field must be a field strength in tesla in (0.2, 7], e.g. 1.5 or 3; found {field}."));
        }

        if (matrix is { } m && m is < 8 or > 1024)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--matrix must be 8–1024; found {m}."));
        }

        var bodySide = side.Equals("right", StringComparison.OrdinalIgnoreCase) ? BodySide.Right : BodySide.Left;
        PhantomSpec spec;
        if (!string.IsNullOrWhiteSpace(preset))
        {
            if (!PhantomPresets.Names.Contains(preset, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"--preset '{preset}' is unknown; expected one of {string.Join(", ", PhantomPresets.Names)} (see --list-presets).");
            }

            spec = PhantomPresets.Get(preset, seed) with { Side = bodySide };
        }
        else
        {
            var joint = anatomy.ToUpperInvariant() switch
            {
                "KNEE" => PhantomAnatomy.Knee,
                "HIP" => PhantomAnatomy.Hip,
                "ANKLE" => PhantomAnatomy.Ankle,
                "SIJ" => PhantomAnatomy.Sacroiliac,
                _ => throw new ArgumentException($"--anatomy '{anatomy}' is unknown; expected knee, hip, ankle or sij."),
            };
            var days = ParseDays(visits);
            var lesionPattern = pattern.ToUpperInvariant() switch
            {
                "SUBCHONDRAL" => LesionPattern.Subchondral,
                "DIFFUSE" => LesionPattern.Diffuse,
                "SUBCORTICAL" => LesionPattern.SubcorticalPatchy,
                "MULTIFOCAL" => LesionPattern.MultifocalPatchy,
                "OSTEONECROSIS" => LesionPattern.OsteonecrosisLike,
                "NONE" => (LesionPattern?)null,
                _ => throw new ArgumentException($"--pattern '{pattern}' is unknown; expected subchondral, diffuse, subcortical, multifocal, osteonecrosis or none."),
            };
            spec = PhantomPresets.NaturalCourse(joint, lesionPattern ?? LesionPattern.Subchondral, days, bodySide, seed);
            if (lesionPattern is null)
            {
                spec = spec with { Visits = spec.Visits.Select(v => v with { Lesions = [] }).ToArray() };
            }
        }

        spec = spec with { Snr = snr, FieldStrengthTesla = field };
        if (matrix is { } n)
        {
            spec = spec with
            {
                Acquisitions = spec.Acquisitions
                    .Select(a => a with { Columns = n, Rows = n, PixelSpacingMm = a.PixelSpacingMm * a.Columns / n })
                    .ToArray(),
            };
        }

        return spec;
    }

    private static int[] ParseDays(string visits)
    {
        var parts = visits.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new ArgumentException($"--visits '{visits}' lists no day; expected e.g. 0,30,90,180.");
        }

        var days = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out days[i]) || days[i] > 3650)
            {
                throw new ArgumentException($"--visits '{visits}': '{parts[i]}' is not a day number 0–3650.");
            }

            if (i > 0 && days[i] <= days[i - 1])
            {
                throw new ArgumentException($"--visits '{visits}': days must be strictly ascending ({days[i - 1]} then {days[i]}).");
            }
        }

        return days;
    }

    private static PhantomVendor ParseVendor(string vendor) => vendor.ToUpperInvariant() switch
    {
        "GE" => PhantomVendor.GE,
        "PHILIPS" => PhantomVendor.Philips,
        _ => PhantomVendor.Siemens,
    };
}
