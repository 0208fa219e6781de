using System.CommandLine;

namespace BmeQuant.Cli.Tests;

/// <summary>Runs the bmequant command tree in-process and captures its output.</summary>
internal static class CliHost
{
    private static readonly Lock s_consoleLock = new();

    public static (int ExitCode, string StdOut, string StdErr) Run(params string[] args)
    {
        lock (s_consoleLock)
        {
            var root = CliApp.BuildRootCommand();
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var oldOut = Console.Out;
            var oldErr = Console.Error;
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                var config = new InvocationConfiguration { Output = stdout, Error = stderr };
                var code = root.Parse(args).Invoke(config);
                return (code, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }
}
