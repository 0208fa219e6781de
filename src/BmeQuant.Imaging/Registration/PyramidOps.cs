namespace BmeQuant.Imaging.Registration;

/// <summary>
/// Small volume operations for image pyramids, private to registration and bias-field correction:
/// block-average shrinking, separable Gaussian smoothing in mm, per-axis shrink factors from a target spacing.
/// The kernels work on whole rows (contiguous x) with <see cref="RowMath"/> so they vectorise; each has a
/// scalar reference (<see cref="BlockAverageScalar"/>, <see cref="GaussianSmoothScalarInPlace"/>) for the tests.
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

    /// <summary>The geometry of <paramref name="g"/> shrunk by fx×fy×fz blocks: the new voxel centre is the centre of its full block.</summary>
    public static ImageGeometry ShrunkGeometry(ImageGeometry g, int fx, int fy, int fz)
    {
        int nx = (g.SizeX + fx - 1) / fx, ny = (g.SizeY + fy - 1) / fy, nz = (g.SizeZ + fz - 1) / fz;
        var spacing = new Vector3D(g.Spacing.X * fx, g.Spacing.Y * fy, g.Spacing.Z * fz);
        var origin = g.TransformIndexToPhysicalPoint((fx - 1) / 2.0, (fy - 1) / 2.0, (fz - 1) / 2.0);
        return new ImageGeometry(nx, ny, nz, spacing, origin, g.Direction);
    }

    /// <summary>
    /// Averages blocks of fx×fy×fz voxels (partial blocks at the far borders average the voxels they have).
    /// The new voxel centre is the centre of its full block, so the physical extent is preserved. One pass over the
    /// source: the block's rows are summed into a row accumulator (vectorised), then each run of fx sums is reduced.
    /// </summary>
    public static Volume<float> BlockAverage(Volume<float> source, int fx, int fy, int fz)
    {
        if (fx == 1 && fy == 1 && fz == 1)
        {
            return source.Clone();
        }

        var g = source.Geometry;
        var target = new Volume<float>(ShrunkGeometry(g, fx, fy, fz));
        var tg = target.Geometry;
        int nx = tg.SizeX, ny = tg.SizeY, nz = tg.SizeZ;
        var src = source.Data;
        var dst = target.Data;
        int sx = g.SizeX, sy = g.SizeY, sz = g.SizeZ;
        var rows = nz * ny;
        Parallel.For(
            0,
            rows,
            () => new float[sx],
            (r, _, acc) =>
            {
                var k = r / ny;
                var j = r - (k * ny);
                Array.Clear(acc);
                var k1 = Math.Min(sz, (k + 1) * fz);
                var j1 = Math.Min(sy, (j + 1) * fy);
                var rowCount = 0;
                for (var kk = k * fz; kk < k1; kk++)
                {
                    for (var jj = j * fy; jj < j1; jj++)
                    {
                        var row = new ReadOnlySpan<float>(src, (int)((((long)kk * sy) + jj) * sx), sx);
                        RowMath.AddInto(row, acc);
                        rowCount++;
                    }
                }

                var outRow = dst.AsSpan((int)(((long)k * ny + j) * nx), nx);
                ReduceRuns(acc, fx, rowCount, outRow);
                return acc;
            },
            _ => { });
        return target;
    }

    /// <summary>Scalar reference of <see cref="BlockAverage"/> (double sums, one voxel at a time).</summary>
    internal static Volume<float> BlockAverageScalar(Volume<float> source, int fx, int fy, int fz)
    {
        var g = source.Geometry;
        var target = new Volume<float>(ShrunkGeometry(g, fx, fy, fz));
        var tg = target.Geometry;
        for (var k = 0; k < tg.SizeZ; k++)
        {
            for (var j = 0; j < tg.SizeY; j++)
            {
                for (var i = 0; i < tg.SizeX; i++)
                {
                    double sum = 0;
                    var n = 0;
                    for (var kk = k * fz; kk < Math.Min(g.SizeZ, (k + 1) * fz); kk++)
                    {
                        for (var jj = j * fy; jj < Math.Min(g.SizeY, (j + 1) * fy); jj++)
                        {
                            for (var ii = i * fx; ii < Math.Min(g.SizeX, (i + 1) * fx); ii++)
                            {
                                sum += source[ii, jj, kk];
                                n++;
                            }
                        }
                    }

                    target[i, j, k] = (float)(sum / n);
                }
            }
        }

        return target;
    }

    /// <summary>out[i] = mean of acc[i·fx .. i·fx + fx) divided by <paramref name="rowCount"/> (the last run may be shorter).</summary>
    private static void ReduceRuns(ReadOnlySpan<float> acc, int fx, int rowCount, Span<float> output)
    {
        var sx = acc.Length;
        if (fx == 1)
        {
            RowMath.Scale(acc, 1f / rowCount, output);
            return;
        }

        var full = sx / fx;
        var inv = 1f / (fx * rowCount);
        if (fx == 2)
        {
            for (var i = 0; i < full; i++)
            {
                output[i] = (acc[2 * i] + acc[(2 * i) + 1]) * inv;
            }
        }
        else
        {
            for (var i = 0; i < full; i++)
            {
                var b = i * fx;
                var s = acc[b];
                for (var q = 1; q < fx; q++)
                {
                    s += acc[b + q];
                }

                output[i] = s * inv;
            }
        }

        if (full < output.Length)
        {
            var s = 0f;
            for (var ii = full * fx; ii < sx; ii++)
            {
                s += acc[ii];
            }

            output[full] = s / ((sx - (full * fx)) * rowCount);
        }
    }

    /// <summary>
    /// Smooths in place with a separable Gaussian of standard deviation <paramref name="sigmaMm"/> (FIR kernel
    /// truncated at 3σ, normalised; borders replicate the edge voxel). Axes where σ is under a tenth of a voxel are skipped.
    /// Along x each row is filtered from a padded copy; along y and z whole rows are weighted and summed (vectorised).
    /// </summary>
    /// <remarks>
    /// Not <see cref="Filters.GaussianFilter"/>, on purpose: (1) its kernel follows scipy's rule (radius
    /// round(truncate·σ), an identity kernel below σ = 1/6 voxel) where the pyramid's is radius ⌈3σ⌉ with at least one
    /// tap each side from σ = 0.1 voxel: on the knee benchmark's finer level the z axis of its 3.3 mm slices has σ = 0.15
    /// voxel (σ 0.5 mm), smoothed here and left alone there: the levels would differ beyond rounding, and the transform with them;
    /// (2) it returns a new volume where the level is smoothed in place (the level is this method's own scratch);
    /// (3) its passes run on the generic <c>TensorPrimitives</c> span kernels, which nothing else in a default
    /// <c>bmequant analyze</c> compiles (the masked smoothing that uses it is off by default), while <see cref="RowMath"/>'s
    /// four loops are shared with the block average and the gradient image: the one-shot CLI run would JIT more methods
    /// (the same swap in the registration's row kernels measured 1468 vs 1460 methods and 532–552 vs 387–390 CPU ms for
    /// the register stage, 91a7162).
    /// </remarks>
    public static void GaussianSmoothInPlace(Volume<float> volume, double sigmaMm)
    {
        for (var axis = 0; axis < 3; axis++)
        {
            if (Kernel(volume.Geometry, axis, sigmaMm) is { } kernel)
            {
                if (axis == 0)
                {
                    ConvolveX(volume, kernel);
                }
                else
                {
                    ConvolveRows(volume, axis, kernel);
                }
            }
        }
    }

    /// <summary>Scalar reference of <see cref="GaussianSmoothInPlace"/> (one line at a time, the kernel in order).</summary>
    internal static void GaussianSmoothScalarInPlace(Volume<float> volume, double sigmaMm)
    {
        var g = volume.Geometry;
        var data = volume.Data;
        for (var axis = 0; axis < 3; axis++)
        {
            if (Kernel(g, axis, sigmaMm) is not { } kernel)
            {
                continue;
            }

            var radius = kernel.Length / 2;
            var n = g.Size(axis);
            long stride = axis switch { 0 => 1, 1 => g.SizeX, _ => (long)g.SizeX * g.SizeY };
            var buffer = new float[n];
            for (long line = 0; line < g.VoxelCount / n; line++)
            {
                long start = axis switch
                {
                    0 => line * g.SizeX,
                    1 => (line / g.SizeX * g.SizeX * g.SizeY) + (line % g.SizeX),
                    _ => line,
                };
                for (var m = 0; m < n; m++)
                {
                    buffer[m] = data[start + (m * stride)];
                }

                for (var m = 0; m < n; m++)
                {
                    float acc = 0;
                    for (var q = 0; q < kernel.Length; q++)
                    {
                        acc += kernel[q] * buffer[Math.Clamp(m + q - radius, 0, n - 1)];
                    }

                    data[start + (m * stride)] = acc;
                }
            }
        }
    }

    /// <summary>The normalised Gaussian taps along <paramref name="axis"/>, or null when that axis is not smoothed.</summary>
    private static float[]? Kernel(ImageGeometry g, int axis, double sigmaMm)
    {
        if (!(sigmaMm > 0))
        {
            return null;
        }

        var sigmaVox = sigmaMm / g.Spacing[axis];
        if (sigmaVox < 0.1 || g.Size(axis) == 1)
        {
            return null;
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

        return kernel;
    }

    /// <summary>Along x: each row copied with replicated borders, then the weighted sum of the kernel's shifted copies (vectorised).</summary>
    private static void ConvolveX(Volume<float> volume, float[] kernel)
    {
        var g = volume.Geometry;
        int nx = g.SizeX, ny = g.SizeY;
        var data = volume.Data;
        var radius = kernel.Length / 2;
        Parallel.For(
            0,
            g.SizeZ,
            () => new float[nx + (2 * radius)],
            (k, _, buffer) =>
            {
                for (var j = 0; j < ny; j++)
                {
                    var row = data.AsSpan((int)((((long)k * ny) + j) * nx), nx);
                    buffer.AsSpan(0, radius).Fill(row[0]);
                    row.CopyTo(buffer.AsSpan(radius));
                    buffer.AsSpan(radius + nx).Fill(row[nx - 1]);
                    RowMath.Scale(buffer.AsSpan(0, nx), kernel[0], row);
                    for (var q = 1; q < kernel.Length; q++)
                    {
                        RowMath.AddScaled(buffer.AsSpan(q, nx), kernel[q], row);
                    }
                }

                return buffer;
            },
            _ => { });
    }

    /// <summary>
    /// Along y (axis 1) or z (axis 2): the n rows of one plane (fixed z for y, fixed y for z) are copied out, then each
    /// output row is the weighted sum of the kernel's input rows (edge rows replicated), vectorised over x.
    /// </summary>
    private static void ConvolveRows(Volume<float> volume, int axis, float[] kernel)
    {
        var g = volume.Geometry;
        int nx = g.SizeX, ny = g.SizeY;
        var n = g.Size(axis);
        var planes = axis == 1 ? g.SizeZ : g.SizeY;
        long rowStride = axis == 1 ? nx : (long)nx * ny;
        var data = volume.Data;
        var radius = kernel.Length / 2;
        Parallel.For(
            0,
            planes,
            () => new float[n * nx],
            (plane, _, buffer) =>
            {
                long start = axis == 1 ? (long)plane * nx * ny : (long)plane * nx;
                for (var m = 0; m < n; m++)
                {
                    data.AsSpan((int)(start + (m * rowStride)), nx).CopyTo(buffer.AsSpan(m * nx, nx));
                }

                for (var m = 0; m < n; m++)
                {
                    var output = data.AsSpan((int)(start + (m * rowStride)), nx);
                    RowMath.Scale(Row(buffer, nx, n, m - radius), kernel[0], output);
                    for (var q = 1; q < kernel.Length; q++)
                    {
                        RowMath.AddScaled(Row(buffer, nx, n, m + q - radius), kernel[q], output);
                    }
                }

                return buffer;
            },
            _ => { });
    }

    private static ReadOnlySpan<float> Row(float[] buffer, int nx, int n, int m) => buffer.AsSpan(Math.Clamp(m, 0, n - 1) * nx, nx);
}
