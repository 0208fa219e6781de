using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BmeQuant.Imaging.Filters;

/// <summary>
/// 3-D median over a box window of (2rx+1)×(2ry+1)×(2rz+1) voxels, borders replicating the edge voxel
/// (scipy's <c>median_filter(size=…, mode='nearest')</c>). Windows of up to 128 voxels run a pruned Batcher
/// sorting network on 8 voxels at once (Vector256); larger windows use a per-voxel selection. Parallel over slices.
/// A window holding a NaN voxel gives NaN (NaN propagates, as in <see cref="Kernels.VoxelStatistics"/>).
/// </summary>
public static class MedianFilter
{
    private const int MaxNetworkSize = 128;

    /// <summary>
    /// Median with a radius in mm: the per-axis radius in voxels is ⌊radius / spacing⌋ (a 1 mm radius on 0.4×0.4×3 mm
    /// voxels gives radii 2, 2, 0: a 5×5×1 window).
    /// </summary>
    public static Volume<float> Apply(Volume<float> input, double radiusMm)
    {
        ArgumentNullException.ThrowIfNull(input);
        StructuringElement.ValidateRadius(radiusMm);
        var sp = input.Geometry.Spacing;
        static int R(double r, double s) => (int)Math.Floor((r / s) + 1e-9);
        return ApplyVoxels(input, R(radiusMm, sp.X), R(radiusMm, sp.Y), R(radiusMm, sp.Z));
    }

    /// <summary>Median with radii in voxels per axis (0 = no extent along that axis).</summary>
    public static Volume<float> ApplyVoxels(Volume<float> input, int radiusX, int radiusY, int radiusZ) =>
        ApplyVoxels(input, radiusX, radiusY, radiusZ, useSimd: true);

