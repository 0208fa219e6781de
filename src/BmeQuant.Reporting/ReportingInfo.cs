using System.Reflection;

namespace BmeQuant.Reporting;

/// <summary>Version of the reporting library, written into every report.</summary>
public static class ReportingInfo
{
    /// <summary>Informational version.</summary>
    public static string Version { get; } =
        typeof(ReportingInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
