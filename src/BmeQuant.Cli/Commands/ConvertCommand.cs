using System.CommandLine;
using BmeQuant.Dicom;
using BmeQuant.Dicom.Series;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant convert FOLDER --out DIR [--resample] [--require-deidentified]</c>: every volume found, as
/// <c>.nii.gz</c> with a JSON sidecar, named safely from the series (no path traversal, no control characters, no patient identifiers).
/// </summary>
internal sealed class ConvertCommand : ICliCommand
{
    public Command Build()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Folder to search (recursively) for DICOM files." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the .nii.gz files and JSON sidecars.", Required = true };
        var resample = new Option<bool>("--resample") { Description = "Resample gapped, irregular or tilted stacks onto a regular grid instead of refusing them." };
        var deid = new Option<bool>("--require-deidentified") { Description = "Refuse series whose headers still identify the patient." };
        var command = new Command("convert", "Convert every DICOM series under a folder to NIfTI (.nii.gz) with a JSON sidecar.") { folder, output, resample, deid };
        command.SetAction(parse =>
        {
            var o = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(folder)!.FullName;
            if (!Directory.Exists(path))
            {
                error.WriteLine($"{path}: folder not found");
                return ExitCodes.NoInput;
            }

            var outDir = parse.GetValue(output)!.FullName;
            var options = new SeriesAssemblyOptions { Policy = parse.GetValue(resample) ? GeometryPolicy.Resample : GeometryPolicy.Strict };
            var discovery = SeriesDiscovery.Discover(path);
            if (!discovery.FoundDicom)
            {
                error.WriteLine($"{path}: no DICOM files found");
                return ExitCodes.NoInput;
            }

            var report = SeriesReport.Build(discovery, parse.GetValue(deid));
            var refused = 0;
            var corrupt = discovery.Failures.Count;
            foreach (var f in discovery.Failures)
            {
                error.WriteLine($"unreadable: {f.Error.Message}");
            }

            foreach (var row in report.Rows)
            {
                var geometry = row.Series.AnalyzeGeometry(options);
                var refusal = geometry.Refusal?.Message ?? (row.Refusal is not null && row.Series.Geometry.Refusal is null ? row.Refusal : null);
                if (refusal is not null)
                {
                    error.WriteLine($"refused: {refusal}");
                    refused++;
                    continue;
                }

                try
                {
                    var volume = row.Series.ToVolume(options);
                    var (nii, json) = SeriesExport.Write(volume, outDir, row.Role);
                    o.WriteLine($"{row.Series.Label} -> {nii} (+ {Path.GetFileName(json)})");
                }
                catch (InconsistentSeriesException ex)
                {
                    error.WriteLine($"refused: {ex.Message}");
                    refused++;
                }
                catch (DicomException ex)
                {
                    error.WriteLine($"unreadable: {ex.Message}");
                    corrupt++;
                }
            }

            return corrupt > 0 ? ExitCodes.CorruptInput : refused > 0 || report.Rows.Count == 0 ? ExitCodes.Partial : ExitCodes.Ok;
        });
        return command;
    }
}
