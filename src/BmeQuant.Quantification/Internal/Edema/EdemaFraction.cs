using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Internal.Edema;

/// <summary>The per-voxel edema fraction under the partial-volume model (docs/methods.md, "Partial-volume model").</summary>
internal static class EdemaFraction
{
    /// <summary>Estimated edema fraction on the hyperintense lesion voxels (support ∪ edema), 0 elsewhere.</summary>
    public static Volume<float> Map(Volume<float> fluid, Volume<byte> edema, Volume<byte> support, FullEdemaSignal full, double normalMedian)
    {
        var map = new Volume<float>(fluid.Geometry);
        var m = map.Data;
        var f = fluid.Data;
        var e = edema.Data;
        var s = support.Data;
        for (var i = 0; i < m.Length; i++)
        {
            if (e[i] != 0 || s[i] != 0)
            {
                m[i] = (float)full.Fraction(f[i], normalMedian);
            }
        }

        return map;
    }
}
