using System.CommandLine;
using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Quantification;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant analyze --stir S --t1 T [--bone-mask R] [--reference-mask F] --out D</c>: quantifies bone marrow
/// edema in one study and writes findings.json, the masks as NIfTI and a console summary. Inputs are NIfTI files
/// (DICOM folders once series assembly lands: refused with a clear message until then).
/// </summary>
internal sealed class AnalyzeCommand : ICliCommand
{
    public Command Build()
    {
        var stir = new Option<FileSystemInfo>("--stir") { Description = "Fluid-sensitive fat-suppressed series (STIR, PD/T2 fat-sat, Dixon water): a NIfTI file.", Required = true };
        var t1 = new Option<FileSystemInfo?>("--t1") { Description = "T1-weighted series: a NIfTI file (needed for automatic bone segmentation)." };
        var boneMask = new Option<FileInfo?>("--bone-mask") { Description = "Label map (NIfTI): each positive label a bone or region; labels are named 'label N'." };
        var referenceMask = new Option<FileInfo?>("--reference-mask") { Description = "Normal-marrow mask drawn by a reader (NIfTI, non-zero = reference)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder for findings.json and the masks.", Required = true };
        var rule = new Option<string>("--rule") { Description = "Edema rule: robust (default), q3-iqr, mean-sd.", DefaultValueFactory = _ => "robust" };
        rule.AcceptOnlyFromAmong("robust", "q3-iqr", "mean-sd");
        var k = new Option<double?>("--k") { Description = "The rule's multiplier (robust: z threshold, default 3; q3-iqr: k, default adaptive; mean-sd: k, default 2)." };
        var minLesion = new Option<double?>("--min-lesion-mm3") { Description = "Smallest lesion kept, in mm³ (default 30)." };
        var anatomy = new Option<string>("--anatomy") { Description = "Joint imaged: unknown, knee, hip, ankle, sij.", DefaultValueFactory = _ => "unknown" };
        anatomy.AcceptOnlyFromAmong("unknown", "knee", "hip", "ankle", "sij");

        var command = new Command("analyze", "Quantify bone marrow edema in one study (T1 + fluid-sensitive series).")
        {
            stir, t1, boneMask, referenceMask, output, rule, k, minLesion, anatomy,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            try
            {
                var stirPath = parse.GetValue(stir)!;
                var t1Path = parse.GetValue(t1);
                var fluid = ReadSeries(stirPath, "--stir");
                var t1Volume = t1Path is null ? null : ReadSeries(t1Path, "--t1");
                var boneFile = parse.GetValue(boneMask);
                var referenceFile = parse.GetValue(referenceMask);
                var input = new StudyInput(fluid, t1Volume)
                {
                    FluidSensitiveSeries = Provenance(stirPath),
                    T1Series = t1Path is null ? null : Provenance(t1Path),
                    BoneLabels = boneFile is null ? null : ReadLabels(boneFile),
                    BoneLabelsSource = boneFile?.Name,
                    ReferenceMask = referenceFile is null ? null : NiftiReader.ReadMask(Existing(referenceFile, "--reference-mask")),
                    ReferenceMaskSource = referenceFile?.Name,
                    Anatomy = parse.GetValue(anatomy) switch
                    {
                        "knee" => Anatomy.Knee,
                        "hip" => Anatomy.Hip,
                        "ankle" => Anatomy.Ankle,
                        "sij" => Anatomy.SacroiliacJoint,
                        _ => Anatomy.Unknown,
                    },
                };
                var options = AnalysisOptions.Default with
                {
                    Rule = parse.GetValue(rule) switch
                    {
                        "q3-iqr" => EdemaRule.Q3Iqr,
                        "mean-sd" => EdemaRule.MeanSd,
                        _ => EdemaRule.Robust,
                    },
                    K = parse.GetValue(k),
                    MinimumLesionVolumeMm3 = parse.GetValue(minLesion) ?? AnalysisOptions.Default.MinimumLesionVolumeMm3,
                };
                var findings = EdemaAnalyzer.Analyze(input, options);
                var outDir = parse.GetValue(output)!.FullName;
                FindingsWriter.Write(findings, outDir);
                stdout.Write(FindingsWriter.Summary(findings));
                stdout.WriteLine($"Written: {Path.Combine(outDir, FindingsWriter.FindingsFileName)} and masks (edema, bones, depth-zones, reference .nii.gz).");
                return ExitCodes.Ok;
            }
            catch (FileNotFoundException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.NoInput;
            }
            catch (NotSupportedException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }
            catch (ArgumentOutOfRangeException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }
            catch (BmeQuantException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.CorruptInput;
            }
        });
        return command;
    }

    private static string Existing(FileSystemInfo info, string option)
    {
        info.Refresh();
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{option}: '{info.FullName}' does not exist.", info.FullName);
        }

        return info.FullName;
    }

    private static Volume<float> ReadSeries(FileSystemInfo info, string option)
    {
        var path = Existing(info, option);
        if (info is DirectoryInfo || Directory.Exists(path))
        {
            throw new NotSupportedException($"{option}: '{path}' is a folder; reading a DICOM series into a volume (series assembly) is not available yet. Convert it to NIfTI (e.g. dcm2niix) and pass the .nii/.nii.gz file.");
        }

        return NiftiReader.ReadFloat(path);
    }

    private static Volume<int> ReadLabels(FileInfo file) => NiftiReader.ReadLabels(Existing(file, "--bone-mask"));

    private static SeriesProvenance Provenance(FileSystemInfo info)
    {
        string? description = null;
        if (File.Exists(info.FullName))
        {
            var d = NiftiReader.ReadHeader(info.FullName).Description;
            description = string.IsNullOrWhiteSpace(d) ? null : d.Trim();
        }

        return new SeriesProvenance(null, description, info.Name.ToString(CultureInfo.InvariantCulture));
    }
}
