using System.Buffers;
using System.Globalization;
using System.Numerics.Tensors;

namespace BmeQuant.Imaging.Filters;

/// <summary>How <see cref="GaussianFilter"/> realises the Gaussian.</summary>
public enum GaussianMethod
{
    /// <summary>
    /// Sampled kernel <c>exp(-x²/2σ²)</c> truncated at <c>truncate·σ</c> (radius <c>(int)(truncate·σ + 0.5)</c> voxels)
    /// and normalised to sum 1: the same kernel as <c>scipy.ndimage.gaussian_filter</c>.
    /// </summary>
    Fir,

    /// <summary>
    /// Third-order recursive (IIR) approximation of Young and van Vliet (1995): cost independent of σ. Its error
    /// shrinks with σ, so axes with σ below <see cref="GaussianFilter.MinRecursiveSigmaVoxels"/> voxels use the FIR
    /// kernel (which is cheap there). The x pass recurses in double; the y and z passes recurse in float across whole
    /// rows (SIMD), so a constant image is kept only to float accuracy amplified by the feedback: measured relative
    /// drift up to 6e-6 at σ ≤ 8 voxels and 2.3e-4 at σ 12–20 voxels.
    /// </summary>
    Recursive,
}

/// <summary>
/// Separable Gaussian smoothing of a float volume with an anisotropic σ given in mm. Borders replicate the edge voxel
/// (scipy's <c>mode='nearest'</c>). Runs in parallel over slices; rows are combined with SIMD
/// (<see cref="TensorPrimitives"/>). Memory: the output plus one slice per worker.
/// </summary>
public static class GaussianFilter
{
    /// <summary>Smallest σ in voxels for which <see cref="GaussianMethod.Recursive"/> runs the IIR filter.</summary>
    public const double MinRecursiveSigmaVoxels = 3.0;

    /// <summary>Smooths <paramref name="input"/> with the same σ (mm) on every axis.</summary>
    public static Volume<float> Apply(Volume<float> input, double sigmaMm, double truncateSigmas = 4.0, GaussianMethod method = GaussianMethod.Fir) =>
        Apply(input, new Vector3D(sigmaMm, sigmaMm, sigmaMm), truncateSigmas, method);

    /// <summary>
    /// Smooths <paramref name="input"/> with σ = <paramref name="sigmaMm"/> (per axis x, y, z, in mm; 0 leaves an axis
    /// unsmoothed). The σ in voxels of an axis is σ_mm / spacing. Returns a new volume on the same geometry.
    /// NaN voxels propagate to every output voxel whose kernel reaches them.
    /// </summary>
    public static Volume<float> Apply(Volume<float> input, Vector3D sigmaMm, double truncateSigmas = 4.0, GaussianMethod method = GaussianMethod.Fir)
    {
        ArgumentNullException.ThrowIfNull(input);
        ValidateSigma(sigmaMm, truncateSigmas);
        // The z pass writes every voxel (all three branches): no zeroing needed.
        var output = new Volume<float>(input.Geometry, GC.AllocateUninitializedArray<float>(input.Length));
        var sp = input.Geometry.Spacing;
        var sigmaVox = new Vector3D(sigmaMm.X / sp.X, sigmaMm.Y / sp.Y, sigmaMm.Z / sp.Z);
        var kx = KernelFor(sigmaVox.X, truncateSigmas, method);
        var ky = KernelFor(sigmaVox.Y, truncateSigmas, method);
        var kz = KernelFor(sigmaVox.Z, truncateSigmas, method);

        // z first (input -> output, no temporary volume), then y and x in place on each output slice.
        ZPass(input, output, kz, method == GaussianMethod.Recursive ? sigmaVox.Z : 0);
        int nx = input.SizeX, ny = input.SizeY, nz = input.SizeZ;
        Parallel.For(
            0,
            nz,
            () => new SliceWork(nx, ny, Math.Max(kx.Length, 1) + RecursiveGaussian.TailLength(Math.Max(sigmaVox.X, sigmaVox.Y))),
            (k, _, work) =>
            {
                var slice = output.Slice(k);
                YPass(slice, nx, ny, ky, work, method == GaussianMethod.Recursive ? sigmaVox.Y : 0);
                XPass(slice, nx, ny, kx, work, method == GaussianMethod.Recursive ? sigmaVox.X : 0);
                return work;
            },
            work => work.Dispose());
        return output;
    }

