using System.Text.Json;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

/// <summary><c>bmequant analyze</c> on DICOM study folders (a small knee phantom exported as DICOM) and on the real SIJ NIfTI files.</summary>
public class AnalyzeStudyFolderTests
{
    private static readonly Lazy<(string Folder, string StirLabels, string StirUid)> s_study = new(() =>
    {
        var acquisitions = PhantomPresets.DefaultAcquisitions(PhantomAnatomy.Knee)
            .Select(a => a with { Columns = 96, Rows = 96, PixelSpacingMm = a.PixelSpacingMm * 8 / 3 })
            .ToArray();
        var spec = new PhantomSpec(PhantomAnatomy.Knee, acquisitions, [new VisitSpec(0, [PhantomPresets.DefaultLesion(PhantomAnatomy.Knee, LesionPattern.Subchondral)])]) { Seed = 21 };
        var study = PhantomGenerator.Generate(spec);
        var options = new PhantomExportOptions();
        var folder = PhantomDicomExporter.Write(study, TestPaths.NewOutputFolder("analyze-cli-dicom"), options).Single();
        var stir = study.Visits[0].Series.Single(s => s.Sequence.Sequence == PhantomSequence.Stir);
        var name = PhantomDicomExporter.SeriesFolderName(stir, options.Vendor);
        using var truth = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "truth.json")));
        var uid = truth.RootElement.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("folder").GetString() == name).GetProperty("seriesInstanceUid").GetString()!;
        return (folder, Path.Combine(folder, "truth", name + "_bone_labels.nii.gz"), uid);
    });

    [Fact]
    public void Analyze_DicomStudyFolder_PicksRolesAndWritesFindings()
    {
        var (folder, labels, stirUid) = s_study.Value;
        var outDir = Path.Combine(TestPaths.NewOutputFolder("analyze-cli-dicom-out"), "out");

        var (code, stdout, stderr) = CliHost.Run("analyze", folder, "--bone-mask", labels, "--out", outDir);

        Assert.True(code == 0, stderr);
        Assert.Contains("Fluid-sensitive: 'stir_tse_sag' (Dicom, Stir", stdout, StringComparison.Ordinal);
        Assert.Contains("T1: 't1_tse_sag' (Dicom, T1", stdout, StringComparison.Ordinal);
        Assert.Contains("Anatomy: Knee (BodyPartExamined", stdout, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        var inputs = doc.RootElement.GetProperty("inputs");
        Assert.Equal(stirUid, inputs.GetProperty("fluidSensitive").GetProperty("seriesInstanceUid").GetString());
        Assert.Equal("knee", inputs.GetProperty("anatomy").GetString());
        Assert.True(doc.RootElement.GetProperty("total").GetProperty("edemaVolumeMm3").GetDouble() > 0, "no edema measured in a phantom with a lesion");
    }

    [Fact]
    public void Analyze_DicomStudyFolderWithTruncatedStirFile_ExitsCorruptInputNamingTheFile()
    {
        var (source, _, _) = s_study.Value;
        var folder = TestPaths.NewOutputFolder("analyze-cli-truncated");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(folder, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        var stirFiles = Directory.GetFiles(Directory.GetDirectories(folder, "*stir*").Single()).Order(StringComparer.Ordinal).ToArray();
        var victim = stirFiles[stirFiles.Length / 2];
        var bytes = File.ReadAllBytes(victim);
        File.WriteAllBytes(victim, bytes[..(bytes.Length / 2)]);

        var (code, _, stderr) = CliHost.Run("analyze", folder, "--out", Path.Combine(folder, "out"));

        Assert.Equal(4, code);
        Assert.Contains(Path.GetFileName(victim), stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_RealSijNiftiWithMasks_WritesFindings()
    {
        var root = TestPaths.DataFolder("BMEQUANT_REAL_SIJ", "real-sij");
        var subject = Directory.Exists(root) ? Directory.GetDirectories(root).Order(StringComparer.Ordinal).FirstOrDefault(d => File.Exists(Path.Combine(d, "stir.nii.gz"))) : null;
        if (subject is null)
        {
            Assert.Skip($"Real SIJ data not found at {root} (set BMEQUANT_REAL_SIJ).");
        }

        var outDir = Path.Combine(TestPaths.NewOutputFolder("analyze-cli-real-sij"), "out");
        var (code, stdout, stderr) = CliHost.Run(
            "analyze",
            "--stir", Path.Combine(subject, "stir.nii.gz"),
            "--t1", Path.Combine(subject, "t1.nii.gz"),
            "--bone-mask", Path.Combine(subject, "region.nii.gz"),
            "--reference-mask", Path.Combine(subject, "reference.nii.gz"),
            "--anatomy", "sij",
            "--out", outDir);

        Assert.True(code == 0, stderr);
        Assert.Contains("Anatomy: SacroiliacJoint (given)", stdout, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        Assert.Equal("mask", doc.RootElement.GetProperty("reference").GetProperty("source").GetString());
        Assert.True(File.Exists(Path.Combine(outDir, "edema.nii.gz")));
    }
}
