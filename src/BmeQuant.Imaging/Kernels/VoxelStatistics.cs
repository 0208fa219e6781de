using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BmeQuant.Imaging.Kernels;

/// <summary>
/// One-pass reductions over float voxels, optionally restricted to a mask (voxels whose mask byte is non-zero):
/// count, minimum, maximum and shifted sums Σ(x − shift), Σ(x − shift)² accumulated in double.
/// <c>Vector512/256/128</c> paths (the widest accelerated one runs) with a scalar tail, and a scalar reference path.
/// NaN propagates: a NaN voxel (inside the mask) makes the minimum, maximum and sums NaN.
/// </summary>
public static class VoxelStatistics
{
    /// <summary>
    /// Evaluates count, min, max and the shifted sums of <paramref name="values"/> where <paramref name="mask"/> is non-zero
    /// (all voxels when the mask is empty).
    /// </summary>
    /// <param name="values">The voxels.</param>
    /// <param name="mask">Empty, or one byte per voxel.</param>
    /// <param name="shift">Subtracted from every value before summing (choose a typical value for accuracy); must be finite.</param>
    /// <exception cref="ArgumentException">The mask is neither empty nor as long as the values.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shift"/> is NaN or infinite (masked-out SIMD lanes
    /// stand in as the shift itself, and shift − shift must be 0).</exception>
    public static StatisticsAccumulator Accumulate(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask = default, float shift = 0f)
    {
        if (!float.IsFinite(shift))
        {
            throw new ArgumentOutOfRangeException(nameof(shift), shift, "The shift must be a finite float.");
        }

        if (mask.Length != 0 && mask.Length != values.Length)
        {
            throw new ArgumentException($"Mask holds {mask.Length} voxels; the values {values.Length}.", nameof(mask));
        }

        return mask.Length == 0 ? AccumulateUnmasked(values, shift) : AccumulateMasked(values, mask, shift);
    }

    /// <summary>
    /// <see cref="Accumulate(ReadOnlySpan{float}, ReadOnlySpan{byte}, float)"/> with vectors up to <paramref name="width"/> (arguments checked by
    /// the caller): lets tests run bodies this machine does not accelerate. Same bodies and fallbacks as the public method.
    /// </summary>
    internal static StatisticsAccumulator Accumulate(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, float shift, SimdWidth width) =>
        mask.Length == 0 ? AccumulateUnmasked(values, shift, width) : AccumulateMasked(values, mask, shift, width);

    /// <summary>Evaluates the minimum and maximum (NaN if empty or any voxel is NaN).</summary>
    public static (float Min, float Max) MinMax(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask = default)
    {
        var a = Accumulate(values, mask);
        return a.Count == 0 ? (float.NaN, float.NaN) : ((float)a.Min, (float)a.Max);
    }

    /// <summary>Evaluates the sum, accumulated in double (0 when empty).</summary>
    public static double Sum(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask = default) => Accumulate(values, mask).Sum;

    private static StatisticsAccumulator AccumulateUnmasked(ReadOnlySpan<float> values, float shiftF)
    {
        double shift = shiftF;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        double s1 = 0, s2 = 0;
        long count = 0;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && values.Length >= Vector512<float>.Count)
        {
            i = AccumulateUnmasked512(values, shift, ref min, ref max, ref s1, ref s2, ref count);
        }
        else if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
        {
            i = AccumulateUnmasked256(values, shift, ref min, ref max, ref s1, ref s2, ref count);
        }
        else if (Vector128.IsHardwareAccelerated && values.Length >= Vector128<float>.Count)
        {
            i = AccumulateUnmasked128(values, shift, ref min, ref max, ref s1, ref s2, ref count);
        }

