using System.Diagnostics;
using System.Text.RegularExpressions;
using BmeQuant.Testing;

namespace BmeQuant.Packaging.Tests;

/// <summary>
/// A folder feed holding every BmeQuant package, packed once per test run from the already-built projects
/// (`dotnet pack BmeQuant.sln --no-build` in this test assembly's configuration).
/// </summary>
internal sealed partial class LocalFeed
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    /// <summary>The package ids that must be in the feed.</summary>
    public static IReadOnlyList<string> ExpectedPackageIds { get; } =
        ["BmeQuant", "BmeQuant.Cli", "BmeQuant.Dicom", "BmeQuant.Imaging", "BmeQuant.Phantoms", "BmeQuant.Quantification", "BmeQuant.Reporting"];

    private static readonly Lazy<LocalFeed> s_instance = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private LocalFeed(string root, string folder, string version, ProcessResult pack)
    {
        Root = root;
        Folder = folder;
        Version = version;
        Pack = pack;
    }

    /// <summary>The feed of this test run.</summary>
    public static LocalFeed Instance => s_instance.Value;

    /// <summary>Deletes the scratch folder if a feed was made (set BMEQUANT_KEEP_PACKAGING=1 to keep it).</summary>
    public static void CleanUp()
    {
        if (s_instance.IsValueCreated && Environment.GetEnvironmentVariable("BMEQUANT_KEEP_PACKAGING") != "1")
        {
            try
            {
                Directory.Delete(s_instance.Value.Root, recursive: true);
            }
            catch (IOException)
            {
                // A child process may still hold a file: the folder is in the temp directory anyway.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>A scratch folder outside the repository (feed, consumer project, tools, package cache).</summary>
    public string Root { get; }

    /// <summary>The folder holding the .nupkg and .snupkg files.</summary>
    public string Folder { get; }

    /// <summary>The version MinVer gave the packages.</summary>
    public string Version { get; }

    /// <summary>The pack run (its output is checked for warnings).</summary>
    public ProcessResult Pack { get; }

    /// <summary>Path of the package <paramref name="id"/> in the feed (<paramref name="extension"/> nupkg or snupkg).</summary>
    public string PackagePath(string id, string extension = "nupkg") => Path.Combine(Folder, $"{id}.{Version}.{extension}");

    /// <summary>
    /// A nuget.config for a consumer outside the repository: BmeQuant* from the feed only, everything else from
    /// nuget.org; a private package cache (so that a rebuilt package with the same version is never taken from an
    /// old cache) falling back to the user's cache for third-party packages.
    /// </summary>
    public string WriteNuGetConfig(string folder)
    {
        var userCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrEmpty(userCache))
        {
            userCache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        var path = Path.Combine(folder, "nuget.config");
        File.WriteAllText(path, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{PackageCache}" />
              </config>
              <fallbackPackageFolders>
                <clear />
                <add key="user" value="{userCache}" />
              </fallbackPackageFolders>
              <packageSources>
                <clear />
                <add key="bmequant-local" value="{Folder}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="bmequant-local">
                  <package pattern="BmeQuant" />
                  <package pattern="BmeQuant.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        return path;
    }

    /// <summary>The private package cache of consumers of this feed.</summary>
    public string PackageCache => Path.Combine(Root, "packages");

    /// <summary>Environment for child processes that restore from the feed.</summary>
    public IReadOnlyDictionary<string, string> RestoreEnvironment => new Dictionary<string, string> { ["NUGET_PACKAGES"] = PackageCache };

    /// <summary>True when a restore failed only because a package source could not be reached (NU1301).</summary>
    public static bool SourceUnreachable(ProcessResult restore) =>
        restore.ExitCode != 0 && restore.Output.Contains("NU1301", StringComparison.Ordinal);

    private static LocalFeed Create()
    {
        var root = Path.Combine(Path.GetTempPath(), "bmequant-packaging-" + Guid.NewGuid().ToString("N")[..8]);
        var folder = Path.Combine(root, "feed");
        Directory.CreateDirectory(folder);
        // Pack the version the assemblies were built with: MinVer would otherwise recompute it from the current HEAD,
        // which differs when commits landed between the build and this test.
        var builtVersion = BuiltVersion("BmeQuant");

        var pack = DotnetCli.Dotnet(
            TestPaths.RepoRoot,
            TimeSpan.FromMinutes(10),
            null,
            "pack", Path.Combine(TestPaths.RepoRoot, "BmeQuant.sln"), "-c", Configuration, "--no-build", "-o", folder, "-v", "minimal",
            "-p:MinVerVersionOverride=" + builtVersion);
        if (pack.ExitCode != 0)
        {
            throw new InvalidOperationException(pack.Describe());
        }

        var version = Directory.GetFiles(folder, "BmeQuant.*.nupkg")
            .Select(f => FacadeVersion().Match(Path.GetFileName(f)))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .SingleOrDefault() ?? throw new InvalidOperationException("No BmeQuant.<version>.nupkg in " + folder + "; pack output:\n" + pack.Output);
        return new LocalFeed(root, folder, version, pack);
    }

    /// <summary>
    /// The version (MinVer, without the +commit suffix) that the project's assembly in this configuration was built
    /// with. In CI every project is built at one commit and all agree; in a working copy where commits land between
    /// builds, projects built at different times may differ by their commit height.
    /// </summary>
    public static string BuiltVersion(string project)
    {
        var built = Path.Combine(TestPaths.RepoRoot, "src", project, "bin", Configuration, "net10.0", project + ".dll");
        var version = FileVersionInfo.GetVersionInfo(built).ProductVersion?.Split('+')[0];
        return string.IsNullOrEmpty(version) ? throw new InvalidOperationException("No informational version in " + built) : version;
    }

    [GeneratedRegex(@"^BmeQuant\.(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.nupkg$")]
    private static partial Regex FacadeVersion();
}
