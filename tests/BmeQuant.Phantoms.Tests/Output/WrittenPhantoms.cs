using System.Collections.Concurrent;
using BmeQuant.Imaging;
using BmeQuant.Phantoms.Output;
using BmeQuant.Testing;

namespace BmeQuant.Phantoms.Tests.Output;

/// <summary>Small phantom studies generated and written once per vendor (shared by the exporter and interop tests).</summary>
internal static class WrittenPhantoms
{
    private static readonly ConcurrentDictionary<(PhantomVendor, PhantomSequence, bool), Lazy<(PhantomStudy Study, string Folder)>> s_cache = new();

    /// <summary>
    /// A knee with one subchondral lesion at two visits (day 0 and 30, repositioned), T1 sagittal and a fluid-sensitive
    /// series on a different, coarse, non-square grid (48 columns × 40 rows; a row/column mix-up would show).
    /// </summary>
    public static PhantomSpec SmallKnee(PhantomSequence fluid = PhantomSequence.Stir, int seed = 7)
    {
        var lesion = new LesionSpec("mfc", LesionPattern.Subchondral, "Femur") { SizeMm = 14, DepthMm = 10 };
        var acquisitions = PhantomPresets.DefaultAcquisitions(PhantomAnatomy.Knee, fluid)
            .Select(a => a with { Columns = 48, Rows = 40, Slices = 6, PixelSpacingMm = a.PixelSpacingMm * 4 })
            .ToArray();
        return new PhantomSpec(PhantomAnatomy.Knee, acquisitions, [
            new VisitSpec(0, [lesion]),
            new VisitSpec(30, [lesion.Scaled(1.1, 1)]) { Repositioning = new RigidPose(new Vector3D(1, 0, 2), new Vector3D(2, -1, 3)) },
        ])
        { Seed = seed, TruthStepMm = 0.8 };
    }

    /// <summary>A header-only knee: 8 × 8 × 2 voxels, no supersampling, coarse truth (for tests of headers, not pixels).</summary>
    public static PhantomSpec TinyKnee(PhantomSequence fluid = PhantomSequence.Stir)
    {
        var spec = SmallKnee(fluid);
        return spec with
        {
            Acquisitions = spec.Acquisitions.Select(a => a with { Columns = 8, Rows = 8, Slices = 2 }).ToArray(),
            Visits = [spec.Visits[0]],
            Supersampling = 1,
            TruthStepMm = 2,
        };
    }

    /// <summary>The small (or tiny) knee of <paramref name="vendor"/> with <paramref name="fluid"/>, generated and written once.</summary>
    public static (PhantomStudy Study, string Folder) Get(PhantomVendor vendor, PhantomSequence fluid = PhantomSequence.Stir, bool tiny = false) =>
        s_cache.GetOrAdd((vendor, fluid, tiny), key => new Lazy<(PhantomStudy, string)>(() =>
        {
            var study = PhantomGenerator.Generate(key.Item3 ? TinyKnee(key.Item2) : SmallKnee(key.Item2));
            var folder = TestPaths.NewOutputFolder($"phantom-{key.Item1}-{key.Item2}");
            PhantomDicomExporter.Write(study, folder, new PhantomExportOptions { Vendor = key.Item1 });
            return (study, folder);
        })).Value;
}
