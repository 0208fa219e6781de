using System.CommandLine;
using System.Globalization;
using BmeQuant.Dicom.Web;
using BmeQuant.Imaging;
using BmeQuant.Pacs;
using BmeQuant.Quantification;
using BmeQuant.Registry;
using BmeQuant.Reporting;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant compare</c>: compares timepoints of one patient: findings.json files, the folders holding them, or
/// study folders (analysed first through the facade); or, with <c>--patient ID --registry FILE</c> (or
/// <c>--out-of-batch DIR</c>), every visit of that patient recorded by <c>bmequant batch</c>, ordered by date then timepoint;
/// or, with <c>--from-pacs URL --patient ID [--push]</c>, every study of that patient on a DICOMweb PACS (pulled into the
/// cache, analysed in date order; <c>--push</c> stores each timepoint's SEG and SR back, never twice).
/// </summary>
internal sealed class CompareCommand : ICliCommand
{
    public Command Build()
    {
        var inputs = new Argument<string[]>("timepoints")
        {
            Description = "Two or more analyses in date order: findings.json files, the folders `bmequant analyze` wrote, or DICOM study folders (analysed first). Not needed with --registry/--out-of-batch.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var outOption = new Option<string>("--out") { Description = "Report folder.", Required = true };
        var daysOption = new Option<string?>("--days") { Description = "Day offset of each timepoint, comma-separated (default: 0, 1, 2 …), e.g. 0,45,120." };
        var datesOption = new Option<string?>("--dates") { Description = "Acquisition date of each timepoint (yyyy-MM-dd), comma-separated; day offsets are derived from them." };
        var patientOption = new Option<string?>("--patient") { Description = "Patient pseudonym: shown in the report; with --registry/--out-of-batch, the patient whose visits are compared." };
        var registryOption = new Option<FileInfo?>("--registry") { Description = "Results registry (registry.sqlite written by `bmequant batch`): the patient's visits are found in it." };
        var batchOption = new Option<DirectoryInfo?>("--out-of-batch") { Description = "Output folder of `bmequant batch` (its registry.sqlite is used)." };
        var measureOption = new Option<string>("--volume-measure")
        {
            Description = "Edema volume compared: fraction-weighted (default; Σ voxel volume × edema fraction, follows faint edema as it fades) or binary (voxels at least half edematous counted whole, like a reader's outline).",
            DefaultValueFactory = _ => "fraction-weighted",
        };
        measureOption.AcceptOnlyFromAmong("fraction-weighted", "binary");
        var command = new Command("compare", "Compare timepoints of one patient and joint and write report.json, report.csv and report.html.")
        {
            inputs,
            outOption,
            daysOption,
            datesOption,
            patientOption,
            registryOption,
            batchOption,
            measureOption,
        };
        var pacs = new PacsConnectionOptions(command, "--from-pacs", urlRequired: false);
        var pushOption = new Option<bool>("--push") { Description = "With --from-pacs: store each timepoint's DICOM SEG and SR on the PACS (STOW-RS); instances already stored are not sent again." };
        var boneMasksOption = new Option<FileInfo[]>("--bone-mask") { Description = "With --from-pacs: a bone label map (NIfTI) per study, in date order (repeat the option); default: automatic bone segmentation.", Arity = ArgumentArity.ZeroOrMore };
        command.Add(pushOption);
        command.Add(boneMasksOption);
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var paths = parse.GetValue(inputs) ?? [];
            var patient = parse.GetValue(patientOption);
            var registryPath = parse.GetValue(registryOption)?.FullName
                ?? (parse.GetValue(batchOption) is { } batch ? Path.Combine(batch.FullName, ResultsRegistry.DefaultFileName) : null);
            var reportFolder = parse.GetValue(outOption)!;
            var inv = CultureInfo.InvariantCulture;
            var timepoints = new List<TimepointMeasures>();
            var pushed = ExitCodes.Ok;
            try
            {
                if (pacs.HasUrl(parse))
                {
                    if (paths.Length > 0 || registryPath is not null || string.IsNullOrWhiteSpace(patient))
                    {
                        error.WriteLine("With --from-pacs give --patient ID and no timepoint paths, --registry or --out-of-batch.");
                        return ExitCodes.Usage;
                    }

                    if (!pacs.TryCreate(parse, error, out var pacsOptions))
                    {
                        return ExitCodes.Usage;
                    }

                    var code = FromPacsAsync(pacsOptions, patient, pacs.CacheFolder(parse), reportFolder, parse.GetValue(pushOption), parse.GetValue(boneMasksOption) ?? [], timepoints, output, error, CancellationToken.None).GetAwaiter().GetResult();
                    if (code is not ExitCodes.Ok and not ExitCodes.Partial)
                    {
                        return code;
                    }

                    pushed = code;
                }
                else if (parse.GetValue(pushOption) || parse.GetValue(boneMasksOption) is { Length: > 0 })
                {
                    error.WriteLine("--push and --bone-mask need --from-pacs URL.");
                    return ExitCodes.Usage;
                }
                else if (registryPath is not null)
                {
                    if (paths.Length > 0 || string.IsNullOrWhiteSpace(patient))
                    {
                        error.WriteLine("With --registry or --out-of-batch give --patient ID and no timepoint paths.");
                        return ExitCodes.Usage;
                    }

                    var visits = ResultsRegistry.OpenExisting(registryPath).Timepoints(patient);
                    if (visits.Count < 2)
                    {
                        error.WriteLine($"{registryPath}: patient '{patient}' has {visits.Count} analysed timepoint(s); compare needs at least two.");
                        return ExitCodes.NoInput;
                    }

                    var dated = visits.All(v => v.Date is not null);
                    for (var i = 0; i < visits.Count; i++)
                    {
                        var v = visits[i];
                        if (!File.Exists(v.FindingsPath))
                        {
                            error.WriteLine($"{registryPath}: {v.FindingsPath} (patient '{patient}', timepoint '{v.Timepoint}') no longer exists.");
                            return ExitCodes.NoInput;
                        }

                        var day = dated ? v.Date!.Value.DayNumber - visits[0].Date!.Value.DayNumber : i;
                        timepoints.Add(FindingsAdapter.ReadFindingsJson(v.FindingsPath, v.Timepoint, day, v.Date));
                    }
                }
                else
                {
                    if (paths.Length < 2)
                    {
                        error.WriteLine("compare needs at least two timepoints (or --patient with --registry/--out-of-batch).");
                        return ExitCodes.Usage;
                    }

                    var days = parse.GetValue(daysOption)?.Split(',', StringSplitOptions.TrimEntries).Select(d => double.Parse(d, inv)).ToArray();
                    var dates = parse.GetValue(datesOption)?.Split(',', StringSplitOptions.TrimEntries).Select(d => DateOnly.ParseExact(d, "yyyy-MM-dd", inv)).ToArray();
                    if ((days is not null && days.Length != paths.Length) || (dates is not null && dates.Length != paths.Length))
                    {
                        error.WriteLine($"--days and --dates need one value per timepoint ({paths.Length}).");
                        return ExitCodes.Usage;
                    }

                    for (var i = 0; i < paths.Length; i++)
                    {
                        var file = Directory.Exists(paths[i]) ? Path.Combine(paths[i], FindingsWriter.FindingsFileName) : paths[i];
                        var label = Directory.Exists(paths[i]) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(paths[i]))) : Path.GetFileNameWithoutExtension(file);
                        if (!File.Exists(file))
                        {
                            if (!Directory.Exists(paths[i]))
                            {
                                error.WriteLine($"{paths[i]}: no findings.json found (run `bmequant analyze` on the study first).");
                                return ExitCodes.NoInput;
                            }

                            // A study folder: analyse it first, into the report folder.
                            var study = BmeQuantStudy.OpenFolderAsync(paths[i]).GetAwaiter().GetResult();
                            var analysis = study.AnalyzeAsync().GetAwaiter().GetResult();
                            var folder = Path.Combine(reportFolder, string.Create(inv, $"timepoint-{i + 1}"));
                            FindingsWriter.Write(analysis.Findings, folder);
                            file = Path.Combine(folder, FindingsWriter.FindingsFileName);
                            output.WriteLine($"Analysed {paths[i]} into {folder}.");
                        }

                        var day = dates is not null ? dates[i].DayNumber - dates[0].DayNumber : days?[i] ?? i;
                        timepoints.Add(FindingsAdapter.ReadFindingsJson(file, $"{i + 1}: {label}", day, dates?[i]));
                    }
                }
            }
            catch (DicomWebException ex)
            {
                error.WriteLine(ex.Message);
                return ExitCodes.RemoteFailed;
            }
            catch (QuantificationException ex)
            {
                error.WriteLine("A study was read but could not be quantified: " + ex.Message);
                return ExitCodes.AnalysisFailed;
            }
            catch (FileNotFoundException ex)
            {
                error.WriteLine(ex.Message);
                return ExitCodes.NoInput;
            }
            catch (StudyOpenException ex) when (ex.Reason is StudyOpenFailure.NotFound or StudyOpenFailure.NoImages)
            {
                error.WriteLine(ex.Message);
                return ExitCodes.NoInput;
            }
            catch (BmeQuantException ex)
            {
                error.WriteLine(ex.Message);
                return ExitCodes.CorruptInput;
            }

