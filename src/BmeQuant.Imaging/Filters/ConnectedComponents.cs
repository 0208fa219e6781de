using System.Globalization;

namespace BmeQuant.Imaging.Filters;

/// <summary>Which neighbours join voxels into one component.</summary>
public enum Connectivity
{
    /// <summary>Face neighbours only (6 in 3-D, 4 within a slice).</summary>
    Face6 = 6,

    /// <summary>Face and edge neighbours (18).</summary>
    Edge18 = 18,

    /// <summary>Face, edge and corner neighbours (26).</summary>
    Vertex26 = 26,
}

/// <summary>An inclusive box of voxel indices.</summary>
/// <param name="MinX">Lowest i.</param>
/// <param name="MinY">Lowest j.</param>
/// <param name="MinZ">Lowest k.</param>
/// <param name="MaxX">Highest i (inclusive).</param>
/// <param name="MaxY">Highest j (inclusive).</param>
/// <param name="MaxZ">Highest k (inclusive).</param>
public readonly record struct IndexBox(int MinX, int MinY, int MinZ, int MaxX, int MaxY, int MaxZ);

/// <summary>One connected component.</summary>
/// <param name="Label">Its label in <see cref="ComponentLabeling.Labels"/> (1-based, raster order of first voxel).</param>
/// <param name="VoxelCount">Number of voxels.</param>
/// <param name="VolumeMm3">Voxel count × voxel volume.</param>
/// <param name="BoundingBox">Inclusive index box.</param>
/// <param name="CentroidMm">Mean of its voxel centres in patient space (LPS mm).</param>
public sealed record ComponentInfo(int Label, long VoxelCount, double VolumeMm3, IndexBox BoundingBox, Vector3D CentroidMm);

/// <summary>The result of <see cref="ConnectedComponents.Label"/>: the label map and one entry per component.</summary>
public sealed class ComponentLabeling
{
    internal ComponentLabeling(Volume<int> labels, IReadOnlyList<ComponentInfo> components)
    {
        Labels = labels;
        Components = components;
    }

    /// <summary>0 on background, 1..<see cref="Count"/> on the components.</summary>
    public Volume<int> Labels { get; }

    /// <summary>Components ordered by label (Components[n] has label n + 1).</summary>
    public IReadOnlyList<ComponentInfo> Components { get; }

    /// <summary>Number of components.</summary>
    public int Count => Components.Count;
}

/// <summary>
/// Connected-component labelling of masks (non-zero = foreground) with 6, 18 or 26 connectivity, by runs and
/// union-find (labels are numbered in raster order of each component's first voxel, like scipy's <c>ndimage.label</c>).
/// </summary>
public static class ConnectedComponents
{
    /// <summary>Labels the components of <paramref name="mask"/> and measures each (voxels, mm³, bounding box, centroid in mm).</summary>
    public static ComponentLabeling Label(Volume<byte> mask, Connectivity connectivity = Connectivity.Face6)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var g = mask.Geometry;
        var runs = RunLabeler.Build(mask.Data, g.SizeX, g.SizeY, g.SizeZ, foreground: true, connectivity);
        var labels = new Volume<int>(g);
        var n = runs.ComponentCount;
        var count = new long[n + 1];
        var sum = new double[(n + 1) * 3];
        var box = new int[(n + 1) * 6];
        for (var c = 1; c <= n; c++)
        {
            box[(c * 6) + 0] = box[(c * 6) + 1] = box[(c * 6) + 2] = int.MaxValue;
            box[(c * 6) + 3] = box[(c * 6) + 4] = box[(c * 6) + 5] = int.MinValue;
        }

