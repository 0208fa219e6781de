using System.CommandLine;
using System.Diagnostics.CodeAnalysis;

namespace BmeQuant.Cli;

/// <summary>A subcommand of <c>bmequant</c>. Each lives in its own file under Commands/ and is found by reflection.</summary>
internal interface ICliCommand
{
    /// <summary>Builds the command with its options and action.</summary>
    Command Build();
}

/// <summary>Finds every <see cref="ICliCommand"/> in this assembly, ordered by command name.</summary>
internal static class CommandRegistry
{
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Commands live in this assembly and are not trimmed.")]
    public static IEnumerable<Command> All() =>
        typeof(CommandRegistry).Assembly.GetTypes()
            .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .Select(t => ((ICliCommand)Activator.CreateInstance(t)!).Build())
            .OrderBy(c => c.Name, StringComparer.Ordinal);
}
