namespace BmeQuant.Imaging.Tests.Filters;

/// <summary>Seeded random volumes and masks for the filter tests.</summary>
internal static class FilterTestData
{
    public static Volume<float> RandomVolume(int nx, int ny, int nz, Vector3D spacing, int seed)
    {
        var rng = new Random(seed);
        var v = new Volume<float>(new ImageGeometry(nx, ny, nz, spacing, new Vector3D(-3, 7, 11)));
        for (var n = 0; n < v.Length; n++)
        {
            v.Data[n] = (float)((rng.NextDouble() * 1000) - 200);
        }

        return v;
    }

    /// <summary>
    /// A random mask of blobs (balls of 1–5 voxels radius, more of them with larger <paramref name="fill"/>) with 3 %
    /// of voxels flipped, so it has objects, holes, specks and thin parts.
    /// </summary>
    public static Volume<byte> RandomMask(int nx, int ny, int nz, Vector3D spacing, int seed, double fill = 0.5)
    {
        var rng = new Random(seed);
        var mask = new Volume<byte>(new ImageGeometry(nx, ny, nz, spacing, Vector3D.Zero));
        var balls = Math.Max(1, (int)(fill * nx * ny * nz / 60));
        for (var b = 0; b < balls; b++)
        {
            double cx = rng.Next(nx), cy = rng.Next(ny), cz = rng.Next(nz), r = 1 + (rng.NextDouble() * 4);
            for (var k = 0; k < nz; k++)
            {
                for (var j = 0; j < ny; j++)
                {
                    for (var i = 0; i < nx; i++)
                    {
                        if (((i - cx) * (i - cx)) + ((j - cy) * (j - cy)) + ((k - cz) * (k - cz)) <= r * r)
                        {
                            mask[i, j, k] = 1;
                        }
                    }
                }
            }
        }

        for (var n = 0; n < mask.Length; n++)
        {
            if (rng.NextDouble() < 0.03)
            {
                mask.Data[n] ^= 1;
            }
        }

        return mask;
    }

    /// <summary>Count of voxels where two volumes differ.</summary>
    public static int Differences<T>(Volume<T> a, Volume<T> b)
        where T : unmanaged, IEquatable<T>
    {
        var n = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (!a.Data[i].Equals(b.Data[i]))
            {
                n++;
            }
        }

        return n;
    }
}
