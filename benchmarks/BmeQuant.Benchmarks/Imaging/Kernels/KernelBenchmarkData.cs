using BmeQuant.Imaging;

namespace BmeQuant.Benchmarks.Imaging.Kernels;

/// <summary>
/// Deterministic volumes for the kernel benchmarks; benchmarks/scripts/scipy_kernels.py builds the same arrays with
/// numpy from the same formulas, so both sides time identical data.
/// </summary>
internal static class KernelBenchmarkData
{
    /// <summary>One 2-D-stack study slab, a typical 2-D-stack study, a 3-D isotropic study.</summary>
    public static IEnumerable<string> Sizes => ["320x320x30", "512x512x40", "384x384x200"];

    public static ImageGeometry Geometry(string size)
    {
        var p = size.Split('x').Select(int.Parse).ToArray();
        return p[2] <= 40
            ? new ImageGeometry(p[0], p[1], p[2], 0.45, 0.45, 3.5)
            : new ImageGeometry(p[0], p[1], p[2], 0.8, 0.8, 0.8);
    }

    private static long Hash(long i, long j, long k) => ((i * 73856093) ^ (j * 19349663) ^ (k * 83492791)) & 0xFFFFF;

    /// <summary>1000 + 400·sin(0.07 i)·cos(0.05 j) + 30 k + (hash mod 1024)/4, as float.</summary>
    public static Volume<float> Intensity(string size)
    {
        var g = Geometry(size);
        var v = new Volume<float>(g);
        Parallel.For(0, g.SizeZ, k =>
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var smooth = 1000 + (400 * Math.Sin(0.07 * i) * Math.Cos(0.05 * j)) + (30.0 * k);
                    v[i, j, k] = (float)(smooth + ((Hash(i, j, k) % 1024) / 4.0));
                }
            }
        });
        return v;
    }

    /// <summary>The intensity rounded down to uint16 (a typical stored MR pixel).</summary>
    public static Volume<ushort> Stored(string size)
    {
        var f = Intensity(size);
        var u = f.CreateLike<ushort>();
        for (var n = 0; n < f.Length; n++)
        {
            u.Data[n] = (ushort)f.Data[n];
        }

        return u;
    }

    /// <summary>sin(0.11 i)·sin(0.09 j)·sin(0.3 k + 0.5) &gt; 0.2, flipped where hash mod 50 == 0.</summary>
    public static Volume<byte> Mask(string size)
    {
        var g = Geometry(size);
        var m = new Volume<byte>(g);
        Parallel.For(0, g.SizeZ, k =>
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var blob = Math.Sin(0.11 * i) * Math.Sin(0.09 * j) * Math.Sin((0.3 * k) + 0.5) > 0.2;
                    var flip = Hash(i, j, k) % 50 == 0;
                    m[i, j, k] = blob ^ flip ? (byte)1 : (byte)0;
                }
            }
        });
        return m;
    }

    /// <summary>The mask split into four labels by x quarter: label = mask · (1 + ⌊4 i / nx⌋).</summary>
    public static Volume<int> Labels(string size)
    {
        var m = Mask(size);
        var l = m.CreateLike<int>();
        var g = m.Geometry;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    l[i, j, k] = m[i, j, k] * (1 + (4 * i / g.SizeX));
                }
            }
        }

        return l;
    }
}
