using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Phantoms;

namespace BmeQuant.Quantification.Tests.Measures;

/// <summary>
/// The band a phantom actually renders, measured on a noise-free, bias-free re-rendering of its fluid-sensitive
/// acquisition at 0.25 mm pixels and 1 mm slice spacing (0.5 mm slices): the voxels of the bone carrying the
/// fracture-band tissue signal, largest 26-connected piece. Thickness = the diameter of the largest ball inside it
/// (3-D distance transform, 2 × max − one pixel), length = the longest in-slice extent (+ one pixel), maximum over
/// slices. Needed because the phantom places the band by its approximate depth function: measured on the knee
/// phantoms, tibial bands specified 5 and 6 mm render 4.2 and 4.6 mm thick, and a 10 mm band on the femoral condyle
/// spans 9.2 mm (its ends are cut by the ball of radius length/2 about the surface point).
/// </summary>
internal static class RenderedBandTruth
{
    private const double PixelMm = 0.25;

    /// <summary>Renders <paramref name="spec"/>'s fluid-sensitive acquisition noise-free at high resolution (one render serves every bone).</summary>
    public static PhantomStudy Render(PhantomSpec spec)
    {
        var fluid = spec.Acquisitions[1];
        var slabMm = fluid.Slices * fluid.SpacingBetweenSlicesMm;
        var hi = spec with
        {
            Snr = 1e6,
            BiasFieldAmplitude = 0,
            Supersampling = 1,
            Acquisitions =
            [
                spec.Acquisitions[0] with { Columns = 8, Rows = 8, Slices = 1 },
                fluid with
                {
                    Columns = (int)(fluid.Columns * fluid.PixelSpacingMm / PixelMm),
                    Rows = (int)(fluid.Rows * fluid.PixelSpacingMm / PixelMm),
                    PixelSpacingMm = PixelMm,
                    SliceThicknessMm = 0.5,
                    SliceGapMm = 0.5,
                    Slices = (int)Math.Ceiling(slabMm),
                },
            ],
        };
        return PhantomGenerator.Generate(hi);
    }

    /// <summary>Thickness and length (mm) of the band rendered in <paramref name="bone"/> of a study from <see cref="Render"/>.</summary>
    public static (double ThicknessMm, double LengthMm) Measure(PhantomStudy study, string bone)
    {
        var series = study.Visits[0].Series[1];
        var label = study.BoneNames.ToList().IndexOf(bone) + 1;
        Assert.True(label > 0, $"No bone {bone} in the phantom.");
        var bandSignal = series.TissueSignals["FractureBand"];
        var tolerance = 1e-3 * Math.Max(Math.Abs(bandSignal), 1);
        var mask = new Volume<byte>(series.Geometry);
        for (var i = 0; i < mask.Length; i++)
        {
            mask.Data[i] = (byte)(series.BoneLabels.Data[i] == label && Math.Abs(series.Image.Data[i] - bandSignal) <= tolerance ? 1 : 0);
        }

        var band = ConnectedComponents.KeepLargest(mask, Connectivity.Vertex26);
        var inside = DistanceTransform.InsideMm(band).Data;
        var thickness = (2 * inside.Max()) - PixelMm;

        var g = band.Geometry;
        double length = 0;
        for (var k = 0; k < g.SizeZ; k++)
        {
            var edge = new List<(double X, double Y)>();
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var idx = i + (g.SizeX * (j + (g.SizeY * k)));
                    if (band.Data[idx] != 0 && (i == 0 || j == 0 || i == g.SizeX - 1 || j == g.SizeY - 1
                        || band.Data[idx - 1] == 0 || band.Data[idx + 1] == 0 || band.Data[idx - g.SizeX] == 0 || band.Data[idx + g.SizeX] == 0))
                    {
                        edge.Add((i * g.Spacing.X, j * g.Spacing.Y));
                    }
                }
            }

            for (var a = 0; a < edge.Count; a++)
            {
                for (var b = a + 1; b < edge.Count; b++)
                {
                    var dx = edge[a].X - edge[b].X;
                    var dy = edge[a].Y - edge[b].Y;
                    length = Math.Max(length, Math.Sqrt((dx * dx) + (dy * dy)) + PixelMm);
                }
            }
        }

        return (thickness, length);
    }
}
