namespace BmeQuant.Imaging.Kernels;

/// <summary>
/// The widest vector a kernel's test entry may use. Production picks the widest hardware-accelerated body (a JIT
/// constant, so the other bodies are not even compiled); the test entries take a width so tests run the Vector512/256/128
/// bodies on machines that do not accelerate them (.NET then runs the vector operations in software: same results, slower).
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
