using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BmeQuant.Imaging.Kernels;

namespace BmeQuant.Imaging.Thresholding;

/// <summary>
/// Single and band thresholds of float voxels into 0/1 masks, with <c>Vector512/256/128</c> paths and a scalar
/// reference path; the volume overloads run in parallel over slices. NaN never passes a threshold.
/// </summary>
public static class Threshold
{
    internal enum Kind
    {
        Above,
        AtLeast,
        Band,
    }

    /// <summary>destination[i] = source[i] &gt; <paramref name="threshold"/> ? 1 : 0 (the Otsu convention: foreground above the threshold).</summary>
    public static void Above(ReadOnlySpan<float> source, float threshold, Span<byte> destination) => Run(source, destination, threshold, float.NaN, Kind.Above);

    /// <summary>destination[i] = source[i] ≥ <paramref name="threshold"/> ? 1 : 0.</summary>
    public static void AtLeast(ReadOnlySpan<float> source, float threshold, Span<byte> destination) => Run(source, destination, threshold, float.NaN, Kind.AtLeast);

    /// <summary>destination[i] = <paramref name="lower"/> ≤ source[i] ≤ <paramref name="upper"/> ? 1 : 0 (double threshold).</summary>
    public static void Band(ReadOnlySpan<float> source, float lower, float upper, Span<byte> destination) => Run(source, destination, lower, upper, Kind.Band);

    /// <summary>Mask of the voxels &gt; <paramref name="threshold"/>.</summary>
    public static Volume<byte> Above(Volume<float> volume, float threshold) => RunVolume(volume, threshold, float.NaN, Kind.Above);

    /// <summary>Mask of the voxels ≥ <paramref name="threshold"/>.</summary>
    public static Volume<byte> AtLeast(Volume<float> volume, float threshold) => RunVolume(volume, threshold, float.NaN, Kind.AtLeast);

    /// <summary>Mask of the voxels in [<paramref name="lower"/>, <paramref name="upper"/>].</summary>
    public static Volume<byte> Band(Volume<float> volume, float lower, float upper) => RunVolume(volume, lower, upper, Kind.Band);

    /// <summary>Writes the mask of the voxels &gt; <paramref name="threshold"/> into <paramref name="destination"/> (same grid; no allocation).</summary>
    /// <exception cref="ArgumentException">The destination's voxel count differs from the volume's.</exception>
    public static void Above(Volume<float> volume, float threshold, Volume<byte> destination) => RunInto(volume, destination, threshold, float.NaN, Kind.Above);

    /// <summary>Writes the mask of the voxels ≥ <paramref name="threshold"/> into <paramref name="destination"/> (same grid; no allocation).</summary>
    /// <exception cref="ArgumentException">The destination's voxel count differs from the volume's.</exception>
    public static void AtLeast(Volume<float> volume, float threshold, Volume<byte> destination) => RunInto(volume, destination, threshold, float.NaN, Kind.AtLeast);

    /// <summary>Writes the mask of the voxels in [<paramref name="lower"/>, <paramref name="upper"/>] into <paramref name="destination"/> (same grid; no allocation).</summary>
    /// <exception cref="ArgumentException">The destination's voxel count differs from the volume's.</exception>
    public static void Band(Volume<float> volume, float lower, float upper, Volume<byte> destination) => RunInto(volume, destination, lower, upper, Kind.Band);

    /// <summary>Below this many voxels one thread thresholds the whole volume; blocks of about this many otherwise.</summary>
    private const int ParallelMinimum = 1 << 18;

    private static Volume<byte> RunVolume(Volume<float> volume, float lower, float upper, Kind kind)
    {
        ArgumentNullException.ThrowIfNull(volume);
        // Every voxel is written: the output needs no zeroing.
        var mask = new Volume<byte>(volume.Geometry, GC.AllocateUninitializedArray<byte>(volume.Length));
        RunParallel(volume.Data, mask.Data, lower, upper, kind);
        return mask;
    }

