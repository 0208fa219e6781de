using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using BmeQuant.Batch;
using BmeQuant.Batch.Slurm;
using BmeQuant.Imaging;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant batch-task RUN_FOLDER --task N</c> (hidden): what one Slurm array task of <c>bmequant batch --engine slurm</c>
/// runs: analyses its manifest row into the result folder and writes <c>results/task-N.json</c> for the merge.
/// Exit code as for <c>batch</c> with one study: 0 ok, 2 no input, 4 corrupt input, 8 refused or failed.
/// </summary>
internal sealed class BatchTaskCommand : ICliCommand
{
    public Command Build()
    {
        var runFolder = new Argument<DirectoryInfo>("run-folder") { Description = "Run folder written by batch --engine slurm (holds run.json)." };
        var task = new Option<int>("--task") { Description = "Task number (run.json tasks[].index).", Required = true };
        var command = new Command("batch-task", "One task of a Slurm batch (used by bmequant batch --engine slurm).") { runFolder, task };
        command.Hidden = true;
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            using var cancel = new CancellationTokenSource();
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
            {
                ctx.Cancel = true;
                cancel.Cancel();
            });
            try
            {
                var result = BatchTaskRunner.Run(parse.GetValue(runFolder)!.FullName, parse.GetValue(task), cancel.Token);
                var c = CultureInfo.InvariantCulture;
                stdout.WriteLine(string.Create(c, $"{result.Outcome} line {result.Line} ({result.Patient} / {result.Timepoint}) {result.TotalSeconds:F1} s") + (result.Error is null ? string.Empty : ": " + result.Error));
                return result.Outcome switch
                {
                    BatchOutcome.Succeeded or BatchOutcome.AlreadyDone => ExitCodes.Ok,
                    BatchOutcome.NoInput => ExitCodes.NoInput,
                    BatchOutcome.CorruptInput => ExitCodes.CorruptInput,
                    _ => ExitCodes.Partial,
                };
            }
            catch (BmeQuantException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.NoInput;
            }
        });
        return command;
    }
}
