using System.Buffers.Binary;
using System.Text.Json;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

/// <summary>
/// <c>bmequant analyze</c> on inputs as other scanners and tools write them (issue 6): masks on other grids, odd NIfTI
/// headers and voxels, partial overlap, odd signal ranges and output folders. Each input is a small synthetic study
/// written here (a box of marrow with a 10×10×6 mm lesion on a 1 mm grid); every case ends in a correct analysis (with a
/// note where something was adapted) or a typed error naming the file, never an unhandled exception.
/// </summary>
public class AnalyzeInputTests
{
    private const double LesionMm3 = 600;

    // ---- 1. Masks on other grids and with odd labels ----

    public static TheoryData<string> MaskGrids => ["t1-grid", "sagittal", "half-mm", "oblique-permuted"];

    [Theory]
    [MemberData(nameof(MaskGrids))]
    public void Analyze_BoneMaskOnAnotherGrid_ResampledByNearestLabelWithANote(string grid)
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-mask-" + grid));
        var maskGeometry = grid switch
        {
            "t1-grid" => s.T1Geometry,
            "sagittal" => Sagittal(SyntheticStudy.Grid),
            "half-mm" => new ImageGeometry(80, 80, 40, new Vector3D(0.5, 0.5, 0.5), SyntheticStudy.Grid.Origin - new Vector3D(0.25, 0.25, 0.25)),
            _ => Permuted(SyntheticStudy.Grid),
        };
        var mask = s.WriteLabels("bones-" + grid + ".nii.gz", maskGeometry);

