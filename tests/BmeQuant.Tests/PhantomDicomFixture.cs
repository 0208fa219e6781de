using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;
using BmeQuant.Testing;

namespace BmeQuant.Tests;

/// <summary>
/// A small knee phantom (one visit, diffuse femoral lesion; T1 and STIR sagittal on different grids, 128×128 at about
/// 1.3 mm) generated once and exported as a DICOM study folder with the phantom's own writer.
/// </summary>
public sealed class PhantomDicomFixture
{
    public PhantomDicomFixture()
    {
        var acquisitions = PhantomPresets.DefaultAcquisitions(PhantomAnatomy.Knee)
            .Select(a => a with { Columns = 128, Rows = 128, PixelSpacingMm = a.PixelSpacingMm * 2 })
            .ToArray();
        var lesion = PhantomPresets.DefaultLesion(PhantomAnatomy.Knee, LesionPattern.Diffuse);
        Spec = new PhantomSpec(PhantomAnatomy.Knee, acquisitions, [new VisitSpec(0, [lesion])]) { Seed = 11 };
        Study = PhantomGenerator.Generate(Spec);
        Root = TestPaths.NewOutputFolder("facade-phantom");
        Options = new PhantomExportOptions { BaselineDate = new DateOnly(2026, 3, 2) };
        StudyFolder = PhantomDicomExporter.Write(Study, Root, Options).Single();
        var visit = Study.Visits[0];
        Stir = visit.Series.Single(s => s.Sequence.Sequence == PhantomSequence.Stir);
        T1 = visit.Series.Single(s => s.Sequence.Sequence == PhantomSequence.T1SpinEcho);
        StirFolder = Path.Combine(StudyFolder, PhantomDicomExporter.SeriesFolderName(Stir, Options.Vendor));
        T1Folder = Path.Combine(StudyFolder, PhantomDicomExporter.SeriesFolderName(T1, Options.Vendor));
        StirBoneLabels = Path.Combine(StudyFolder, "truth", PhantomDicomExporter.SeriesFolderName(Stir, Options.Vendor) + "_bone_labels.nii.gz");
    }

    public PhantomSpec Spec { get; }

    public PhantomStudy Study { get; }

    public PhantomExportOptions Options { get; }

    public string Root { get; }

    /// <summary>The visit's DICOM study folder (series sub-folders, truth/ NIfTI maps and truth.json beside them).</summary>
    public string StudyFolder { get; }

    public PhantomSeries Stir { get; }

    public PhantomSeries T1 { get; }

    public string StirFolder { get; }

    public string T1Folder { get; }

    /// <summary>The phantom's bone label map on the STIR grid (NIfTI).</summary>
    public string StirBoneLabels { get; }

    /// <summary>A writable copy of the study folder (for tests that delete or damage files).</summary>
    public string CopyStudy(string name)
    {
        var target = TestPaths.NewOutputFolder(name);
        foreach (var file in Directory.EnumerateFiles(StudyFolder, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(StudyFolder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}
