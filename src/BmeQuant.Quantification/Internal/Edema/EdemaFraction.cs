using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Internal.Edema;

/// <summary>The per-voxel edema fraction under the partial-volume model (docs/methods.md, "Partial-volume model").</summary>
internal static class EdemaFraction
{
    /// <summary>
    /// Weight of the estimated fraction of a bone boundary-layer voxel next to a lesion (<see cref="Map"/>). Such a voxel
    /// holds the lesion's outermost marrow, but its fluid signal also holds what lies outside the bone (joint fluid,
    /// cartilage, soft tissue: bright on the fluid-sensitive series), so its fraction read from the signal is about twice
    /// the truth. Measured on the full phantom grid with the lesion anchor: without these voxels subchondral lesions read
    /// −6 to −14 % (their ∫f in the boundary layer missing), with them at full weight −6 to +17 % (twice what was
    /// missing), at half weight −10 to +8 %.
    /// </summary>
    public const float BoundaryLayerWeight = 0.5f;

    /// <summary>
    /// Estimated edema fraction on the hyperintense lesion voxels (support ∪ edema); with <paramref name="boundary"/>
    /// (the bones' boundary layer) also <see cref="BoundaryLayerWeight"/> × the fraction of every boundary-layer voxel
    /// outside them that is face-adjacent to one of them; 0 elsewhere.
    /// </summary>
    public static Volume<float> Map(Volume<float> fluid, Volume<byte> edema, Volume<byte> support, FullEdemaSignal full, double normalMedian, Volume<byte>? boundary = null)
    {
        var map = new Volume<float>(fluid.Geometry);
        var m = map.Data;
        var f = fluid.Data;
        var e = edema.Data;
        var s = support.Data;
        for (var i = 0; i < m.Length; i++)
        {
            if (e[i] != 0 || s[i] != 0)
            {
                m[i] = (float)full.Fraction(f[i], normalMedian);
            }
        }

        if (boundary is null)
        {
            return map;
        }

        var g = fluid.Geometry;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ;
        var sxy = nx * ny;
        var b = boundary.Data;
        bool InLesion(int n) => e[n] != 0 || s[n] != 0;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = (k * sxy) + (j * nx);
                for (var x = 0; x < nx; x++)
                {
                    var i = row + x;
                    if (b[i] == 0 || InLesion(i))
                    {
                        continue;
                    }

                    // Face neighbours only; the written voxels are never lesion voxels, so the test reads no value written here.
                    var next = (x > 0 && InLesion(i - 1)) || (x < nx - 1 && InLesion(i + 1))
                        || (j > 0 && InLesion(i - nx)) || (j < ny - 1 && InLesion(i + nx))
                        || (k > 0 && InLesion(i - sxy)) || (k < nz - 1 && InLesion(i + sxy));
                    if (next)
                    {
                        m[i] = BoundaryLayerWeight * (float)full.Fraction(f[i], normalMedian);
                    }
                }
            }
        }

        return map;
    }
}