        // Scalar tail.
        var tail = Scalar(values[i..], default, shiftF);
        return new StatisticsAccumulator(count + tail.Count, Math.Min(min, (float)tail.Min), Math.Max(max, (float)tail.Max), s1 + tail.ShiftedSum, s2 + tail.ShiftedSumOfSquares, shift);
    }

    /// <summary>AccumulateUnmasked with vectors up to <paramref name="width"/> (for tests; same bodies and fallbacks).</summary>
    private static StatisticsAccumulator AccumulateUnmasked(ReadOnlySpan<float> values, float shiftF, SimdWidth width)
    {
        double shift = shiftF;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        double s1 = 0, s2 = 0;
        long count = 0;
        var i = 0;
        if (width >= SimdWidth.Bits512 && values.Length >= Vector512<float>.Count)
        {
            i = AccumulateUnmasked512(values, shift, ref min, ref max, ref s1, ref s2, ref count);
        }
        else if (width >= SimdWidth.Bits256 && values.Length >= Vector256<float>.Count)
        {
            i = AccumulateUnmasked256(values, shift, ref min, ref max, ref s1, ref s2, ref count);
        }
        else if (width >= SimdWidth.Bits128 && values.Length >= Vector128<float>.Count)
        {
            i = AccumulateUnmasked128(values, shift, ref min, ref max, ref s1, ref s2, ref count);
        }

        // Scalar tail.
        var tail = Scalar(values[i..], default, shiftF);
        return new StatisticsAccumulator(count + tail.Count, Math.Min(min, (float)tail.Min), Math.Max(max, (float)tail.Max), s1 + tail.ShiftedSum, s2 + tail.ShiftedSumOfSquares, shift);
    }

    private static StatisticsAccumulator AccumulateMasked(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, float shiftF)
    {
        double shift = shiftF;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        double s1 = 0, s2 = 0;
        long count = 0;
        var i = 0;
        if (Vector512.IsHardwareAccelerated && values.Length >= Vector512<byte>.Count)
        {
            i = AccumulateMasked512(values, mask, shiftF, shift, ref min, ref max, ref s1, ref s2, ref count);
        }
        else if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<byte>.Count)
        {
            i = AccumulateMasked256(values, mask, shiftF, shift, ref min, ref max, ref s1, ref s2, ref count);
        }
        else if (Vector128.IsHardwareAccelerated && values.Length >= Vector128<byte>.Count)
        {
            i = AccumulateMasked128(values, mask, shiftF, shift, ref min, ref max, ref s1, ref s2, ref count);
        }

        // Scalar tail.
        var tail = Scalar(values[i..], mask[i..], shiftF);
        return new StatisticsAccumulator(count + tail.Count, Math.Min(min, (float)tail.Min), Math.Max(max, (float)tail.Max), s1 + tail.ShiftedSum, s2 + tail.ShiftedSumOfSquares, shift);
    }

    /// <summary>AccumulateMasked with vectors up to <paramref name="width"/> (for tests; same bodies and fallbacks).</summary>
    private static StatisticsAccumulator AccumulateMasked(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, float shiftF, SimdWidth width)
    {
        double shift = shiftF;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        double s1 = 0, s2 = 0;
        long count = 0;
        var i = 0;
        if (width >= SimdWidth.Bits512 && values.Length >= Vector512<byte>.Count)
        {
            i = AccumulateMasked512(values, mask, shiftF, shift, ref min, ref max, ref s1, ref s2, ref count);
        }
        else if (width >= SimdWidth.Bits256 && values.Length >= Vector256<byte>.Count)
        {
            i = AccumulateMasked256(values, mask, shiftF, shift, ref min, ref max, ref s1, ref s2, ref count);
        }
        else if (width >= SimdWidth.Bits128 && values.Length >= Vector128<byte>.Count)
        {
            i = AccumulateMasked128(values, mask, shiftF, shift, ref min, ref max, ref s1, ref s2, ref count);
        }

        // Scalar tail.
        var tail = Scalar(values[i..], mask[i..], shiftF);
        return new StatisticsAccumulator(count + tail.Count, Math.Min(min, (float)tail.Min), Math.Max(max, (float)tail.Max), s1 + tail.ShiftedSum, s2 + tail.ShiftedSumOfSquares, shift);
    }

    /// <summary>Scalar reference of <see cref="Accumulate(ReadOnlySpan{float}, ReadOnlySpan{byte}, float)"/> (empty mask = all voxels).</summary>
    internal static StatisticsAccumulator Scalar(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, float shiftF)
    {
        double shift = shiftF;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        double s1 = 0, s2 = 0;
        long count = 0;
        for (var n = 0; n < values.Length; n++)
        {
            if (mask.Length != 0 && mask[n] == 0)
            {
                continue;
            }

            var x = values[n];
            min = Math.Min(min, x);
            max = Math.Max(max, x);
            var d = x - shift;
            s1 += d;
            s2 += d * d;
            count++;
        }

        return new StatisticsAccumulator(count, min, max, s1, s2, shift);
    }

    /// <summary>The Vector512 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AccumulateUnmasked512(ReadOnlySpan<float> values, double shift, ref float min, ref float max, ref double s1, ref double s2, ref long count)
    {
        var i = 0;

        // Lanes: min/max in float; each float vector widens to two double vectors (lower, upper half) that
        // feed two independent accumulator chains for Σ(x − shift) and Σ(x − shift)².
        var vmin = Vector512.Create(float.PositiveInfinity);
        var vmax = Vector512.Create(float.NegativeInfinity);
        var k = Vector512.Create(shift);
        Vector512<double> s1a = default, s1b = default, s2a = default, s2b = default;
        ref var src = ref MemoryMarshal.GetReference(values);
        var last = values.Length - Vector512<float>.Count;
        for (; i <= last; i += Vector512<float>.Count)
        {
            var x = Vector512.LoadUnsafe(ref src, (nuint)i);
            vmin = Vector512.Min(vmin, x);
            vmax = Vector512.Max(vmax, x);
            var (lo, hi) = Vector512.Widen(x);
            lo -= k;
            hi -= k;
            s1a += lo;
            s1b += hi;
            s2a += lo * lo;
            s2b += hi * hi;
        }

        for (var lane = 0; lane < Vector512<float>.Count; lane++)
        {
            min = Math.Min(min, vmin.GetElement(lane));
            max = Math.Max(max, vmax.GetElement(lane));
        }

        s1 = Vector512.Sum(s1a) + Vector512.Sum(s1b);
        s2 = Vector512.Sum(s2a) + Vector512.Sum(s2b);
        count = i;

        return i;
    }

    /// <summary>The Vector256 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AccumulateUnmasked256(ReadOnlySpan<float> values, double shift, ref float min, ref float max, ref double s1, ref double s2, ref long count)
    {
        var i = 0;

        // Lanes: min/max in float; each float vector widens to two double vectors (lower, upper half) that
        // feed two independent accumulator chains for Σ(x − shift) and Σ(x − shift)².
        var vmin = Vector256.Create(float.PositiveInfinity);
        var vmax = Vector256.Create(float.NegativeInfinity);
        var k = Vector256.Create(shift);
        Vector256<double> s1a = default, s1b = default, s2a = default, s2b = default;
        ref var src = ref MemoryMarshal.GetReference(values);
        var last = values.Length - Vector256<float>.Count;
        for (; i <= last; i += Vector256<float>.Count)
        {
            var x = Vector256.LoadUnsafe(ref src, (nuint)i);
            vmin = Vector256.Min(vmin, x);
            vmax = Vector256.Max(vmax, x);
            var (lo, hi) = Vector256.Widen(x);
            lo -= k;
            hi -= k;
            s1a += lo;
            s1b += hi;
            s2a += lo * lo;
            s2b += hi * hi;
        }

        for (var lane = 0; lane < Vector256<float>.Count; lane++)
        {
            min = Math.Min(min, vmin.GetElement(lane));
            max = Math.Max(max, vmax.GetElement(lane));
        }

        s1 = Vector256.Sum(s1a) + Vector256.Sum(s1b);
        s2 = Vector256.Sum(s2a) + Vector256.Sum(s2b);
        count = i;

        return i;
    }

    /// <summary>The Vector128 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AccumulateUnmasked128(ReadOnlySpan<float> values, double shift, ref float min, ref float max, ref double s1, ref double s2, ref long count)
    {
        var i = 0;

        // Lanes: min/max in float; each float vector widens to two double vectors (lower, upper half) that
        // feed two independent accumulator chains for Σ(x − shift) and Σ(x − shift)².
        var vmin = Vector128.Create(float.PositiveInfinity);
        var vmax = Vector128.Create(float.NegativeInfinity);
        var k = Vector128.Create(shift);
        Vector128<double> s1a = default, s1b = default, s2a = default, s2b = default;
        ref var src = ref MemoryMarshal.GetReference(values);
        var last = values.Length - Vector128<float>.Count;
        for (; i <= last; i += Vector128<float>.Count)
        {
            var x = Vector128.LoadUnsafe(ref src, (nuint)i);
            vmin = Vector128.Min(vmin, x);
            vmax = Vector128.Max(vmax, x);
            var (lo, hi) = Vector128.Widen(x);
            lo -= k;
            hi -= k;
            s1a += lo;
            s1b += hi;
            s2a += lo * lo;
            s2b += hi * hi;
        }

        for (var lane = 0; lane < Vector128<float>.Count; lane++)
        {
            min = Math.Min(min, vmin.GetElement(lane));
            max = Math.Max(max, vmax.GetElement(lane));
        }

        s1 = Vector128.Sum(s1a) + Vector128.Sum(s1b);
        s2 = Vector128.Sum(s2a) + Vector128.Sum(s2b);
        count = i;

        return i;
    }

    /// <summary>The Vector512 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AccumulateMasked512(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, float shiftF, double shift, ref float min, ref float max, ref double s1, ref double s2, ref long count)
    {
        var i = 0;

        // One mask vector of bytes covers four float vectors: the bytes widen to uint lanes, and a lane
        // takes part where its mask byte is non-zero. Excluded lanes become +inf/-inf for min/max and the
        // shift itself (a float, so x − shift is exactly 0) for the sums; the count adds 1 per included lane.
        var vmin = Vector512.Create(float.PositiveInfinity);
        var vmax = Vector512.Create(float.NegativeInfinity);
        var posInf = vmin;
        var negInf = vmax;
        var kf = Vector512.Create(shiftF);
        var k = Vector512.Create(shift);
        var one = Vector512.Create(1u);
        Vector512<double> s1a = default, s1b = default, s2a = default, s2b = default;
        Vector512<uint> cnt = default;
        ref var src = ref MemoryMarshal.GetReference(values);
        ref var msk = ref MemoryMarshal.GetReference(mask);
        var n = Vector512<float>.Count;
        var last = values.Length - Vector512<byte>.Count;
        for (; i <= last; i += Vector512<byte>.Count)
        {
            var m = Vector512.LoadUnsafe(ref msk, (nuint)i);
            var (u0, u1) = Vector512.Widen(m);
            var (w0, w1) = Vector512.Widen(u0);
            var (w2, w3) = Vector512.Widen(u1);
            for (var part = 0; part < 4; part++)
            {
                var w = part switch { 0 => w0, 1 => w1, 2 => w2, _ => w3 };
                var sel = ~Vector512.Equals(w, Vector512<uint>.Zero);
                var x = Vector512.LoadUnsafe(ref src, (nuint)(i + (part * n)));
                var selF = sel.AsSingle();
                vmin = Vector512.Min(vmin, Vector512.ConditionalSelect(selF, x, posInf));
                vmax = Vector512.Max(vmax, Vector512.ConditionalSelect(selF, x, negInf));
                var (lo, hi) = Vector512.Widen(Vector512.ConditionalSelect(selF, x, kf));
                lo -= k;
                hi -= k;
                s1a += lo;
                s1b += hi;
                s2a += lo * lo;
                s2b += hi * hi;
                cnt += sel & one;
            }
        }

        for (var lane = 0; lane < Vector512<float>.Count; lane++)
        {
            min = Math.Min(min, vmin.GetElement(lane));
            max = Math.Max(max, vmax.GetElement(lane));
            count += cnt.GetElement(lane);
        }

        s1 = Vector512.Sum(s1a) + Vector512.Sum(s1b);
        s2 = Vector512.Sum(s2a) + Vector512.Sum(s2b);

        return i;
    }

    /// <summary>The Vector256 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AccumulateMasked256(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, float shiftF, double shift, ref float min, ref float max, ref double s1, ref double s2, ref long count)
    {
        var i = 0;

        // One mask vector of bytes covers four float vectors: the bytes widen to uint lanes, and a lane
        // takes part where its mask byte is non-zero. Excluded lanes become +inf/-inf for min/max and the
        // shift itself (a float, so x − shift is exactly 0) for the sums; the count adds 1 per included lane.
        var vmin = Vector256.Create(float.PositiveInfinity);
        var vmax = Vector256.Create(float.NegativeInfinity);
        var posInf = vmin;
        var negInf = vmax;
        var kf = Vector256.Create(shiftF);
        var k = Vector256.Create(shift);
        var one = Vector256.Create(1u);
        Vector256<double> s1a = default, s1b = default, s2a = default, s2b = default;
        Vector256<uint> cnt = default;
        ref var src = ref MemoryMarshal.GetReference(values);
        ref var msk = ref MemoryMarshal.GetReference(mask);
        var n = Vector256<float>.Count;
        var last = values.Length - Vector256<byte>.Count;
        for (; i <= last; i += Vector256<byte>.Count)
        {
            var m = Vector256.LoadUnsafe(ref msk, (nuint)i);
            var (u0, u1) = Vector256.Widen(m);
            var (w0, w1) = Vector256.Widen(u0);
            var (w2, w3) = Vector256.Widen(u1);
            for (var part = 0; part < 4; part++)
            {
                var w = part switch { 0 => w0, 1 => w1, 2 => w2, _ => w3 };
                var sel = ~Vector256.Equals(w, Vector256<uint>.Zero);
                var x = Vector256.LoadUnsafe(ref src, (nuint)(i + (part * n)));
                var selF = sel.AsSingle();
                vmin = Vector256.Min(vmin, Vector256.ConditionalSelect(selF, x, posInf));
                vmax = Vector256.Max(vmax, Vector256.ConditionalSelect(selF, x, negInf));
                var (lo, hi) = Vector256.Widen(Vector256.ConditionalSelect(selF, x, kf));
                lo -= k;
                hi -= k;
                s1a += lo;
                s1b += hi;
                s2a += lo * lo;
                s2b += hi * hi;
                cnt += sel & one;
            }
        }

        for (var lane = 0; lane < Vector256<float>.Count; lane++)
        {
            min = Math.Min(min, vmin.GetElement(lane));
            max = Math.Max(max, vmax.GetElement(lane));
            count += cnt.GetElement(lane);
        }

        s1 = Vector256.Sum(s1a) + Vector256.Sum(s1b);
        s2 = Vector256.Sum(s2a) + Vector256.Sum(s2b);

        return i;
    }

    /// <summary>The Vector128 body: processes whole vectors from the start and returns the number of elements done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AccumulateMasked128(ReadOnlySpan<float> values, ReadOnlySpan<byte> mask, float shiftF, double shift, ref float min, ref float max, ref double s1, ref double s2, ref long count)
    {
        var i = 0;

        // One mask vector of bytes covers four float vectors: the bytes widen to uint lanes, and a lane
        // takes part where its mask byte is non-zero. Excluded lanes become +inf/-inf for min/max and the
        // shift itself (a float, so x − shift is exactly 0) for the sums; the count adds 1 per included lane.
        var vmin = Vector128.Create(float.PositiveInfinity);
        var vmax = Vector128.Create(float.NegativeInfinity);
        var posInf = vmin;
        var negInf = vmax;
        var kf = Vector128.Create(shiftF);
        var k = Vector128.Create(shift);
        var one = Vector128.Create(1u);
        Vector128<double> s1a = default, s1b = default, s2a = default, s2b = default;
        Vector128<uint> cnt = default;
        ref var src = ref MemoryMarshal.GetReference(values);
        ref var msk = ref MemoryMarshal.GetReference(mask);
        var n = Vector128<float>.Count;
        var last = values.Length - Vector128<byte>.Count;
        for (; i <= last; i += Vector128<byte>.Count)
        {
            var m = Vector128.LoadUnsafe(ref msk, (nuint)i);
            var (u0, u1) = Vector128.Widen(m);
            var (w0, w1) = Vector128.Widen(u0);
            var (w2, w3) = Vector128.Widen(u1);
            for (var part = 0; part < 4; part++)
            {
                var w = part switch { 0 => w0, 1 => w1, 2 => w2, _ => w3 };
                var sel = ~Vector128.Equals(w, Vector128<uint>.Zero);
                var x = Vector128.LoadUnsafe(ref src, (nuint)(i + (part * n)));
                var selF = sel.AsSingle();
                vmin = Vector128.Min(vmin, Vector128.ConditionalSelect(selF, x, posInf));
                vmax = Vector128.Max(vmax, Vector128.ConditionalSelect(selF, x, negInf));
                var (lo, hi) = Vector128.Widen(Vector128.ConditionalSelect(selF, x, kf));
                lo -= k;
                hi -= k;
                s1a += lo;
                s1b += hi;
                s2a += lo * lo;
                s2b += hi * hi;
                cnt += sel & one;
            }
        }

        for (var lane = 0; lane < Vector128<float>.Count; lane++)
        {
            min = Math.Min(min, vmin.GetElement(lane));
            max = Math.Max(max, vmax.GetElement(lane));
            count += cnt.GetElement(lane);
        }

        s1 = Vector128.Sum(s1a) + Vector128.Sum(s1b);
        s2 = Vector128.Sum(s2a) + Vector128.Sum(s2b);

        return i;
    }
}
