namespace BmeQuant.Imaging.Registration;

/// <summary>
/// Small volume operations for image pyramids, private to registration and bias-field correction:
/// block-average shrinking, separable Gaussian smoothing in mm, per-axis shrink factors from a target spacing.
/// </summary>
internal static class PyramidOps
{
    /// <summary>
    /// Per-axis shrink factors so the shrunk spacing is close to <paramref name="nominalShrink"/> × the finest
    /// spacing of <paramref name="geometry"/> (thick slices are not shrunk further than that), never leaving
    /// fewer than <paramref name="minimumSize"/> voxels along an axis that had at least that many.
    /// </summary>
    public static (int X, int Y, int Z) ShrinkFactors(ImageGeometry geometry, int nominalShrink, int minimumSize = 4)
    {
        var sp = geometry.Spacing;
        var target = nominalShrink * Math.Min(sp.X, Math.Min(sp.Y, sp.Z));
        int Factor(double spacing, int size)
        {
            var f = Math.Max(1, (int)Math.Round(target / spacing));
            var limit = Math.Max(1, size / minimumSize);
            return Math.Min(f, limit);
        }

        return (Factor(sp.X, geometry.SizeX), Factor(sp.Y, geometry.SizeY), Factor(sp.Z, geometry.SizeZ));
    }

    /// <summary>
    /// Averages blocks of fx×fy×fz voxels (partial blocks at the far borders average the voxels they have).
    /// The new voxel centre is the centre of its full block, so the physical extent is preserved.
    /// </summary>
    public static Volume<float> BlockAverage(Volume<float> source, int fx, int fy, int fz)
    {
        if (fx == 1 && fy == 1 && fz == 1)
        {
            return source.Clone();
        }

        var g = source.Geometry;
        int nx = (g.SizeX + fx - 1) / fx, ny = (g.SizeY + fy - 1) / fy, nz = (g.SizeZ + fz - 1) / fz;
        var spacing = new Vector3D(g.Spacing.X * fx, g.Spacing.Y * fy, g.Spacing.Z * fz);
        var origin = g.TransformIndexToPhysicalPoint((fx - 1) / 2.0, (fy - 1) / 2.0, (fz - 1) / 2.0);
        var target = new Volume<float>(new ImageGeometry(nx, ny, nz, spacing, origin, g.Direction));
        var src = source.Data;
        var dst = target.Data;
        int sx = g.SizeX, sy = g.SizeY, sz = g.SizeZ;
        Parallel.For(0, nz, k =>
        {
            var rowSums = new double[nx];
            var counts = new int[nx];
            for (var j = 0; j < ny; j++)
            {
                Array.Clear(rowSums);
                Array.Clear(counts);
                for (var kk = k * fz; kk < Math.Min(sz, (k + 1) * fz); kk++)
                {
                    for (var jj = j * fy; jj < Math.Min(sy, (j + 1) * fy); jj++)
                    {
                        var row = ((long)kk * sy + jj) * sx;
                        for (var ii = 0; ii < sx; ii++)
                        {
                            var i = ii / fx;
                            rowSums[i] += src[row + ii];
                            counts[i]++;
                        }
                    }
                }

                var outRow = ((long)k * ny + j) * nx;
                for (var i = 0; i < nx; i++)
                {
                    dst[outRow + i] = (float)(rowSums[i] / counts[i]);
                }
            }
        });
        return target;
    }

    /// <summary>
    /// Smooths in place with a separable Gaussian of standard deviation <paramref name="sigmaMm"/> (FIR kernel
    /// truncated at 3σ, normalised; borders replicate the edge voxel). Axes where σ is under a tenth of a voxel are skipped.
    /// </summary>
    public static void GaussianSmoothInPlace(Volume<float> volume, double sigmaMm)
    {
        if (!(sigmaMm > 0))
        {
            return;
        }

        for (var axis = 0; axis < 3; axis++)
        {
            var sigmaVox = sigmaMm / volume.Geometry.Spacing[axis];
            if (sigmaVox < 0.1 || volume.Geometry.Size(axis) == 1)
            {
                continue;
            }

            var radius = Math.Max(1, (int)Math.Ceiling(3 * sigmaVox));
            var kernel = new float[(2 * radius) + 1];
            double sum = 0;
            for (var n = -radius; n <= radius; n++)
            {
                var w = Math.Exp(-0.5 * n * n / (sigmaVox * sigmaVox));
                kernel[n + radius] = (float)w;
                sum += w;
            }

            for (var n = 0; n < kernel.Length; n++)
            {
                kernel[n] = (float)(kernel[n] / sum);
            }

            ConvolveAxis(volume, axis, kernel);
        }
    }

    private static void ConvolveAxis(Volume<float> volume, int axis, float[] kernel)
    {
        var g = volume.Geometry;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ;
        var data = volume.Data;
        var radius = kernel.Length / 2;
        var n = g.Size(axis);
        long stride = axis switch { 0 => 1, 1 => nx, _ => (long)nx * ny };

        // Lines along the axis; each line is copied out (with replicated borders) and convolved back.
        var lineCount = (int)(g.VoxelCount / n);
        Parallel.For(
            0,
            lineCount,
            () => new float[n + (2 * radius)],
            (line, _, buffer) =>
            {
                long start = axis switch
                {
                    0 => (long)line * nx,
                    1 => ((long)(line / nx) * nx * ny) + (line % nx),
                    _ => line,
                };
                for (var m = 0; m < buffer.Length; m++)
                {
                    var idx = Math.Clamp(m - radius, 0, n - 1);
                    buffer[m] = data[start + (idx * stride)];
                }

                for (var m = 0; m < n; m++)
                {
                    float acc = 0;
                    for (var q = 0; q < kernel.Length; q++)
                    {
                        acc += kernel[q] * buffer[m + q];
                    }

                    data[start + (m * stride)] = acc;
                }

                return buffer;
            },
            _ => { });
    }
}
