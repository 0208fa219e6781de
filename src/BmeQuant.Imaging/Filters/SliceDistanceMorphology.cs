using System.Buffers;
using System.Runtime.Intrinsics;

namespace BmeQuant.Imaging.Filters;

/// <summary>
/// Ellipsoid dilation/erosion for large radii with memory of one slice per worker: a voxel is within the radius of
/// a site when, for some slice offset dz, the in-plane squared distance to the nearest site of slice k + dz is at most
/// r² − (dz·sz)². Each source slice's exact in-plane distance (x scans, then the y lower envelope) is computed once per
/// z-chunk into a float slice buffer and compared, one SIMD sweep per dz, against the per-dz threshold into the
/// output slices it reaches. Chunks of output slices run in parallel (each recomputes the source slices within its
/// halo of the element's z half-extent), so the output is written without races.
/// Workspace: one float slice per worker, plus a copy of the mask when the output aliases it.
/// </summary>
internal static class SliceDistanceMorphology
{
    /// <summary>Writes the dilation or erosion of <paramref name="mask"/> by radius <paramref name="radiusMm"/> into <paramref name="output"/> (may alias the mask).</summary>
    public static void Apply(Volume<byte> mask, double radiusMm, bool dilate, Volume<byte> output, bool allowSimd = true)
    {
        var g = mask.Geometry;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ;
        var sliceLen = nx * ny;
        var sp = g.Spacing;
        var r2 = radiusMm * radiusMm;

        // Largest slice offset inside the element, and per dz the in-plane threshold (inclusive, with the element's tolerance).
        var rz = 0;
        while (rz + 1 < nz && StructuringElement.IsWithinRadius(StructuringElement.SquaredDistanceMm2(0, 0, rz + 1, sp), r2))
        {
            rz++;
        }

        var limit = r2 * (1 + StructuringElement.RadiusRelativeTolerance);
        var thresholds = new float[(2 * rz) + 1];
        for (var dz = -rz; dz <= rz; dz++)
        {
            thresholds[dz + rz] = (float)(limit - StructuringElement.SquaredDistanceMm2(0, 0, dz, sp));
        }

        byte[]? copy = null;
        var source = mask.Data;
        if (ReferenceEquals(mask.Data, output.Data))
        {
            copy = ArrayPool<byte>.Shared.Rent(mask.Length);
            mask.Data.AsSpan().CopyTo(copy);
            source = copy;
        }

        try
        {
            // Erosion: voxels within the radius of the array's outside are background whatever the mask holds.
            bool[]? nearX = null, nearY = null, nearZ = null;
            if (!dilate)
            {
                nearX = BorderReach(nx, sp.X, r2);
                nearY = BorderReach(ny, sp.Y, r2);
                nearZ = BorderReach(nz, sp.Z, r2);
            }

            var chunkCount = Math.Clamp(Environment.ProcessorCount, 1, nz);
            if (rz > 0)
            {
                // The halo costs 2·rz extra slices per chunk: keep chunks at least that long.
                chunkCount = Math.Clamp(nz / (2 * rz), 1, chunkCount);
            }

            var maxLine = Math.Max(nx, ny);
            var o = output.Data;
            Parallel.For(0, chunkCount, c =>
            {
                var k0 = (int)((long)nz * c / chunkCount);
                var k1 = (int)((long)nz * (c + 1) / chunkCount);
                var outChunk = o.AsSpan(k0 * sliceLen, (k1 - k0) * sliceLen);
                if (dilate)
                {
                    outChunk.Clear();
                }
                else
                {
                    outChunk.Fill(1);
                }

                var work = new DistanceTransform.LineWork(maxLine);
                var d2 = ArrayPool<float>.Shared.Rent(sliceLen);
                try
                {
                    var slice = d2.AsSpan(0, sliceLen);
                    for (var s = Math.Max(0, k0 - rz); s < Math.Min(nz, k1 + rz); s++)
                    {
                        DistanceTransform.SliceSquaredDistance(source.AsSpan(s * sliceLen, sliceLen), nx, ny, sp, sitesAreForeground: dilate, slice, work);

                        // Output slice t reads source slice t + dz.
                        for (var t = Math.Max(k0, s - rz); t < Math.Min(k1, s + rz + 1); t++)
                        {
                            var threshold = thresholds[s - t + rz];
                            var target = o.AsSpan(t * sliceLen, sliceLen);
                            if (dilate)
                            {
                                OrWithin(slice, threshold, target, allowSimd);
                            }
                            else
                            {
                                AndBeyond(slice, threshold, target, allowSimd);
                            }
                        }
                    }

                    if (!dilate)
                    {
                        for (var t = k0; t < k1; t++)
                        {
                            for (var j = 0; j < ny; j++)
                            {
                                var off = (t * sliceLen) + (j * nx);
                                var row = o.AsSpan(off, nx);
                                if (nearZ![t] || nearY![j])
                                {
                                    row.Clear();
                                    continue;
                                }

                                var m = source.AsSpan(off, nx);
                                for (var i = 0; i < nx; i++)
                                {
                                    if (m[i] == 0 || nearX![i])
                                    {
                                        row[i] = 0;
                                    }
                                }
                            }
                        }
                    }
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(d2);
                }
            });
        }
        finally
        {
            if (copy is not null)
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }
    }

