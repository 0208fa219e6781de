using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
    /// <param name="mask">Input mask (non-zero = foreground).</param>
    /// <param name="rows">The element's rows from <see cref="Rows"/>.</param>
    /// <param name="dilate">True for dilation, false for erosion.</param>
    /// <param name="output">Receives 0/1.</param>
    /// <param name="useSimd">False runs the scalar reference path (tests compare both).</param>
    public static void Apply(Volume<byte> mask, (int Dy, int Dz, byte W)[] rows, bool dilate, Volume<byte> output, bool useSimd = true)
    {
        int nx = mask.SizeX, ny = mask.SizeY, nz = mask.SizeZ;
        var sliceLen = nx * ny;

        // The widest rows first: for erosion they are the most selective, for dilation they reach the most voxels,
        // so the early exit (all lanes decided) comes soonest.
        var ordered = rows.OrderByDescending(r => r.W).ToArray();
        var maxW = ordered.Length == 0 ? 0 : ordered[0].W;
        var cap = (byte)Math.Min(255, maxW + 1);
        var dist = ArrayPool<byte>.Shared.Rent(mask.Length);
        try
        {
            var m = mask.Data;
            var chunk = ParallelChunk(ny * nz, nx);
            Parallel.For(0, ((ny * nz) + chunk - 1) / chunk, c =>
            {
                var scratchLength = ScratchLength(nx);
                var scratch = scratchLength <= 16384 ? stackalloc byte[scratchLength] : new byte[scratchLength];
                var end = Math.Min(ny * nz, (c + 1) * chunk);
                for (var r = c * chunk; r < end; r++)
                {
                    var off = r * nx;
                    RowDistance(m.AsSpan(off, nx), dist.AsSpan(off, nx), dilate, cap, scratch, useSimd);
                }
            });

            var o = output.Data;
            Parallel.For(0, ((ny * nz) + chunk - 1) / chunk, c =>
            {
                Span<int> offsets = stackalloc int[ordered.Length];
                Span<byte> widths = stackalloc byte[ordered.Length];
                var end = Math.Min(ny * nz, (c + 1) * chunk);
                for (var r = c * chunk; r < end; r++)
                {
                    int j = r % ny, k = r / ny;
                    var outRow = o.AsSpan(r * nx, nx);
                    var count = 0;
                    var outside = false;
                    foreach (var (dy, dz, w) in ordered)
                    {
                        int sj = j + dy, sk = k + dz;
                        if ((uint)sj >= (uint)ny || (uint)sk >= (uint)nz)
                        {
                            // Beyond the array is background: no dilation source; erosion reaches outside.
                            outside = true;
                            continue;
                        }

                        offsets[count] = (sk * sliceLen) + (sj * nx);
                        widths[count++] = w;
                    }

                    if ((outside && !dilate) || (count == 0 && dilate))
                    {
                        outRow.Clear();
                        continue;
                    }

                    CombineRow(dist, offsets[..count], widths[..count], outRow, dilate, useSimd);
                }
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(dist);
        }
    }

    /// <summary>Rows per parallel work item: about 64 K voxels, so small volumes do not pay one task per slice.</summary>
    private static int ParallelChunk(int rowCount, int nx) => Math.Clamp(65536 / Math.Max(1, nx), 1, Math.Max(1, rowCount));

    /// <summary>Bytes of padding on each side of a row in the SIMD distance scratch (the largest step read).</summary>
    internal const int DistancePad = 64;

    /// <summary>Scratch bytes <see cref="RowDistance"/> needs for rows of <paramref name="nx"/> voxels.</summary>
    internal static int ScratchLength(int nx) => 2 * (nx + (2 * DistancePad));

    // Dilation: distance to the nearest foreground in the row; erosion: distance to the nearest background or to the
    // outside (voxel −1 or nx). Both capped at cap (only comparisons with widths below cap are made).
    internal static void RowDistance(ReadOnlySpan<byte> row, Span<byte> d, bool dilate, byte cap, Span<byte> scratch, bool useSimd = true)
    {
        var n = row.Length;
        d = d[..n];
        if (useSimd && cap <= 2 * DistancePad && Vector128.IsHardwareAccelerated && n >= Vector128<byte>.Count)
        {
            RowDistanceSimd(row, d, dilate, cap, scratch);
            return;
        }

        RowDistanceScalar(row, d, dilate, cap);
    }

    internal static void RowDistanceScalar(ReadOnlySpan<byte> row, Span<byte> d, bool dilate, byte cap)
    {
        var n = row.Length;

        // run = distance to the last target voxel seen, capped; erosion starts next to the outside (distance 1 at i = 0).
        var run = dilate ? (int)cap : 0;
        for (var i = 0; i < n; i++)
        {
            var isTarget = (row[i] != 0) == dilate;
            run = isTarget ? 0 : Math.Min(run + 1, cap);
            d[i] = (byte)run;
        }

        run = dilate ? cap : 0;
        for (var i = n - 1; i >= 0; i--)
        {
            var isTarget = (row[i] != 0) == dilate;
            run = isTarget ? 0 : Math.Min(run + 1, cap);
            if (run < d[i])
            {
                d[i] = (byte)run;
            }
        }
    }

    // Doubling steps: after steps 1, 2, 4, …, S every offset up to 2S − 1 is a sum of distinct same-sign steps, so
    // d(i) = min(d(i), d(i − s) + s, d(i + s) + s) applied for each s gives the exact distance, capped at cap. The
    // row sits in a padded buffer whose pads are the outside (erosion: background = distance 0; dilation: cap), and
    // two buffers alternate so every step reads the previous one. cap ≤ 128 keeps d + s below 256.
    private static void RowDistanceSimd(ReadOnlySpan<byte> row, Span<byte> d, bool dilate, byte cap, Span<byte> scratch)
    {
        var n = row.Length;
        var stride = n + (2 * DistancePad);
        var a = scratch[..stride];
        var b = scratch.Slice(stride, stride);
        var padValue = dilate ? cap : (byte)0;
        a[..DistancePad].Fill(padValue);
        a[(DistancePad + n)..].Fill(padValue);
        b[..DistancePad].Fill(padValue);
        b[(DistancePad + n)..].Fill(padValue);

        ref var src = ref MemoryMarshal.GetReference(row);
        ref var pa = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), DistancePad);
        ref var pb = ref Unsafe.Add(ref MemoryMarshal.GetReference(b), DistancePad);
        if (Vector256.IsHardwareAccelerated && n >= Vector256<byte>.Count)
        {
            var capV = Vector256.Create(cap);
            for (var i = 0; ; i += Vector256<byte>.Count)
            {
                var at = (nuint)Math.Min(i, n - Vector256<byte>.Count);
                var isZero = Vector256.Equals(Vector256.LoadUnsafe(ref src, at), Vector256<byte>.Zero);

                // Targets (dilation: foreground, erosion: background) start at 0, the rest at cap.
                (dilate ? isZero & capV : Vector256.AndNot(capV, isZero)).StoreUnsafe(ref pa, at);
                if ((int)at + Vector256<byte>.Count >= n)
                {
                    break;
                }
            }

            var reach = 0;
            for (var s = 1; reach < cap - 1; s *= 2)
            {
                var sv = Vector256.Create((byte)s);
                for (var i = 0; ; i += Vector256<byte>.Count)
                {
                    var at = Math.Min(i, n - Vector256<byte>.Count);
                    var c = Vector256.LoadUnsafe(ref pa, (nuint)at);
                    var left = Vector256.LoadUnsafe(ref Unsafe.Add(ref pa, at - s)) + sv;
                    var right = Vector256.LoadUnsafe(ref Unsafe.Add(ref pa, at + s)) + sv;
                    Vector256.Min(c, Vector256.Min(left, right)).StoreUnsafe(ref pb, (nuint)at);
                    if (at + Vector256<byte>.Count >= n)
                    {
                        break;
                    }
                }

                reach += s;
                ref var written = ref pb;
                pb = ref pa;
                pa = ref written;
            }
        }
        else
        {
            var capV = Vector128.Create(cap);
            for (var i = 0; ; i += Vector128<byte>.Count)
            {
                var at = (nuint)Math.Min(i, n - Vector128<byte>.Count);
                var isZero = Vector128.Equals(Vector128.LoadUnsafe(ref src, at), Vector128<byte>.Zero);
                (dilate ? isZero & capV : Vector128.AndNot(capV, isZero)).StoreUnsafe(ref pa, at);
                if ((int)at + Vector128<byte>.Count >= n)
                {
                    break;
                }
            }

            var reach = 0;
            for (var s = 1; reach < cap - 1; s *= 2)
            {
                var sv = Vector128.Create((byte)s);
                for (var i = 0; ; i += Vector128<byte>.Count)
                {
                    var at = Math.Min(i, n - Vector128<byte>.Count);
                    var c = Vector128.LoadUnsafe(ref pa, (nuint)at);
                    var left = Vector128.LoadUnsafe(ref Unsafe.Add(ref pa, at - s)) + sv;
                    var right = Vector128.LoadUnsafe(ref Unsafe.Add(ref pa, at + s)) + sv;
                    Vector128.Min(c, Vector128.Min(left, right)).StoreUnsafe(ref pb, (nuint)at);
                    if (at + Vector128<byte>.Count >= n)
                    {
                        break;
                    }
                }

                reach += s;
                ref var written = ref pb;
                pb = ref pa;
                pa = ref written;
            }
        }

        MemoryMarshal.CreateReadOnlySpan(ref pa, n).CopyTo(d);
    }

    // Dilation: out = OR over rows of (d ≤ w); erosion: out = AND over rows of (d > w). Values 0/1.
    // One pass over the output row: the result of each vector stays in a register across the element's rows, and the
    // loop over rows stops once every lane is decided (erosion: all 0, dilation: all 1).
    internal static void CombineRow(byte[] dist, ReadOnlySpan<int> offsets, ReadOnlySpan<byte> widths, Span<byte> o, bool dilate, bool useSimd)
    {
        var nx = o.Length;
        var i = 0;
        ref var d0 = ref MemoryMarshal.GetArrayDataReference(dist);
        if (useSimd && Vector256.IsHardwareAccelerated && nx >= Vector256<byte>.Count)
        {
            var one = Vector256.Create((byte)1);
            while (true)
            {
                // The last vector overlaps the previous one when nx is not a multiple of the width (same values written).
                var at = Math.Min(i, nx - Vector256<byte>.Count);
                Vector256<byte> acc;
                if (dilate)
                {
                    acc = Vector256<byte>.Zero;
                    for (var r = 0; r < offsets.Length; r++)
                    {
                        var dv = Vector256.LoadUnsafe(ref d0, (nuint)(offsets[r] + at));
                        acc |= Vector256.LessThanOrEqual(dv, Vector256.Create(widths[r]));
                        if (acc == Vector256<byte>.AllBitsSet)
                        {
                            break;
                        }
                    }
                }
                else
                {
                    acc = Vector256<byte>.AllBitsSet;
                    for (var r = 0; r < offsets.Length; r++)
                    {
                        var dv = Vector256.LoadUnsafe(ref d0, (nuint)(offsets[r] + at));
                        acc &= Vector256.GreaterThan(dv, Vector256.Create(widths[r]));
                        if (acc == Vector256<byte>.Zero)
                        {
                            break;
                        }
                    }
                }

                (acc & one).StoreUnsafe(ref MemoryMarshal.GetReference(o), (nuint)at);
                i = at + Vector256<byte>.Count;
                if (i >= nx)
                {
                    return;
                }
            }
        }

        if (useSimd && Vector128.IsHardwareAccelerated && nx >= Vector128<byte>.Count)
        {
            var one = Vector128.Create((byte)1);
            while (true)
            {
                var at = Math.Min(i, nx - Vector128<byte>.Count);
                Vector128<byte> acc;
                if (dilate)
                {
                    acc = Vector128<byte>.Zero;
                    for (var r = 0; r < offsets.Length; r++)
                    {
                        var dv = Vector128.LoadUnsafe(ref d0, (nuint)(offsets[r] + at));
                        acc |= Vector128.LessThanOrEqual(dv, Vector128.Create(widths[r]));
                        if (acc == Vector128<byte>.AllBitsSet)
                        {
                            break;
                        }
                    }
                }
                else
                {
                    acc = Vector128<byte>.AllBitsSet;
                    for (var r = 0; r < offsets.Length; r++)
                    {
                        var dv = Vector128.LoadUnsafe(ref d0, (nuint)(offsets[r] + at));
                        acc &= Vector128.GreaterThan(dv, Vector128.Create(widths[r]));
                        if (acc == Vector128<byte>.Zero)
                        {
                            break;
                        }
                    }
                }

                (acc & one).StoreUnsafe(ref MemoryMarshal.GetReference(o), (nuint)at);
                i = at + Vector128<byte>.Count;
                if (i >= nx)
                {
                    return;
                }
            }
        }

        // Scalar reference (and rows shorter than one vector).
        for (; i < nx; i++)
        {
            var v = !dilate;
            for (var r = 0; r < offsets.Length; r++)
            {
                // Dilation: a foreground within w sets the voxel; erosion: a background within w clears it.
                if (dist[offsets[r] + i] <= widths[r])
                {
                    v = dilate;
                    break;
                }
            }

            o[i] = v ? (byte)1 : (byte)0;
        }
    }
}
