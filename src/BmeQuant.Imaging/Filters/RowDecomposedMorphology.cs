using System.Buffers;
using System.Runtime.Intrinsics;

namespace BmeQuant.Imaging.Filters;

/// <summary>
/// Ellipsoid morphology by row decomposition: for a fixed (dy, dz) the element's x offsets form the interval
/// [−w, w], so a dilation is an OR over the element's (dy, dz) rows of "distance along the source row to the
/// nearest foreground ≤ w" (erosion: AND of "distance to the nearest background or the array's end > w").
/// The per-row distances are computed once (one byte per voxel, capped at 255); each (dy, dz) pair then costs one
/// SIMD compare-and-combine sweep. Used when the element has few rows; large radii go through the distance transform.
/// </summary>
internal static class RowDecomposedMorphology
{
    /// <summary>Above this many (dy, dz) rows the distance-transform path is cheaper.</summary>
    public const int MaxRows = 48;

    /// <summary>The element's rows (dy, dz, w), or null when it has too many rows or too wide a row.</summary>
    public static (int Dy, int Dz, byte W)[]? Rows(Vector3D spacing, double radiusMm)
    {
        // Walks the element's (dy, dz) rows without listing its offsets (a large radius has millions).
        var r2 = radiusMm * radiusMm;
        int ry = (int)Math.Floor(radiusMm / spacing.Y) + 1, rz = (int)Math.Floor(radiusMm / spacing.Z) + 1;
        var rows = new List<(int Dy, int Dz, byte W)>();
        for (var dz = -rz; dz <= rz; dz++)
        {
            for (var dy = -ry; dy <= ry; dy++)
            {
                if (!StructuringElement.IsWithinRadius(StructuringElement.SquaredDistanceMm2(0, dy, dz, spacing), r2))
                {
                    continue;
                }

                var w = 0;
                while (StructuringElement.IsWithinRadius(StructuringElement.SquaredDistanceMm2(w + 1, dy, dz, spacing), r2))
                {
                    w++;
                    if (w >= 255)
                    {
                        return null;
                    }
                }

                rows.Add((dy, dz, (byte)w));
                if (rows.Count > MaxRows)
                {
                    return null;
                }
            }
        }

        return [.. rows];
    }

    /// <summary>Writes the dilation or erosion of <paramref name="mask"/> into <paramref name="output"/> (may alias the mask).</summary>
    public static void Apply(Volume<byte> mask, (int Dy, int Dz, byte W)[] rows, bool dilate, Volume<byte> output)
    {
        int nx = mask.SizeX, ny = mask.SizeY, nz = mask.SizeZ;
        var sliceLen = nx * ny;
        var dist = ArrayPool<byte>.Shared.Rent(mask.Length);
        try
        {
            var m = mask.Data;
            Parallel.For(0, nz, k =>
            {
                for (var j = 0; j < ny; j++)
                {
                    var off = (k * sliceLen) + (j * nx);
                    RowDistance(m.AsSpan(off, nx), dist.AsSpan(off, nx), dilate);
                }
            });

            var o = output.Data;
            Parallel.For(0, nz, k =>
            {
                for (var j = 0; j < ny; j++)
                {
                    var outRow = o.AsSpan((k * sliceLen) + (j * nx), nx);
                    if (dilate)
                    {
                        outRow.Clear();
                    }
                    else
                    {
                        outRow.Fill(1);
                    }

                    foreach (var (dy, dz, w) in rows)
                    {
                        int sj = j + dy, sk = k + dz;
                        if ((uint)sj >= (uint)ny || (uint)sk >= (uint)nz)
                        {
                            // Beyond the array is background: no dilation source; erosion reaches outside.
                            if (!dilate)
                            {
                                outRow.Clear();
                                break;
                            }

                            continue;
                        }

                        Combine(dist.AsSpan((sk * sliceLen) + (sj * nx), nx), w, outRow, dilate);
                    }
                }
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(dist);
        }
    }

    // Dilation: distance to the nearest foreground in the row (255 = none within 254).
    // Erosion: distance to the nearest background or to the outside (voxel −1 or nx), capped at 255.
    private static void RowDistance(ReadOnlySpan<byte> row, Span<byte> d, bool dilate)
    {
        var n = row.Length;
        var last = dilate ? int.MinValue / 2 : -1;
        for (var i = 0; i < n; i++)
        {
            if ((row[i] != 0) == dilate)
            {
                last = i;
            }

            d[i] = (byte)Math.Min(255, i - last);
        }

        last = dilate ? int.MaxValue / 2 : n;
        for (var i = n - 1; i >= 0; i--)
        {
            if ((row[i] != 0) == dilate)
            {
                last = i;
            }

            d[i] = (byte)Math.Min(d[i], Math.Min(255, last - i));
        }
    }

    // Dilation: out |= (d ≤ w); erosion: out &= (d > w). Values stay 0/1.
    private static void Combine(ReadOnlySpan<byte> d, byte w, Span<byte> o, bool dilate)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var wv = Vector256.Create(w);
            var one = Vector256.Create((byte)1);
            for (; i + Vector256<byte>.Count <= d.Length; i += Vector256<byte>.Count)
            {
                var dv = Vector256.Create(d.Slice(i, Vector256<byte>.Count));
                var ov = Vector256.Create(o.Slice(i, Vector256<byte>.Count));

                // Lane masks are 0x00 / 0xFF; AND with 1 keeps the mask values 0/1.
                ov = dilate
                    ? ov | (Vector256.LessThanOrEqual(dv, wv) & one)
                    : ov & (Vector256.GreaterThan(dv, wv) & one);
                ov.CopyTo(o.Slice(i, Vector256<byte>.Count));
            }
        }

        for (; i < d.Length; i++)
        {
            o[i] = dilate ? (byte)(o[i] | (d[i] <= w ? 1 : 0)) : (byte)(o[i] & (d[i] > w ? 1 : 0));
        }
    }
}
