using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BmeQuant.Dicom;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant dump FILE</c>: prints a DICOM file like dcmdump (tag, VR, value, length, VM, keyword, nested items);
/// <c>--json</c> prints the DICOM JSON Model (PS3.18 F); <c>--pixels</c> adds the decoded stored values' shape,
/// dtype, min, max, mean and SHA-256 (little-endian array of shape frames × rows × columns × samples).
/// With both, the JSON is <c>{"dicom": {...}, "pixels": {...}}</c>.
/// </summary>
internal sealed class DumpCommand : ICliCommand
{
    public Command Build()
    {
        var file = new Argument<FileInfo>("file") { Description = "The DICOM file to print." };
        var json = new Option<bool>("--json") { Description = "Print the dataset as DICOM JSON (PS3.18 Annex F)." };
        var pixels = new Option<bool>("--pixels") { Description = "Decode the pixels and print shape, min, max, mean and SHA-256 of the stored values." };
        var command = new Command("dump", "Print a DICOM file's elements like dcmdump, or as DICOM JSON.") { file, json, pixels };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!.FullName;
            try
            {
                var dicom = DicomFile.Open(path);
                var summary = parse.GetValue(pixels) ? DicomPixelSummary.Compute(DicomPixelData.Create(dicom)) : null;
                if (parse.GetValue(json))
                {
                    WriteJson(output, dicom, summary);
                }
                else
                {
                    DicomDump.Write(output, dicom);
                    if (summary is not null)
                    {
                        output.WriteLine();
                        output.WriteLine("# Pixels (decoded stored values)");
                        output.WriteLine($"# shape ({string.Join(", ", summary.Shape)}) {summary.DType}");
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# min {summary.Min} max {summary.Max} mean {summary.Mean:R}"));
                        output.WriteLine($"# sha256 {summary.Sha256}");
                    }
                }

                return ExitCodes.Ok;
            }
            catch (DicomException ex)
            {
                error.WriteLine(ex.Message.Contains(path, StringComparison.Ordinal) ? ex.Message : $"{path}: {ex.Message}");
                return ExitCodes.CorruptInput;
            }
        });
        return command;
    }

    private static void WriteJson(TextWriter output, DicomFile dicom, DicomPixelSummary? summary)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            if (summary is null)
            {
                DicomJson.Write(w, dicom.Dataset);
            }
            else
            {
                w.WriteStartObject();
                w.WritePropertyName("dicom");
                DicomJson.Write(w, dicom.Dataset);
                w.WriteStartObject("pixels");
                w.WriteStartArray("shape");
                foreach (var s in summary.Shape)
                {
                    w.WriteNumberValue(s);
                }

                w.WriteEndArray();
                w.WriteString("dtype", summary.DType);
                w.WriteNumber("min", summary.Min);
                w.WriteNumber("max", summary.Max);
                w.WriteNumber("mean", summary.Mean);
                w.WriteString("sha256", summary.Sha256);
                w.WriteEndObject();
                w.WriteEndObject();
            }
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }
}
