using System.Diagnostics;
using BmeQuant.Dicom.Series;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests.Series;

/// <summary>
/// dcm2niix run live (not from the stored manifest) on a few corpus series (BMEQUANT_DICOM_CORPUS): every voxel-grid
/// corner of its NIfTI must be one of our corners within 1e-3 mm, with the same grid size. Skips when dcm2niix or the
/// corpus is absent.
/// </summary>
public class Dcm2niixLiveTests(ITestOutputHelper output)
{
    /// <summary>The bar; dcm2niix's float32 affine costs ≈ 2e-5 mm at 200 mm.</summary>
    private const double CornerToleranceMm = 1e-3;

    /// <summary>Folders and their tolerance (dcm_qa_frag, whose mixed 3/4-decimal positions dcm2niix extrapolates, is left to SeriesCorpusTests).</summary>
    public static TheoryData<string, double> Series() => new()
    {
        { "dcm_qa_cs_dl/In/Philips/201_T1W_TSE_Sno_CSno_CSAIno", CornerToleranceMm },
        { "dcm_qa_cs_dl/In/Philips/501_T1W_FFE_Sno_CS4", CornerToleranceMm },
        { "dcm_qa_nih/In/20180918GE/mr_0004", CornerToleranceMm },
    };

    [Theory]
    [MemberData(nameof(Series))]
    public async Task Dcm2niix_CorpusSeries_CornersMatchOurGeometry(string folder, double toleranceMm)
    {
        var dcm2niix = FindOnPath("dcm2niix");
        if (dcm2niix is null)
        {
            Assert.Skip("dcm2niix is not installed");
        }

        var input = Path.Combine(CorpusManifest.Folder, folder);
        if (!Directory.Exists(input))
        {
            Assert.Skip($"corpus series {input} absent (set {CorpusManifest.EnvironmentVariable})");
        }

        var outDir = TestPaths.NewOutputFolder("dcm2niix-live");
        var psi = new ProcessStartInfo(dcm2niix) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-z", "n", "-b", "n", "-f", "%s_%p", "-o", outDir, input })
        {
            psi.ArgumentList.Add(a);
        }

        using (var p = Process.Start(psi)!)
        {
            var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await p.WaitForExitAsync(TestContext.Current.CancellationToken);
            var text = await stdout + " " + await stderr;
            Assert.True(p.ExitCode == 0, $"dcm2niix exit code {p.ExitCode}: {text}");
        }

        var ours = SeriesDiscovery.Discover(input, cancellationToken: TestContext.Current.CancellationToken).Series
            .Where(s => s.Geometry.Refusal is null)
            .Select(s => s.Geometry.Geometry!)
            .ToArray();
        Assert.NotEmpty(ours);
        var niftis = Directory.GetFiles(outDir, "*.nii");
        Assert.NotEmpty(niftis);
        foreach (var nii in niftis)
        {
            // 4-D files (echoes, repetitions): the first 3-D volume carries the grid.
            var theirs = NiftiReader.ReadSeries<float>(nii)[0].Geometry;
            var best = ours.Min(g => WorstCornerDistance(g, theirs));
            output.WriteLine($"{folder} {Path.GetFileName(nii)}: {theirs.SizeX}×{theirs.SizeY}×{theirs.SizeZ}, worst corner {best:G3} mm from our nearest volume");
            Assert.True(best <= toleranceMm, $"{Path.GetFileName(nii)}: a dcm2niix corner is {best} mm from ours (tolerance {toleranceMm} mm)");
        }
    }

    /// <summary>The largest distance from a corner of <paramref name="theirs"/> to the nearest corner of <paramref name="ours"/>; infinite when sizes differ.</summary>
    private static double WorstCornerDistance(ImageGeometry ours, ImageGeometry theirs)
    {
        int[] a = [ours.SizeX, ours.SizeY, ours.SizeZ];
        int[] b = [theirs.SizeX, theirs.SizeY, theirs.SizeZ];
        if (!a.Order().SequenceEqual(b.Order()))
        {
            return double.PositiveInfinity;
        }

        var corners = ours.CornerPoints();
        return theirs.CornerPoints().Max(t => corners.Min(o => (o - t).Length));
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);
}
