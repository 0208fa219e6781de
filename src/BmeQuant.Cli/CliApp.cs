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

        return root;
    }
}
