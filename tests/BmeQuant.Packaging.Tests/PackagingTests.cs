using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using BmeQuant.Testing;

namespace BmeQuant.Packaging.Tests;

/// <summary>
/// Issue 10: the packages install and work on a machine that has never seen this repository. Everything is packed into
/// a local folder feed; a fresh console project outside the solution (no project references, no inherited
/// Directory.Build.props) references BmeQuant from that feed and analyses a phantom; the tool is installed from the
/// feed with <c>dotnet tool install --tool-path</c> and run.
/// </summary>
public sealed partial class PackagingTests
{
    private static readonly TimeSpan s_restoreTimeout = TimeSpan.FromMinutes(20);

    [Fact]
    public void Pack_Solution_NoWarnings()
    {
        var pack = LocalFeed.Instance.Pack;
        var warnings = pack.Output.Split('\n').Where(l => WarningLine().IsMatch(l)).ToArray();
        Assert.True(warnings.Length == 0, "dotnet pack warned:\n" + string.Join('\n', warnings));
    }

    [Fact]
    public void Pack_EveryPackage_HasReadmeLicenceRepositoryXmlDocsAndSymbols()
    {
        var feed = LocalFeed.Instance;
        foreach (var id in LocalFeed.ExpectedPackageIds)
        {
            var nupkg = feed.PackagePath(id);
            Assert.True(File.Exists(nupkg), $"{Path.GetFileName(nupkg)} missing from the feed: {string.Join(", ", Directory.GetFiles(feed.Folder).Select(Path.GetFileName))}");
            Assert.True(File.Exists(feed.PackagePath(id, "snupkg")), $"{id}: no .snupkg");

            using var zip = ZipFile.OpenRead(nupkg);
            var nuspec = Nuspec(zip, id);
            Assert.Equal("README.md", Element(nuspec, "readme"));
            Assert.NotNull(zip.GetEntry("README.md"));
            Assert.Equal("MIT", Element(nuspec, "license"));
            Assert.False(string.IsNullOrWhiteSpace(Element(nuspec, "description")), id + ": no description");
            Assert.Contains("bmequant", Element(nuspec, "tags") ?? "", StringComparison.Ordinal);
            var repository = nuspec.Descendants().Single(e => e.Name.LocalName == "repository");
            Assert.False(string.IsNullOrEmpty(repository.Attribute("url")?.Value), id + ": no repository url");

            // Build-only packages (MinVer, analyzers) must not become dependencies of the consumers.
            var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).ToArray();
            Assert.DoesNotContain("MinVer", dependencies);
            Assert.DoesNotContain("Microsoft.CodeAnalysis.PublicApiAnalyzers", dependencies);

            using var symbols = ZipFile.OpenRead(feed.PackagePath(id, "snupkg"));
            Assert.Contains(symbols.Entries, e => e.FullName.EndsWith(id + ".pdb", StringComparison.Ordinal));
            if (id != "BmeQuant.Cli")
            {
                Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.dll"));
                Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.xml"));
            }
        }
    }

    [Fact]
    public void Pack_Cli_IsDotnetToolNamedBmequant()
    {
        using var zip = ZipFile.OpenRead(LocalFeed.Instance.PackagePath("BmeQuant.Cli"));
        var nuspec = Nuspec(zip, "BmeQuant.Cli");
        Assert.Contains(nuspec.Descendants(), e => e.Name.LocalName == "packageType" && e.Attribute("name")?.Value == "DotnetTool");
        var settings = zip.Entries.Single(e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal));
        using var stream = settings.Open();
        var command = XDocument.Load(stream).Descendants().Single(e => e.Name.LocalName == "Command");
        Assert.Equal("bmequant", command.Attribute("Name")?.Value);
    }

    [Fact]
    public void Library_FromLocalFeedInFreshProject_AnalysesPhantom()
    {
        var feed = LocalFeed.Instance;
        var project = Path.Combine(feed.Root, "consumer");
        Directory.CreateDirectory(project);

        // Nothing inherited from the repository or the machine: empty MSBuild imports and our own nuget.config.
        File.WriteAllText(Path.Combine(project, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(project, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(project, "Directory.Packages.props"), "<Project />\n");
        feed.WriteNuGetConfig(project);
        File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="BmeQuant" Version="[{feed.Version}]" />
              </ItemGroup>
            </Project>
            """);

        // The program is the repository's sample, so the sample is proven against the packages as well.
        File.Copy(Path.Combine(TestPaths.RepoRoot, "samples", "BmeQuant.Sample", "Program.cs"), Path.Combine(project, "Program.cs"));

        var restore = DotnetCli.Dotnet(project, s_restoreTimeout, feed.RestoreEnvironment, "restore");
        if (LocalFeed.SourceUnreachable(restore))
        {
            Assert.Skip("nuget.org (needed for BmeQuant's third-party dependencies) is unreachable: " + FirstLineWith(restore.Output, "NU1301"));
        }

        Assert.True(restore.ExitCode == 0, restore.Describe());
        Assert.DoesNotContain(Directory.GetFiles(project, "*.csproj"), f => File.ReadAllText(f).Contains("ProjectReference", StringComparison.Ordinal));

        var output = Path.Combine(feed.Root, "consumer-output");
        var run = DotnetCli.Dotnet(project, s_restoreTimeout, feed.RestoreEnvironment, "run", "-c", "Release", "--no-restore", "--", "7", output);
        Assert.True(run.ExitCode == 0, run.Describe());

        // The BmeQuant assembly came from the feed's package, not from the repository.
        Assert.True(Directory.Exists(Path.Combine(feed.PackageCache, "bmequant", feed.Version.ToLowerInvariant())), "BmeQuant was not restored into the private cache:\n" + restore.Output);

        var version = Regex.Match(run.Output, @"^version (\S+)", RegexOptions.Multiline);
        Assert.True(version.Success, run.Describe());
        Assert.StartsWith(feed.Version, version.Groups[1].Value, StringComparison.Ordinal);

        // Visits 1 and 2 (day 60) of the migrating-knee phantom, written as DICOM and opened through the facade: one
        // subchondral lesion in the medial femoral condyle that grows by a third, nothing in the tibia.
        var totals = Regex.Matches(run.Output, @"^visit (\S+) total edema-mm3 (\S+) truth-mm3 (\S+)", RegexOptions.Multiline);
        Assert.True(totals.Count == 2, run.Describe());
        Assert.Equal(new[] { "2026-01-05", "2026-03-06" }, totals.Select(m => m.Groups[1].Value));
        foreach (Match total in totals)
        {
            var label = total.Groups[1].Value;
            var measured = double.Parse(total.Groups[2].Value, CultureInfo.InvariantCulture);
            var truth = double.Parse(total.Groups[3].Value, CultureInfo.InvariantCulture);
            Assert.True(truth > 0, run.Output);
            Assert.True(Math.Abs(measured - truth) <= 0.5 * truth, $"{label}: measured {measured} mm3 vs truth {truth} mm3:\n{run.Output}");

            var bones = Regex.Matches(run.Output, $@"^visit {Regex.Escape(label)} bone (\S+) edema-mm3 (\S+)", RegexOptions.Multiline)
                .ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), StringComparer.OrdinalIgnoreCase);
            Assert.True(bones.TryGetValue("Femur", out var femur), run.Output);
            Assert.True(femur > 0.5 * measured, $"{label}: the femur should hold most of the edema:\n{run.Output}");
        }

        // The lesion grows from 3.2 to 4.4 mL in truth: the follow-up must call it worse, over the 60 days between the study dates.
        var status = Regex.Match(run.Output, @"^status (\S+) days (\S+):", RegexOptions.Multiline);
        Assert.True(status.Success, run.Describe());
        Assert.Equal("Worsening", status.Groups[1].Value);
        Assert.Equal("60", status.Groups[2].Value);
        foreach (var file in new[] { "report.json", "report.csv", "report.html" })
        {
            Assert.True(File.Exists(Path.Combine(output, "report", file)), file + " missing:\n" + run.Output);
        }
    }

    [Fact]
    public void GettingStarted_LibrarySection_ShowsTheSampleProgramVerbatim()
    {
        // docs/getting-started.md shows the sample in full; the packaging test runs the sample: keep them identical.
        var sample = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "samples", "BmeQuant.Sample", "Program.cs")).ReplaceLineEndings("\n").TrimEnd();
        var page = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "getting-started.md")).ReplaceLineEndings("\n");
        var blocks = Regex.Matches(page, @"^```csharp\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline).Select(m => m.Groups[1].Value.TrimEnd()).ToArray();
        Assert.True(blocks.Contains(sample), "docs/getting-started.md does not show samples/BmeQuant.Sample/Program.cs verbatim; copy the program into its csharp block.");
    }

    [Fact]
    public void Tool_InstalledFromLocalFeed_PrintsVersionAndRunsDemo()
    {
        var feed = LocalFeed.Instance;
        var work = Path.Combine(feed.Root, "tool");
        var toolPath = Path.Combine(work, "tools");
        Directory.CreateDirectory(work);
        var config = feed.WriteNuGetConfig(work);

        var install = DotnetCli.Dotnet(
            work, s_restoreTimeout, feed.RestoreEnvironment,
            "tool", "install", "BmeQuant.Cli", "--tool-path", toolPath, "--version", feed.Version, "--configfile", config);
        if (LocalFeed.SourceUnreachable(install))
        {
            Assert.Skip("a package source is unreachable: " + FirstLineWith(install.Output, "NU1301"));
        }

        Assert.True(install.ExitCode == 0, install.Describe());
        var bmequant = Path.Combine(toolPath, OperatingSystem.IsWindows() ? "bmequant.exe" : "bmequant");
        Assert.True(File.Exists(bmequant), install.Describe());

        var version = DotnetCli.Run(bmequant, work, TimeSpan.FromMinutes(2), null, "--version");
        Assert.True(version.ExitCode == 0, version.Describe());
        // The tool prints the MinVer version it was built with (the package version when built at one commit, as in CI).
        Assert.StartsWith(LocalFeed.BuiltVersion("BmeQuant.Cli"), version.Output.Trim(), StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?(\+[0-9a-f]+)?$", version.Output.Trim());

        // The installed tool runs the demo end to end (issue 10's check): phantom visits generated, analysed, compared.
        var demoFolder = Path.Combine(work, "demo");
        var demo = DotnetCli.Run(bmequant, work, TimeSpan.FromMinutes(20), null, "demo", "--out", demoFolder);
        Assert.True(demo.ExitCode == 0, demo.Describe());
        foreach (var file in new[] { "report.html", "report.json", "report.csv", Path.Combine("visit-1", "findings.json") })
        {
            Assert.True(File.Exists(Path.Combine(demoFolder, file)), file + " missing:\n" + demo.Output);
        }
    }

    private static XElement Nuspec(ZipArchive zip, string id)
    {
        var entry = zip.GetEntry(id + ".nuspec") ?? throw new InvalidOperationException(id + ": no nuspec");
        using var stream = entry.Open();
        return XDocument.Load(stream).Root!;
    }

    private static string? Element(XElement nuspec, string name) =>
        nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim();

    private static string FirstLineWith(string output, string text) =>
        output.Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal))?.Trim() ?? text;

    [GeneratedRegex(@":\s+warning\s+[A-Z]+\d+", RegexOptions.IgnoreCase)]
    private static partial Regex WarningLine();
}
