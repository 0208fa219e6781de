using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Imaging.Registration;
using BmeQuant.Quantification.Internal.Pipeline;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// Brings the T1 series onto the fluid-sensitive grid through patient geometry, then (when
/// <see cref="AnalysisOptions.RegisterSeries"/>) refines it by rigid mutual-information registration on a bone-region
/// crop and keeps the refinement only when it clearly improves the match (<see cref="T1Registration"/>).
/// </summary>
internal static class SeriesAlignment
{
    public static (Volume<float>? T1, AlignmentReport Report) Align(Volume<float> fluid, Volume<float>? t1, AnalysisOptions options, List<string> notes, Volume<int>? boneLabels = null)
    {
        if (t1 is null)
        {
            return (null, new AlignmentReport("none", null, null, "No T1 series: T1 support, the fat veto and T1 ratios are skipped."));
        }

        if (t1.Geometry.IsSameGrid(fluid.Geometry))
        {
            return (t1, new AlignmentReport("same-grid", null, null, "T1 and fluid-sensitive series share one grid; used as is."));
        }

        var overlap = OverlapFraction(fluid.Geometry, t1.Geometry);
        if (overlap < 0.05)
        {
            throw new QuantificationException(string.Create(CultureInfo.InvariantCulture, $"The T1 series ({t1.Geometry}) covers {overlap:P1} of the fluid-sensitive series ({fluid.Geometry}) in patient space; expected them to image the same joint."));
        }

        T1RegistrationOutcome? refinement;
        using (AnalysisStage.Start("register"))
        {
            refinement = options.RegisterSeries ? T1Registration.Refine(fluid, t1, boneLabels, options, notes) : null;
        }

        Volume<float> resampled;
        using (AnalysisStage.Start("resample T1"))
        {
            resampled = refinement is { Applied: true } r
                ? RigidRegistration.ResampleMoving(t1, fluid.Geometry, r.Transform, float.NaN)
                : Resampler.Resample(t1, fluid.Geometry, Interpolation.Linear, float.NaN);
        }

        var nan = 0L;
        foreach (var v in resampled.Data)
        {
            nan += float.IsNaN(v) ? 1 : 0;
        }

        if (nan > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"T1 does not cover {100.0 * nan / resampled.Length:F1} % of the fluid-sensitive grid; T1 support is absent there."));
        }

        var geometryText = string.Create(CultureInfo.InvariantCulture, $"T1 resampled (trilinear) onto the fluid-sensitive grid through patient coordinates ({overlap:P0} overlap)");
        if (refinement is null)
        {
            var why = options.RegisterSeries ? "rigid refinement could not run (see notes)" : "rigid refinement disabled (AnalysisOptions.RegisterSeries = false)";
            return (resampled, new AlignmentReport("geometry", null, null, $"{geometryText}; {why}; residual misalignment not measured."));
        }

        var tr = refinement.Transform;
        var transformText = string.Create(
            CultureInfo.InvariantCulture,
            $"rigid transform fluid→T1: translation ({tr.TranslationMm.X:F2}, {tr.TranslationMm.Y:F2}, {tr.TranslationMm.Z:F2}) mm (|t| {tr.TranslationMagnitudeMm:F2} mm) at the region centre, rotation {tr.RotationAngleDegrees:F2}° about ({tr.RotationAxis.X:F3}, {tr.RotationAxis.Y:F3}, {tr.RotationAxis.Z:F3}); {(double.IsNaN(refinement.MetricBefore) ? $"mutual information {-refinement.MetricAfter:F4} nats at the found pose (gain not evaluated: correction below the minimum{(refinement.FinerLevelSkipped ? "; coarse level only: it moved the region by less than half the minimum, so the finer level was skipped" : "")})" : $"mutual information {-refinement.MetricBefore:F4} → {-refinement.MetricAfter:F4} nats ({100 * refinement.RelativeGain:F1} %)")} over the {refinement.RegionDescription}");
        var report = refinement.Applied
            ? new AlignmentReport(
                "geometry+rigid",
                refinement.RepeatabilityRmsMm,
                refinement.CorrectionRmsMm,
                string.Create(CultureInfo.InvariantCulture, $"{geometryText}, refined by rigid registration; {transformText}. Misalignment before refinement {refinement.CorrectionRmsMm:F2} mm RMS over the region, residual after {refinement.RepeatabilityRmsMm:F2} mm (repeatability from a start 1 mm / 1° away)."))
            {
                TranslationMm = [tr.TranslationMm.X, tr.TranslationMm.Y, tr.TranslationMm.Z],
                RotationDegrees = tr.RotationAngleDegrees,
            }
            : new AlignmentReport(
                "geometry",
                refinement.CorrectionRmsMm,
                null,
                string.Create(CultureInfo.InvariantCulture, $"{geometryText}; rigid refinement checked and not applied (needs ≥ {100 * options.RegistrationMinimumGain:F1} % more mutual information and ≥ {options.RegistrationMinimumCorrectionMm:F2} mm of correction): {transformText}. Residual misalignment of the geometry {refinement.CorrectionRmsMm:F2} mm RMS over the region."));
        return (resampled, report);
    }

    /// <summary>Fraction of the voxel centres of <paramref name="a"/> (sampled on a coarse lattice) that fall inside <paramref name="b"/>.</summary>
    private static double OverlapFraction(ImageGeometry a, ImageGeometry b)
    {
        long inside = 0, total = 0;
        const int Steps = 8;
        for (var k = 0; k < Steps; k++)
        {
            for (var j = 0; j < Steps; j++)
            {
                for (var i = 0; i < Steps; i++)
                {
                    var p = a.TransformIndexToPhysicalPoint((a.SizeX - 1) * (i + 0.5) / Steps, (a.SizeY - 1) * (j + 0.5) / Steps, (a.SizeZ - 1) * (k + 0.5) / Steps);
                    var c = b.TransformPhysicalPointToContinuousIndex(p);
                    total++;
                    if (c.X >= -0.5 && c.Y >= -0.5 && c.Z >= -0.5 && c.X <= b.SizeX - 0.5 && c.Y <= b.SizeY - 0.5 && c.Z <= b.SizeZ - 0.5)
                    {
                        inside++;
                    }
                }
            }
        }

        return inside / (double)total;
    }
}
