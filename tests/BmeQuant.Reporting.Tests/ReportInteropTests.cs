using System.Diagnostics;
using BmeQuant.Reporting;
using BmeQuant.Testing;

namespace BmeQuant.Reporting.Tests;

/// <summary>The report as other programs see it: headless Chromium renders the HTML, pandas loads the CSV.</summary>
public class ReportInteropTests
{
    private static (int Code, string Out, string Err) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in 120 s");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string? Find(params string[] candidates) => candidates.FirstOrDefault(File.Exists);

    [Fact]
    public void Html_RendersInHeadlessChromium_WithSectionsAndNoExternalRequests()
    {
        var chromium = Find("/usr/bin/chromium", "/usr/bin/chromium-browser");
        if (chromium is null)
        {
            Assert.Skip("chromium is not installed (.ci/run installs Debian's chromium)");
        }

        var dir = TestPaths.NewOutputFolder("html-chromium");
        var html = Path.Combine(dir, "report.html");
        File.WriteAllText(html, HtmlReport.Render(ReportWritersTestsAccess.Sample(images: true)));
        var png = Path.Combine(dir, "shot.png");
        string[] common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--user-data-dir=" + Path.Combine(dir, "profile"), "--enable-logging=stderr", "--v=0"];

        var dom = Run(chromium, [.. common, "--dump-dom", new Uri(html).AbsoluteUri]);
        Assert.True(dom.Code == 0, dom.Err);
        foreach (var id in new[] { "summary", "chart", "timepoints", "images", "methods", "warnings" })
        {
            Assert.Contains($"id=\"{id}\"", dom.Out, StringComparison.Ordinal);
        }

        // Console errors and failed loads are logged as CONSOLE / "Failed to load" lines by chromium.
        Assert.DoesNotContain("Uncaught", dom.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("net::ERR_", dom.Err, StringComparison.Ordinal);

        var shot = Run(chromium, [.. common, "--screenshot=" + png, "--window-size=1200,1600", new Uri(html).AbsoluteUri]);
        Assert.True(shot.Code == 0 && File.Exists(png), shot.Err);
        var bytes = File.ReadAllBytes(png);
        // A blank 1200×1600 page compresses to a few kB; text, the chart and the slice images make it far larger.
        // (The PNG is not decoded here: ImageSharp is used to encode only.)
        Assert.True(bytes.Length > 30_000, $"screenshot is only {bytes.Length} bytes: blank page?");
    }

    [Fact]
    public void Csv_LoadsInPandas_WithDocumentedColumns()
    {
        if (!File.Exists("/usr/bin/python3"))
        {
            Assert.Skip("/usr/bin/python3 not found");
        }

        var probe = Run("/usr/bin/python3", "-c", "import pandas");
        if (probe.Code != 0)
        {
            Assert.Skip("python3-pandas is not installed (.ci/run installs it)");
        }

        var dir = TestPaths.NewOutputFolder("csv-pandas");
        var csv = Path.Combine(dir, "report.csv");
        var comparison = ReportWritersTestsAccess.Sample(images: false);
        ReportWriters.WriteCsv(comparison, csv);
        const string Script = """
            import sys, pandas as pd
            df = pd.read_csv(sys.argv[1])
            print(",".join(df.columns))
            print(len(df))
            v = df[(df.timepoint == "visit 2") & (df.bone == "femur") & (df.measure == "edema_volume")].value.iloc[0]
            print(float(v))
            print(str(df.value.dtype))
            """;
        var (code, stdout, stderr) = Run("/usr/bin/python3", "-c", Script, csv);
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal(ReportWriters.CsvHeader, lines[0]);
        Assert.Equal(ReportWriters.ToCsv(comparison).TrimEnd('\n').Split('\n').Length - 1, int.Parse(lines[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(3000.0, double.Parse(lines[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("float64", lines[3]);
    }
}
