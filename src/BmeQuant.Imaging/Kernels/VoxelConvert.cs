using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BmeQuant.Imaging.Kernels;

/// <summary>
/// Element-wise type conversion with rescale (the DICOM/NIfTI "slope and intercept") to float, with
/// <c>Vector512/256/128</c> paths (the widest accelerated one runs) and a scalar reference path. NaN and ±∞ (in a
/// float source, slope or intercept) follow IEEE arithmetic on every path: NaN propagates, overflow gives ±∞.
/// </summary>
public static class VoxelConvert
{
    /// <summary>
    /// Converts <paramref name="source"/> to float and rescales: destination[i] = (float)source[i] · slope + intercept,
    /// evaluated in single precision as a multiply then an add (no fused multiply-add), so every path gives the same bits.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is shorter than the source.</exception>
    public static void ToFloat(ReadOnlySpan<byte> source, Span<float> destination, float slope = 1f, float intercept = 0f)
    {
        CheckLengths(source.Length, destination.Length);
        var i = 0;
        if (Vector512.IsHardwareAccelerated && source.Length >= Vector512<byte>.Count)
        {
            i = ToFloat512(source, destination, slope, intercept);
        }
        else if (Vector256.IsHardwareAccelerated && source.Length >= Vector256<byte>.Count)
        {
            i = ToFloat256(source, destination, slope, intercept);
        }
        else if (Vector128.IsHardwareAccelerated && source.Length >= Vector128<byte>.Count)
        {
            i = ToFloat128(source, destination, slope, intercept);
        }

        // Scalar tail (and whole input when no SIMD width is accelerated).
        ToFloatScalar(source[i..], destination[i..], slope, intercept);
    }

    /// <summary>
    /// <see cref="ToFloat(ReadOnlySpan{byte}, Span{float}, float, float)"/> with vectors up to <paramref name="width"/> (lengths checked by the
    /// caller): lets tests run bodies this machine does not accelerate. Same bodies and fallbacks as the public method.
    /// </summary>
    internal static void ToFloat(ReadOnlySpan<byte> source, Span<float> destination, float slope, float intercept, SimdWidth width)
    {
        var i = 0;
        if (width >= SimdWidth.Bits512 && source.Length >= Vector512<byte>.Count)
        {
            i = ToFloat512(source, destination, slope, intercept);
        }
        else if (width >= SimdWidth.Bits256 && source.Length >= Vector256<byte>.Count)
        {
            i = ToFloat256(source, destination, slope, intercept);
        }
        else if (width >= SimdWidth.Bits128 && source.Length >= Vector128<byte>.Count)
        {
            i = ToFloat128(source, destination, slope, intercept);
        }

        // Scalar tail (and whole input when no SIMD width is accelerated).
        ToFloatScalar(source[i..], destination[i..], slope, intercept);
    }

    /// <summary>Scalar reference of <see cref="ToFloat(ReadOnlySpan{byte}, Span{float}, float, float)"/>.</summary>
    internal static void ToFloatScalar(ReadOnlySpan<byte> source, Span<float> destination, float slope, float intercept)
    {
        for (var n = 0; n < source.Length; n++)
        {
            destination[n] = ((float)source[n] * slope) + intercept;
        }
    }

    /// <summary>
    /// Converts <paramref name="source"/> to float and rescales: destination[i] = (float)source[i] · slope + intercept,
    /// evaluated in single precision as a multiply then an add (no fused multiply-add), so every path gives the same bits.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is shorter than the source.</exception>
    public static void ToFloat(ReadOnlySpan<ushort> source, Span<float> destination, float slope = 1f, float intercept = 0f)
    {
        CheckLengths(source.Length, destination.Length);
        var i = 0;
        if (Vector512.IsHardwareAccelerated && source.Length >= Vector512<ushort>.Count)
        {
            i = ToFloat512(source, destination, slope, intercept);
        }
        else if (Vector256.IsHardwareAccelerated && source.Length >= Vector256<ushort>.Count)
        {
            i = ToFloat256(source, destination, slope, intercept);
        }
        else if (Vector128.IsHardwareAccelerated && source.Length >= Vector128<ushort>.Count)
        {
            i = ToFloat128(source, destination, slope, intercept);
        }

        // Scalar tail (and whole input when no SIMD width is accelerated).
        ToFloatScalar(source[i..], destination[i..], slope, intercept);
    }

