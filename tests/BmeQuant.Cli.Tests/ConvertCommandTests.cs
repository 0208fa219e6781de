using System.Text.Json;
using BmeQuant.Imaging.IO;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

public class ConvertCommandTests
{
    [Fact]
    public void Convert_RegularSeries_WritesNiftiAndSidecarWithSafeName()
    {
        var dir = TestPaths.NewOutputFolder("convert-in");
        var outDir = TestPaths.NewOutputFolder("convert-out");
        InfoCommandTests.WriteSeries(dir, description: "../../etc/passwd\u0007 Doe T1");
        var (code, stdout, stderr) = CliHost.Run("convert", dir, "--out", outDir);
        Assert.True(code == 0, stdout + stderr);

        var nii = Assert.Single(Directory.GetFiles(outDir, "*.nii.gz"));
        var name = Path.GetFileName(nii);
        Assert.DoesNotContain("..", name, StringComparison.Ordinal);
        Assert.All(name, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.', $"unsafe character {(int)c} in {name}"));
        Assert.StartsWith("S004_", name, StringComparison.Ordinal);

        // The NIfTI geometry read back: 4x4x5, 0.8 x 0.8 x 2.5 mm, origin at the first slice (LPS (-10, -20, 0)).
        var volume = NiftiReader.Read<float>(nii);
        Assert.Equal((4, 4, 5), (volume.SizeX, volume.SizeY, volume.SizeZ));
        Assert.Equal(2.5, volume.Geometry.Spacing.Z, 5);
        Assert.True((volume.Geometry.Origin - new BmeQuant.Imaging.Vector3D(-10, -20, 0)).Length < 1e-4);
        Assert.Equal(2 * 16 + 5, volume[1, 1, 2]);

        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.ChangeExtension(Path.ChangeExtension(nii, null), ".json")));
        Assert.Equal("T1", doc.RootElement.GetProperty("Role").GetProperty("Role").GetString());
        Assert.Equal(10, doc.RootElement.GetProperty("EchoTimeMs").GetDouble());
        Assert.Equal(5, doc.RootElement.GetProperty("Provenance").GetArrayLength());
    }

    [Fact]
    public void Convert_MissingSlice_RefusedUnlessResample()
    {
        var dir = TestPaths.NewOutputFolder("convert-gap");
        InfoCommandTests.WriteSeries(dir, slices: 6, skip: 3);
        var strictOut = TestPaths.NewOutputFolder("convert-gap-strict");
        var (code, _, stderr) = CliHost.Run("convert", dir, "--out", strictOut);
        Assert.Equal(8, code);
        Assert.Contains("missing", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(strictOut, "*.nii.gz"));

        var resampledOut = TestPaths.NewOutputFolder("convert-gap-resample");
        Assert.Equal(0, CliHost.Run("convert", dir, "--out", resampledOut, "--resample").ExitCode);
        Assert.Single(Directory.GetFiles(resampledOut, "*.nii.gz"));
    }
}
