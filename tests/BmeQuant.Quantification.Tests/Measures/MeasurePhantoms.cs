using System.Collections.Concurrent;
using BmeQuant.Imaging;
using BmeQuant.Phantoms;

namespace BmeQuant.Quantification.Tests.Measures;

/// <summary>
/// Small phantoms for the band and SPARCC tests: T1 + STIR with a cropped field of view around the lesions, coarse
/// truth integration (the truth volumes are not used here), fixed seeds, analysed with the phantom's own bone
/// labels. Cached per spec so a theory's cases share one generation.
/// </summary>
internal static class MeasurePhantoms
{
    private static readonly ConcurrentDictionary<string, Lazy<EdemaFindings>> s_cache = new();

    public static EdemaFindings Analyze(string key, Func<PhantomSpec> spec, Anatomy anatomy) =>
        s_cache.GetOrAdd(key, _ => new Lazy<EdemaFindings>(() => Run(spec(), anatomy))).Value;

    public static EdemaFindings Run(PhantomSpec spec, Anatomy anatomy)
    {
        var study = PhantomGenerator.Generate(spec);
        var visit = study.Visits[0];
        var t1 = visit.Series[0];
        var fluid = visit.Series[1];
        var labels = new Volume<int>(fluid.Geometry);
        for (var i = 0; i < labels.Length; i++)
        {
            labels.Data[i] = fluid.BoneLabels.Data[i];
        }

        var names = study.BoneNames.Select((n, i) => (n, i)).ToDictionary(p => p.i + 1, p => p.n);
        var input = new StudyInput(fluid.Image, t1.Image) { BoneLabels = labels, LabelNames = names, Anatomy = anatomy };
        return EdemaAnalyzer.Analyze(input, AnalysisOptions.Default with { RegisterSeries = false });
    }

    /// <summary>A knee (sagittal T1 + STIR, 128 × 128 pixels) centred on the medial compartment.</summary>
    public static PhantomSpec Knee(int seed, params LesionSpec[] lesions) =>
        new(PhantomAnatomy.Knee,
            [
                new AcquisitionSpec(PhantomSequence.T1SpinEcho, SliceOrientation.Sagittal) { Columns = 128, Rows = 128, PixelSpacingMm = 0.625, SliceThicknessMm = 3, SliceGapMm = 0.3, Slices = 14, CenterOffsetMm = new Vector3D(-21, 5, 0) },
                new AcquisitionSpec(PhantomSequence.Stir, SliceOrientation.Sagittal) { Columns = 128, Rows = 128, PixelSpacingMm = 0.65, SliceThicknessMm = 3.5, SliceGapMm = 0.35, Slices = 12, CenterOffsetMm = new Vector3D(-21, 5, 0) },
            ],
            [new VisitSpec(0, lesions)])
        {
            Seed = seed,
            Supersampling = 2,
            TruthStepMm = 2,
            MotionMm = 0,
        };

    /// <summary>A hip (coronal T1 + STIR, 128 × 128 pixels) centred on the femoral head.</summary>
    public static PhantomSpec Hip(int seed, params LesionSpec[] lesions) =>
        new(PhantomAnatomy.Hip,
            [
                new AcquisitionSpec(PhantomSequence.T1SpinEcho, SliceOrientation.Coronal) { Columns = 128, Rows = 128, PixelSpacingMm = 0.7, SliceThicknessMm = 4, SliceGapMm = 0.4, Slices = 14, CenterOffsetMm = new Vector3D(5, 0, -5) },
                new AcquisitionSpec(PhantomSequence.Stir, SliceOrientation.Coronal) { Columns = 128, Rows = 128, PixelSpacingMm = 0.75, SliceThicknessMm = 4, SliceGapMm = 0.5, Slices = 12, CenterOffsetMm = new Vector3D(5, 0, -5) },
            ],
            [new VisitSpec(0, lesions)])
        {
            Seed = seed,
            Supersampling = 2,
            TruthStepMm = 2,
            MotionMm = 0,
        };

    /// <summary>Both sacroiliac joints on semi-coronal slices (T1 + STIR, 240 × 112 pixels, 10 slices).</summary>
    public static PhantomSpec Sacroiliac(int seed, params LesionSpec[] lesions) =>
        new(PhantomAnatomy.Sacroiliac,
            [
                new AcquisitionSpec(PhantomSequence.T1SpinEcho, SliceOrientation.Oblique) { Columns = 240, Rows = 112, PixelSpacingMm = 0.85, SliceThicknessMm = 4, SliceGapMm = 0.5, Slices = 10, ObliqueAnglesDeg = new Vector3D(-25, 0, 0), CenterOffsetMm = new Vector3D(0, 15, 25) },
                new AcquisitionSpec(PhantomSequence.Stir, SliceOrientation.Oblique) { Columns = 240, Rows = 112, PixelSpacingMm = 0.85, SliceThicknessMm = 4, SliceGapMm = 0.5, Slices = 10, ObliqueAnglesDeg = new Vector3D(-25, 0, 0), CenterOffsetMm = new Vector3D(0, 15, 25) },
            ],
            [new VisitSpec(0, lesions)])
        {
            Seed = seed,
            Supersampling = 2,
            TruthStepMm = 2,
            MotionMm = 0,
        };
}