    internal static Volume<float> ApplyVoxels(Volume<float> input, int radiusX, int radiusY, int radiusZ, bool useSimd)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (radiusX < 0 || radiusY < 0 || radiusZ < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(radiusX), string.Create(CultureInfo.InvariantCulture, $"Radii must be >= 0 voxels; found {radiusX}, {radiusY}, {radiusZ}."));
        }

        int nx = input.SizeX, ny = input.SizeY, nz = input.SizeZ;
        var window = ((2 * radiusX) + 1) * ((2 * radiusY) + 1) * ((2 * radiusZ) + 1);
        // Every output row is written whole below: no zeroing needed.
        var output = new Volume<float>(input.Geometry, GC.AllocateUninitializedArray<float>(input.Length));
        var network = useSimd && window <= MaxNetworkSize && Vector256.IsHardwareAccelerated ? SortingNetwork.MedianOf(window) : null;
        var padLen = nx + (2 * radiusX);
        var rowsPerWindow = ((2 * radiusY) + 1) * ((2 * radiusZ) + 1);

        // One SIMD scan: windows are checked for NaN only when the volume holds one (the common case pays nothing).
        var anyNaN = TensorPrimitives.IsNaNAny<float>(input.Data);
        Parallel.For(
            0,
            nz,
            () => new float[(rowsPerWindow * padLen) + window],
            (k, _, buffer) =>
            {
                var pad = buffer.AsSpan(0, rowsPerWindow * padLen);
                var scratch = buffer.AsSpan(rowsPerWindow * padLen, window);
                for (var j = 0; j < ny; j++)
                {
                    // Replicate-padded copies of the rows the window touches: row w = (dz, dy) in z-then-y order.
                    var w = 0;
                    for (var dz = -radiusZ; dz <= radiusZ; dz++)
                    {
                        var sk = Math.Clamp(k + dz, 0, nz - 1);
                        for (var dy = -radiusY; dy <= radiusY; dy++)
                        {
                            var sj = Math.Clamp(j + dy, 0, ny - 1);
                            var src = input.Data.AsSpan((sk * nx * ny) + (sj * nx), nx);
                            var dst = pad.Slice(w * padLen, padLen);
                            dst[..radiusX].Fill(src[0]);
                            src.CopyTo(dst[radiusX..]);
                            dst[(radiusX + nx)..].Fill(src[nx - 1]);
                            w++;
                        }
                    }

                    var outRow = output.Data.AsSpan((k * nx * ny) + (j * nx), nx);
                    var i = 0;
                    if (network is not null)
                    {
                        i = MedianRowVector256(pad, padLen, rowsPerWindow, radiusX, network, outRow, anyNaN);
                    }

                    for (; i < nx; i++)
                    {
                        outRow[i] = MedianScalar(pad, padLen, rowsPerWindow, radiusX, i, scratch, anyNaN);
                    }
                }

                return buffer;
            },
            _ => { });
        return output;
    }

    // Output voxel i, window element (row w, dx) = pad[w·padLen + i + dx + rx] with dx in −rx..rx,
    // i.e. pad[w·padLen + i + e] for e in 0..2rx.
    private static float MedianScalar(Span<float> pad, int padLen, int rows, int rx, int i, Span<float> scratch, bool checkNaN)
    {
        var n = 0;
        for (var w = 0; w < rows; w++)
        {
            pad.Slice((w * padLen) + i, (2 * rx) + 1).CopyTo(scratch[n..]);
            n += (2 * rx) + 1;
        }

        if (checkNaN && TensorPrimitives.IsNaNAny<float>(scratch[..n]))
        {
            return float.NaN;
        }

        return Select(scratch[..n], n / 2);
    }

    /// <summary>Processes whole vectors of 8 output voxels; returns the first index not done.</summary>
    [SkipLocalsInit]
    private static unsafe int MedianRowVector256(Span<float> pad, int padLen, int rows, int rx, SortingNetwork network, Span<float> outRow, bool checkNaN)
    {
        var size = network.Size;
        var v = stackalloc Vector256<float>[size];
        var pairs = network.Pairs;
        var span = (2 * rx) + 1;
        var nx = outRow.Length;
        var i = 0;
        fixed (float* p = pad)
        fixed (float* o = outRow)
        {
            for (; i + Vector256<float>.Count <= nx; i += Vector256<float>.Count)
            {
                // Lane l of v[e] holds window element e of output voxel i + l; nan marks the lanes whose window
                // holds a NaN (the native min/max route NaN unpredictably, so those lanes are set to NaN at the end).
                var e = 0;
                var nan = Vector256<float>.Zero;
                for (var w = 0; w < rows; w++)
                {
                    var rowPtr = p + (w * padLen) + i;
                    for (var d = 0; d < span; d++)
                    {
                        var x = Vector256.Load(rowPtr + d);
                        if (checkNaN)
                        {
                            nan |= ~Vector256.Equals(x, x);
                        }

                        v[e++] = x;
                    }
                }

                // Padding to the network's power-of-two size with +∞ keeps the median at index window/2.
                for (; e < size; e++)
                {
                    v[e] = Vector256.Create(float.PositiveInfinity);
                }

                for (var c = 0; c < pairs.Length; c += 2)
                {
                    int a = pairs[c], b = pairs[c + 1];
                    var x = v[a];
                    var y = v[b];
                    v[a] = Vector256.MinNative(x, y);
                    v[b] = Vector256.MaxNative(x, y);
                }

                Vector256.ConditionalSelect(nan, Vector256.Create(float.NaN), v[network.MedianIndex]).Store(o + i);
            }
        }

        return i;
    }

    /// <summary>k-th smallest (0-based) by quickselect (Hoare partition, median-of-three pivot); reorders the span.</summary>
    internal static float Select(Span<float> a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        while (hi > lo)
        {
            var mid = lo + ((hi - lo) / 2);
            if (a[mid] < a[lo])
            {
                (a[mid], a[lo]) = (a[lo], a[mid]);
            }

            if (a[hi] < a[lo])
            {
                (a[hi], a[lo]) = (a[lo], a[hi]);
            }

            if (a[hi] < a[mid])
            {
                (a[hi], a[mid]) = (a[mid], a[hi]);
            }

            var pivot = a[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot)
                {
                    i++;
                }

                while (a[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                hi = j;
            }
            else if (k >= i)
            {
                lo = i;
            }
            else
            {
                return a[k];
            }
        }

        return a[k];
    }

    /// <summary>Scalar reference: full sort of every window (slow; for tests).</summary>
    internal static Volume<float> ApplyReference(Volume<float> input, int rx, int ry, int rz)
    {
        int nx = input.SizeX, ny = input.SizeY, nz = input.SizeZ;
        var output = new Volume<float>(input.Geometry);
        var buf = new List<float>();
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                for (var i = 0; i < nx; i++)
                {
                    buf.Clear();
                    for (var dz = -rz; dz <= rz; dz++)
                    {
                        for (var dy = -ry; dy <= ry; dy++)
                        {
                            for (var dx = -rx; dx <= rx; dx++)
                            {
                                buf.Add(input[Math.Clamp(i + dx, 0, nx - 1), Math.Clamp(j + dy, 0, ny - 1), Math.Clamp(k + dz, 0, nz - 1)]);
                            }
                        }
                    }

                    buf.Sort();
                    output[i, j, k] = buf.Exists(float.IsNaN) ? float.NaN : buf[buf.Count / 2];
                }
            }
        }

        return output;
    }
}
