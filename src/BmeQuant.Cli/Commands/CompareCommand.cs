using System.CommandLine;
using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Quantification;
using BmeQuant.Registry;
using BmeQuant.Reporting;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant compare</c>: compares timepoints of one patient: findings.json files, the folders holding them, or
/// study folders (analysed first through the facade); or, with <c>--patient ID --registry FILE</c> (or
/// <c>--out-of-batch DIR</c>), every visit of that patient recorded by <c>bmequant batch</c>, ordered by date then timepoint.
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
        var command = new Command("compare", "Compare timepoints of one patient and joint and write report.json, report.csv and report.html.")
        {
            inputs,
            outOption,
            daysOption,
            datesOption,
            patientOption,
            registryOption,
            batchOption,
        };
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
            try
            {
                if (registryPath is not null)
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

            var comparison = TimepointComparer.Compare(timepoints, ComparisonOptions.Default, patient);
            var written = ReportWriters.WriteAll(comparison, reportFolder);
            output.WriteLine(comparison.Summary);
            foreach (var f in written)
            {
                output.WriteLine("Wrote " + f);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