        var (code, stdout, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", mask, "--out", s.Out);

        Assert.True(code == 0, stderr + stdout);
        using var doc = s.Findings();
        Assert.InRange(Total(doc), 0.9 * LesionMm3, 1.1 * LesionMm3);
        Assert.Contains(Notes(doc), n => n.Contains("bone label map", StringComparison.Ordinal) && n.Contains("resampled", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_BoneMaskOutsideTheStir_ExitsAnalysisFailedNamingTheMask()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-mask-outside"));
        var far = SyntheticStudy.Grid.WithOrigin(SyntheticStudy.Grid.Origin + new Vector3D(500, 0, 0));
        var mask = s.WriteLabels("bones-far.nii.gz", far, shiftMm: new Vector3D(500, 0, 0));

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", mask, "--out", s.Out);

        Assert.Equal(16, code);
        Assert.Contains("bones-far.nii.gz", stderr, StringComparison.Ordinal);
        Assert.Contains("does not overlap", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_BoneMaskAllZero_ExitsAnalysisFailedNamingTheMask()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-mask-zero"));
        var path = Path.Combine(s.Folder, "bones-zero.nii.gz");
        NiftiWriter.Write(new Volume<byte>(SyntheticStudy.Grid), path);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", path, "--out", s.Out);

        Assert.Equal(16, code);
        Assert.Contains("bones-zero.nii.gz", stderr, StringComparison.Ordinal);
        Assert.Contains("no positive label", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_BoneMaskOfFloatLabels_ReadAsIntegerLabels()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-mask-float"));
        var labels = SyntheticStudy.Labels(SyntheticStudy.Grid, Vector3D.Zero);
        var floats = new Volume<float>(SyntheticStudy.Grid);
        for (var n = 0; n < floats.Length; n++)
        {
            floats.Data[n] = labels.Data[n];
        }

        var path = Path.Combine(s.Folder, "bones-float.nii.gz");
        NiftiWriter.Write(floats, path);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", path, "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.Equal(2, doc.RootElement.GetProperty("bones").GetArrayLength());
        Assert.InRange(Total(doc), 0.9 * LesionMm3, 1.1 * LesionMm3);
    }

    [Fact]
    public void Analyze_BoneMaskWithSlope_LabelsAreTheScaledValues()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-mask-slope"));
        var labels = SyntheticStudy.Labels(SyntheticStudy.Grid, Vector3D.Zero);
        var stored = new Volume<short>(SyntheticStudy.Grid);
        for (var n = 0; n < stored.Length; n++)
        {
            stored.Data[n] = (short)(labels.Data[n] * 4);
        }

        var path = Path.Combine(s.Folder, "bones-slope.nii");
        NiftiWriter.Write(stored, path);
        RawNifti.Patch(path, b => RawNifti.SetF32(b, 112, 0.25f));

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", path, "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        var names = doc.RootElement.GetProperty("bones").EnumerateArray().Select(b => b.GetProperty("name").GetString()).ToArray();
        Assert.Equal(["label 1", "label 2"], names);
    }

    [Fact]
    public void Analyze_BoneMaskWithNegativeAndHugeLabels_NegativeIgnoredWithANote()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-mask-negative"));
        var labels = SyntheticStudy.Labels(SyntheticStudy.Grid, Vector3D.Zero);
        for (var n = 0; n < labels.Length; n++)
        {
            labels.Data[n] = labels.Data[n] switch { 1 => 1_000_000, 2 => -5, _ => 0 };
        }

        var path = Path.Combine(s.Folder, "bones-negative.nii.gz");
        NiftiWriter.Write(labels, path);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", path, "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.Equal("label 1000000", doc.RootElement.GetProperty("bones")[0].GetProperty("name").GetString());
        Assert.Single(doc.RootElement.GetProperty("bones").EnumerateArray());
        Assert.Contains(Notes(doc), n => n.Contains("negative", StringComparison.Ordinal) && n.Contains("bones-negative.nii.gz", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_BoneMaskWithLabelBeyondInt_ExitsCorruptInputNamingTheMask()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-mask-huge"));
        var floats = new Volume<float>(SyntheticStudy.Grid);
        var labels = SyntheticStudy.Labels(SyntheticStudy.Grid, Vector3D.Zero);
        for (var n = 0; n < floats.Length; n++)
        {
            floats.Data[n] = labels.Data[n] == 0 ? 0 : 3e9f;
        }

        var path = Path.Combine(s.Folder, "bones-huge.nii.gz");
        NiftiWriter.Write(floats, path);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", path, "--out", s.Out);

        Assert.Equal(4, code);
        Assert.Contains("bones-huge.nii.gz", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_BoneMask4D_ExitsCorruptInputNamingTheMaskAndTheVolumes()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-mask-4d"));
        var path = RawNifti.Write4D(Path.Combine(s.Folder, "bones-4d.nii"), SyntheticStudy.Labels(SyntheticStudy.Grid, Vector3D.Zero), 2);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", path, "--out", s.Out);

        Assert.Equal(4, code);
        Assert.Contains("bones-4d.nii", stderr, StringComparison.Ordinal);
        Assert.Contains("2 volumes", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_ReferenceMaskOnAnotherGrid_ResampledAndUsed()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-ref-grid"));
        var geometry = Sagittal(SyntheticStudy.Grid);
        var reference = new Volume<byte>(geometry);
        Paint(reference, p => SyntheticStudy.IsNormalMarrow(p) && p.X < -5 ? (byte)1 : (byte)0);
        var path = Path.Combine(s.Folder, "reference-sag.nii.gz");
        NiftiWriter.Write(reference, path);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", s.Bones, "--reference-mask", path, "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.Equal("given: reference-sag.nii.gz", doc.RootElement.GetProperty("inputs").GetProperty("referenceMask").GetString());
        Assert.Equal("mask", doc.RootElement.GetProperty("reference").GetProperty("source").GetString());
        Assert.InRange(Total(doc), 0.9 * LesionMm3, 1.1 * LesionMm3);
        Assert.Contains(Notes(doc), n => n.Contains("reference mask", StringComparison.Ordinal) && n.Contains("resampled", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("zero")]
    [InlineData("outside")]
    public void Analyze_ReferenceMaskEmptyOnTheBones_ExitsAnalysisFailedNamingTheMask(string how)
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-ref-" + how));
        var reference = new Volume<byte>(how == "zero" ? SyntheticStudy.Grid : SyntheticStudy.Grid.WithOrigin(new Vector3D(400, 400, 400)));
        if (how == "outside")
        {
            reference.Data.AsSpan().Fill(1);
        }

        var path = Path.Combine(s.Folder, "reference-" + how + ".nii.gz");
        NiftiWriter.Write(reference, path);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", s.Bones, "--reference-mask", path, "--out", s.Out);

        Assert.Equal(16, code);
        Assert.Contains("reference-" + how + ".nii.gz", stderr, StringComparison.Ordinal);
    }

    // ---- 2. NIfTI series with odd shapes, voxels and headers ----

    [Fact]
    public void Analyze_Stir4D_ExitsCorruptInputNamingTheFile()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-stir-4d"));
        var path = RawNifti.Write4D(Path.Combine(s.Folder, "stir-4d.nii"), SyntheticStudy.Fluid(SyntheticStudy.Grid), 3);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", path, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.Equal(4, code);
        Assert.Contains("stir-4d.nii", stderr, StringComparison.Ordinal);
        Assert.Contains("3 volumes", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_StirOneSlice_AnalysedAsASlabWithANote()
    {
        var dir = TestPaths.NewOutputFolder("analyze-input-2d");
        var g = new ImageGeometry(40, 40, 1, new Vector3D(1, 1, 3), new Vector3D(-19.5, -19.5, 0));
        var stir = Path.Combine(dir, "stir-2d.nii.gz");
        var t1 = Path.Combine(dir, "t1-2d.nii.gz");
        var bones = Path.Combine(dir, "bones-2d.nii.gz");
        NiftiWriter.Write(SyntheticStudy.Fluid(g), stir);
        NiftiWriter.Write(SyntheticStudy.T1Signal(g), t1);
        NiftiWriter.Write(SyntheticStudy.Labels(g, Vector3D.Zero), bones);
        var outDir = Path.Combine(dir, "out");

        var (code, stdout, stderr) = CliHost.Run("analyze", "--stir", stir, "--t1", t1, "--bone-mask", bones, "--out", outDir);

        Assert.True(code == 0, stderr + stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));

        // The slice cuts the lesion's 10×10 mm section: 100 mm² × 3 mm.
        Assert.InRange(Total(doc), 270, 330);
        Assert.Contains(Notes(doc), n => n.Contains("stir-2d.nii.gz", StringComparison.Ordinal) && n.Contains("single slice", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_StirWithNaNAndInfVoxels_AnalysedWithANote()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-nan"));
        var fluid = SyntheticStudy.Fluid(SyntheticStudy.Grid);
        var rng = new Random(11);
        for (var n = 0; n < 200; n++)
        {
            fluid.Data[rng.Next(fluid.Length)] = n % 3 == 0 ? float.NaN : n % 3 == 1 ? float.PositiveInfinity : float.NegativeInfinity;
        }

        var path = Path.Combine(s.Folder, "stir-nan.nii.gz");
        NiftiWriter.Write(fluid, path);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", path, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.InRange(Total(doc), 0.85 * LesionMm3, 1.1 * LesionMm3);
        Assert.Contains(Notes(doc), n => n.Contains("stir-nan.nii.gz", StringComparison.Ordinal) && n.Contains("not finite", StringComparison.Ordinal));
        Assert.True(double.IsFinite(doc.RootElement.GetProperty("threshold").GetProperty("fluidThreshold").GetDouble()));
    }

    [Theory]
    [InlineData(1, 1300, 1300, 1200, false)]
    [InlineData(1, 1300, 1300, 1200, true)]
    [InlineData(1, 30000, 30000, 30000, false)]
    [InlineData(2, 100000, 100000, 100000, false)]
    [InlineData(2, 60000, 60000, 500, false)]
    public void Analyze_AbsurdHeaderSizeInATinyFile_ExitsCorruptInputBeforeAllocating(int version, long nx, long ny, long nz, bool gzip)
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-absurd"));
        var path = Path.Combine(s.Folder, gzip ? "stir-absurd.nii.gz" : "stir-absurd.nii");
        var bytes = RawNifti.Header(version, [nx, ny, nz], dataType: 16, bitpix: 32, payloadBytes: 4096);
        using (var file = File.Create(path))
        {
            if (gzip)
            {
                using var zip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest);
                zip.Write(bytes);
            }
            else
            {
                file.Write(bytes);
            }
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", path, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.Equal(4, code);
        Assert.Contains("stir-absurd.nii", stderr, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 256L << 20, "hundreds of MB allocated for a 4 KB file");
    }

    [Fact]
    public void Analyze_StirTruncated_ExitsCorruptInputNamingTheFile()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-truncated"));
        var path = Path.Combine(s.Folder, "stir-cut.nii");
        NiftiWriter.Write(SyntheticStudy.Fluid(SyntheticStudy.Grid), path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", path, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.Equal(4, code);
        Assert.Contains("stir-cut.nii", stderr, StringComparison.Ordinal);
        Assert.Contains("truncated", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_StirQformAndSformDisagree_UsesSformWithANote()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-qs"));
        var path = Path.Combine(s.Folder, "stir-qs.nii");
        NiftiWriter.Write(SyntheticStudy.Fluid(SyntheticStudy.Grid), path);

        // The qform moves 7 mm along x; the sform (kept) agrees with the T1 and the mask.
        RawNifti.Patch(path, b => RawNifti.SetF32(b, 268, BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(268)) + 7));

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", path, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.InRange(Total(doc), 0.9 * LesionMm3, 1.1 * LesionMm3);
        Assert.Contains(Notes(doc), n => n.Contains("stir-qs.nii", StringComparison.Ordinal) && n.Contains("qform", StringComparison.Ordinal) && n.Contains("sform", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_StirSformOnly_AnalysedOnTheSform()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-sform"));
        var path = Path.Combine(s.Folder, "stir-sform.nii");
        NiftiWriter.Write(SyntheticStudy.Fluid(SyntheticStudy.Grid), path);
        RawNifti.Patch(path, b => RawNifti.SetI16(b, 252, 0));

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", path, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.InRange(Total(doc), 0.9 * LesionMm3, 1.1 * LesionMm3);
    }

    [Fact]
    public void Analyze_NoOrientationAnywhereSameGrids_AlignedByIndexWithANote()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-noxform"));
        var files = new[] { "stir-raw.nii", "t1-raw.nii", "bones-raw.nii" };
        NiftiWriter.Write(SyntheticStudy.Fluid(SyntheticStudy.Grid), Path.Combine(s.Folder, files[0]));
        NiftiWriter.Write(SyntheticStudy.T1Signal(SyntheticStudy.Grid), Path.Combine(s.Folder, files[1]));
        NiftiWriter.Write(SyntheticStudy.Labels(SyntheticStudy.Grid, Vector3D.Zero), Path.Combine(s.Folder, files[2]));
        foreach (var f in files)
        {
            RawNifti.Patch(Path.Combine(s.Folder, f), b =>
            {
                RawNifti.SetI16(b, 252, 0);
                RawNifti.SetI16(b, 254, 0);
            });
        }

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", Path.Combine(s.Folder, files[0]), "--t1", Path.Combine(s.Folder, files[1]), "--bone-mask", Path.Combine(s.Folder, files[2]), "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.InRange(Total(doc), 0.9 * LesionMm3, 1.1 * LesionMm3);
        Assert.Contains(Notes(doc), n => n.Contains("stir-raw.nii", StringComparison.Ordinal) && n.Contains("no orientation", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_MaskWithoutOrientationOnTheStirSize_TakesTheStirGridWithANote()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-mask-noxform"));
        var path = Path.Combine(s.Folder, "bones-raw.nii");
        NiftiWriter.Write(SyntheticStudy.Labels(SyntheticStudy.Grid, Vector3D.Zero), path);
        RawNifti.Patch(path, b =>
        {
            RawNifti.SetI16(b, 252, 0);
            RawNifti.SetI16(b, 254, 0);
        });

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", path, "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.InRange(Total(doc), 0.9 * LesionMm3, 1.1 * LesionMm3);
        Assert.Contains(Notes(doc), n => n.Contains("bones-raw.nii", StringComparison.Ordinal) && n.Contains("no orientation", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_MaskWithoutOrientationOnAnotherSize_ExitsCorruptInputNamingTheMask()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-mask-noxform-size"));
        var path = Path.Combine(s.Folder, "bones-raw-small.nii");
        NiftiWriter.Write(new Volume<byte>(new ImageGeometry(20, 20, 10)), path);
        RawNifti.Patch(path, b =>
        {
            RawNifti.SetI16(b, 252, 0);
            RawNifti.SetI16(b, 254, 0);
        });

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", path, "--out", s.Out);

        Assert.Equal(4, code);
        Assert.Contains("bones-raw-small.nii", stderr, StringComparison.Ordinal);
        Assert.Contains("no orientation", stderr, StringComparison.Ordinal);
    }

    // ---- 3. T1 against the STIR ----

    [Fact]
    public void Analyze_T1PartialOverlap_AnalysedWithTheUncoveredShareInTheNotes()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-t1-partial"));
        var g = SyntheticStudy.Grid.WithOrigin(SyntheticStudy.Grid.Origin + new Vector3D(0, 0, 8));
        var path = Path.Combine(s.Folder, "t1-partial.nii.gz");
        NiftiWriter.Write(SyntheticStudy.T1Signal(g), path);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", path, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.Contains(Notes(doc), n => n.Contains("T1 does not cover", StringComparison.Ordinal));
        Assert.True(Total(doc) > 0.5 * LesionMm3, "the lesion lies inside the T1's cover");
    }

    [Fact]
    public void Analyze_T1Sagittal_ResampledOntoTheStir()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-t1-sag"));
        var path = Path.Combine(s.Folder, "t1-sag.nii.gz");
        NiftiWriter.Write(SyntheticStudy.T1Signal(Sagittal(SyntheticStudy.Grid)), path);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", path, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.InRange(Total(doc), 0.9 * LesionMm3, 1.1 * LesionMm3);
    }

    [Fact]
    public void Analyze_NoT1_SkippedMeasuresNamedInTheNotes()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-no-t1"));

        var (code, stdout, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.True(code == 0, stderr);
        Assert.Contains("T1: none", stdout, StringComparison.Ordinal);
        using var doc = s.Findings();
        Assert.True(Total(doc) > 0.5 * LesionMm3);
        Assert.Contains(Notes(doc), n => n.Contains("No T1", StringComparison.Ordinal) && n.Contains("T1 ratios", StringComparison.Ordinal));
    }

    // ---- 4. Odd signal ranges ----

    [Fact]
    public void Analyze_StirAllEqual_NoEdemaAndFiniteNumbers()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-flat"));
        var flat = new Volume<float>(SyntheticStudy.Grid);
        flat.Data.AsSpan().Fill(100);
        var path = Path.Combine(s.Folder, "stir-flat.nii.gz");
        NiftiWriter.Write(flat, path);

        var (code, stdout, stderr) = CliHost.Run("analyze", "--stir", path, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.True(code is 0 or 16, stderr + stdout);
        if (code == 0)
        {
            using var doc = s.Findings();
            Assert.Equal(0, Total(doc));
            Assert.DoesNotContain("NaN", File.ReadAllText(Path.Combine(s.Out, "findings.json")), StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("stir-flat.nii.gz", stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Analyze_StirMostlyZero_LesionStillFound()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-masked-export"));
        var fluid = SyntheticStudy.Fluid(SyntheticStudy.Grid);
        var labels = SyntheticStudy.Labels(SyntheticStudy.Grid, Vector3D.Zero);
        for (var n = 0; n < fluid.Length; n++)
        {
            fluid.Data[n] = labels.Data[n] == 0 ? 0 : fluid.Data[n];
        }

        var path = Path.Combine(s.Folder, "stir-masked.nii.gz");
        NiftiWriter.Write(fluid, path);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", path, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.InRange(Total(doc), 0.8 * LesionMm3, 1.2 * LesionMm3);
    }

    [Fact]
    public void Analyze_StirNegativeValues_SameEdemaAsThePositiveSeries()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-negative"));
        var fluid = SyntheticStudy.Fluid(SyntheticStudy.Grid);
        var stored = new Volume<short>(SyntheticStudy.Grid);
        for (var n = 0; n < fluid.Length; n++)
        {
            stored.Data[n] = (short)MathF.Round(fluid.Data[n] * 10);
        }

        // Signed storage with a rescale that maps the values below zero: 0.1 · v − 1000.
        var path = Path.Combine(s.Folder, "stir-signed.nii");
        NiftiWriter.Write(stored, path);
        RawNifti.Patch(path, b =>
        {
            RawNifti.SetF32(b, 112, 0.1f);
            RawNifti.SetF32(b, 116, -1000f);
        });

        var (code, stdout, stderr) = CliHost.Run("analyze", "--stir", path, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);

        Assert.True(code is 0 or 16, stderr + stdout);
        if (code == 0)
        {
            using var doc = s.Findings();
            Assert.InRange(Total(doc), 0.9 * LesionMm3, 1.1 * LesionMm3);
            Assert.Contains(Notes(doc), n => n.Contains("negative", StringComparison.Ordinal));
        }
        else
        {
            Assert.Contains("stir-signed.nii", stderr, StringComparison.Ordinal);
        }
    }

    // ---- 6. Output folders ----

    [Fact]
    public void Analyze_OutIsAFile_ExitsUsageBeforeAnalysing()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-out-file"));
        var file = Path.Combine(s.Folder, "taken.txt");
        File.WriteAllText(file, "keep");

        var (code, stdout, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", s.Bones, "--out", file);

        Assert.Equal(1, code);
        Assert.Contains("taken.txt", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Edema:", stdout, StringComparison.Ordinal);
        Assert.Equal("keep", File.ReadAllText(file));
    }

    [Fact]
    public void Analyze_OutUnderAFile_ExitsWithAMessageNamingIt()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-out-under-file"));
        var file = Path.Combine(s.Folder, "taken.txt");
        File.WriteAllText(file, "keep");

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", s.Bones, "--out", Path.Combine(file, "out"));

        Assert.Equal(1, code);
        Assert.Contains("taken.txt", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_OutReadOnly_ExitsWithAMessageNamingIt()
    {
        if (Environment.UserName == "root" || OperatingSystem.IsWindows())
        {
            Assert.Skip("a read-only folder is writable by root (and Windows ignores the mode): covered by the failed-write test");
            return;
        }

        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-out-readonly"));
        Directory.CreateDirectory(s.Out);
        SetMode(s.Out, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);
            Assert.Equal(1, code);
            Assert.Contains(s.Out, stderr, StringComparison.Ordinal);
        }
        finally
        {
            SetMode(s.Out, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public void Analyze_FailingRunOverAPreviousResult_KeepsThePreviousFindings()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-keep"));
        var (first, _, firstErr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);
        Assert.True(first == 0, firstErr);
        var findings = Path.Combine(s.Out, "findings.json");
        var before = File.ReadAllBytes(findings);
        var empty = Path.Combine(s.Folder, "bones-zero.nii.gz");
        NiftiWriter.Write(new Volume<byte>(SyntheticStudy.Grid), empty);

        var (code, _, _) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", empty, "--out", s.Out);

        Assert.Equal(16, code);
        Assert.Equal(before, File.ReadAllBytes(findings));
    }

    [Fact]
    public void Analyze_WriteFailsHalfway_PreviousResultKeptAndNoTemporaryFilesLeft()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-halfway"));
        var (first, _, firstErr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);
        Assert.True(first == 0, firstErr);
        var findings = Path.Combine(s.Out, "findings.json");
        var before = File.ReadAllBytes(findings);

        // A folder where a mask goes: renaming the new mask over it fails after the analysis.
        File.Delete(Path.Combine(s.Out, "depth-zones.nii.gz"));
        Directory.CreateDirectory(Path.Combine(s.Out, "depth-zones.nii.gz"));
        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", s.Bones, "--min-lesion-mm3", "10", "--out", s.Out);

        Assert.NotEqual(0, code);
        Assert.Contains("depth-zones.nii.gz", stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(findings));
        Assert.Empty(Directory.GetFileSystemEntries(s.Out, ".*"));
    }

    [Fact]
    public void Analyze_SucceedingRunOverAPreviousResult_ReplacesEveryFile()
    {
        var s = SyntheticStudy.Write(TestPaths.NewOutputFolder("analyze-input-replace"));
        var (first, _, firstErr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", s.Bones, "--out", s.Out);
        Assert.True(first == 0, firstErr);

        var (code, _, stderr) = CliHost.Run("analyze", "--stir", s.Stir, "--t1", s.T1, "--bone-mask", s.Bones, "--min-lesion-mm3", "12.5", "--out", s.Out);

        Assert.True(code == 0, stderr);
        using var doc = s.Findings();
        Assert.Equal(12.5, doc.RootElement.GetProperty("options").GetProperty("minimumLesionVolumeMm3").GetDouble());
        Assert.Empty(Directory.GetFileSystemEntries(s.Out, ".*"));
        Assert.Equal(5, Directory.GetFiles(s.Out).Length);
    }

    // ---- helpers ----

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static double Total(JsonDocument doc) => doc.RootElement.GetProperty("total").GetProperty("edemaVolumeMm3").GetDouble();

    private static string[] Notes(JsonDocument doc) => [.. doc.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!)];

    /// <summary>The same box of voxels with its axes stored sagittally: i along −y (anterior-posterior), j along −z, k along x.</summary>
    private static ImageGeometry Sagittal(ImageGeometry g)
    {
        var direction = Matrix3D.FromColumns(new Vector3D(0, 1, 0), new Vector3D(0, 0, -1), new Vector3D(1, 0, 0));
        var size = new Vector3D(g.SizeX, g.SizeY, g.SizeZ);
        var first = g.TransformIndexToPhysicalPoint(0, 0, g.SizeZ - 1);
        return new ImageGeometry((int)size.Y, (int)size.Z, (int)size.X, new Vector3D(g.Spacing.Y, g.Spacing.Z, g.Spacing.X), first, direction);
    }

    /// <summary>A left-handed permutation with 0.8 mm voxels: i along z, j along −x, k along y.</summary>
    private static ImageGeometry Permuted(ImageGeometry g)
    {
        var direction = Matrix3D.FromColumns(new Vector3D(0, 0, 1), new Vector3D(-1, 0, 0), new Vector3D(0, 1, 0));
        var first = g.TransformIndexToPhysicalPoint(-0.5, -0.5, -0.5);
        var corner = new Vector3D(g.TransformIndexToPhysicalPoint(g.SizeX - 0.5, 0, 0).X - 0.4, first.Y + 0.4, first.Z + 0.4);
        return new ImageGeometry(25, 50, 50, new Vector3D(0.8, 0.8, 0.8), corner, direction);
    }

    internal static void Paint<T>(Volume<T> volume, Func<Vector3D, T> value)
        where T : unmanaged
    {
        var g = volume.Geometry;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    volume[i, j, k] = value(g.TransformIndexToPhysicalPoint(i, j, k));
                }
            }
        }
    }

    /// <summary>
    /// A 40×40×20 study on 1 mm voxels centred on the origin: a marrow box (two bones split at x = 0) with a
    /// 10×10×6 mm lesion, soft tissue around it; STIR, T1 (on a coarser grid) and the bone labels as NIfTI.
    /// </summary>
    internal sealed record SyntheticStudy(string Folder, string Stir, string T1, string Bones, ImageGeometry T1Geometry)
    {
        public static ImageGeometry Grid { get; } = new(40, 40, 20, new Vector3D(1, 1, 1), new Vector3D(-19.5, -19.5, -9.5));

        public string Out => Path.Combine(Folder, "out");

        public static SyntheticStudy Write(string folder)
        {
            var t1Geometry = new ImageGeometry(28, 28, 14, new Vector3D(1.5, 1.5, 1.5), new Vector3D(-20.25, -20.25, -9.75));
            var s = new SyntheticStudy(folder, Path.Combine(folder, "stir.nii.gz"), Path.Combine(folder, "t1.nii.gz"), Path.Combine(folder, "bones.nii.gz"), t1Geometry);
            NiftiWriter.Write(Fluid(Grid), s.Stir);
            NiftiWriter.Write(T1Signal(t1Geometry), s.T1);
            NiftiWriter.Write(Labels(Grid, Vector3D.Zero), s.Bones);
            return s;
        }

        public JsonDocument Findings() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, "findings.json")));

        public string WriteLabels(string name, ImageGeometry geometry, Vector3D shiftMm = default)
        {
            var path = Path.Combine(Folder, name);
            NiftiWriter.Write(Labels(geometry, shiftMm), path);
            return path;
        }

        public static bool IsBone(Vector3D p) => Math.Abs(p.X) < 16 && Math.Abs(p.Y) < 16 && Math.Abs(p.Z) < 8;

        public static bool IsLesion(Vector3D p) => p.X is > 3 and < 13 && p.Y is > -5 and < 5 && p.Z is > -3 and < 3;

        public static bool IsNormalMarrow(Vector3D p) => IsBone(p) && !IsLesion(p);

        public static Volume<int> Labels(ImageGeometry g, Vector3D shiftMm)
        {
            var v = new Volume<int>(g);
            Paint(v, p =>
            {
                var q = p - shiftMm;
                return IsBone(q) ? (q.X < 0 ? 1 : 2) : 0;
            });
            return v;
        }

        public static Volume<float> Fluid(ImageGeometry g)
        {
            var v = new Volume<float>(g);
            var rng = new Random(3);
            Paint(v, p => (IsLesion(p) ? 300f : IsBone(p) ? 100f : 150f) + (float)((rng.NextDouble() * 20) - 10));
            return v;
        }

        public static Volume<float> T1Signal(ImageGeometry g)
        {
            var v = new Volume<float>(g);
            var rng = new Random(5);
            Paint(v, p => (IsLesion(p) ? 500f : IsBone(p) ? 1000f : 400f) + (float)((rng.NextDouble() * 20) - 10));
            return v;
        }
    }

    /// <summary>Hand-built and patched NIfTI bytes (fields at their NIfTI-1 offsets).</summary>
    internal static class RawNifti
    {
        public static void Patch(string path, Action<byte[]> edit)
        {
            var bytes = File.ReadAllBytes(path);
            edit(bytes);
            File.WriteAllBytes(path, bytes);
        }

        public static void SetI16(byte[] b, int offset, short value) => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(offset), value);

        public static void SetF32(byte[] b, int offset, float value) => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(offset), value);

        /// <summary>Writes <paramref name="volumes"/> copies of <paramref name="volume"/> as one 4-D NIfTI-1 file.</summary>
        public static string Write4D<T>(string path, Volume<T> volume, int volumes)
            where T : unmanaged
        {
            var g = volume.Geometry;
            var stacked = new Volume<T>(g.WithSize(g.SizeX, g.SizeY, g.SizeZ * volumes));
            for (var v = 0; v < volumes; v++)
            {
                volume.Data.CopyTo(stacked.Data, v * volume.Length);
            }

            NiftiWriter.Write(stacked, path);
            Patch(path, b =>
            {
                SetI16(b, 40, 4);
                SetI16(b, 46, (short)g.SizeZ);
                SetI16(b, 48, (short)volumes);
            });
            return path;
        }

        /// <summary>A NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header with the given dims, scale-only geometry, and <paramref name="payloadBytes"/> zero bytes after it.</summary>
        public static byte[] Header(int version, long[] dims, short dataType, short bitpix, int payloadBytes)
        {
            var headerSize = version == 1 ? 352 : 544;
            var b = new byte[headerSize + payloadBytes];
            var s = b.AsSpan();
            if (version == 1)
            {
                BinaryPrimitives.WriteInt32LittleEndian(s, 348);
                BinaryPrimitives.WriteInt16LittleEndian(s[40..], (short)dims.Length);
                for (var n = 0; n < dims.Length; n++)
                {
                    BinaryPrimitives.WriteInt16LittleEndian(s[(42 + (2 * n))..], (short)Math.Min(dims[n], short.MaxValue));
                }

                BinaryPrimitives.WriteInt16LittleEndian(s[70..], dataType);
                BinaryPrimitives.WriteInt16LittleEndian(s[72..], bitpix);
                for (var n = 1; n <= 3; n++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(s[(76 + (4 * n))..], 1f);
                }

                BinaryPrimitives.WriteSingleLittleEndian(s[108..], 352f);
                "n+1\0"u8.CopyTo(s[344..]);
            }
            else
            {
                BinaryPrimitives.WriteInt32LittleEndian(s, 540);
                "n+2\0\r\n\u001a\n"u8.CopyTo(s[4..]);
                BinaryPrimitives.WriteInt16LittleEndian(s[12..], dataType);
                BinaryPrimitives.WriteInt16LittleEndian(s[14..], bitpix);
                BinaryPrimitives.WriteInt64LittleEndian(s[16..], dims.Length);
                for (var n = 0; n < dims.Length; n++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(s[(24 + (8 * n))..], dims[n]);
                }

                for (var n = 1; n <= 3; n++)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(s[(104 + (8 * n))..], 1.0);
                }

                BinaryPrimitives.WriteInt64LittleEndian(s[168..], 544);
            }

            return b;
        }
    }
}
