using BmeQuant.Imaging;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;

namespace BmeQuant.Benchmarks.Analysis;

/// <summary>
/// The issue-6 benchmark study, generated once (seeded) under $TMPDIR/bmequant-bench-analysis: a knee phantom with a
/// subchondral femoral lesion, T1 coronal 512×512×24 and STIR sagittal 320×320×30, exported as a DICOM study folder
/// with the phantom's bone labels on the STIR grid in <c>truth/</c>. benchmarks/scripts/analyze_process.sh runs the
/// whole <c>bmequant analyze</c> process on the same folder.
/// </summary>
public static class AnalysisBenchmarkData
{
    /// <summary>Root of the generated data.</summary>
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), "bmequant-bench-analysis");

    /// <summary>The spec: T1 coronal 512×512×24 (0.35 mm, 3.3 mm slices), STIR sagittal 320×320×30 (0.5 mm, 3.3 mm slices).</summary>
    public static PhantomSpec Spec()
    {
        AcquisitionSpec[] acquisitions =
        [
            new(PhantomSequence.T1SpinEcho, SliceOrientation.Coronal) { Columns = 512, Rows = 512, PixelSpacingMm = 0.35, SliceThicknessMm = 3, SliceGapMm = 0.3, Slices = 24 },
            new(PhantomSequence.Stir, SliceOrientation.Sagittal) { Columns = 320, Rows = 320, PixelSpacingMm = 0.5, SliceThicknessMm = 3, SliceGapMm = 0.3, Slices = 30, CenterOffsetMm = new Vector3D(2, 0, 0) },
        ];
        var lesion = PhantomPresets.DefaultLesion(PhantomAnatomy.Knee, LesionPattern.Subchondral);
        return new PhantomSpec(PhantomAnatomy.Knee, acquisitions, [new VisitSpec(0, [lesion])]) { Seed = 2026 };
    }

    /// <summary>Generates the study folder unless present; returns it and the STIR bone label map.</summary>
    public static (string StudyFolder, string StirBoneLabels) Ensure()
    {
        var marker = Path.Combine(Root, ".complete");
        var spec = Spec();
        if (!File.Exists(marker))
        {
            if (Directory.Exists(Root))
            {
                Directory.Delete(Root, recursive: true);
            }

            var study = PhantomGenerator.Generate(spec);
            PhantomDicomExporter.Write(study, Root);
            File.WriteAllText(marker, "ok");
        }

        var folder = Directory.GetDirectories(Root, "visit-*").Single();
        var labels = Directory.GetFiles(Path.Combine(folder, "truth"), "*stir*_bone_labels.nii.gz").Single();
        return (folder, labels);
    }
}