    /// <summary>For each index along an axis of <paramref name="n"/> voxels: whether the outside lies within the radius.</summary>
    public static bool[] BorderReach(int n, double spacing, double r2)
    {
        var near = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var steps = Math.Min(i + 1, n - i);
            var d = steps * spacing;
            near[i] = StructuringElement.IsWithinRadius(d * d, r2);
        }

        return near;
    }

    /// <summary>o[i] |= (d[i] ≤ threshold).</summary>
    internal static void OrWithin(ReadOnlySpan<float> d, float threshold, Span<byte> o, bool allowSimd)
    {
        var i = 0;
        if (allowSimd && Vector256.IsHardwareAccelerated)
        {
            var t = Vector256.Create(threshold);
            var one = Vector256.Create((byte)1);
            for (; i + 32 <= d.Length; i += 32)
            {
                var m = Mask32(d.Slice(i, 32), t);
                var ov = Vector256.Create(o.Slice(i, 32));
                (ov | (m & one)).CopyTo(o.Slice(i, 32));
            }
        }

        for (; i < d.Length; i++)
        {
            if (d[i] <= threshold)
            {
                o[i] = 1;
            }
        }
    }

    /// <summary>o[i] &amp;= (d[i] &gt; threshold).</summary>
    internal static void AndBeyond(ReadOnlySpan<float> d, float threshold, Span<byte> o, bool allowSimd)
    {
        var i = 0;
        if (allowSimd && Vector256.IsHardwareAccelerated)
        {
            var t = Vector256.Create(threshold);
            var one = Vector256.Create((byte)1);
            for (; i + 32 <= d.Length; i += 32)
            {
                // NaN never occurs (distances are finite or +∞), so "not ≤" is "&gt;".
                var m = Mask32(d.Slice(i, 32), t);
                var ov = Vector256.Create(o.Slice(i, 32));
                Vector256.AndNot(ov, m & one).CopyTo(o.Slice(i, 32));
            }
        }

        for (; i < d.Length; i++)
        {
            if (d[i] <= threshold)
            {
                o[i] = 0;
            }
        }
    }

    // 32 comparisons d ≤ t narrowed to 32 byte lanes of 0x00 / 0xFF, in order.
    private static Vector256<byte> Mask32(ReadOnlySpan<float> d, Vector256<float> t)
    {
        var a = Vector256.LessThanOrEqual(Vector256.Create(d[..8]), t).AsInt32();
        var b = Vector256.LessThanOrEqual(Vector256.Create(d.Slice(8, 8)), t).AsInt32();
        var c = Vector256.LessThanOrEqual(Vector256.Create(d.Slice(16, 8)), t).AsInt32();
        var e = Vector256.LessThanOrEqual(Vector256.Create(d.Slice(24, 8)), t).AsInt32();
        return Vector256.Narrow(Vector256.Narrow(a, b), Vector256.Narrow(c, e)).AsByte();
    }
}
