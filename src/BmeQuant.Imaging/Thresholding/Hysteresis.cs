using System.Numerics.Tensors;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Imaging.Thresholding;

/// <summary>
/// Hysteresis thresholding in 3-D (as <c>skimage.filters.apply_hysteresis_threshold</c>): a voxel is kept when it is
/// above <c>low</c> and connected, through voxels above <c>low</c>, to a voxel above <c>high</c>.
/// </summary>
public static class Hysteresis
{
    /// <summary>Applies hysteresis thresholding.</summary>
    /// <param name="volume">The image.</param>
    /// <param name="low">Voxels &gt; low may be kept.</param>
    /// <param name="high">Voxels &gt; high seed the kept regions.</param>
    /// <param name="connectivity">6 (faces, skimage's default), 18 (faces and edges) or 26 (also corners).</param>
    /// <returns>A 0/1 mask on the same grid.</returns>
    /// <exception cref="ArgumentOutOfRangeException">low &gt; high, or connectivity not 6, 18 or 26.</exception>
    public static Volume<byte> Apply(Volume<float> volume, float low, float high, int connectivity = 6)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (!(low <= high))
        {
            throw new ArgumentOutOfRangeException(nameof(low), $"Low threshold {low} must not exceed high threshold {high}.");
        }

        _ = Neighbours(connectivity);
        return ApplyRuns(volume, low, high, (Connectivity)connectivity);
    }

    // Components of the voxels above low, found by x runs and union-find; a component is kept when one of its runs
    // holds a voxel above high. The candidate mask is reused as the output (runs of dropped components cleared).
    private static Volume<byte> ApplyRuns(Volume<float> volume, float low, float high, Connectivity connectivity)
    {
        int nx = volume.SizeX, ny = volume.SizeY, nz = volume.SizeZ;
        var candidate = Threshold.Above(volume, low);
        var runs = RunLabeler.Build(candidate.Data, nx, ny, nz, foreground: true, connectivity);
        var seeded = new bool[runs.ComponentCount + 1];
        var v = volume.Data;
        var start = runs.Start;
        var end = runs.End;
        var label = runs.RunLabel;
        var rows = ny * nz;
        for (var row = 0; row < rows; row++)
        {
            for (var q = runs.RowFirst[row]; q < runs.RowFirst[row + 1]; q++)
            {
                // Run voxels are above low, so never NaN: the SIMD maximum decides.
                if (!seeded[label[q]] && TensorPrimitives.Max(v.AsSpan((row * nx) + start[q], end[q] - start[q])) > high)
                {
                    seeded[label[q]] = true;
                }
            }
        }

        var c = candidate.Data;
        for (var row = 0; row < rows; row++)
        {
            for (var q = runs.RowFirst[row]; q < runs.RowFirst[row + 1]; q++)
            {
                if (!seeded[label[q]])
                {
                    c.AsSpan((row * nx) + start[q], end[q] - start[q]).Clear();
                }
            }
        }

        return candidate;
    }

    /// <summary>Breadth-first reference of <see cref="Apply"/> (tests compare the two).</summary>
    internal static Volume<byte> ApplyFlood(Volume<float> volume, float low, float high, int connectivity = 6)
    {
        var offsets = Neighbours(connectivity);
        int nx = volume.SizeX, ny = volume.SizeY, nz = volume.SizeZ;
        var candidate = Threshold.Above(volume, low);
        var result = volume.CreateLike<byte>();
        var c = candidate.Data;
        var r = result.Data;
        var v = volume.Data;
        var queue = new Queue<int>();
        for (var n = 0; n < v.Length; n++)
        {
            if (v[n] > high && r[n] == 0)
            {
                r[n] = 1;
                queue.Enqueue(n);
                while (queue.Count > 0)
                {
                    var p = queue.Dequeue();
                    var x = p % nx;
                    var y = p / nx % ny;
                    var z = p / (nx * ny);
                    foreach (var (dx, dy, dz) in offsets)
                    {
                        int qx = x + dx, qy = y + dy, qz = z + dz;
                        if ((uint)qx >= (uint)nx || (uint)qy >= (uint)ny || (uint)qz >= (uint)nz)
                        {
                            continue;
                        }

                        var q = qx + (nx * (qy + (ny * qz)));
                        if (c[q] != 0 && r[q] == 0)
                        {
                            r[q] = 1;
                            queue.Enqueue(q);
                        }
                    }
                }
            }
        }

        return result;
    }

    internal static (int Dx, int Dy, int Dz)[] Neighbours(int connectivity)
    {
        if (connectivity is not (6 or 18 or 26))
        {
            throw new ArgumentOutOfRangeException(nameof(connectivity), connectivity, "Connectivity must be 6, 18 or 26.");
        }

        var list = new List<(int, int, int)>();
        for (var dz = -1; dz <= 1; dz++)
        {
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    var manhattan = Math.Abs(dx) + Math.Abs(dy) + Math.Abs(dz);
                    if (manhattan == 0 || (connectivity == 6 && manhattan > 1) || (connectivity == 18 && manhattan > 2))
                    {
                        continue;
                    }

                    list.Add((dx, dy, dz));
                }
            }
        }

        return [.. list];
    }
}