    /// <summary>The normalised FIR kernel of σ voxels truncated at <paramref name="truncateSigmas"/> (scipy's <c>_gaussian_kernel1d</c> rule).</summary>
    internal static float[] FirKernel(double sigmaVoxels, double truncateSigmas)
    {
        var radius = (int)((truncateSigmas * sigmaVoxels) + 0.5);
        if (sigmaVoxels <= 0 || radius <= 0)
        {
            return [1f];
        }

        var w = new double[(2 * radius) + 1];
        double sum = 0;
        for (var i = -radius; i <= radius; i++)
        {
            var v = Math.Exp(-0.5 * i * i / (sigmaVoxels * sigmaVoxels));
            w[i + radius] = v;
            sum += v;
        }

        var result = new float[w.Length];
        for (var i = 0; i < w.Length; i++)
        {
            result[i] = (float)(w[i] / sum);
        }

        return result;
    }

    /// <summary>
    /// Scalar reference: direct separable convolution in double with the same kernels and borders (slow; for tests).
    /// </summary>
    internal static Volume<float> ApplyReference(Volume<float> input, Vector3D sigmaMm, double truncateSigmas = 4.0)
    {
        var sp = input.Geometry.Spacing;
        var kernels = new[]
        {
            FirKernel(sigmaMm.X / sp.X, truncateSigmas),
            FirKernel(sigmaMm.Y / sp.Y, truncateSigmas),
            FirKernel(sigmaMm.Z / sp.Z, truncateSigmas),
        };
        int nx = input.SizeX, ny = input.SizeY, nz = input.SizeZ;
        var cur = input.Data.Select(v => (double)v).ToArray();
        int[] n = [nx, ny, nz];
        long[] stride = [1, nx, (long)nx * ny];
        foreach (var axis in new[] { 2, 1, 0 })
        {
            var w = kernels[axis];
            var r = w.Length / 2;
            var next = new double[cur.Length];
            for (var k = 0; k < nz; k++)
            {
                for (var j = 0; j < ny; j++)
                {
                    for (var i = 0; i < nx; i++)
                    {
                        int[] idx = [i, j, k];
                        var baseOff = i + ((long)nx * (j + ((long)ny * k))) - (idx[axis] * stride[axis]);
                        double acc = 0;
                        for (var t = -r; t <= r; t++)
                        {
                            var p = Math.Clamp(idx[axis] + t, 0, n[axis] - 1);
                            acc += w[t + r] * cur[baseOff + (p * stride[axis])];
                        }

                        next[i + ((long)nx * (j + ((long)ny * k)))] = (float)acc;
                    }
                }
            }

            cur = next;
        }

        return new Volume<float>(input.Geometry, cur.Select(v => (float)v).ToArray());
    }

    private static float[] KernelFor(double sigmaVoxels, double truncate, GaussianMethod method) =>
        method == GaussianMethod.Recursive && sigmaVoxels >= MinRecursiveSigmaVoxels ? [] : FirKernel(sigmaVoxels, truncate);

    private static void ValidateSigma(Vector3D sigmaMm, double truncateSigmas)
    {
        if (!(sigmaMm.X >= 0 && sigmaMm.Y >= 0 && sigmaMm.Z >= 0) || !double.IsFinite(sigmaMm.X) || !double.IsFinite(sigmaMm.Y) || !double.IsFinite(sigmaMm.Z))
        {
            throw new ArgumentOutOfRangeException(nameof(sigmaMm), string.Create(CultureInfo.InvariantCulture, $"Sigma must be finite and >= 0 mm on every axis; found {sigmaMm}."));
        }

        if (!(truncateSigmas > 0) || !double.IsFinite(truncateSigmas))
        {
            throw new ArgumentOutOfRangeException(nameof(truncateSigmas), string.Create(CultureInfo.InvariantCulture, $"Truncation must be a positive number of sigmas; found {truncateSigmas}."));
        }
    }

