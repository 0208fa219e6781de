using System.CommandLine;
using System.Globalization;
using BmeQuant.Reporting;

namespace BmeQuant.Cli.Commands;

/// <summary><c>bmequant demo</c>: a synthetic patient generated, analysed at every visit, compared, reported.</summary>
internal sealed class DemoCommand : ICliCommand
{
    public Command Build()
    {
        var outOption = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => "bmequant-demo" };
        var seedOption = new Option<int>("--seed") { Description = "Random seed of the phantom.", DefaultValueFactory = _ => 7 };
        var command = new Command("demo", "Generate a synthetic knee patient with migrating edema, analyse each visit, compare them and write the report.")
        {
            outOption,
            seedOption,
        };
        command.SetAction((parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var outFolder = parse.GetValue(outOption)!;
            var result = FollowUpDemo.Run(outFolder, parse.GetValue(seedOption), new SyncProgress(output), ct);
            var c = result.Comparison;
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine();
            output.WriteLine(c.Summary);
            for (var i = 0; i < c.Timepoints.Count; i++)
            {
                var t = c.Timepoints[i];
                var weighted = t.TotalFractionWeightedVolumeMm3 is { } w ? string.Create(inv, $"{w / 1000,6:0.00} mL") : "   n/a";
                output.WriteLine(string.Create(inv, $"  {t.Label,-8} day {t.DayOffset,4:0}  fraction-weighted {weighted}  truth (Σ fraction) {result.TruthTotalsMm3[i] / 1000,6:0.00} mL  binary {t.TotalEdemaVolumeMm3 / 1000,6:0.00} mL"));
            }

            output.WriteLine("Report: " + result.ReportHtml);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    /// <summary>Writes progress lines immediately (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class SyncProgress(TextWriter output) : IProgress<string>
    {
        public void Report(string value) => output.WriteLine(value);
    }
}