    /// <summary>
    /// <see cref="ToFloat(ReadOnlySpan{ushort}, Span{float}, float, float)"/> with vectors up to <paramref name="width"/> (lengths checked by the
    /// caller): lets tests run bodies this machine does not accelerate. Same bodies and fallbacks as the public method.
    /// </summary>
    internal static void ToFloat(ReadOnlySpan<ushort> source, Span<float> destination, float slope, float intercept, SimdWidth width)
    {
        var i = 0;
        if (width >= SimdWidth.Bits512 && source.Length >= Vector512<ushort>.Count)
        {
            i = ToFloat512(source, destination, slope, intercept);
        }
        else if (width >= SimdWidth.Bits256 && source.Length >= Vector256<ushort>.Count)
        {
            i = ToFloat256(source, destination, slope, intercept);
        }
        else if (width >= SimdWidth.Bits128 && source.Length >= Vector128<ushort>.Count)
        {
            i = ToFloat128(source, destination, slope, intercept);
        }

        // Scalar tail (and whole input when no SIMD width is accelerated).
        ToFloatScalar(source[i..], destination[i..], slope, intercept);
    }

    /// <summary>Scalar reference of <see cref="ToFloat(ReadOnlySpan{ushort}, Span{float}, float, float)"/>.</summary>
    internal static void ToFloatScalar(ReadOnlySpan<ushort> source, Span<float> destination, float slope, float intercept)
    {
        for (var n = 0; n < source.Length; n++)
        {
            destination[n] = ((float)source[n] * slope) + intercept;
        }
    }

    /// <summary>
    /// Converts <paramref name="source"/> to float and rescales: destination[i] = (float)source[i] · slope + intercept,
    /// evaluated in single precision as a multiply then an add (no fused multiply-add), so every path gives the same bits.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is shorter than the source.</exception>
    public static void ToFloat(ReadOnlySpan<short> source, Span<float> destination, float slope = 1f, float intercept = 0f)
    {
        CheckLengths(source.Length, destination.Length);
        var i = 0;
        if (Vector512.IsHardwareAccelerated && source.Length >= Vector512<short>.Count)
        {
            i = ToFloat512(source, destination, slope, intercept);
        }
        else if (Vector256.IsHardwareAccelerated && source.Length >= Vector256<short>.Count)
        {
            i = ToFloat256(source, destination, slope, intercept);
        }
        else if (Vector128.IsHardwareAccelerated && source.Length >= Vector128<short>.Count)
        {
            i = ToFloat128(source, destination, slope, intercept);
        }

        // Scalar tail (and whole input when no SIMD width is accelerated).
        ToFloatScalar(source[i..], destination[i..], slope, intercept);
    }

    /// <summary>
    /// <see cref="ToFloat(ReadOnlySpan{short}, Span{float}, float, float)"/> with vectors up to <paramref name="width"/> (lengths checked by the
    /// caller): lets tests run bodies this machine does not accelerate. Same bodies and fallbacks as the public method.
    /// </summary>
    internal static void ToFloat(ReadOnlySpan<short> source, Span<float> destination, float slope, float intercept, SimdWidth width)
    {
        var i = 0;
        if (width >= SimdWidth.Bits512 && source.Length >= Vector512<short>.Count)
        {
            i = ToFloat512(source, destination, slope, intercept);
        }
        else if (width >= SimdWidth.Bits256 && source.Length >= Vector256<short>.Count)
        {
            i = ToFloat256(source, destination, slope, intercept);
        }
        else if (width >= SimdWidth.Bits128 && source.Length >= Vector128<short>.Count)
        {
            i = ToFloat128(source, destination, slope, intercept);
        }

        // Scalar tail (and whole input when no SIMD width is accelerated).
        ToFloatScalar(source[i..], destination[i..], slope, intercept);
    }

    /// <summary>Scalar reference of <see cref="ToFloat(ReadOnlySpan{short}, Span{float}, float, float)"/>.</summary>
    internal static void ToFloatScalar(ReadOnlySpan<short> source, Span<float> destination, float slope, float intercept)
    {
        for (var n = 0; n < source.Length; n++)
        {
            destination[n] = ((float)source[n] * slope) + intercept;
        }
    }

