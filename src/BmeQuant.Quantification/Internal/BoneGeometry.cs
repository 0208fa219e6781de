using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// Per-bone distance maps on the analysis grid: depth from the bone's own surface, and depth from its articular
/// surface (the surface voxels with another bone within <see cref="AnalysisOptions.ArticularReachMm"/>). A bone
/// with no neighbour within reach (a single region) uses its whole surface and says so.
/// </summary>
internal sealed class BoneGeometry
{
    private BoneGeometry(Volume<byte> union, Volume<float> surfaceDepth, Volume<float> articularDepth, Volume<byte> articularSurface, IReadOnlyDictionary<int, bool> hasArticular)
    {
        Union = union;
        SurfaceDepthMm = surfaceDepth;
        ArticularDepthMm = articularDepth;
        ArticularSurface = articularSurface;
        HasArticularSurface = hasArticular;
    }

    public Volume<byte> Union { get; }

    /// <summary>Distance in mm from each bone voxel to the nearest voxel outside its own bone (0 outside bones).</summary>
    public Volume<float> SurfaceDepthMm { get; }

    /// <summary>Distance in mm from each bone voxel to its bone's articular surface (or whole surface, see <see cref="HasArticularSurface"/>).</summary>
    public Volume<float> ArticularDepthMm { get; }

    /// <summary>1 on articular surface voxels.</summary>
    public Volume<byte> ArticularSurface { get; }

    public IReadOnlyDictionary<int, bool> HasArticularSurface { get; }

    public static BoneGeometry Compute(Volume<int> labels, IReadOnlyList<int> boneLabels, AnalysisOptions options, CancellationToken cancellationToken)
    {
        var g = labels.Geometry;
        var union = new Volume<byte>(g);
        var l = labels.Data;
        for (var i = 0; i < l.Length; i++)
        {
            union.Data[i] = (byte)(l[i] > 0 ? 1 : 0);
        }

        var surfaceDepth = new Volume<float>(g);
        var articularDepth = new Volume<float>(g);
        var articular = new Volume<byte>(g);
        var has = new Dictionary<int, bool>();
        var minSpacing = Math.Min(g.Spacing.X, Math.Min(g.Spacing.Y, g.Spacing.Z));
        foreach (var label in boneLabels)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bone = new Volume<byte>(g);
            var others = new Volume<byte>(g);
            var anyOther = false;
            for (var i = 0; i < l.Length; i++)
            {
                bone.Data[i] = (byte)(l[i] == label ? 1 : 0);
                if (l[i] > 0 && l[i] != label)
                {
                    others.Data[i] = 1;
                    anyOther = true;
                }
            }

            var inside = DistanceTransform.InsideMm(bone);
            var surface = new Volume<byte>(g);
            var articularCount = 0;
            Volume<float>? toOthers = anyOther ? DistanceTransform.OutsideMm(others) : null;
            for (var i = 0; i < l.Length; i++)
            {
                if (bone.Data[i] == 0)
                {
                    continue;
                }

                surfaceDepth.Data[i] = inside.Data[i];

                // Surface voxel: its centre is within one voxel step of the outside.
                if (inside.Data[i] <= minSpacing * 1.0001 && toOthers is not null && toOthers.Data[i] <= options.ArticularReachMm)
                {
                    surface.Data[i] = 1;
                    articular.Data[i] = 1;
                    articularCount++;
                }
            }

            has[label] = articularCount > 0;
            if (articularCount > 0)
            {
                var depth = DistanceTransform.OutsideMm(surface);
                for (var i = 0; i < l.Length; i++)
                {
                    if (bone.Data[i] != 0)
                    {
                        articularDepth.Data[i] = depth.Data[i];
                    }
                }
            }
            else
            {
                for (var i = 0; i < l.Length; i++)
                {
                    if (bone.Data[i] != 0)
                    {
                        // Depth from the whole surface: the surface voxels themselves are at depth 0.
                        articularDepth.Data[i] = Math.Max(0, inside.Data[i] - (float)minSpacing);
                    }
                }
            }
        }

        return new BoneGeometry(union, surfaceDepth, articularDepth, articular, has);
    }
}
