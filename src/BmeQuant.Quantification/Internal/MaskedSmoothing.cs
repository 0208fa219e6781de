using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// In-plane Gaussian smoothing restricted to a mask (normalised convolution): inside the mask the result is
/// G(v·m)/G(m), so only mask voxels contribute; outside it the input is copied unchanged.
/// </summary>
internal static class MaskedSmoothing
{
    public static Volume<float> Apply(Volume<float> input, Volume<byte> mask, double sigmaMm)
    {
        if (sigmaMm <= 0)
        {
            return input;
        }

        var sigma = new Vector3D(sigmaMm, sigmaMm, 0);
        var weighted = new Volume<float>(input.Geometry);
        var weights = new Volume<float>(input.Geometry);
        var v = input.Data;
        var m = mask.Data;
        for (var i = 0; i < v.Length; i++)
        {
            if (m[i] != 0 && float.IsFinite(v[i]))
            {
                weighted.Data[i] = v[i];
                weights.Data[i] = 1;
            }
        }

        var num = GaussianFilter.Apply(weighted, sigma);
        var den = GaussianFilter.Apply(weights, sigma);
        var output = new Volume<float>(input.Geometry);
        var o = output.Data;
        for (var i = 0; i < o.Length; i++)
        {
            o[i] = m[i] != 0 && den.Data[i] > 1e-6f ? num.Data[i] / den.Data[i] : v[i];
        }

        return output;
    }
}