    // z pass: out slice k = Σ_t w[t] · in slice clamp(k + t − r). Rows of one slice are combined with
    // TensorPrimitives.MultiplyAdd so each tap is one SIMD sweep over an L1-resident row.
    private static void ZPass(Volume<float> input, Volume<float> output, float[] kz, double recursiveSigma)
    {
        int nx = input.SizeX, ny = input.SizeY, nz = input.SizeZ;
        var sliceLen = nx * ny;
        if (kz.Length == 0)
        {
            // Recursive along z: independent columns; process blocks of x so each line is a contiguous SIMD row.
            input.Span.CopyTo(output.Span);
            Parallel.For(0, ny, j => RecursiveGaussian.FilterStrided(output.Data, j * nx, nx, sliceLen, nz, recursiveSigma));
            return;
        }

        if (kz.Length == 1)
        {
            input.Span.CopyTo(output.Span);
            return;
        }

        var r = kz.Length / 2;
        var src = input.Data;
        var dst = output.Data;
        Parallel.For(0, nz, k =>
        {
            var o = dst.AsSpan(k * sliceLen, sliceLen);
            var first = Math.Clamp(k - r, 0, nz - 1);
            TensorPrimitives.Multiply(src.AsSpan(first * sliceLen, sliceLen), kz[0], o);
            for (var t = 1; t < kz.Length; t++)
            {
                var p = Math.Clamp(k + t - r, 0, nz - 1);
                TensorPrimitives.MultiplyAdd(src.AsSpan(p * sliceLen, sliceLen), kz[t], o, o);
            }
        });
    }

    private static void YPass(Span<float> slice, int nx, int ny, float[] ky, SliceWork work, double recursiveSigma)
    {
        if (ky.Length == 0)
        {
            RecursiveGaussian.FilterStrided(slice, 0, nx, nx, ny, recursiveSigma);
            return;
        }

        if (ky.Length == 1)
        {
            return;
        }

        var r = ky.Length / 2;
        var tmp = work.Slice.AsSpan(0, nx * ny);
        slice.CopyTo(tmp);
        for (var j = 0; j < ny; j++)
        {
            var o = slice.Slice(j * nx, nx);
            TensorPrimitives.Multiply(tmp.Slice(Math.Clamp(j - r, 0, ny - 1) * nx, nx), ky[0], o);
            for (var t = 1; t < ky.Length; t++)
            {
                TensorPrimitives.MultiplyAdd(tmp.Slice(Math.Clamp(j + t - r, 0, ny - 1) * nx, nx), ky[t], o, o);
            }
        }
    }

    private static void XPass(Span<float> slice, int nx, int ny, float[] kx, SliceWork work, double recursiveSigma)
    {
        if (kx.Length == 0)
        {
            for (var j = 0; j < ny; j++)
            {
                RecursiveGaussian.FilterContiguous(slice.Slice(j * nx, nx), recursiveSigma, work.Line);
            }

            return;
        }

        if (kx.Length == 1)
        {
            return;
        }

        var r = kx.Length / 2;
        var pad = work.Padded.AsSpan(0, nx + (2 * r));
        for (var j = 0; j < ny; j++)
        {
            var row = slice.Slice(j * nx, nx);

            // Replicate-padded copy of the row: pad[r + i] = row[i].
            pad[..r].Fill(row[0]);
            row.CopyTo(pad[r..]);
            pad[(r + nx)..].Fill(row[nx - 1]);

            // out[i] = Σ_t w[t] · pad[i + t]: each tap is a shifted SIMD sweep.
            TensorPrimitives.Multiply(pad[..nx], kx[0], row);
            for (var t = 1; t < kx.Length; t++)
            {
                TensorPrimitives.MultiplyAdd(pad.Slice(t, nx), kx[t], row, row);
            }
        }
    }

    /// <summary>Per-worker scratch: one slice and one padded row (pooled).</summary>
    private sealed class SliceWork : IDisposable
    {
        public SliceWork(int nx, int ny, int kernelLength)
        {
            Slice = ArrayPool<float>.Shared.Rent(nx * ny);
            Padded = ArrayPool<float>.Shared.Rent(nx + kernelLength + 8);
            Line = ArrayPool<double>.Shared.Rent(Math.Max(nx, ny) + kernelLength + 8);
        }

        public float[] Slice { get; }

        public float[] Padded { get; }

        public double[] Line { get; }

        public void Dispose()
        {
            ArrayPool<float>.Shared.Return(Slice);
            ArrayPool<float>.Shared.Return(Padded);
            ArrayPool<double>.Shared.Return(Line);
        }
    }
}
