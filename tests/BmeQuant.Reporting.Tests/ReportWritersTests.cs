using System.Text.Json;
using System.Text.RegularExpressions;
using BmeQuant.Imaging;
using BmeQuant.Reporting;
using BmeQuant.Testing;

namespace BmeQuant.Reporting.Tests;

public partial class ReportWritersTests
{
    internal static TimepointComparison Sample(bool images = false)
    {
        var tps = new[]
        {
            TimepointComparerTests.Tp("baseline", 0, ("femur", 9000), ("tibia", 0)),
            TimepointComparerTests.Tp("visit 2", 45, ("femur", 3000), ("tibia", 2500)),
            TimepointComparerTests.Tp("visit 3", 120, ("femur", 500), ("tibia", 300)),
        };
        if (images)
        {
            tps = tps.Select((t, n) => t with { Images = Images(n) }).ToArray();
        }

        return TimepointComparer.Compare(tps, patient: "PHANTOM-1");
    }

    private static TimepointImages Images(int shift)
    {
        var g = new ImageGeometry(24, 20, 6, new Vector3D(0.8, 0.8, 3), new Vector3D(-10, -8, 0), Matrix3D.Identity);
        var stir = new Volume<float>(g);
        var edema = new Volume<byte>(g);
        var rng = new Random(5);
        for (var n = 0; n < stir.Length; n++)
        {
            stir.Data[n] = 100 + (float)rng.NextDouble() * 10;
        }

        for (var k = 2; k < 4; k++)
        {
            for (var j = 5; j < 12; j++)
            {
                for (var i = 6 + shift; i < 14 + shift; i++)
                {
                    edema[i, j, k] = 1;
                    stir[i, j, k] = 400;
                }
            }
        }

        return new TimepointImages(stir, stir, edema);
    }

    [Fact]
    public void ToCsv_HasHeaderAndOneRowPerTimepointBoneMeasure()
    {
        var c = Sample();
        var lines = ReportWriters.ToCsv(c).TrimEnd('\n').Split('\n');
        Assert.Equal(ReportWriters.CsvHeader, lines[0]);
        var columns = ReportWriters.CsvHeader.Split(',').Length;
        Assert.All(lines.Skip(1), l => Assert.Equal(columns, l.Split(',').Length));

        // 3 timepoints × (2 bones × 6 measures (binary and fraction-weighted volume) + total's 2 volumes) + change rows:
        // (2 intervals + baseline→latest) × 3 regions × 2.
        Assert.Equal((3 * ((2 * 6) + 2)) + (3 * 3 * 2), lines.Length - 1);
        var femurT1 = lines.Single(l => l.StartsWith("PHANTOM-1,visit 2,", StringComparison.Ordinal) && l.Contains(",femur,whole,edema_volume,", StringComparison.Ordinal));
        Assert.Equal("3000", femurT1.Split(',')[7]);
    }

    [Fact]
    public void WriteJson_RoundTripsStatusAndVolumes()
    {
        var dir = TestPaths.NewOutputFolder("report-json");
        var c = Sample();
        ReportWriters.WriteJson(c, Path.Combine(dir, "r.json"));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "r.json")));
        var root = doc.RootElement;
        Assert.Equal(TimepointComparison.CurrentSchemaVersion, root.GetProperty("schemaVersion").GetString());
        Assert.Equal("migrated", root.GetProperty("overallStatus").GetString());
        Assert.Equal(3, root.GetProperty("timepoints").GetArrayLength());
        Assert.Equal(9000, root.GetProperty("timepoints")[0].GetProperty("totalEdemaVolumeMm3").GetDouble());
        Assert.False(root.GetProperty("timepoints")[0].TryGetProperty("images", out _));
    }

    [Fact]
    public void Render_IsSelfContainedWithAllSectionsAndEmbeddedImages()
    {
        var html = HtmlReport.Render(Sample(images: true));
        foreach (var id in new[] { "summary", "per-bone", "chart", "timepoints", "images", "methods", "warnings" })
        {
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        var sources = SrcAttribute().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(9, sources.Count); // 3 timepoints × (STIR, T1, MIP)
        Assert.All(sources, s => Assert.StartsWith("data:image/png;base64,", s, StringComparison.Ordinal));
        Assert.All(sources, s => Assert.True(Convert.FromBase64String(s["data:image/png;base64,".Length..]).AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 })));
        Assert.Contains("<svg", html, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteAll_WritesThreeFilesAndNoTemporaries()
    {
        var dir = TestPaths.NewOutputFolder("report-all");
        var files = ReportWriters.WriteAll(Sample(), dir);
        Assert.Equal(3, files.Count);
        Assert.Equal(files.Order(StringComparer.Ordinal), Directory.GetFiles(dir).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ReadFindingsJson_NotFindings_ThrowsTypedErrorNamingFile()
    {
        var dir = TestPaths.NewOutputFolder("bad-findings");
        var path = Path.Combine(dir, "findings.json");
        File.WriteAllText(path, "{\"hello\": 1}");
        var ex = Assert.Throws<BmeQuantException>(() => FindingsAdapter.ReadFindingsJson(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex("src=\"([^\"]*)\"")]
    private static partial Regex SrcAttribute();
}

/// <summary>Shares the sample comparison with other test classes.</summary>
internal static class ReportWritersTestsAccess
{
    public static TimepointComparison Sample(bool images) => ReportWritersTests.Sample(images);
}