    /// <summary>
    /// Converts <paramref name="source"/> to float and rescales: destination[i] = (float)source[i] · slope + intercept,
    /// evaluated in single precision as a multiply then an add (no fused multiply-add), so every path gives the same bits.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is shorter than the source or overlaps it without being the same span.</exception>
    public static void ToFloat(ReadOnlySpan<float> source, Span<float> destination, float slope = 1f, float intercept = 0f)
    {
        CheckLengths(source.Length, destination.Length);
        CheckOverlap(source, destination);
        var i = 0;
        if (Vector512.IsHardwareAccelerated && source.Length >= Vector512<float>.Count)
        {
            i = ToFloat512(source, destination, slope, intercept);
        }
        else if (Vector256.IsHardwareAccelerated && source.Length >= Vector256<float>.Count)
        {
            i = ToFloat256(source, destination, slope, intercept);
        }
        else if (Vector128.IsHardwareAccelerated && source.Length >= Vector128<float>.Count)
        {
            i = ToFloat128(source, destination, slope, intercept);
        }

        // Scalar tail (and whole input when no SIMD width is accelerated).
        ToFloatScalar(source[i..], destination[i..], slope, intercept);
    }

    /// <summary>
    /// <see cref="ToFloat(ReadOnlySpan{float}, Span{float}, float, float)"/> with vectors up to <paramref name="width"/> (lengths checked by the
    /// caller): lets tests run bodies this machine does not accelerate. Same bodies and fallbacks as the public method.
    /// </summary>
    internal static void ToFloat(ReadOnlySpan<float> source, Span<float> destination, float slope, float intercept, SimdWidth width)
    {
        var i = 0;
        if (width >= SimdWidth.Bits512 && source.Length >= Vector512<float>.Count)
        {
            i = ToFloat512(source, destination, slope, intercept);
        }
        else if (width >= SimdWidth.Bits256 && source.Length >= Vector256<float>.Count)
        {
            i = ToFloat256(source, destination, slope, intercept);
        }
        else if (width >= SimdWidth.Bits128 && source.Length >= Vector128<float>.Count)
        {
            i = ToFloat128(source, destination, slope, intercept);
        }

        // Scalar tail (and whole input when no SIMD width is accelerated).
        ToFloatScalar(source[i..], destination[i..], slope, intercept);
    }

    /// <summary>Scalar reference of <see cref="ToFloat(ReadOnlySpan{float}, Span{float}, float, float)"/>.</summary>
    internal static void ToFloatScalar(ReadOnlySpan<float> source, Span<float> destination, float slope, float intercept)
    {
        for (var n = 0; n < source.Length; n++)
        {
            destination[n] = ((float)source[n] * slope) + intercept;
        }
    }

    /// <summary>Dispatches to the SIMD conversions for the source types that have one; false for the others.</summary>
    internal static bool TryToFloat<TSource>(ReadOnlySpan<TSource> source, Span<float> destination, float slope, float intercept)
        where TSource : unmanaged
    {
        if (typeof(TSource) == typeof(byte))
        {
            ToFloat(MemoryMarshal.Cast<TSource, byte>(source), destination, slope, intercept);
            return true;
        }

        if (typeof(TSource) == typeof(ushort))
        {
            ToFloat(MemoryMarshal.Cast<TSource, ushort>(source), destination, slope, intercept);
            return true;
        }

        if (typeof(TSource) == typeof(short))
        {
            ToFloat(MemoryMarshal.Cast<TSource, short>(source), destination, slope, intercept);
            return true;
        }

        if (typeof(TSource) == typeof(float))
        {
            ToFloat(MemoryMarshal.Cast<TSource, float>(source), destination, slope, intercept);
            return true;
        }

        return false;
    }

    private static void CheckLengths(int source, int destination)
    {
        if (destination < source)
        {
            ThrowDestinationTooShort(source, destination);
        }
    }

    private static void CheckOverlap(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (source.Overlaps(destination, out var offset) && offset != 0)
        {
            ThrowOverlap();
        }
    }

