using System.CommandLine;
using System.Reflection;

namespace BmeQuant.Cli;

/// <summary>Builds the <c>bmequant</c> command tree. Each subcommand lives in its own file under Commands/.</summary>
internal static class CliApp
{
    /// <summary>The informational version of this build.</summary>
    public static string Version { get; } =
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("bmequant: measure bone marrow edema on MRI (DICOM/NIfTI in, numbers and reports out).");
        foreach (var command in CommandRegistry.All())
        {
            root.Subcommands.Add(command);
        }

        // The built-in --version prints the entry assembly's version, which is the host's when the CLI runs inside
        // another process (tests, a dotnet tool shim); print this assembly's MinVer version instead.
        foreach (var option in root.Options.OfType<VersionOption>())
        {
            option.Action = new PrintVersionAction();
        }

        return root;
    }

    private sealed class PrintVersionAction : System.CommandLine.Invocation.SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Version);
            return 0;
        }
    }
}
