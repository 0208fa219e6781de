using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Internal.Bones;

/// <summary>An inclusive box of voxel indices with crop and paste helpers (per-bone work runs on small boxes).</summary>
internal readonly record struct VoxelBox(int MinX, int MinY, int MinZ, int MaxX, int MaxY, int MaxZ)
{
    public int SizeX => MaxX - MinX + 1;

    public int SizeY => MaxY - MinY + 1;

    public int SizeZ => MaxZ - MinZ + 1;

    /// <summary>This box grown by <paramref name="marginMm"/> on every side (per-axis voxels from the spacing), clamped to the grid.</summary>
    public VoxelBox Grow(ImageGeometry g, double marginMm) =>
        GrowVoxels(g, (int)Math.Ceiling(marginMm / g.Spacing.X), (int)Math.Ceiling(marginMm / g.Spacing.Y), (int)Math.Ceiling(marginMm / g.Spacing.Z));

    /// <summary>This box grown by <paramref name="mx"/>, <paramref name="my"/>, <paramref name="mz"/> voxels on each side along x, y, z, clamped to the grid.</summary>
    public VoxelBox GrowVoxels(ImageGeometry g, int mx, int my, int mz) =>
        new(
            Math.Max(0, MinX - mx),
            Math.Max(0, MinY - my),
            Math.Max(0, MinZ - mz),
            Math.Min(g.SizeX - 1, MaxX + mx),
            Math.Min(g.SizeY - 1, MaxY + my),
            Math.Min(g.SizeZ - 1, MaxZ + mz));

    /// <summary>The smallest box holding this one and <paramref name="other"/>.</summary>
    public VoxelBox Union(VoxelBox other) =>
        new(
            Math.Min(MinX, other.MinX),
            Math.Min(MinY, other.MinY),
            Math.Min(MinZ, other.MinZ),
            Math.Max(MaxX, other.MaxX),
            Math.Max(MaxY, other.MaxY),
            Math.Max(MaxZ, other.MaxZ));

    /// <summary>The box of the whole grid <paramref name="g"/>.</summary>
    public static VoxelBox Whole(ImageGeometry g) => new(0, 0, 0, g.SizeX - 1, g.SizeY - 1, g.SizeZ - 1);

    /// <summary>The bounding box of the voxels at the full-grid indices <paramref name="indices"/> of grid <paramref name="g"/> (not empty).</summary>
    public static VoxelBox OfIndices(IReadOnlyList<int> indices, ImageGeometry g)
    {
        ArgumentOutOfRangeException.ThrowIfZero(indices.Count);
        int x0 = int.MaxValue, y0 = int.MaxValue, z0 = int.MaxValue, x1 = -1, y1 = -1, z1 = -1;
        for (var n = 0; n < indices.Count; n++)
        {
            var i = indices[n];
            var x = i % g.SizeX;
            var y = i / g.SizeX % g.SizeY;
            var z = i / g.SliceLength;
            x0 = Math.Min(x0, x);
            x1 = Math.Max(x1, x);
            y0 = Math.Min(y0, y);
            y1 = Math.Max(y1, y);
            z0 = Math.Min(z0, z);
            z1 = Math.Max(z1, z);
        }

        return new VoxelBox(x0, y0, z0, x1, y1, z1);
    }

    /// <summary>The geometry of the box: same spacing and direction, origin at its first voxel.</summary>
    public ImageGeometry Geometry(ImageGeometry g) =>
        new(SizeX, SizeY, SizeZ, g.Spacing, g.TransformIndexToPhysicalPoint(MinX, MinY, MinZ), g.Direction);

    /// <summary>Copies the box out of <paramref name="source"/>.</summary>
    public Volume<T> Crop<T>(Volume<T> source)
        where T : unmanaged
    {
        var output = new Volume<T>(Geometry(source.Geometry));
        var nx = SizeX;
        for (var k = 0; k < SizeZ; k++)
        {
            for (var j = 0; j < SizeY; j++)
            {
                var from = (int)source.Geometry.Offset(MinX, MinY + j, MinZ + k);
                source.Data.AsSpan(from, nx).CopyTo(output.Data.AsSpan(nx * (j + (SizeY * k)), nx));
            }
        }

        return output;
    }

    /// <summary>
    /// Copies <paramref name="cropped"/> (the box's content, laid out as <see cref="Crop{T}"/> returns it) into
    /// <paramref name="target"/> at the box's place; the rest of <paramref name="target"/> is left as it is.
    /// </summary>
    public void PasteInto<T>(ReadOnlySpan<T> cropped, Volume<T> target)
        where T : unmanaged
    {
        var nx = SizeX;
        for (var k = 0; k < SizeZ; k++)
        {
            for (var j = 0; j < SizeY; j++)
            {
                cropped.Slice(nx * (j + (SizeY * k)), nx).CopyTo(target.Data.AsSpan(FullIndex(target.Geometry, 0, j, k), nx));
            }
        }
    }

    /// <summary>Crops a label map into a 0/1 mask of the voxels equal to <paramref name="label"/>.</summary>
    public Volume<byte> CropEquals(Volume<int> labels, int label)
    {
        var output = new Volume<byte>(Geometry(labels.Geometry));
        var nx = SizeX;
        var o = output.Data;
        for (var k = 0; k < SizeZ; k++)
        {
            for (var j = 0; j < SizeY; j++)
            {
                var row = labels.Data.AsSpan((int)labels.Geometry.Offset(MinX, MinY + j, MinZ + k), nx);
                var at = nx * (j + (SizeY * k));
                for (var i = 0; i < nx; i++)
                {
                    o[at + i] = (byte)(row[i] == label ? 1 : 0);
                }
            }
        }

        return output;
    }

    /// <summary>Flat index in the full grid of voxel (i, j, k) of the box.</summary>
    public int FullIndex(ImageGeometry full, int i, int j, int k) => (int)full.Offset(MinX + i, MinY + j, MinZ + k);

    /// <summary>The bounding box of the non-zero voxels of <paramref name="mask"/>, or null when there is none.</summary>
    public static VoxelBox? OfMask(Volume<byte> mask)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, z0 = int.MaxValue, x1 = -1, y1 = -1, z1 = -1;
        var nx = mask.SizeX;
        var ny = mask.SizeY;
        for (var k = 0; k < mask.SizeZ; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = mask.Data.AsSpan(nx * (j + (ny * k)), nx);
                var first = row.IndexOfAnyExcept((byte)0);
                if (first < 0)
                {
                    continue;
                }

                var last = row.LastIndexOfAnyExcept((byte)0);
                x0 = Math.Min(x0, first);
                x1 = Math.Max(x1, last);
                y0 = Math.Min(y0, j);
                y1 = Math.Max(y1, j);
                z0 = Math.Min(z0, k);
                z1 = Math.Max(z1, k);
            }
        }

        return x1 < 0 ? null : new VoxelBox(x0, y0, z0, x1, y1, z1);
    }

    /// <summary>The bounding box of every positive label, in one pass.</summary>
    public static Dictionary<int, VoxelBox> OfAll(Volume<int> labels)
    {
        var boxes = new Dictionary<int, VoxelBox>();
        var nx = labels.SizeX;
        var ny = labels.SizeY;
        var d = labels.Data;
        for (var k = 0; k < labels.SizeZ; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var at = nx * (j + (ny * k));
                var i = 0;
                while (i < nx)
                {
                    var v = d[at + i];
                    if (v <= 0)
                    {
                        i++;
                        continue;
                    }

                    // A run of one label: its first and last voxel are all the box needs.
                    var start = i;
                    while (i + 1 < nx && d[at + i + 1] == v)
                    {
                        i++;
                    }

                    boxes[v] = boxes.TryGetValue(v, out var b)
                        ? new VoxelBox(Math.Min(b.MinX, start), Math.Min(b.MinY, j), Math.Min(b.MinZ, k), Math.Max(b.MaxX, i), Math.Max(b.MaxY, j), Math.Max(b.MaxZ, k))
                        : new VoxelBox(start, j, k, i, j, k);
                    i++;
                }
            }
        }

        return boxes;
    }

    /// <summary>The bounding box of the voxels equal to <paramref name="label"/>, or null when there is none.</summary>
    public static VoxelBox? Of(Volume<int> labels, int label)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, z0 = int.MaxValue, x1 = -1, y1 = -1, z1 = -1;
        var nx = labels.SizeX;
        var ny = labels.SizeY;
        var d = labels.Data;
        for (var k = 0; k < labels.SizeZ; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var at = nx * (j + (ny * k));
                for (var i = 0; i < nx; i++)
                {
                    if (d[at + i] == label)
                    {
                        x0 = Math.Min(x0, i);
                        x1 = Math.Max(x1, i);
                        y0 = Math.Min(y0, j);
                        y1 = Math.Max(y1, j);
                        z0 = Math.Min(z0, k);
                        z1 = Math.Max(z1, k);
                    }
                }
            }
        }

        return x1 < 0 ? null : new VoxelBox(x0, y0, z0, x1, y1, z1);
    }
}
