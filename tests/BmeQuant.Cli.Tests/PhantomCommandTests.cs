using System.Text.Json;
using BmeQuant.Dicom.Roles;
using BmeQuant.Dicom.Series;
using BmeQuant.Phantoms;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

/// <summary><c>bmequant phantom</c>: options, exit codes (docs/exit-codes.md), written folders, determinism.</summary>
public class PhantomCommandTests
{
    [Fact]
    public void Phantom_ListPresets_PrintsEveryPresetAndExitsOk()
    {
        var (code, stdout, _) = CliHost.Run("phantom", "--list-presets");
        Assert.Equal(0, code);
        foreach (var name in PhantomPresets.Names)
        {
            Assert.Contains(name, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Phantom_WithoutOut_ExitsUsage()
    {
        var (code, _, stderr) = CliHost.Run("phantom", "--anatomy", "knee");
        Assert.Equal(1, code);
        Assert.Contains("--out", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--visits", "0,x,90", "'x'")]
    [InlineData("--visits", "0,90,30", "ascending")]
    [InlineData("--preset", "elbow-story", "elbow-story")]
    [InlineData("--field", "11", "11")]
    [InlineData("--snr", "0", "--snr")]
    public void Phantom_BadValue_ExitsUsageNamingTheValue(string option, string value, string expectedInMessage)
    {
        var dir = TestPaths.NewOutputFolder("phantom-bad");
        var (code, _, stderr) = CliHost.Run("phantom", option, value, "--out", dir);
        Assert.Equal(1, code);
        Assert.Contains(expectedInMessage, stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void Phantom_UnknownVendor_IsAParseErrorWithExitOne()
    {
        var (code, _, _) = CliHost.Run("phantom", "--vendor", "canon", "--out", TestPaths.NewOutputFolder("phantom-vendor"));
        Assert.Equal(1, code);
    }

    [Fact]
    public void Phantom_KneeTwoVisits_WritesStudiesOurDiscoveryReadsAsT1AndStir()
    {
        var dir = TestPaths.NewOutputFolder("phantom-knee");
        var (code, stdout, stderr) = CliHost.Run(
            "phantom", "--anatomy", "knee", "--side", "right", "--visits", "0,30", "--pattern", "subchondral", "--snr", "20",
            "--field", "3", "--vendor", "ge", "--seed", "3", "--matrix", "24", "--out", dir);
        Assert.True(code == 0, stderr);
        Assert.Contains("visit-02-day030", stdout, StringComparison.Ordinal);
        var visits = Directory.GetDirectories(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["visit-01-day000", "visit-02-day030"], visits);
        var patientIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var visit in visits)
        {
            var folder = Path.Combine(dir, visit!);
            using var truth = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "truth.json")));
            Assert.Equal("Right", truth.RootElement.GetProperty("side").GetString());
            Assert.Equal(3.0, truth.RootElement.GetProperty("fieldStrengthTesla").GetDouble());
            Assert.Equal("GE", truth.RootElement.GetProperty("vendor").GetString());
            Assert.True(truth.RootElement.GetProperty("totalEdemaVolumeMm3").GetDouble() > 100, "a subchondral lesion is present at day 0 and 30");

            var discovery = SeriesDiscovery.Discover(folder, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Empty(discovery.Failures);
            var roles = Assert.Single(StudyRoles.FromSeries(discovery.Series));
            Assert.Empty(roles.Missing);
            Assert.Equal(SeriesRole.Stir, SequenceRoleClassifier.Classify(roles.BestFluidSensitive!).Role);
            Assert.All(discovery.Series, s => Assert.Equal(24, s.Columns));
            patientIds.UnionWith(discovery.Series.Select(s => s.PatientId));
        }

        Assert.Single(patientIds);
    }

    [Fact]
    public void Phantom_PresetTwice_SameSeed_SameBytes()
    {
        var a = TestPaths.NewOutputFolder("phantom-preset-a");
        var b = TestPaths.NewOutputFolder("phantom-preset-b");
        string[] args = ["phantom", "--preset", "control", "--matrix", "16", "--seed", "11", "--vendor", "philips"];
        Assert.Equal(0, CliHost.Run([.. args, "--out", a]).ExitCode);
        Assert.Equal(0, CliHost.Run([.. args, "--out", b]).ExitCode);
        var files = Directory.GetFiles(a, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(a, f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(files, Directory.GetFiles(b, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(b, f)).Order(StringComparer.Ordinal));
        Assert.Equal(2, files.Count(f => f.EndsWith("truth.json", StringComparison.Ordinal)));
        foreach (var f in files)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(a, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, f))), f);
        }
    }

    [Fact]
    public void Phantom_PatternNone_TruthHasNoEdema()
    {
        var dir = TestPaths.NewOutputFolder("phantom-none");
        var (code, _, stderr) = CliHost.Run("phantom", "--anatomy", "ankle", "--visits", "0", "--pattern", "none", "--matrix", "16", "--out", dir);
        Assert.True(code == 0, stderr);
        using var truth = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "visit-01-day000", "truth.json")));
        Assert.Equal(0, truth.RootElement.GetProperty("totalEdemaVolumeMm3").GetDouble());
        Assert.Empty(truth.RootElement.GetProperty("lesions").EnumerateArray());
    }
}
