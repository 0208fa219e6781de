using System.CommandLine;

namespace BmeQuant.Cli;

/// <summary>The list of subcommands; add one line per command.</summary>
internal static class CommandRegistry
{
    public static IEnumerable<Command> All()
    {
        yield break;
    }
}
