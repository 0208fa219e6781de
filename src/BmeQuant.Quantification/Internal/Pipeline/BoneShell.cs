using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Quantification.Internal.Bones;

namespace BmeQuant.Quantification.Internal.Pipeline;

/// <summary>
/// The soft tissue around the bones: every voxel outside the bones within <see cref="ReachMm"/> of a bone voxel, as
/// full-grid indices in ascending order with each voxel's distance to the nearest bone voxel (Euclidean, mm, between
/// voxel centres). It depends on the bones alone, so the analysis finds it while T1 is being aligned; the muscle and
/// free-water estimates read their soft tissue from it instead of each transforming the bones again.
/// </summary>
internal sealed class BoneShell
{
    /// <summary>The farthest soft tissue any estimate reads (the muscle estimate's reach; free water looks half as far).</summary>
    public const double ReachMm = 20;

    private BoneShell(int[] indices, float[] distanceMm)
    {
        Indices = indices;
        DistanceMm = distanceMm;
    }

    /// <summary>Full-grid indices of the shell's voxels, ascending.</summary>
    public int[] Indices { get; }

    /// <summary>Distance in mm from each voxel of <see cref="Indices"/> (same position) to the nearest bone voxel: in (0, <see cref="ReachMm"/>].</summary>
    public float[] DistanceMm { get; }

    /// <summary>The shell of no voxel (no bones, or not needed).</summary>
    public static BoneShell Empty { get; } = new([], []);

    /// <summary>
    /// The shell around the non-zero voxels of <paramref name="union"/>. The distance is computed on the bones' bounding
    /// box grown by <see cref="ReachMm"/>: every bone voxel lies inside it, so the distances there are the whole grid's,
    /// and every voxel outside it is farther than the reach. Empty when there is no bone voxel.
    /// </summary>
    public static BoneShell Around(Volume<byte> union)
    {
        using var stage = AnalysisStage.Start("bone shell");
        if (VoxelBox.OfMask(union) is not { } unionBox)
        {
            return Empty;
        }

        var g = union.Geometry;
        var box = unionBox.Grow(g, ReachMm);
        var near = DistanceTransform.OutsideMm(box.Crop(union)).Data;
        var count = 0;
        foreach (var d in near)
        {
            count += d > 0 && d <= ReachMm ? 1 : 0;
        }

        var indices = new int[count];
        var distances = new float[count];
        var n = 0;
        var nx = box.SizeX;
        for (var k = 0; k < box.SizeZ; k++)
        {
            for (var j = 0; j < box.SizeY; j++)
            {
                var at = nx * (j + (box.SizeY * k));
                var full = box.FullIndex(g, 0, j, k);
                for (var x = 0; x < nx; x++)
                {
                    var d = near[at + x];
                    if (d > 0 && d <= ReachMm)
                    {
                        indices[n] = full + x;
                        distances[n++] = d;
                    }
                }
            }
        }

        return new BoneShell(indices, distances);
    }
}
