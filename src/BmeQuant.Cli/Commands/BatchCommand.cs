using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using BmeQuant.Batch;
using BmeQuant.Batch.Slurm;
using BmeQuant.Imaging;
using BmeQuant.Quantification;
using Spectre.Console;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant batch MANIFEST.csv --out DIR [--jobs N]</c>: analyses every study of a manifest (see docs/batch.md),
/// in parallel within a memory budget, skipping finished work, writing a summary and a registry. Ctrl-C once: no new
/// study starts, running ones finish; twice: running ones are cancelled. Exit code 130 when cancelled.
/// <c>--engine slurm</c> submits one Slurm job-array task per study instead (docs/cluster.md).
/// </summary>
internal sealed class BatchCommand : ICliCommand
{
    /// <summary>Exit code of a cancelled batch (128 + SIGINT).</summary>
    internal const int Cancelled = 130;

    public Command Build()
    {
        var manifest = new Argument<FileInfo>("manifest") { Description = "CSV manifest: patient,timepoint,study (or t1,stir) [,bone_mask,reference_mask,date,anatomy]." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (results, summary.csv/json, registry.sqlite).", Required = true };
        var jobs = new Option<int>("--jobs") { Description = "Studies analysed at the same time (default 1).", DefaultValueFactory = _ => 1 };
        var budget = new Option<long?>("--memory-budget-mb") { Description = "Memory the running studies may use together, MiB (default: half the available memory)." };
        var timeout = new Option<double>("--timeout-minutes") { Description = "Per-study timeout in minutes (default 30).", DefaultValueFactory = _ => 30 };
        var requireDeid = new Option<bool>("--require-deidentified") { Description = "Refuse DICOM studies that still carry direct identifiers (PS3.15 basic profile)." };
        var retry = new Option<bool>("--retry-failed") { Description = "Run again the studies that failed before with the same inputs and parameters." };
        var rule = new Option<string>("--rule") { Description = "Edema rule: robust (default), q3-iqr, mean-sd.", DefaultValueFactory = _ => "robust" };
        rule.AcceptOnlyFromAmong("robust", "q3-iqr", "mean-sd");
        var k = new Option<double?>("--k") { Description = "The rule's multiplier (see bmequant analyze)." };
        var minLesion = new Option<double?>("--min-lesion-mm3") { Description = "Smallest lesion kept, in mm³ (default 30)." };
        var maxFileMb = new Option<long?>("--max-file-mb") { Description = "Largest input file accepted, MiB (default 2048)." };
        var maxDimension = new Option<int?>("--max-dimension") { Description = "Largest rows/columns/slices accepted (default 4096)." };
        var maxFrames = new Option<int?>("--max-frames") { Description = "Largest NumberOfFrames accepted (default 4096)." };
        var plain = new Option<bool>("--plain") { Description = "Plain progress lines even on a terminal." };
        var engine = new Option<string>("--engine") { Description = "Where studies run: local (this machine, default) or slurm (one job-array task per study; see docs/cluster.md).", DefaultValueFactory = _ => "local" };
        engine.AcceptOnlyFromAmong("local", "slurm");
        var partition = new Option<string?>("--partition") { Description = "Slurm partition (--engine slurm)." };
        var account = new Option<string?>("--account") { Description = "Slurm account (--engine slurm)." };
        var sbatchArgs = new Option<string[]>("--sbatch-arg") { Description = "Further sbatch argument, repeatable, e.g. --sbatch-arg=--qos=short (--engine slurm).", AllowMultipleArgumentsPerToken = false };
        var taskCommand = new Option<string?>("--task-command") { Description = "Shell text starting bmequant on the nodes (default: this same CLI, e.g. 'dotnet /path/BmeQuant.Cli.dll')." };
        var taskSetup = new Option<string[]>("--task-setup") { Description = "Shell line run in each task first, repeatable, e.g. 'module load dotnet' (--engine slurm).", AllowMultipleArgumentsPerToken = false };
        var slurmBin = new Option<string?>("--slurm-bin") { Description = "Folder of sbatch/squeue/scancel (default: $BMEQUANT_SLURM_BIN, else PATH). SLURM_CONF is honoured." };
        var pollSeconds = new Option<double>("--poll-seconds") { Description = "Seconds between two squeue polls (default 5).", DefaultValueFactory = _ => 5 };
        var maxRunning = new Option<int?>("--max-running") { Description = "Largest number of tasks running at once per array (--array=…%N)." };
        var command = new Command("batch", "Analyse every study of a manifest: parallel, resumable, with a summary and a results registry.")
        {
            manifest, output, jobs, budget, timeout, requireDeid, retry, rule, k, minLesion, maxFileMb, maxDimension, maxFrames, plain,
            engine, partition, account, sbatchArgs, taskCommand, taskSetup, slurmBin, pollSeconds, maxRunning,
        };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            BatchManifest parsed;
            try
            {
                parsed = BatchManifest.Read(parse.GetValue(manifest)!.FullName);
            }
            catch (FileNotFoundException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.NoInput;
            }
            catch (BatchManifestException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }

            if (parsed.Studies.Count == 0)
            {
                stderr.WriteLine($"{parsed.Path}: no study rows.");
                return ExitCodes.NoInput;
            }

            BatchOptions options;
            try
            {
                var limits = BatchLimits.Default;
                limits = limits with
                {
                    MaxFileBytes = parse.GetValue(maxFileMb) is { } mb ? mb << 20 : limits.MaxFileBytes,
                    MaxDimension = parse.GetValue(maxDimension) ?? limits.MaxDimension,
                    MaxFrames = parse.GetValue(maxFrames) ?? limits.MaxFrames,
                };
                options = new BatchOptions(parse.GetValue(output)!.FullName)
                {
                    Jobs = parse.GetValue(jobs),
                    StudyTimeout = TimeSpan.FromMinutes(parse.GetValue(timeout)),
                    RequireDeidentified = parse.GetValue(requireDeid),
                    RetryFailed = parse.GetValue(retry),
                    Limits = limits,
                    Analysis = AnalysisOptions.Default with
                    {
                        Rule = parse.GetValue(rule) switch
                        {
                            "q3-iqr" => EdemaRule.Q3Iqr,
                            "mean-sd" => EdemaRule.MeanSd,
                            _ => EdemaRule.Robust,
                        },
                        K = parse.GetValue(k),
                        MinimumLesionVolumeMm3 = parse.GetValue(minLesion) ?? AnalysisOptions.Default.MinimumLesionVolumeMm3,
                    },
                };
                if (parse.GetValue(budget) is { } budgetMb)
                {
                    options = options with { MemoryBudgetBytes = budgetMb << 20 };
                }

                options.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }

            if (parse.GetValue(engine) == "slurm")
            {
                SlurmOptions slurm;
                try
                {
                    slurm = new SlurmOptions(parse.GetValue(taskCommand) ?? DefaultTaskCommand())
                    {
                        Partition = parse.GetValue(partition),
                        Account = parse.GetValue(account),
                        SbatchArguments = parse.GetValue(sbatchArgs) ?? [],
                        TaskSetup = parse.GetValue(taskSetup) ?? [],
                        MaxRunningTasks = parse.GetValue(maxRunning),
                        PollInterval = TimeSpan.FromSeconds(parse.GetValue(pollSeconds)),
                    };
                    slurm.Validate();
                }
                catch (ArgumentException ex)
                {
                    stderr.WriteLine(ex.Message);
                    return ExitCodes.Usage;
                }

                var bin = parse.GetValue(slurmBin) ?? Environment.GetEnvironmentVariable("BMEQUANT_SLURM_BIN");
                return RunSlurm(parsed, options, slurm, new SlurmCommandClient(bin), stdout, stderr);
            }

            using var stopStarting = new CancellationTokenSource();
            using var abort = new CancellationTokenSource();
            var presses = 0;
            void OnCancel(object? sender, ConsoleCancelEventArgs e)
            {
                e.Cancel = true;
                if (Interlocked.Increment(ref presses) == 1)
                {
                    stderr.WriteLine("Stopping: no new study starts; running studies finish (Ctrl-C again to cancel them).");
                    stopStarting.Cancel();
                }
                else
                {
                    stderr.WriteLine("Cancelling running studies.");
                    abort.Cancel();
                }
            }

            void OnTerminate()
            {
                stopStarting.Cancel();
                abort.Cancel();
            }

            var live = !parse.GetValue(plain) && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            return RunEngine(options, stdout, stderr, OnCancel, OnTerminate, () =>
            {
                if (live)
                {
                    return AnsiConsole.Progress()
                        .AutoClear(false)
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                        .Start(ctx =>
                        {
                            var task = ctx.AddTask("studies", maxValue: parsed.Studies.Count);
                            var bar = new SyncProgress(p =>
                            {
                                if (!p.Started && p.Result is { } r)
                                {
                                    task.Value = p.Completed;
                                    AnsiConsole.MarkupLine(Markup.Escape(Line(p, r)));
                                }
                            });
                            return BatchRunner.RunAsync(parsed, options, bar, stopStarting.Token, abort.Token).GetAwaiter().GetResult();
                        });
                }

                var gate = new Lock();
                var progress = new SyncProgress(p =>
                {
                    lock (gate)
                    {
                        stdout.WriteLine(p.Started
                            ? $"{Stamp()} start {p.Study}"
                            : Line(p, p.Result!));
                    }
                });
                return BatchRunner.RunAsync(parsed, options, progress, stopStarting.Token, abort.Token).GetAwaiter().GetResult();
            }, summary => [Totals(summary)]);
        });
        return command;
    }

    /// <summary>The closing line naming the summary files and the registry of a run, for both engines.</summary>
    private static string WhereResultsAre(BatchOptions options) =>
        $"Summary: {Path.Combine(options.OutputFolder, BatchSummary.CsvFileName)} and {BatchSummary.JsonFileName}; registry: {Path.Combine(options.OutputFolder, Registry.ResultsRegistry.DefaultFileName)}";

    /// <summary>Runs the manifest on Slurm with plain progress lines; Ctrl-C or SIGTERM cancels the submitted jobs and merges what finished.</summary>
    internal static int RunSlurm(BatchManifest manifest, BatchOptions options, SlurmOptions slurm, ISlurmClient client, TextWriter stdout, TextWriter stderr)
    {
        using var cancel = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            stderr.WriteLine("Cancelling the submitted Slurm jobs (scancel); finished studies are kept.");
            cancel.Cancel();
        }

        var gate = new Lock();
        var progress = new SyncProgress(p =>
        {
            lock (gate)
            {
                stdout.WriteLine(p.Started ? $"{Stamp()} running {p.Study}" : Line(p, p.Result!));
            }
        });
        return RunEngine(
            options,
            stdout,
            stderr,
            OnCancel,
            cancel.Cancel,
            () => SlurmBatchRunner.RunAsync(manifest, options, slurm, client, progress, cancel.Token).GetAwaiter().GetResult(),
            SlurmReport);
    }

    /// <summary>The Slurm run's closing lines: totals with the job ids, then every failed study (what --retry-failed would resubmit).</summary>
    private static IEnumerable<string> SlurmReport(BatchSummary summary)
    {
        yield return Totals(summary) + (summary.SlurmJobIds.Count > 0 ? " Slurm job(s): " + string.Join(", ", summary.SlurmJobIds) + "." : " Nothing submitted.");
        var failed = summary.Studies.Where(s => !s.IsOk).ToArray();
        if (failed.Length > 0)
        {
            yield return $"Failed ({failed.Length}); rerun with --retry-failed to resubmit only these:";
            foreach (var f in failed)
            {
                yield return $"  line {f.Line.ToString(CultureInfo.InvariantCulture)} ({f.Patient} / {f.Timepoint}) {f.Outcome}: {f.Error}";
            }
        }
    }

    /// <summary>
    /// The tail both engines share: Ctrl-C and SIGTERM wired to the run while it lasts, the run, its closing lines and
    /// where the summary and registry are, and the exit code from the summary. An error that stops the whole run (a
    /// <see cref="BmeQuantException"/>, e.g. an unwritable output or run folder) prints its message and gives exit code 4.
    /// </summary>
    private static int RunEngine(
        BatchOptions options,
        TextWriter stdout,
        TextWriter stderr,
        ConsoleCancelEventHandler onCancel,
        Action onTerminate,
        Func<BatchSummary> run,
        Func<BatchSummary, IEnumerable<string>> closingLines)
    {
        Console.CancelKeyPress += onCancel;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            onTerminate();
        });
        try
        {
            var summary = run();
            foreach (var line in closingLines(summary))
            {
                stdout.WriteLine(line);
            }

            stdout.WriteLine(WhereResultsAre(options));
            return ExitCode(summary);
        }
        catch (BmeQuantException ex)
        {
            stderr.WriteLine(ex.Message);
            return ExitCodes.CorruptInput;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>
    /// Shell text that starts this same CLI on a node: the apphost when running as <c>bmequant</c>, else
    /// <c>dotnet BmeQuant.Cli.dll</c> with the dotnet host running now (or <c>DOTNET_HOST_PATH</c>, or <c>dotnet</c> on PATH).
    /// </summary>
    internal static string DefaultTaskCommand()
    {
        var process = Environment.ProcessPath;
        var name = process is null ? string.Empty : Path.GetFileNameWithoutExtension(process);
        if (process is not null && (name.Equals("bmequant", StringComparison.OrdinalIgnoreCase) || name.Equals("BmeQuant.Cli", StringComparison.OrdinalIgnoreCase)))
        {
            return SlurmBatchRunner.ShellQuote(process);
        }

        var dotnet = name.Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? process! : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return SlurmBatchRunner.ShellQuote(dotnet) + " " + SlurmBatchRunner.ShellQuote(typeof(BatchCommand).Assembly.Location);
    }

    /// <summary>0 all ok; 130 cancelled; 2 every study lacked its input; 4 some input corrupt; 8 some refused or failed.</summary>
    internal static int ExitCode(BatchSummary summary)
    {
        if (summary.Cancelled)
        {
            return Cancelled;
        }

        if (summary.Studies.All(s => s.IsOk))
        {
            return ExitCodes.Ok;
        }

        if (summary.Studies.All(s => s.Outcome == BatchOutcome.NoInput))
        {
            return ExitCodes.NoInput;
        }

        return summary.Studies.Any(s => s.Outcome == BatchOutcome.CorruptInput) ? ExitCodes.CorruptInput : ExitCodes.Partial;
    }

    private static string Stamp() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Line(BatchProgress p, BatchStudyResult r)
    {
        var c = CultureInfo.InvariantCulture;
        var head = string.Create(c, $"{Stamp()} [{p.Completed}/{p.Total}] {r.Outcome} line {r.Line} ({r.Patient} / {r.Timepoint}) {r.TotalSeconds:F1} s");
        return r.IsOk
            ? head + (r.TotalEdemaVolumeMm3 is { } v ? string.Create(c, $", edema {v / 1000:F2} mL") : string.Empty) + (r.OutputFolder is null ? string.Empty : " -> " + r.OutputFolder)
            : head + ": " + r.Error;
    }

    private static string Totals(BatchSummary s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Studies.Count} studies in {s.WallSeconds:F1} s: ") +
        string.Join(", ", s.Counts.Select(kv => $"{kv.Value} {kv.Key}")) +
        (s.Cancelled ? " (cancelled)" : string.Empty) + ".";

    /// <summary>Calls back synchronously (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SyncProgress(Action<BatchProgress> report) : IProgress<BatchProgress>
    {
        public void Report(BatchProgress value) => report(value);
    }
}
