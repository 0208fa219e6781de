namespace BmeQuant.Phantoms;

/// <summary>
/// SplitMix64 pseudo-random generator: tiny, fast and fully specified here, so a seed gives the same numbers on
/// every runtime (System.Random's seeded algorithm is not a documented contract).
/// </summary>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>A generator for a stream identified by several integers (seed, visit, series, slice…).</summary>
    public static SplitMix64 ForStream(long seed, int a, int b = 0, int c = 0)
    {
        var g = new SplitMix64(unchecked((ulong)seed));
        var h = g.NextUInt64() ^ unchecked((ulong)a * 0xD1B54A32D192ED03UL);
        g = new SplitMix64(h);
        h = g.NextUInt64() ^ unchecked((ulong)b * 0xABC98388FB8FAC03UL);
        g = new SplitMix64(h);
        h = g.NextUInt64() ^ unchecked((ulong)c * 0x8CB92BA72F3D8DD7UL);
        return new SplitMix64(h);
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [−1, 1).</summary>
    public double NextSigned() => (2 * NextDouble()) - 1;

    /// <summary>Two independent standard normal numbers (Box–Muller).</summary>
    public (double, double) NextGaussianPair()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        var r = Math.Sqrt(-2 * Math.Log(u1));
        var (s, c) = Math.SinCos(2 * Math.PI * u2);
        return (r * c, r * s);
    }
}
