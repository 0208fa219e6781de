using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal.Edema;

/// <summary>
/// Takes whole lesions out of an edema mask and its support (the voxels the fraction-weighted volume sums over): the
/// shared last step of the filters that decide, lesion by lesion, that a hyperintense structure is not marrow edema
/// (<see cref="DemarcationRimFilter"/>, <see cref="ThroughSliceTubeFilter"/>).
/// </summary>
internal static class LesionRemoval
{
    /// <summary>
    /// Clears from <paramref name="mask"/> the voxels of every lesion whose label (<paramref name="lesionLabels"/>, the
    /// mask's 26-connected components) is flagged in <paramref name="removed"/>; with <paramref name="support"/>, also
    /// the removed lesions' voxels there and the support parts (26-connected) that touch a removed lesion and no kept one.
    /// </summary>
    public static void Remove(Volume<byte> mask, int[] lesionLabels, bool[] removed, Volume<byte>? support)
    {
        var m = mask.Data;
        for (var i = 0; i < m.Length; i++)
        {
            if (lesionLabels[i] != 0 && removed[lesionLabels[i]])
            {
                m[i] = 0;
            }
        }

        if (support is null)
        {
            return;
        }

        var s = support.Data;
        var parts = ConnectedComponents.Label(support, Connectivity.Vertex26);
        var touchesRemoved = new bool[parts.Count + 1];
        var touchesKept = new bool[parts.Count + 1];
        var pl = parts.Labels.Data;
        for (var i = 0; i < s.Length; i++)
        {
            if (pl[i] != 0 && lesionLabels[i] != 0)
            {
                if (removed[lesionLabels[i]])
                {
                    touchesRemoved[pl[i]] = true;
                }
                else
                {
                    touchesKept[pl[i]] = true;
                }
            }
        }

        for (var i = 0; i < s.Length; i++)
        {
            var p = pl[i];
            if (p != 0 && ((touchesRemoved[p] && !touchesKept[p]) || (lesionLabels[i] != 0 && removed[lesionLabels[i]])))
            {
                s[i] = 0;
            }
        }
    }
}
