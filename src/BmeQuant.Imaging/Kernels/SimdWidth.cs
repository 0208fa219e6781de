using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BmeQuant.Imaging.Kernels;

/// <summary>
/// The widest vector a kernel may use. Production passes <see cref="SimdPaths.Widest"/> (the widest accelerated
/// width); tests pass a fixed width to run the Vector512/256/128 bodies on machines that do not accelerate them
/// (.NET then runs the vector operations in software: same results, slower).
/// </summary>
internal enum SimdWidth
{
    /// <summary>Scalar path only.</summary>
    Scalar = 0,

    /// <summary>Vector128 and narrower.</summary>
    Bits128 = 128,

    /// <summary>Vector256 and narrower.</summary>
    Bits256 = 256,

    /// <summary>Vector512 and narrower.</summary>
    Bits512 = 512,
}

/// <summary>Selection of the SIMD width production code runs.</summary>
internal static class SimdPaths
{
    /// <summary>The widest hardware-accelerated width (a JIT-time constant).</summary>
    internal static SimdWidth Widest
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.IsHardwareAccelerated ? SimdWidth.Bits512
            : Vector256.IsHardwareAccelerated ? SimdWidth.Bits256
            : Vector128.IsHardwareAccelerated ? SimdWidth.Bits128
            : SimdWidth.Scalar;
    }
}
