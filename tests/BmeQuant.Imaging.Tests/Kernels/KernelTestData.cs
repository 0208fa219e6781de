namespace BmeQuant.Imaging.Tests.Kernels;

internal static class KernelTestData
{
    /// <summary>Lengths 0..257 and 1023..1025: every SIMD width's remainder and the boundary around each block.</summary>
    public static IEnumerable<int> Lengths => Enumerable.Range(0, 258).Concat([1023, 1024, 1025]);

    public static float[] Floats(int length, int seed, float scale = 1000f)
    {
        var rng = new Random(seed);
        var a = new float[length];
        for (var n = 0; n < length; n++)
        {
            a[n] = (float)((rng.NextDouble() - 0.3) * scale);
        }

        return a;
    }

    public static byte[] Mask(int length, int seed)
    {
        var rng = new Random(seed);
        var m = new byte[length];
        for (var n = 0; n < length; n++)
        {
            // Non-zero values other than 1 must count as "inside" too.
            m[n] = rng.Next(4) switch { 0 => 0, 1 => 1, 2 => 0, _ => (byte)rng.Next(2, 256) };
        }

        return m;
    }
}
