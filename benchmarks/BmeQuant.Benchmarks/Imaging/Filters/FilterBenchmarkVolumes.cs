using BmeQuant.Imaging;

namespace BmeQuant.Benchmarks.Imaging.Filters;

/// <summary>
/// The deterministic synthetic volumes of the filter benchmarks; benchmarks/scripts/scipy_filters.py builds the same
/// arrays with the same formulas so both sides time identical data.
/// </summary>
internal static class FilterBenchmarkVolumes
{
    /// <summary>Category of the benchmarks that scipy_filters.py / scipy_kernels.py time a counterpart of.</summary>
    public const string PeerCategory = "Peer";

    /// <summary>The three sizes of the issue: a 2-D stack, a large 2-D stack, a 3-D isotropic study.</summary>
    public static readonly string[] Sizes = ["320x320x30", "512x512x40", "384x384x200"];

    public static ImageGeometry Geometry(string size)
    {
        var p = size.Split('x');
        int nx = int.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture);
        int ny = int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture);
        int nz = int.Parse(p[2], System.Globalization.CultureInfo.InvariantCulture);

        // Stacks: 0.45 × 0.45 × 3.5 mm (typical knee STIR); the 3-D study: 0.8 mm isotropic.
        var spacing = nz <= 40 ? new Vector3D(0.45, 0.45, 3.5) : new Vector3D(0.8, 0.8, 0.8);
        return new ImageGeometry(nx, ny, nz, spacing, Vector3D.Zero);
    }

    /// <summary>v = 1000 + 400·sin(0.07 i)·cos(0.05 j) + 30·k + noise, noise = (hash(i, j, k) mod 1024) / 4.</summary>
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

    /// <summary>Blobs sin(0.11 i)·sin(0.09 j)·sin(0.3 k + 0.5) > 0.2, with 2 % of voxels flipped (hash mod 50 = 0).</summary>
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

    /// <summary>A target grid of the same size rotated 10° about z and shifted by 1.3 mm (for resampling).</summary>
    public static ImageGeometry RotatedTarget(ImageGeometry g) =>
        new(g.SizeX, g.SizeY, g.SizeZ, g.Spacing, new Vector3D(1.3, -1.3, 0.7), Matrix3D.FromEulerXyz(0, 0, 10 * Math.PI / 180));

    private static long Hash(long i, long j, long k) => ((i * 73856093) ^ (j * 19349663) ^ (k * 83492791)) & 0xFFFFF;
}
