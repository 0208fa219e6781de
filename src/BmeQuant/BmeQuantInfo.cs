using System.Reflection;

namespace BmeQuant;

/// <summary>Version and provenance facts written into every result.</summary>
public static class BmeQuantInfo
{
    /// <summary>The informational version of the BmeQuant libraries.</summary>
    public static string Version { get; } =
        typeof(BmeQuantInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
