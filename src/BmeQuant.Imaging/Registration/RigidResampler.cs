namespace BmeQuant.Imaging.Registration;

/// <summary>
/// Trilinear resampling through a rigid transform, for registration tests, phantoms and checks:
/// target voxel x takes the source value at <c>transform(x)</c>.
/// </summary>
internal static class RigidResampler
{
    /// <summary>
    /// Resamples <paramref name="source"/> onto <paramref name="target"/>; points mapping outside the box of the
    /// source's voxel centres get <paramref name="outsideValue"/>.
    /// </summary>
    public static Volume<float> Resample(Volume<float> source, ImageGeometry target, RigidTransform transform, float outsideValue = 0)
    {
        var result = new Volume<float>(target);
        var sg = source.Geometry;

        // index_target → physical → transform → source continuous index, as one affine map: ci = M·idx + b.
        var m = sg.PhysicalToIndexMatrix * transform.Rotation * target.IndexToPhysicalMatrix;
        var b = sg.PhysicalToIndexMatrix * (transform.TransformPoint(target.Origin) - sg.Origin);
        var src = source.Data;
        var dst = result.Data;
        int nx = target.SizeX, ny = target.SizeY, nz = target.SizeZ;
        int sx = sg.SizeX, sy = sg.SizeY, sz = sg.SizeZ;
        Parallel.For(0, nz, k =>
        {
            for (var j = 0; j < ny; j++)
            {
                var row = (long)nx * (j + ((long)ny * k));
                for (var i = 0; i < nx; i++)
                {
                    var ci = (m.M00 * i) + (m.M01 * j) + (m.M02 * k) + b.X;
                    var cj = (m.M10 * i) + (m.M11 * j) + (m.M12 * k) + b.Y;
                    var ck = (m.M20 * i) + (m.M21 * j) + (m.M22 * k) + b.Z;
                    dst[row + i] = Trilinear(src, sx, sy, sz, ci, cj, ck, outsideValue);
                }
            }
        });
        return result;
    }

    /// <summary>Trilinear interpolation at a continuous index; <paramref name="outsideValue"/> outside [0, n−1]³ (with 1e-6 voxel slack).</summary>
    public static float Trilinear(float[] src, int sx, int sy, int sz, double ci, double cj, double ck, float outsideValue)
    {
        const double Slack = 1e-6;
        if (!(ci >= -Slack && ci <= sx - 1 + Slack && cj >= -Slack && cj <= sy - 1 + Slack && ck >= -Slack && ck <= sz - 1 + Slack))
        {
            return outsideValue;
        }

        ci = Math.Clamp(ci, 0, sx - 1);
        cj = Math.Clamp(cj, 0, sy - 1);
        ck = Math.Clamp(ck, 0, sz - 1);
        int i0 = Math.Min((int)ci, Math.Max(0, sx - 2)), j0 = Math.Min((int)cj, Math.Max(0, sy - 2)), k0 = Math.Min((int)ck, Math.Max(0, sz - 2));
        double fx = ci - i0, fy = cj - j0, fz = ck - k0;
        int di = sx > 1 ? 1 : 0;
        long dj = sy > 1 ? sx : 0;
        long dk = sz > 1 ? (long)sx * sy : 0;
        var p = i0 + ((long)sx * (j0 + ((long)sy * k0)));
        var c00 = src[p] + ((src[p + di] - src[p]) * fx);
        var c10 = src[p + dj] + ((src[p + dj + di] - src[p + dj]) * fx);
        var c01 = src[p + dk] + ((src[p + dk + di] - src[p + dk]) * fx);
        var c11 = src[p + dk + dj] + ((src[p + dk + dj + di] - src[p + dk + dj]) * fx);
        var c0 = c00 + ((c10 - c00) * fy);
        var c1 = c01 + ((c11 - c01) * fy);
        return (float)(c0 + ((c1 - c0) * fz));
    }
}
