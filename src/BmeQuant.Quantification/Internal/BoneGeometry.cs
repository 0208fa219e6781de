using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Quantification.Internal.Bones;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// Per-bone distance maps on the analysis grid: depth from the bone's own surface, and depth from its articular
/// surface (the surface voxels with another bone within <see cref="AnalysisOptions.ArticularSurfaceReachMm"/>). A bone
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

    /// <summary>
    /// The distance maps, each bone's transforms on its own box: its depth and articular depth on its bounding box grown
    /// by one voxel (the nearest outside voxel of a bone voxel always lies in that box, and so does every surface voxel),
    /// the distance to the other bones on the box grown by <see cref="AnalysisOptions.ArticularSurfaceReachMm"/> (exact up to
    /// the reach, which is all the articular test reads). Equal to <see cref="ComputeFullGrid"/>, at a fraction of its cost.
    /// </summary>
    public static BoneGeometry Compute(Volume<int> labels, IReadOnlyList<int> boneLabels, AnalysisOptions options, CancellationToken cancellationToken)
    {
        var g = labels.Geometry;
        var union = new Volume<byte>(g);
        var l = labels.Data;
        var u = union.Data;
        for (var i = 0; i < l.Length; i++)
        {
            u[i] = (byte)(l[i] > 0 ? 1 : 0);
        }

        var surfaceDepth = new Volume<float>(g);
        var articularDepth = new Volume<float>(g);
        var articular = new Volume<byte>(g);
        var has = new Dictionary<int, bool>();
        var minSpacing = Math.Min(g.Spacing.X, Math.Min(g.Spacing.Y, g.Spacing.Z));
        var boxes = VoxelBox.OfAll(labels);
        foreach (var label in boneLabels)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!boxes.TryGetValue(label, out var box))
            {
                has[label] = false;
                continue;
            }

            // One voxel more on every side (0.5 × the finest spacing rounds up to one voxel on each axis).
            var near = box.Grow(g, 0.5 * minSpacing);
            var reach = box.Grow(g, options.ArticularSurfaceReachMm);
            var bone = near.CropEquals(labels, label);
            var others = new Volume<byte>(reach.Geometry(g));
            var anyOther = CropOthers(labels, label, reach, others.Data);
            var inside = DistanceTransform.InsideMm(bone);
            var toOthers = anyOther ? DistanceTransform.OutsideMm(others) : null;
            var surface = new Volume<byte>(bone.Geometry);
            var articularCount = 0;
            var b = bone.Data;
            var ins = inside.Data;
            int nx = near.SizeX, ny = near.SizeY, nz = near.SizeZ;
            int rx = reach.SizeX, ry = reach.SizeY;
            int dx = near.MinX - reach.MinX, dy = near.MinY - reach.MinY, dz = near.MinZ - reach.MinZ;
            for (var k = 0; k < nz; k++)
            {
                for (var j = 0; j < ny; j++)
                {
                    var at = nx * (j + (ny * k));
                    var full = near.FullIndex(g, 0, j, k);
                    var atReach = dx + (rx * (j + dy + (ry * (k + dz))));
                    for (var i = 0; i < nx; i++)
                    {
                        if (b[at + i] == 0)
                        {
                            continue;
                        }

                        surfaceDepth.Data[full + i] = ins[at + i];

                        // Surface voxel: its centre is within one voxel step of the outside.
                        if (ins[at + i] <= minSpacing * 1.0001 && toOthers is not null && toOthers.Data[atReach + i] <= options.ArticularSurfaceReachMm)
                        {
                            surface.Data[at + i] = 1;
                            articular.Data[full + i] = 1;
                            articularCount++;
                        }
                    }
                }
            }

            has[label] = articularCount > 0;
            var depth = articularCount > 0 ? DistanceTransform.OutsideMm(surface).Data : null;
            for (var k = 0; k < nz; k++)
            {
                for (var j = 0; j < ny; j++)
                {
                    var at = nx * (j + (ny * k));
                    var full = near.FullIndex(g, 0, j, k);
                    for (var i = 0; i < nx; i++)
                    {
                        if (b[at + i] != 0)
                        {
                            // Without an articular surface: depth from the whole surface (surface voxels at depth 0).
                            articularDepth.Data[full + i] = depth is not null ? depth[at + i] : Math.Max(0, ins[at + i] - (float)minSpacing);
                        }
                    }
                }
            }
        }

        return new BoneGeometry(union, surfaceDepth, articularDepth, articular, has);
    }

    /// <summary>Writes 1 into <paramref name="output"/> (the box's voxels) on voxels of another bone; true when there is one.</summary>
    private static bool CropOthers(Volume<int> labels, int label, VoxelBox box, byte[] output)
    {
        var g = labels.Geometry;
        var l = labels.Data;
        var any = false;
        var nx = box.SizeX;
        for (var k = 0; k < box.SizeZ; k++)
        {
            for (var j = 0; j < box.SizeY; j++)
            {
                var from = box.FullIndex(g, 0, j, k);
                var at = nx * (j + (box.SizeY * k));
                for (var i = 0; i < nx; i++)
                {
                    var v = l[from + i];
                    if (v > 0 && v != label)
                    {
                        output[at + i] = 1;
                        any = true;
                    }
                }
            }
        }

        return any;
    }

    /// <summary>The same maps with every distance transform over the whole grid (the reference for <see cref="Compute"/>).</summary>
    internal static BoneGeometry ComputeFullGrid(Volume<int> labels, IReadOnlyList<int> boneLabels, AnalysisOptions options, CancellationToken cancellationToken)
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
                if (inside.Data[i] <= minSpacing * 1.0001 && toOthers is not null && toOthers.Data[i] <= options.ArticularSurfaceReachMm)
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
