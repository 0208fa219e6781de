using System.Text.Json;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

/// <summary>
/// <c>bmequant analyze STUDY_FOLDER</c> on folders as PACS exports hold them (issue 6): two candidate fluid-sensitive
/// series, no T1, two studies. A small knee phantom (64×64 images, two visits) exported as DICOM.
/// </summary>
public class AnalyzeStudyChoiceTests
{
    private static readonly Lazy<Export> s_export = new(() =>
    {
        AcquisitionSpec Small(PhantomSequence sequence, SliceOrientation orientation, int slices) =>
            new(sequence, orientation) { Columns = 64, Rows = 64, PixelSpacingMm = 2.4, SliceThicknessMm = 4, SliceGapMm = 0, Slices = slices };
        var acquisitions = new[]
        {
            Small(PhantomSequence.T1SpinEcho, SliceOrientation.Sagittal, 14),
            Small(PhantomSequence.Stir, SliceOrientation.Sagittal, 14),
            Small(PhantomSequence.Stir, SliceOrientation.Coronal, 10),
        };
        var lesion = PhantomPresets.DefaultLesion(PhantomAnatomy.Knee, LesionPattern.Subchondral);
        var spec = new PhantomSpec(PhantomAnatomy.Knee, acquisitions, [new VisitSpec(0, [lesion]), new VisitSpec(42, [lesion])]) { Seed = 7 };
        var study = PhantomGenerator.Generate(spec);
        var root = TestPaths.NewOutputFolder("analyze-choice");
        var options = new PhantomExportOptions();
        var visits = PhantomDicomExporter.Write(study, root, options);
        var stirSag = study.Visits[0].Series.First(s => s.Sequence.Sequence == PhantomSequence.Stir && s.Acquisition.Orientation == SliceOrientation.Sagittal);
        var t1 = study.Visits[0].Series.First(s => s.Sequence.Sequence == PhantomSequence.T1SpinEcho);
        var uids = visits.Select(v =>
        {
            using var truth = JsonDocument.Parse(File.ReadAllText(Path.Combine(v, "truth.json")));
            return truth.RootElement.GetProperty("studyInstanceUid").GetString()!;
        }).ToArray();
        return new Export(
            root,
            visits[0],
            Path.Combine(visits[0], "truth", PhantomDicomExporter.SeriesFolderName(stirSag, options.Vendor) + "_bone_labels.nii.gz"),
            PhantomDicomExporter.SeriesFolderName(t1, options.Vendor),
            uids);
    });

    [Fact]
    public void Analyze_TwoFluidSensitiveSeries_ChoiceAndReasonPrintedAndInTheFindings()
    {
        var e = s_export.Value;
        var outDir = Path.Combine(TestPaths.NewOutputFolder("analyze-choice-two"), "out");

        var (code, stdout, stderr) = CliHost.Run("analyze", e.Visit, "--bone-mask", e.StirLabels, "--out", outDir);

        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("Fluid-sensitive: 'stir_tse_sag'", stdout, StringComparison.Ordinal);
        var printed = stdout.Split('\n').Single(l => l.StartsWith("Note: 2 fluid-sensitive series found", StringComparison.Ordinal));
        Assert.Contains("chose #", printed, StringComparison.Ordinal);
        Assert.Contains("'stir_tse_sag'", printed[..printed.IndexOf(" over ", StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.Contains("'stir_tse_cor'", printed[printed.IndexOf(" over ", StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.Contains("preference:", printed, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        Assert.Contains(doc.RootElement.GetProperty("notes").EnumerateArray(), n => "Note: " + n.GetString() == printed.TrimEnd('\r'));
    }

    [Fact]
    public void Analyze_FolderWithoutT1_WithBoneMaskAnalysedAndSaysSo_WithoutItNeedsBoneMask()
    {
        var e = s_export.Value;
        var folder = TestPaths.NewOutputFolder("analyze-choice-no-t1");
        foreach (var file in Directory.EnumerateFiles(e.Visit, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(e.Visit, file);
            if (relative.StartsWith(e.T1Folder, StringComparison.Ordinal))
            {
                continue;
            }

            var destination = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        var outDir = Path.Combine(folder, "out");
        var (code, stdout, stderr) = CliHost.Run("analyze", folder, "--bone-mask", e.StirLabels, "--out", outDir);

        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("T1: none", stdout, StringComparison.Ordinal);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json"))))
        {
            Assert.Contains(doc.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("No T1-weighted series in the study", StringComparison.Ordinal));
            Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("inputs").GetProperty("t1").ValueKind);
        }

        var (noMask, _, noMaskErr) = CliHost.Run("analyze", folder, "--out", Path.Combine(folder, "out2"));
        Assert.Equal(16, noMask);
        Assert.Contains("--bone-mask", noMaskErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder, "out2")));
    }

    [Fact]
    public void Analyze_FolderWithTwoStudies_NeedsStudyUidAndListsThem()
    {
        var e = s_export.Value;
        var outDir = Path.Combine(TestPaths.NewOutputFolder("analyze-choice-studies"), "out");

        var (code, _, stderr) = CliHost.Run("analyze", e.Root, "--bone-mask", e.StirLabels, "--out", outDir);

        Assert.Equal(2, code);
        Assert.Contains("--study-uid", stderr, StringComparison.Ordinal);
        Assert.All(e.StudyUids, uid => Assert.Contains(uid, stderr, StringComparison.Ordinal));
        Assert.False(Directory.Exists(outDir));

        var (chosen, stdout, chosenErr) = CliHost.Run("analyze", e.Root, "--study-uid", e.StudyUids[1], "--bone-mask", e.StirLabels, "--out", outDir);
        Assert.True(chosen == 0, chosenErr + stdout);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "findings.json")));
        Assert.Contains(doc.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("opened StudyInstanceUID " + e.StudyUids[1], StringComparison.Ordinal));
    }

    private sealed record Export(string Root, string Visit, string StirLabels, string T1Folder, string[] StudyUids);
}
