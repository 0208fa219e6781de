using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BmeQuant.Imaging.Thresholding;

namespace BmeQuant.Benchmarks.Imaging.Kernels;

/// <summary>Memory-bandwidth probes for the element-wise kernels: one equal part of the array per core.</summary>
internal static class BandwidthProbe
{
    /// <summary>Read-only pass: SIMD sum of each part (<see cref="TensorPrimitives.Sum{T}(ReadOnlySpan{T})"/>).</summary>
    public static float Sum(float[] values)
    {
        var parts = Environment.ProcessorCount;
        var sums = new float[parts];
        Parallel.For(0, parts, p =>
        {
            var (start, count) = Part(values.Length, parts, p);
            sums[p] = TensorPrimitives.Sum<float>(values.AsSpan(start, count));
        });
        return sums.Sum();
    }

    /// <summary>Copy of each part.</summary>
    public static void Copy(float[] source, float[] destination) => System.Threading.Tasks.Parallel.For(0, Environment.ProcessorCount, p =>
    {
        var (start, count) = Part(source.Length, Environment.ProcessorCount, p);
        source.AsSpan(start, count).CopyTo(destination.AsSpan(start, count));
    });

    /// <summary>Part <paramref name="p"/> of <paramref name="parts"/>, starts on a multiple of 64 elements.</summary>
    public static (int Start, int Count) Part(int length, int parts, int p)
    {
        var size = ((length / parts) + 63) & ~63;
        var start = Math.Min(length, p * size);
        return (start, p == parts - 1 ? length - start : Math.Min(size, length - start));
    }
}

/// <summary>
/// Threshold variants tried against <see cref="Threshold"/>'s kernel (AVX2 only; the scalar loop elsewhere). Kept
/// here, not in the library, because neither measured faster (Imaging/RESULTS.md).
/// </summary>
internal static class ThresholdVariants
{
    public delegate void Kernel(ReadOnlySpan<float> source, Span<byte> destination, float threshold);

    /// <summary>Blocks of ~256 K voxels in parallel, as the library's runner.</summary>
    public static void Parallel(float[] source, byte[] destination, float threshold, Kernel kernel)
    {
        const int minimum = 1 << 18;
        var length = source.Length;
        var blocks = Math.Max(1, (length + minimum - 1) / minimum);
        var block = ((length / blocks) + 63) & ~63;
        System.Threading.Tasks.Parallel.For(0, blocks, b =>
        {
            var start = Math.Min(length, b * block);
            var count = b == blocks - 1 ? length - start : Math.Min(block, length - start);
            kernel(source.AsSpan(start, count), destination.AsSpan(start, count), threshold);
        });
    }

    /// <summary>32 voxels per iteration, the packed bytes stored non-temporally (32-byte aligned; scalar head and tail).</summary>
    public static unsafe void AboveNonTemporal(ReadOnlySpan<float> source, Span<byte> destination, float threshold)
    {
        var i = 0;
        fixed (float* ps = source)
        fixed (byte* pd = destination)
        {
            if (Avx2.IsSupported)
            {
                var head = Math.Min(source.Length, (int)((32 - ((nuint)pd & 31)) & 31));
                for (; i < head; i++)
                {
                    pd[i] = ps[i] > threshold ? (byte)1 : (byte)0;
                }

                var t = Vector256.Create(threshold);
                var one = Vector256.Create((byte)1);
                for (; i <= source.Length - 32; i += 32)
                {
                    var c0 = Vector256.GreaterThan(Avx.LoadVector256(ps + i), t).AsInt32();
                    var c1 = Vector256.GreaterThan(Avx.LoadVector256(ps + i + 8), t).AsInt32();
                    var c2 = Vector256.GreaterThan(Avx.LoadVector256(ps + i + 16), t).AsInt32();
                    var c3 = Vector256.GreaterThan(Avx.LoadVector256(ps + i + 24), t).AsInt32();
                    Avx.StoreAlignedNonTemporal(pd + i, Threshold.Pack(c0, c1, c2, c3) & one);
                }

                Sse.StoreFence();
            }

            for (; i < source.Length; i++)
            {
                pd[i] = ps[i] > threshold ? (byte)1 : (byte)0;
            }
        }
    }

    /// <summary>64 voxels per iteration: eight loads and compares, two packed 32-byte stores.</summary>
    public static void AboveUnrolled8(ReadOnlySpan<float> source, Span<byte> destination, float threshold)
    {
        var i = 0;
        if (Avx2.IsSupported)
        {
            var t = Vector256.Create(threshold);
            var one = Vector256.Create((byte)1);
            ref var src = ref MemoryMarshal.GetReference(source);
            ref var dst = ref MemoryMarshal.GetReference(destination);
            for (; i <= source.Length - 64; i += 64)
            {
                var n = (nuint)i;
                var c0 = Vector256.GreaterThan(Vector256.LoadUnsafe(ref src, n), t).AsInt32();
                var c1 = Vector256.GreaterThan(Vector256.LoadUnsafe(ref src, n + 8), t).AsInt32();
                var c2 = Vector256.GreaterThan(Vector256.LoadUnsafe(ref src, n + 16), t).AsInt32();
                var c3 = Vector256.GreaterThan(Vector256.LoadUnsafe(ref src, n + 24), t).AsInt32();
                var c4 = Vector256.GreaterThan(Vector256.LoadUnsafe(ref src, n + 32), t).AsInt32();
                var c5 = Vector256.GreaterThan(Vector256.LoadUnsafe(ref src, n + 40), t).AsInt32();
                var c6 = Vector256.GreaterThan(Vector256.LoadUnsafe(ref src, n + 48), t).AsInt32();
                var c7 = Vector256.GreaterThan(Vector256.LoadUnsafe(ref src, n + 56), t).AsInt32();
                (Threshold.Pack(c0, c1, c2, c3) & one).StoreUnsafe(ref dst, n);
                (Threshold.Pack(c4, c5, c6, c7) & one).StoreUnsafe(ref dst, n + 32);
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = source[i] > threshold ? (byte)1 : (byte)0;
        }
    }
}