    private static void RunInto(Volume<float> volume, Volume<byte> destination, float lower, float upper, Kind kind)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Length != volume.Length)
        {
            throw new ArgumentException(
                $"Destination mask holds {destination.Length} voxels ({destination.SizeX}×{destination.SizeY}×{destination.SizeZ}); the volume {volume.Length} ({volume.SizeX}×{volume.SizeY}×{volume.SizeZ}).",
                nameof(destination));
        }

        RunParallel(volume.Data, destination.Data, lower, upper, kind);
    }

    private static void RunParallel(float[] src, byte[] dst, float lower, float upper, Kind kind)
    {
        var length = src.Length;
        if (length < 2 * ParallelMinimum)
        {
            Run(src, dst, lower, upper, kind);
            return;
        }

        // Blocks of ~256 K voxels (a multiple of 64 so no block splits a vector), not one task per slice.
        var blocks = (length + ParallelMinimum - 1) / ParallelMinimum;
        // ⌈length / blocks⌉ padded to 64, so blocks · block ≥ length (⌊length / blocks⌋ left the last voxels unwritten).
        var block = (((length + blocks - 1) / blocks) + 63) & ~63;
        Parallel.For(0, blocks, b =>
        {
            var start = Math.Min(length, b * block);
            var count = Math.Min(block, length - start);
            Run(src.AsSpan(start, count), dst.AsSpan(start, count), lower, upper, kind);
        });
    }

    internal static void Run(ReadOnlySpan<float> source, Span<byte> destination, float lower, float upper, Kind kind)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException($"Destination holds {destination.Length} voxels; the source {source.Length}.", nameof(destination));
        }

        var i = 0;
        if (Vector512.IsHardwareAccelerated && source.Length >= 4 * Vector512<float>.Count)
        {
            i = Run512(source, destination, lower, upper, kind);
        }
        else if (Vector256.IsHardwareAccelerated && source.Length >= 4 * Vector256<float>.Count)
        {
            i = Run256(source, destination, lower, upper, kind);
        }
        else if (Vector128.IsHardwareAccelerated && source.Length >= 4 * Vector128<float>.Count)
        {
            i = Run128(source, destination, lower, upper, kind);
        }

        // Scalar tail.
        RunScalar(source[i..], destination[i..], lower, upper, kind);
    }

    /// <summary>
    /// <see cref="Run(ReadOnlySpan{float}, Span{byte}, float, float, Kind)"/> with vectors up to <paramref name="width"/> (lengths checked by the
    /// caller): lets tests run bodies this machine does not accelerate. Same bodies and fallbacks as the production method.
    /// </summary>
    internal static void Run(ReadOnlySpan<float> source, Span<byte> destination, float lower, float upper, Kind kind, SimdWidth width)
    {
        var i = 0;
        if (width >= SimdWidth.Bits512 && source.Length >= 4 * Vector512<float>.Count)
        {
            i = Run512(source, destination, lower, upper, kind);
        }
        else if (width >= SimdWidth.Bits256 && source.Length >= 4 * Vector256<float>.Count)
        {
            i = Run256(source, destination, lower, upper, kind);
        }
        else if (width >= SimdWidth.Bits128 && source.Length >= 4 * Vector128<float>.Count)
        {
            i = Run128(source, destination, lower, upper, kind);
        }

        // Scalar tail.
        RunScalar(source[i..], destination[i..], lower, upper, kind);
    }

    /// <summary>Scalar reference path.</summary>
    internal static void RunScalar(ReadOnlySpan<float> source, Span<byte> destination, float lower, float upper, Kind kind)
    {
        for (var n = 0; n < source.Length; n++)
        {
            var x = source[n];
            var pass = kind switch
            {
                Kind.Above => x > lower,
                Kind.AtLeast => x >= lower,
                _ => x >= lower && x <= upper,
            };
            destination[n] = pass ? (byte)1 : (byte)0;
        }
    }

    /// <summary>
    /// Four vectors of all-ones/zero int lanes to one byte vector in element order. AVX2: two rounds of saturating
    /// packs (−1 stays −1) work within 128-bit halves, leaving 4-byte groups in the order 0, 2, 4, 6 | 1, 3, 5, 7;
    /// one dword permute restores it. Elsewhere the portable narrowing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> Pack(Vector256<int> c0, Vector256<int> c1, Vector256<int> c2, Vector256<int> c3)
    {
        if (Avx2.IsSupported)
        {
            var s01 = Avx2.PackSignedSaturate(c0, c1);
            var s23 = Avx2.PackSignedSaturate(c2, c3);
            var bytes = Avx2.PackSignedSaturate(s01, s23).AsInt32();
            return Avx2.PermuteVar8x32(bytes, Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsByte();
        }

        return PackPortable(c0, c1, c2, c3);
    }

    /// <summary>The portable narrowing of <see cref="Pack"/> (runs where AVX2 is absent; tests compare it with the AVX2 packs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> PackPortable(Vector256<int> c0, Vector256<int> c1, Vector256<int> c2, Vector256<int> c3) =>
        Vector256.Narrow(Vector256.Narrow(c0, c1), Vector256.Narrow(c2, c3)).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Test(Vector512<float> x, Vector512<float> lo, Vector512<float> hi, Kind kind) => kind switch
    {
        Kind.Above => Vector512.GreaterThan(x, lo),
        Kind.AtLeast => Vector512.GreaterThanOrEqual(x, lo),
        _ => Vector512.GreaterThanOrEqual(x, lo) & Vector512.LessThanOrEqual(x, hi),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Test(Vector256<float> x, Vector256<float> lo, Vector256<float> hi, Kind kind) => kind switch
    {
        Kind.Above => Vector256.GreaterThan(x, lo),
        Kind.AtLeast => Vector256.GreaterThanOrEqual(x, lo),
        _ => Vector256.GreaterThanOrEqual(x, lo) & Vector256.LessThanOrEqual(x, hi),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Test(Vector128<float> x, Vector128<float> lo, Vector128<float> hi, Kind kind) => kind switch
    {
        Kind.Above => Vector128.GreaterThan(x, lo),
        Kind.AtLeast => Vector128.GreaterThanOrEqual(x, lo),
        _ => Vector128.GreaterThanOrEqual(x, lo) & Vector128.LessThanOrEqual(x, hi),
    };

    /// <summary>The Vector512 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Run512(ReadOnlySpan<float> source, Span<byte> destination, float lower, float upper, Kind kind)
    {
        var i = 0;

        // Four float compares (all-ones int lanes) narrow int → short → byte into one byte vector; & 1 gives 0/1.
        var lo = Vector512.Create(lower);
        var hi = Vector512.Create(upper);
        var one = Vector512.Create((byte)1);
        var n = Vector512<float>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var last = source.Length - (4 * n);
        for (; i <= last; i += 4 * n)
        {
            var c0 = Test(Vector512.LoadUnsafe(ref src, (nuint)i), lo, hi, kind);
            var c1 = Test(Vector512.LoadUnsafe(ref src, (nuint)(i + n)), lo, hi, kind);
            var c2 = Test(Vector512.LoadUnsafe(ref src, (nuint)(i + (2 * n))), lo, hi, kind);
            var c3 = Test(Vector512.LoadUnsafe(ref src, (nuint)(i + (3 * n))), lo, hi, kind);
            var s01 = Vector512.Narrow(c0.AsInt32(), c1.AsInt32());
            var s23 = Vector512.Narrow(c2.AsInt32(), c3.AsInt32());
            (Vector512.Narrow(s01, s23).AsByte() & one).StoreUnsafe(ref dst, (nuint)i);
        }

        return i;
    }

    /// <summary>The Vector256 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Run256(ReadOnlySpan<float> source, Span<byte> destination, float lower, float upper, Kind kind)
    {
        var i = 0;

        // Four float compares (all-ones int lanes) narrow int → short → byte into one byte vector; & 1 gives 0/1.
        var lo = Vector256.Create(lower);
        var hi = Vector256.Create(upper);
        var one = Vector256.Create((byte)1);
        var n = Vector256<float>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var last = source.Length - (4 * n);
        for (; i <= last; i += 4 * n)
        {
            var c0 = Test(Vector256.LoadUnsafe(ref src, (nuint)i), lo, hi, kind);
            var c1 = Test(Vector256.LoadUnsafe(ref src, (nuint)(i + n)), lo, hi, kind);
            var c2 = Test(Vector256.LoadUnsafe(ref src, (nuint)(i + (2 * n))), lo, hi, kind);
            var c3 = Test(Vector256.LoadUnsafe(ref src, (nuint)(i + (3 * n))), lo, hi, kind);
            (Pack(c0.AsInt32(), c1.AsInt32(), c2.AsInt32(), c3.AsInt32()) & one).StoreUnsafe(ref dst, (nuint)i);
        }

        return i;
    }

    /// <summary>The Vector128 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Run128(ReadOnlySpan<float> source, Span<byte> destination, float lower, float upper, Kind kind)
    {
        var i = 0;

        // Four float compares (all-ones int lanes) narrow int → short → byte into one byte vector; & 1 gives 0/1.
        var lo = Vector128.Create(lower);
        var hi = Vector128.Create(upper);
        var one = Vector128.Create((byte)1);
        var n = Vector128<float>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        var last = source.Length - (4 * n);
        for (; i <= last; i += 4 * n)
        {
            var c0 = Test(Vector128.LoadUnsafe(ref src, (nuint)i), lo, hi, kind);
            var c1 = Test(Vector128.LoadUnsafe(ref src, (nuint)(i + n)), lo, hi, kind);
            var c2 = Test(Vector128.LoadUnsafe(ref src, (nuint)(i + (2 * n))), lo, hi, kind);
            var c3 = Test(Vector128.LoadUnsafe(ref src, (nuint)(i + (3 * n))), lo, hi, kind);
            var s01 = Vector128.Narrow(c0.AsInt32(), c1.AsInt32());
            var s23 = Vector128.Narrow(c2.AsInt32(), c3.AsInt32());
            (Vector128.Narrow(s01, s23).AsByte() & one).StoreUnsafe(ref dst, (nuint)i);
        }

        return i;
    }
}