    [DoesNotReturn]
    private static void ThrowDestinationTooShort(int source, int destination) =>
        throw new ArgumentException($"Destination holds {destination} elements; the source has {source}.", nameof(destination));

    [DoesNotReturn]
    private static void ThrowOverlap() =>
        throw new ArgumentException("Destination overlaps the source at a different offset; use the same span for in-place conversion or separate buffers.", "destination");

    /// <summary>The Vector512 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat512(ReadOnlySpan<byte> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;

        // One byte vector widens to two ushort vectors, each to two uint vectors: four float vectors.
        var s = Vector512.Create(slope);
        var b = Vector512.Create(intercept);
        var last = source.Length - Vector512<byte>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector512<byte>.Count)
        {
            var v = Vector512.LoadUnsafe(ref src, (nuint)i);
            var (u0, u1) = Vector512.Widen(v);
            var (w0, w1) = Vector512.Widen(u0);
            var (w2, w3) = Vector512.Widen(u1);
            var n = Vector512<float>.Count;
            ((Vector512.ConvertToSingle(w0.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)i);
            ((Vector512.ConvertToSingle(w1.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + n));
            ((Vector512.ConvertToSingle(w2.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + (2 * n)));
            ((Vector512.ConvertToSingle(w3.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + (3 * n)));
        }

        return i;
    }

    /// <summary>The Vector256 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat256(ReadOnlySpan<byte> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;

        // One byte vector widens to two ushort vectors, each to two uint vectors: four float vectors.
        var s = Vector256.Create(slope);
        var b = Vector256.Create(intercept);
        var last = source.Length - Vector256<byte>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector256<byte>.Count)
        {
            var v = Vector256.LoadUnsafe(ref src, (nuint)i);
            var (u0, u1) = Vector256.Widen(v);
            var (w0, w1) = Vector256.Widen(u0);
            var (w2, w3) = Vector256.Widen(u1);
            var n = Vector256<float>.Count;
            ((Vector256.ConvertToSingle(w0.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)i);
            ((Vector256.ConvertToSingle(w1.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + n));
            ((Vector256.ConvertToSingle(w2.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + (2 * n)));
            ((Vector256.ConvertToSingle(w3.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + (3 * n)));
        }

        return i;
    }

    /// <summary>The Vector128 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat128(ReadOnlySpan<byte> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;

        // One byte vector widens to two ushort vectors, each to two uint vectors: four float vectors.
        var s = Vector128.Create(slope);
        var b = Vector128.Create(intercept);
        var last = source.Length - Vector128<byte>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector128<byte>.Count)
        {
            var v = Vector128.LoadUnsafe(ref src, (nuint)i);
            var (u0, u1) = Vector128.Widen(v);
            var (w0, w1) = Vector128.Widen(u0);
            var (w2, w3) = Vector128.Widen(u1);
            var n = Vector128<float>.Count;
            ((Vector128.ConvertToSingle(w0.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)i);
            ((Vector128.ConvertToSingle(w1.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + n));
            ((Vector128.ConvertToSingle(w2.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + (2 * n)));
            ((Vector128.ConvertToSingle(w3.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + (3 * n)));
        }

        return i;
    }

    /// <summary>The Vector512 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat512(ReadOnlySpan<ushort> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;

        // One ushort vector widens to two uint vectors (values < 2^16 convert exactly through int).
        var s = Vector512.Create(slope);
        var b = Vector512.Create(intercept);
        var last = source.Length - Vector512<ushort>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector512<ushort>.Count)
        {
            var (w0, w1) = Vector512.Widen(Vector512.LoadUnsafe(ref src, (nuint)i));
            ((Vector512.ConvertToSingle(w0.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)i);
            ((Vector512.ConvertToSingle(w1.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + Vector512<float>.Count));
        }

        return i;
    }

    /// <summary>The Vector256 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat256(ReadOnlySpan<ushort> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;

        // One ushort vector widens to two uint vectors (values < 2^16 convert exactly through int).
        var s = Vector256.Create(slope);
        var b = Vector256.Create(intercept);
        var last = source.Length - Vector256<ushort>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector256<ushort>.Count)
        {
            var (w0, w1) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
            ((Vector256.ConvertToSingle(w0.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)i);
            ((Vector256.ConvertToSingle(w1.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + Vector256<float>.Count));
        }

        return i;
    }

    /// <summary>The Vector128 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat128(ReadOnlySpan<ushort> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;

        // One ushort vector widens to two uint vectors (values < 2^16 convert exactly through int).
        var s = Vector128.Create(slope);
        var b = Vector128.Create(intercept);
        var last = source.Length - Vector128<ushort>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector128<ushort>.Count)
        {
            var (w0, w1) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
            ((Vector128.ConvertToSingle(w0.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)i);
            ((Vector128.ConvertToSingle(w1.AsInt32()) * s) + b).StoreUnsafe(ref dst, (nuint)(i + Vector128<float>.Count));
        }

        return i;
    }

    /// <summary>The Vector512 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat512(ReadOnlySpan<short> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;

        // One short vector sign-extends to two int vectors.
        var s = Vector512.Create(slope);
        var b = Vector512.Create(intercept);
        var last = source.Length - Vector512<short>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector512<short>.Count)
        {
            var (w0, w1) = Vector512.Widen(Vector512.LoadUnsafe(ref src, (nuint)i));
            ((Vector512.ConvertToSingle(w0) * s) + b).StoreUnsafe(ref dst, (nuint)i);
            ((Vector512.ConvertToSingle(w1) * s) + b).StoreUnsafe(ref dst, (nuint)(i + Vector512<float>.Count));
        }

        return i;
    }

    /// <summary>The Vector256 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat256(ReadOnlySpan<short> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;

        // One short vector sign-extends to two int vectors.
        var s = Vector256.Create(slope);
        var b = Vector256.Create(intercept);
        var last = source.Length - Vector256<short>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector256<short>.Count)
        {
            var (w0, w1) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
            ((Vector256.ConvertToSingle(w0) * s) + b).StoreUnsafe(ref dst, (nuint)i);
            ((Vector256.ConvertToSingle(w1) * s) + b).StoreUnsafe(ref dst, (nuint)(i + Vector256<float>.Count));
        }

        return i;
    }

    /// <summary>The Vector128 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat128(ReadOnlySpan<short> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;

        // One short vector sign-extends to two int vectors.
        var s = Vector128.Create(slope);
        var b = Vector128.Create(intercept);
        var last = source.Length - Vector128<short>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector128<short>.Count)
        {
            var (w0, w1) = Vector128.Widen(Vector128.LoadUnsafe(ref src, (nuint)i));
            ((Vector128.ConvertToSingle(w0) * s) + b).StoreUnsafe(ref dst, (nuint)i);
            ((Vector128.ConvertToSingle(w1) * s) + b).StoreUnsafe(ref dst, (nuint)(i + Vector128<float>.Count));
        }

        return i;
    }

    /// <summary>The Vector512 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat512(ReadOnlySpan<float> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;
        var s = Vector512.Create(slope);
        var b = Vector512.Create(intercept);
        var last = source.Length - Vector512<float>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector512<float>.Count)
        {
            ((Vector512.LoadUnsafe(ref src, (nuint)i) * s) + b).StoreUnsafe(ref dst, (nuint)i);
        }

        return i;
    }

    /// <summary>The Vector256 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat256(ReadOnlySpan<float> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;
        var s = Vector256.Create(slope);
        var b = Vector256.Create(intercept);
        var last = source.Length - Vector256<float>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector256<float>.Count)
        {
            ((Vector256.LoadUnsafe(ref src, (nuint)i) * s) + b).StoreUnsafe(ref dst, (nuint)i);
        }

        return i;
    }

    /// <summary>The Vector128 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ToFloat128(ReadOnlySpan<float> source, Span<float> destination, float slope, float intercept)
    {
        var i = 0;
        var s = Vector128.Create(slope);
        var b = Vector128.Create(intercept);
        var last = source.Length - Vector128<float>.Count;
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (; i <= last; i += Vector128<float>.Count)
        {
            ((Vector128.LoadUnsafe(ref src, (nuint)i) * s) + b).StoreUnsafe(ref dst, (nuint)i);
        }

        return i;
    }
}
