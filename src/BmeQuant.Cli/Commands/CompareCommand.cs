using System.CommandLine;
using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Reporting;

namespace BmeQuant.Cli.Commands;

/// <summary><c>bmequant compare</c>: compares earlier analyses (findings.json files or the folders holding them).</summary>
internal sealed class CompareCommand : ICliCommand
{
    public Command Build()
    {
        var inputs = new Argument<string[]>("timepoints")
        {
            Description = "Two or more analyses in date order: findings.json files or the folders `bmequant analyze` wrote.",
            Arity = ArgumentArity.OneOrMore,
        };
        var outOption = new Option<string>("--out") { Description = "Report folder.", Required = true };
        var daysOption = new Option<string?>("--days") { Description = "Day offset of each timepoint, comma-separated (default: 0, 1, 2 …), e.g. 0,45,120." };
        var datesOption = new Option<string?>("--dates") { Description = "Acquisition date of each timepoint (yyyy-MM-dd), comma-separated; day offsets are derived from them." };
        var patientOption = new Option<string?>("--patient") { Description = "Patient identifier or pseudonym shown in the report." };
        var command = new Command("compare", "Compare timepoints of one patient and joint and write report.json, report.csv and report.html.")
        {
            inputs,
            outOption,
            daysOption,
            datesOption,
            patientOption,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var paths = parse.GetValue(inputs)!;
            if (paths.Length < 2)
            {
                error.WriteLine("compare needs at least two timepoints.");
                return ExitCodes.Usage;
            }

            var inv = CultureInfo.InvariantCulture;
            var days = parse.GetValue(daysOption)?.Split(',', StringSplitOptions.TrimEntries).Select(d => double.Parse(d, inv)).ToArray();
            var dates = parse.GetValue(datesOption)?.Split(',', StringSplitOptions.TrimEntries).Select(d => DateOnly.ParseExact(d, "yyyy-MM-dd", inv)).ToArray();
            if ((days is not null && days.Length != paths.Length) || (dates is not null && dates.Length != paths.Length))
            {
                error.WriteLine($"--days and --dates need one value per timepoint ({paths.Length}).");
                return ExitCodes.Usage;
            }

            var timepoints = new List<TimepointMeasures>();
            for (var i = 0; i < paths.Length; i++)
            {
                var file = Directory.Exists(paths[i]) ? Path.Combine(paths[i], "findings.json") : paths[i];
                if (!File.Exists(file))
                {
                    error.WriteLine($"{paths[i]}: no findings.json found (run `bmequant analyze` on the study first).");
                    return ExitCodes.NoInput;
                }

                try
                {
                    var day = dates is not null ? dates[i].DayNumber - dates[0].DayNumber : days?[i] ?? i;
                    var label = Directory.Exists(paths[i]) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(paths[i]))) : Path.GetFileNameWithoutExtension(file);
                    timepoints.Add(FindingsAdapter.ReadFindingsJson(file, $"{i + 1}: {label}", day, dates?[i]));
                }
                catch (BmeQuantException ex)
                {
                    error.WriteLine(ex.Message);
                    return ExitCodes.CorruptInput;
                }
            }

            var comparison = TimepointComparer.Compare(timepoints, ComparisonOptions.Default, parse.GetValue(patientOption));
            var written = ReportWriters.WriteAll(comparison, parse.GetValue(outOption)!);
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