            var measure = parse.GetValue(measureOption) == "binary" ? VolumeMeasure.Binary : VolumeMeasure.FractionWeighted;
            var comparison = TimepointComparer.Compare(timepoints, ComparisonOptions.Default with { VolumeMeasure = measure }, patient);
            var written = ReportWriters.WriteAll(comparison, reportFolder);
            output.WriteLine(comparison.Summary);
            foreach (var f in written)
            {
                output.WriteLine("Wrote " + f);
            }

            return pushed;
        });
        return command;
    }

    /// <summary>Pulls every study of the patient, analyses each (date order) into the report folder and adds it to <paramref name="timepoints"/>; pushes SEG + SR when asked.</summary>
    private static async Task<int> FromPacsAsync(DicomWebOptions options, string patient, string cache, string reportFolder, bool push, FileInfo[] boneMasks, List<TimepointMeasures> timepoints, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var inv = CultureInfo.InvariantCulture;
        using var client = new DicomWebClient(options);
        var studies = await PacsTransfer.PullAsync(client, patient, null, cache, cancellationToken: ct).ConfigureAwait(false);
        foreach (var s in studies)
        {
            output.WriteLine("Pulled: " + PacsCommand.Describe(s));
        }

        if (studies.Count < 2)
        {
            error.WriteLine($"{PacsUrl.Redact(options.BaseUri)}: patient '{patient}' has {studies.Count} stud{(studies.Count == 1 ? "y" : "ies")}; compare needs at least two.");
            return ExitCodes.NoInput;
        }

        if (boneMasks.Length > 0 && boneMasks.Length != studies.Count)
        {
            error.WriteLine($"{boneMasks.Length} --bone-mask given for {studies.Count} studies; give one per study in date order, or none.");
            return ExitCodes.Usage;
        }

        var dated = studies.All(s => s.StudyDate is not null);
        var result = ExitCodes.Ok;
        Dictionary<string, double>? previous = null;
        for (var i = 0; i < studies.Count; i++)
        {
            var s = studies[i];
            var openOptions = boneMasks.Length == 0 ? null : StudyOpenOptions.Default with { BoneMaskPath = boneMasks[i].FullName };
            var study = await BmeQuantStudy.OpenFolderAsync(s.Folder, openOptions, cancellationToken: ct).ConfigureAwait(false);
            var analysis = await study.AnalyzeAsync(cancellationToken: ct).ConfigureAwait(false);
            var folder = Path.Combine(reportFolder, string.Create(inv, $"timepoint-{i + 1}"));
            FindingsWriter.Write(analysis.Findings, folder);
            output.WriteLine($"Analysed {s.StudyInstanceUid} into {folder}.");
            var label = s.StudyDate?.ToString("yyyy-MM-dd", inv) ?? s.StudyInstanceUid;
            var day = dated ? s.StudyDate!.Value.DayNumber - studies[0].StudyDate!.Value.DayNumber : i;
            timepoints.Add(FindingsAdapter.ReadFindingsJson(Path.Combine(folder, FindingsWriter.FindingsFileName), $"{i + 1}: {label}", day, s.StudyDate));
            if (push)
            {
                var code = await AnalyzeCommand.PushOutputsAsync(client, study, analysis, label, previous, folder, output, error, ct).ConfigureAwait(false);
                if (code != ExitCodes.Ok)
                {
                    result = code == ExitCodes.Partial ? ExitCodes.Partial : code;
                }
            }

            previous = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var b in analysis.Findings.Bones.Append(analysis.Findings.Total))
            {
                previous[b.Name] = b.EdemaVolumeMm3;
            }
        }

        return result;
    }
}
