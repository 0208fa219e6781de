using System.Text.Json;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

public class AnalyzeCommandTests
{
    [Fact]
    public void Analyze_NiftiInputsWithBoneMask_WritesFindingsAndMasks()
    {
        var dir = TestPaths.NewOutputFolder("analyze-cli");
        var (stir, t1, bones) = WriteStudy(dir);
        var outDir = Path.Combine(dir, "out");

        var (code, stdout, stderr) = CliHost.Run("analyze", "--stir", stir, "--t1", t1, "--bone-mask", bones, "--out", outDir);

        Assert.True(code == 0, stderr);
        Assert.Contains("Edema:", stdout, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        var total = doc.RootElement.GetProperty("total");

        // The lesion is a 10×10×6 mm box of 1 mm voxels: 600 mm³.
        Assert.InRange(total.GetProperty("edemaVolumeMm3").GetDouble(), 540, 660);
        Assert.Equal("stir.nii.gz", doc.RootElement.GetProperty("inputs").GetProperty("fluidSensitive").GetProperty("source").GetString());
        foreach (var name in new[] { "edema", "bones", "depth-zones", "reference" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, name + ".nii.gz")), name);
        }
    }

    [Fact]
    public void Analyze_FolderWithoutDicom_ExitsWithNoInputAndSaysSo()
    {
        var dir = TestPaths.NewOutputFolder("analyze-cli-folder");
        var (code, _, stderr) = CliHost.Run("analyze", "--stir", dir, "--t1", dir, "--out", Path.Combine(dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains("No DICOM image found in " + dir, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_FolderAndStirTogether_IsAUsageError()
    {
        var dir = TestPaths.NewOutputFolder("analyze-cli-both");
        var (code, _, stderr) = CliHost.Run("analyze", dir, "--stir", dir, "--out", Path.Combine(dir, "out"));
        Assert.Equal(1, code);
        Assert.Contains("not both", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_NoBoneMaskAndNoT1_ExitsAnalysisFailedWithAdvice()
    {
        var dir = TestPaths.NewOutputFolder("analyze-cli-nobones");
        var (stir, _, _) = WriteStudy(dir);
        var (code, _, stderr) = CliHost.Run("analyze", "--stir", stir, "--out", Path.Combine(dir, "out"));
        Assert.Equal(16, code);
        Assert.Contains("could not be quantified", stderr, StringComparison.Ordinal);
        Assert.Contains("--bone-mask", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_MissingFile_ExitsWithNoInput()
    {
        var dir = TestPaths.NewOutputFolder("analyze-cli-missing");
        var (code, _, stderr) = CliHost.Run("analyze", "--stir", Path.Combine(dir, "nope.nii.gz"), "--out", Path.Combine(dir, "out"));
        Assert.Equal(2, code);
        Assert.Contains("nope.nii.gz", stderr, StringComparison.Ordinal);
    }

    private static (string Stir, string T1, string Bones) WriteStudy(string dir)
    {
        var g = new ImageGeometry(48, 48, 24, new Vector3D(1, 1, 1), new Vector3D(-24, -24, -12));
        var fluid = new Volume<float>(g);
        var t1 = new Volume<float>(g);
        var bones = new Volume<int>(g);
        var rng = new Random(3);
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var bone = i is >= 4 and < 44 && j is >= 4 and < 44 && k is >= 2 and < 22;
                    var lesion = i is >= 19 and < 29 && j is >= 19 and < 29 && k is >= 9 and < 15;
                    bones[i, j, k] = bone ? 1 : 0;
                    fluid[i, j, k] = (lesion ? 300f : bone ? 100f : 150f) + (float)(rng.NextDouble() * 20 - 10);
                    t1[i, j, k] = (lesion ? 500f : bone ? 1000f : 400f) + (float)(rng.NextDouble() * 20 - 10);
                }
            }
        }

        var stir = Path.Combine(dir, "stir.nii.gz");
        var t1Path = Path.Combine(dir, "t1.nii.gz");
        var bonePath = Path.Combine(dir, "bones.nii.gz");
        NiftiWriter.Write(fluid, stir);
        NiftiWriter.Write(t1, t1Path);
        NiftiWriter.Write(bones, bonePath);
        return (stir, t1Path, bonePath);
    }
}
