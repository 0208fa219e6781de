using System.Text.Json;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

/// <summary>The README's first command, end to end, and `compare` on the analyses it wrote.</summary>
public class DemoAndCompareCommandTests
{
    private static readonly Lazy<(int Code, string StdOut, string Folder)> s_demo = new(() =>
    {
        var folder = TestPaths.NewOutputFolder("demo");
        var (code, stdout, stderr) = CliHost.Run("demo", "--out", folder, "--seed", "7");
        return (code, stdout + stderr, folder);
    });

    [Fact]
    public void Demo_WritesReportsAndOneAnalysisPerVisit()
    {
        var (code, stdout, folder) = s_demo.Value;
        Assert.True(code == 0, stdout);
        foreach (var f in new[] { "report.html", "report.json", "report.csv" })
        {
            Assert.True(File.Exists(Path.Combine(folder, f)), f + " missing; output:\n" + stdout);
        }

        for (var v = 1; v <= 4; v++)
        {
            Assert.True(File.Exists(Path.Combine(folder, $"visit-{v}", "findings.json")));
            Assert.True(File.Exists(Path.Combine(folder, $"visit-{v}", "edema.nii.gz")));
        }

        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Demo_ReportListsEveryVisitInDayOrderWithAStatus()
    {
        var (_, stdout, folder) = s_demo.Value;
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "report.json")));
        var root = doc.RootElement;
        var days = root.GetProperty("timepoints").EnumerateArray().Select(t => t.GetProperty("dayOffset").GetDouble()).ToArray();
        Assert.Equal([0.0, 60, 150, 240], days);
        Assert.Equal(3, root.GetProperty("intervals").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("overallStatus").GetString()), stdout);
        Assert.NotEqual(JsonValueKind.Null, root.GetProperty("trajectory").ValueKind);
    }

    [Fact]
    public void Compare_FindingsOfDemoVisits_ReproducesDemoTotals()
    {
        var (_, _, folder) = s_demo.Value;
        var outFolder = TestPaths.NewOutputFolder("compare");
        var visits = Enumerable.Range(1, 4).Select(v => Path.Combine(folder, $"visit-{v}")).ToArray();
        var (code, stdout, stderr) = CliHost.Run(["compare", .. visits, "--out", outFolder, "--days", "0,60,150,240", "--patient", "P1"]);
        Assert.True(code == 0, stdout + stderr);

        using var demo = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "report.json")));
        using var cmp = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "report.json")));
        var a = demo.RootElement.GetProperty("timepoints").EnumerateArray().Select(t => t.GetProperty("totalEdemaVolumeMm3").GetDouble()).ToArray();
        var b = cmp.RootElement.GetProperty("timepoints").EnumerateArray().Select(t => t.GetProperty("totalEdemaVolumeMm3").GetDouble()).ToArray();
        Assert.Equal(a, b);
        Assert.Equal(demo.RootElement.GetProperty("overallStatus").GetString(), cmp.RootElement.GetProperty("overallStatus").GetString());
    }

    [Fact]
    public void Compare_MissingFindings_ExitsNoInputNamingThePath()
    {
        var empty = TestPaths.NewOutputFolder("compare-empty");
        var (code, _, stderr) = CliHost.Run("compare", empty, empty, "--out", TestPaths.NewOutputFolder("compare-out"));
        Assert.Equal(2, code);
        Assert.Contains(empty, stderr, StringComparison.Ordinal);
    }
}
