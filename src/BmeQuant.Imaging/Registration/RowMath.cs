using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BmeQuant.Imaging.Registration;

/// <summary>
/// The few row operations the pyramid and gradient kernels need, as small <see cref="Vector256{T}"/> loops with a
/// scalar tail: each lane does exactly the scalar arithmetic (a multiply and an add, never fused), so the vector and
/// scalar paths agree bit for bit, and the JIT (tiered compilation is off in the CLI) compiles four short methods
/// instead of the general span kernels.
/// </summary>
internal static class RowMath
{
    /// <summary>sum[i] += row[i].</summary>
    public static void AddInto(ReadOnlySpan<float> row, Span<float> sum)
    {
        var n = sum.Length;
        RequireLength(row.Length, n);
        var i = 0;
        ref var r = ref MemoryMarshal.GetReference(row);
        ref var s = ref MemoryMarshal.GetReference(sum);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref s, (nuint)i) + Vector256.LoadUnsafe(ref r, (nuint)i)).StoreUnsafe(ref s, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref s, i) += Unsafe.Add(ref r, i);
        }
    }

    /// <summary>output[i] = row[i] · factor.</summary>
    public static void Scale(ReadOnlySpan<float> row, float factor, Span<float> output)
    {
        var n = output.Length;
        RequireLength(row.Length, n);
        var i = 0;
        ref var r = ref MemoryMarshal.GetReference(row);
        ref var o = ref MemoryMarshal.GetReference(output);
        if (Vector256.IsHardwareAccelerated)
        {
            var f = Vector256.Create(factor);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref r, (nuint)i) * f).StoreUnsafe(ref o, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref o, i) = Unsafe.Add(ref r, i) * factor;
        }
    }

    /// <summary>sum[i] += row[i] · factor (multiply, then add: not fused).</summary>
    public static void AddScaled(ReadOnlySpan<float> row, float factor, Span<float> sum)
    {
        var n = sum.Length;
        RequireLength(row.Length, n);
        var i = 0;
        ref var r = ref MemoryMarshal.GetReference(row);
        ref var s = ref MemoryMarshal.GetReference(sum);
        if (Vector256.IsHardwareAccelerated)
        {
            var f = Vector256.Create(factor);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref s, (nuint)i) + (Vector256.LoadUnsafe(ref r, (nuint)i) * f)).StoreUnsafe(ref s, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref s, i) += Unsafe.Add(ref r, i) * factor;
        }
    }

    /// <summary>output[i] = (a[i] − b[i]) · factor.</summary>
    public static void ScaledDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float factor, Span<float> output)
    {
        var n = output.Length;
        RequireLength(Math.Min(a.Length, b.Length), n);
        var i = 0;
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        ref var o = ref MemoryMarshal.GetReference(output);
        if (Vector256.IsHardwareAccelerated)
        {
            var f = Vector256.Create(factor);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                ((Vector256.LoadUnsafe(ref ra, (nuint)i) - Vector256.LoadUnsafe(ref rb, (nuint)i)) * f).StoreUnsafe(ref o, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref o, i) = (Unsafe.Add(ref ra, i) - Unsafe.Add(ref rb, i)) * factor;
        }
    }

    // The loops read through unchecked references: an input shorter than the output would read past its end.
    private static void RequireLength(int inputLength, int outputLength)
    {
        if (inputLength < outputLength)
        {
            throw new ArgumentException($"Input row of {inputLength} values is shorter than the output row of {outputLength}.");
        }
    }
}