        var start = runs.Start;
        var end = runs.End;
        var runLabel = runs.RunLabel;
        var data = labels.Data;
        int nx = g.SizeX, ny = g.SizeY;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = j + (ny * k);
                var rowOffset = row * nx;
                for (var q = runs.RowFirst[row]; q < runs.RowFirst[row + 1]; q++)
                {
                    var c = runLabel[q];
                    int a = start[q], b = end[q];
                    long len = b - a;
                    data.AsSpan(rowOffset + a, b - a).Fill(c);
                    count[c] += len;
                    sum[(c * 3) + 0] += len * (a + b - 1) / 2.0;
                    sum[(c * 3) + 1] += (double)len * j;
                    sum[(c * 3) + 2] += (double)len * k;
                    var bi = c * 6;
                    box[bi] = Math.Min(box[bi], a);
                    box[bi + 1] = Math.Min(box[bi + 1], j);
                    box[bi + 2] = Math.Min(box[bi + 2], k);
                    box[bi + 3] = Math.Max(box[bi + 3], b - 1);
                    box[bi + 4] = Math.Max(box[bi + 4], j);
                    box[bi + 5] = Math.Max(box[bi + 5], k);
                }
            }
        }

        var voxelMm3 = g.VoxelVolumeMm3;
        var list = new ComponentInfo[n];
        for (var c = 1; c <= n; c++)
        {
            var mean = new Vector3D(sum[c * 3] / count[c], sum[(c * 3) + 1] / count[c], sum[(c * 3) + 2] / count[c]);
            var bi = c * 6;
            list[c - 1] = new ComponentInfo(
                c,
                count[c],
                count[c] * voxelMm3,
                new IndexBox(box[bi], box[bi + 1], box[bi + 2], box[bi + 3], box[bi + 4], box[bi + 5]),
                g.TransformIndexToPhysicalPoint(mean));
        }

        return new ComponentLabeling(labels, list);
    }

    /// <summary>
    /// A copy of <paramref name="mask"/> (0/1) without the components whose volume is below
    /// <paramref name="minVolumeMm3"/> (a component of exactly that volume is kept).
    /// </summary>
    public static Volume<byte> RemoveSmall(Volume<byte> mask, double minVolumeMm3, Connectivity connectivity = Connectivity.Face6)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (!(minVolumeMm3 >= 0) || !double.IsFinite(minVolumeMm3))
        {
            throw new ArgumentOutOfRangeException(nameof(minVolumeMm3), string.Create(CultureInfo.InvariantCulture, $"Minimum volume must be finite and >= 0 mm³; found {minVolumeMm3}."));
        }

        var voxelMm3 = mask.Geometry.VoxelVolumeMm3;
        return Keep(mask, connectivity, (_, voxels) => voxels * voxelMm3 >= minVolumeMm3 * (1 - 1e-12));
    }

    /// <summary>A 0/1 mask of the largest component (the first in raster order on ties); all zero when the mask is empty.</summary>
    public static Volume<byte> KeepLargest(Volume<byte> mask, Connectivity connectivity = Connectivity.Face6)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var g = mask.Geometry;
        var runs = RunLabeler.Build(mask.Data, g.SizeX, g.SizeY, g.SizeZ, foreground: true, connectivity);
        var sizes = Sizes(runs);
        var best = 0;
        for (var c = 1; c < sizes.Length; c++)
        {
            if (sizes[c] > sizes[best] || best == 0)
            {
                best = c;
            }
        }

        return Paint(runs, g, c => c == best);
    }

    private static Volume<byte> Keep(Volume<byte> mask, Connectivity connectivity, Func<int, long, bool> keep)
    {
        var g = mask.Geometry;
        var runs = RunLabeler.Build(mask.Data, g.SizeX, g.SizeY, g.SizeZ, foreground: true, connectivity);
        var sizes = Sizes(runs);
        var keepLabel = new bool[sizes.Length];
        for (var c = 1; c < sizes.Length; c++)
        {
            keepLabel[c] = keep(c, sizes[c]);
        }

        return Paint(runs, g, c => keepLabel[c]);
    }

    private static long[] Sizes(RunLabeler runs)
    {
        var sizes = new long[runs.ComponentCount + 1];
        var start = runs.Start;
        var end = runs.End;
        for (var q = 0; q < runs.RunCount; q++)
        {
            sizes[runs.RunLabel[q]] += end[q] - start[q];
        }

        return sizes;
    }

    private static Volume<byte> Paint(RunLabeler runs, ImageGeometry g, Func<int, bool> keep)
    {
        var output = new Volume<byte>(g);
        var data = output.Data;
        var rows = g.SizeY * g.SizeZ;
        var start = runs.Start;
        var end = runs.End;
        for (var row = 0; row < rows; row++)
        {
            for (var q = runs.RowFirst[row]; q < runs.RowFirst[row + 1]; q++)
            {
                if (keep(runs.RunLabel[q]))
                {
                    data.AsSpan((row * g.SizeX) + start[q], end[q] - start[q]).Fill(1);
                }
            }
        }

        return output;
    }
}
