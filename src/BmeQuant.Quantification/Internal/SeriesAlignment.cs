using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal;

/// <summary>Brings the T1 series onto the fluid-sensitive grid through patient geometry.</summary>
internal static class SeriesAlignment
{
    public static (Volume<float>? T1, AlignmentReport Report) Align(Volume<float> fluid, Volume<float>? t1, AnalysisOptions options, List<string> notes)
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

        var resampled = Resampler.Resample(t1, fluid.Geometry, Interpolation.Linear, float.NaN);
        var nan = 0L;
        foreach (var v in resampled.Data)
        {
            nan += float.IsNaN(v) ? 1 : 0;
        }

        if (nan > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"T1 does not cover {100.0 * nan / resampled.Length:F1} % of the fluid-sensitive grid; T1 support is absent there."));
        }

        return (resampled, new AlignmentReport(
            "geometry",
            null,
            null,
            string.Create(CultureInfo.InvariantCulture, $"T1 resampled (trilinear) onto the fluid-sensitive grid through patient coordinates ({overlap:P0} overlap); rigid refinement {(options.RegisterSeries ? "not available in this build" : "disabled")}, residual misalignment not measured.")));
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
