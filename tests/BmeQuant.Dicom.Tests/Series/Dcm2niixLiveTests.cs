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

    /// <summary>Folders and their tolerance (dcm_qa_frag, whose far end dcm2niix extrapolates, has its own test below).</summary>
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

    /// <summary>
    /// dcm_qa_frag (Siemens XA T1, 96 sagittal slices, fragmented JPEG Lossless): the first slice's ImagePositionPatient
    /// is written with 6 significant digits (-100.424, really -100.4239) and the others with 4 decimals (-98.4239 …
    /// 89.5761, exactly 2 mm apart). dcm2niix takes the slice step from the first two positions in float32 (2.000107 mm)
    /// and extrapolates it over the stack, so its last slice lies 0.0101 mm beyond that slice's own ImagePositionPatient;
    /// we take the step from all positions ((89.5761 + 100.424) / 95 = 2.0000011 mm), so every slice of our grid is at its
    /// written position within 1e-4 mm (the DS rounding). The standard defines each slice's position by its own
    /// ImagePositionPatient, so ours is the right grid. Checked live: dcm2niix's corners are exactly that extrapolation
    /// (1e-3 mm), its first-slice corners are ours (1e-3 mm), and the far-end difference is the extrapolation error.
    /// The installed dcm2niix may not decode fragmented JPEG, so the series is decompressed with dcmdjpeg first
    /// (geometry attributes are copied unchanged).
    /// </summary>
    [Fact]
    public async Task Dcm2niix_FragmentedSeries_FirstSliceMatchesAndFarEndIsDcm2niixExtrapolation()
    {
        var dcm2niix = FindOnPath("dcm2niix");
        var dcmdjpeg = FindOnPath("dcmdjpeg");
        if (dcm2niix is null || dcmdjpeg is null)
        {
            Assert.Skip("dcm2niix or dcmdjpeg (dcmtk) is not installed");
        }

        var input = Path.Combine(CorpusManifest.Folder, "dcm_qa_frag", "In", "5001_anat-T1w_acq-tfl");
        if (!Directory.Exists(input))
        {
            Assert.Skip($"corpus series {input} absent (set {CorpusManifest.EnvironmentVariable})");
        }

        var ct = TestContext.Current.CancellationToken;
        var plain = TestPaths.NewOutputFolder("dcm2niix-frag-in");
        var outDir = TestPaths.NewOutputFolder("dcm2niix-frag-out");
        foreach (var file in Directory.GetFiles(input, "*.dcm"))
        {
            await RunAsync(dcmdjpeg, [file, Path.Combine(plain, Path.GetFileName(file))], ct);
        }

        await RunAsync(dcm2niix, ["-z", "n", "-b", "n", "-f", "%s_%p", "-o", outDir, plain], ct);
        var theirs = NiftiReader.ReadSeries<float>(Assert.Single(Directory.GetFiles(outDir, "*.nii")))[0].Geometry;

        // Ours from the original (compressed, fragmented) files.
        var series = Assert.Single(SeriesDiscovery.Discover(input, cancellationToken: ct).Series);
        var g = series.Geometry.Geometry!;
        var sorted = series.Geometry.SortedSlices;
        var n = sorted.Count;
        Assert.Equal(96, n);
        Assert.True(WorstCornerDistance(g, theirs) < double.PositiveInfinity, $"dcm2niix grid {theirs.SizeX}x{theirs.SizeY}x{theirs.SizeZ} is not ours {g.SizeX}x{g.SizeY}x{g.SizeZ}");

        // Model of dcm2niix: from the first acquired slice (lowest InstanceNumber), k x (second - first position), in float32.
        static Vector3D F32(Vector3D v) => new((float)v.X, (float)v.Y, (float)v.Z);
        var byInstance = sorted.OrderBy(sl => sl.Instance.InstanceNumber).ToArray();
        var first = byInstance[0].Position!.Value;
        var last = byInstance[^1].Position!.Value;
        var step = F32(byInstance[1].Position!.Value) - F32(first);
        var model = new List<Vector3D>();
        var ours = new List<Vector3D>();
        foreach (var i in new[] { 0, g.SizeX - 1 })
        {
            foreach (var j in new[] { 0, g.SizeY - 1 })
            {
                var inPlane = g.TransformIndexToPhysicalPoint(i, j, 0) - g.TransformIndexToPhysicalPoint(0, 0, 0);
                model.Add(first + inPlane);
                model.Add(first + inPlane + (step * (n - 1)));
            }
        }

        var theirCorners = theirs.CornerPoints();
        var ourCorners = g.CornerPoints();
        var modelError = theirCorners.Max(t => model.Min(m => (m - t).Length));
        var worst = theirCorners.Max(t => ourCorners.Min(o => (o - t).Length));
        var extrapolationError = ((first + (step * (n - 1))) - last).Length;
        var firstPlane = theirCorners
            .Where(t => Math.Abs((t - first).Dot(g.Direction.Column(2))) < 0.5)
            .Max(t => ourCorners.Min(o => (o - t).Length));
        output.WriteLine($"dcm2niix step {step.Length:F6} mm, ours {g.Spacing[2]:F7} mm; dcm2niix corners vs its extrapolation model {modelError:G3} mm; "
            + $"first-slice corners vs ours {firstPlane:G3} mm; worst corner vs ours {worst:G4} mm; model's far-end error {extrapolationError:G4} mm");

        Assert.True(modelError <= CornerToleranceMm, $"dcm2niix corners are {modelError} mm from first position + k x first step");
        Assert.True(firstPlane <= CornerToleranceMm, $"dcm2niix's first-slice corners are {firstPlane} mm from ours");
        Assert.True(Math.Abs(worst - extrapolationError) <= CornerToleranceMm, $"worst corner difference {worst} mm is not dcm2niix's extrapolation error {extrapolationError} mm");
        Assert.True(extrapolationError > 5 * CornerToleranceMm, $"the extrapolation error {extrapolationError} mm is too small for this check to tell the conventions apart");
        Assert.True((g.TransformIndexToPhysicalPoint(0, 0, 0) - sorted[0].Position!.Value).Length < 1e-4, "our first slice is not at its ImagePositionPatient");
        Assert.True((g.TransformIndexToPhysicalPoint(0, 0, n - 1) - sorted[^1].Position!.Value).Length < 1e-4, "our last slice is not at its ImagePositionPatient");
    }

    private static async Task RunAsync(string tool, string[] arguments, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        var text = await stdout + " " + await stderr;
        Assert.True(p.ExitCode == 0, $"{Path.GetFileName(tool)} exit code {p.ExitCode}: {text}");
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
