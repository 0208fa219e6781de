using CsCheck;

namespace BmeQuant.Imaging.Tests.Kernels;

/// <summary>
/// Deterministic CsCheck sampling: case k is generated from the fixed seed (stream 1, state k), so CI sees the same
/// inputs on every run; a failure reports the seed and the input (CsCheck's message) for reproduction.
/// </summary>
internal static class PropertyCheck
{
    /// <summary>Runs <paramref name="check"/> on <paramref name="cases"/> generated inputs (seeds 0 .. cases − 1).</summary>
    public static void ForAll<T>(Gen<T> gen, Action<T> check, int cases, ulong firstSeed = 0)
    {
        for (var k = 0UL; k < (ulong)cases; k++)
        {
            Check.Sample(gen, check, seed: new PCG(1, firstSeed + k).ToString(), iter: 1, threads: 1);
        }
    }

    /// <summary>The widest vector in bytes (Vector512); lengths up to three of them plus one reach every remainder of every path.</summary>
    public const int WidestVectorBytes = 64;

    /// <summary>Lengths 0 .. 3 × 64 + 1 (every remainder of every width for byte, ushort and float lanes) and a few large ones.</summary>
    public static IEnumerable<int> Lengths => Enumerable.Range(0, (3 * WidestVectorBytes) + 2).Concat([1023, 1024, 1025, 4099]);

    /// <summary>Float values that break careless kernels: signed zeros, denormals, extremes, infinities and NaN.</summary>
    public static readonly float[] SpecialFloats =
    [
        0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, 1.17549435e-38f, float.MaxValue, -float.MaxValue,
        float.PositiveInfinity, float.NegativeInfinity, float.NaN, 16_777_217f, -16_777_216f, 0.5f, 1e30f,
    ];

    /// <summary>Ordinary floats (a quarter of them drawn from a few repeated values, so ties occur).</summary>
    public static readonly Gen<float> Ordinary = Gen.Frequency(
        (3, Gen.Float[-1000f, 1000f]),
        (1, Gen.Int[-3, 3].Select(i => i * 0.25f)));

    /// <summary>Mostly ordinary floats, one in four special.</summary>
    public static readonly Gen<float> AnyFloat = Gen.Frequency((3, Ordinary), (1, Gen.OneOf<float>(SpecialFloats)));

    /// <summary>Finite floats, one in four an extreme (signed zeros, denormals, ±MaxValue).</summary>
    public static readonly Gen<float> FiniteFloat = Gen.Frequency(
        (3, Ordinary),
        (1, Gen.OneOf<float>(SpecialFloats.Where(float.IsFinite).ToArray())));

    /// <summary>
    /// A buffer of <paramref name="length"/> + offset + 3 values, the kernel's input being the slice at <c>Offset</c>
    /// (0..3, so spans not starting at the array's start and not vector-aligned are exercised).
    /// </summary>
    public static Gen<(T[] Buffer, int Offset)> Buffer<T>(Gen<T> element, int length) =>
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1]).SelectMany(t => element.Array[length + t.Item1 + 3].Select(a => (a, t.Item1)));

    /// <summary>Same bits, except that any NaN equals any NaN.</summary>
    public static bool SameFloat(float expected, float actual) =>
        (float.IsNaN(expected) && float.IsNaN(actual)) || BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual);

    /// <summary>Same bits, except that any NaN equals any NaN.</summary>
    public static bool SameDouble(double expected, double actual) =>
        (double.IsNaN(expected) && double.IsNaN(actual)) || BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual);

    /// <summary>Asserts bitwise equality (NaN equal to NaN), naming the first differing index.</summary>
    public static void AssertSameFloats(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var n = 0; n < expected.Length; n++)
        {
            if (!SameFloat(expected[n], actual[n]))
            {
                Assert.Fail($"{what}: index {n} of {expected.Length}: expected {expected[n]:R} (0x{BitConverter.SingleToInt32Bits(expected[n]):X8}), got {actual[n]:R} (0x{BitConverter.SingleToInt32Bits(actual[n]):X8})");
            }
        }
    }
}
