using System.Buffers;
using System.Numerics.Tensors;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal.Edema;

/// <summary>
/// The constants of <see cref="LocalContrastLesions"/> (docs/methods.md, "Edema rules", local-contrast lesions).
/// The defaults are the method; another value is for the measuring script only.
/// </summary>
/// <param name="NeighbourhoodHalfWidthMm">Half-width (mm, in-plane square) of the neighbourhood whose normal marrow is a voxel's local background.</param>
/// <param name="LocalContrastSd">A candidate voxel lies this many robust SDs of the reference above its local background.</param>
/// <param name="ShellWidthMm">Width (mm, in-plane) of the ring of interior marrow around a candidate lesion taken as its surroundings.</param>
/// <param name="ShellContrastSd">A lesion's median lies at least this many robust SDs of its shell above the shell's median.</param>
/// <param name="ShellDarkerSd">The shell's median lies at least this many robust SDs of the reference below the normal-marrow median.</param>
internal sealed record LocalContrastRule(double NeighbourhoodHalfWidthMm, double LocalContrastSd, double ShellWidthMm, double ShellContrastSd, double ShellDarkerSd)
{
    /// <summary>The method's constants (5 mm, 2 SD, 2 mm, 2 SD, 1 SD).</summary>
    public static LocalContrastRule Default { get; } = new(5.0, 2.0, 2.0, 2.0, 1.0);
}

/// <summary>
/// Lesions brighter than their own surroundings where the surroundings are darker than normal marrow: edema in
/// sclerotic subchondral bone (dark on the fluid-sensitive series) that the global threshold, set against normal
/// fatty marrow elsewhere, does not reach. Candidates are interior marrow voxels (never the raw decision's
/// <see cref="EdemaSegmenter.Boundary"/> voxels: the boundary layer of a bone against a touching bone — partial volume
/// with cartilage and joint fluid — joins lesions and never seeds one, here as in the threshold's lesions) at least 1 robust SD above the
/// normal-marrow median and <see cref="LocalContrastRule.LocalContrastSd"/> robust SDs above the mean of the
/// below-threshold marrow in their in-plane neighbourhood; a 26-connected candidate lesion of at least the minimum
/// lesion volume is kept when its in-plane shell of interior marrow is darker than normal marrow, the lesion stands out
/// of that shell by the shell's own spread and, as every lesion, its peak is brighter than muscle.
/// </summary>
internal static class LocalContrastLesions
{
    /// <summary>Fewest shell voxels whose median and quartiles are taken as the lesion's surroundings.</summary>
    public const int MinimumShellVoxels = 10;

    /// <summary>
    /// The accepted lesions (1) on <paramref name="raw"/>'s grid, or null when none is accepted.
    /// <paramref name="levelScale"/> multiplies the candidates' minimum signal and their margin above the local background
    /// (the threshold-sensitivity check). With
    /// <paramref name="muscleFluid"/> a lesion whose peak (<see cref="EdemaSegmenter.PeakQuantile"/>) is not brighter than
    /// muscle is haematopoietic marrow, as for the threshold's lesions.
    /// </summary>
    public static Volume<byte>? Find(Volume<byte> raw, Volume<float> fluid, Volume<byte> bones, ReferenceStats reference, double levelScale, double minimumVolumeMm3, double? muscleFluid, LocalContrastRule rule)
    {
        var g = fluid.Geometry;
        var background = LocalBackground(raw, fluid, bones, rule.NeighbourhoodHalfWidthMm);
        var candidates = Candidates(raw, fluid, bones, background, reference, levelScale, rule);
        if (candidates is null)
        {
            return null;
        }

        var cc = ConnectedComponents.Label(candidates, Connectivity.Vertex26);
        var lab = cc.Labels.Data;
        var accept = new bool[cc.Count + 1];
        var any = false;
        int nx = g.SizeX, ny = g.SizeY;
        var sxy = nx * ny;
        var rx = Math.Max(1, (int)Math.Round(rule.ShellWidthMm / g.Spacing.X));
        var ry = Math.Max(1, (int)Math.Round(rule.ShellWidthMm / g.Spacing.Y));
        var darkest = reference.FluidMedian - (rule.ShellDarkerSd * reference.FluidRobustSd);
        var f = fluid.Data;
        var b = bones.Data;
        var c = candidates.Data;
        var inside = new List<float>();
        var shell = new List<float>();
        foreach (var comp in cc.Components)
        {
            if (comp.VolumeMm3 < minimumVolumeMm3 * (1 - 1e-12))
            {
                continue;
            }

            // The component's in-plane neighbourhood within rx, ry voxels (Chebyshev), slice by slice.
            var box = comp.BoundingBox;
            int x0 = Math.Max(0, box.MinX - rx), x1 = Math.Min(nx - 1, box.MaxX + rx);
            int y0 = Math.Max(0, box.MinY - ry), y1 = Math.Min(ny - 1, box.MaxY + ry);
            int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
            var near = new byte[bw * bh];
            var rowMax = new byte[bw * bh];
            inside.Clear();
            shell.Clear();
            for (var k = box.MinZ; k <= box.MaxZ; k++)
            {
                Array.Clear(rowMax);
                for (var j = y0; j <= y1; j++)
                {
                    for (var i = x0; i <= x1; i++)
                    {
                        if (lab[i + (j * nx) + (k * sxy)] == comp.Label)
                        {
                            var ya = j - y0;
                            for (var xx = Math.Max(x0, i - rx); xx <= Math.Min(x1, i + rx); xx++)
                            {
                                rowMax[(xx - x0) + (ya * bw)] = 1;
                            }
                        }
                    }
                }

                Array.Clear(near);
                for (var ya = 0; ya < bh; ya++)
                {
                    for (var xa = 0; xa < bw; xa++)
                    {
                        if (rowMax[xa + (ya * bw)] == 0)
                        {
                            continue;
                        }

                        for (var yy = Math.Max(0, ya - ry); yy <= Math.Min(bh - 1, ya + ry); yy++)
                        {
                            near[xa + (yy * bw)] = 1;
                        }
                    }
                }

                for (var ya = 0; ya < bh; ya++)
                {
                    for (var xa = 0; xa < bw; xa++)
                    {
                        if (near[xa + (ya * bw)] == 0)
                        {
                            continue;
                        }

                        var idx = xa + x0 + ((ya + y0) * nx) + (k * sxy);
                        if (lab[idx] == comp.Label)
                        {
                            inside.Add(f[idx]);
                        }
                        else if (c[idx] == 0 && IsInterior(b, idx, xa + x0, ya + y0, k, g))
                        {
                            shell.Add(f[idx]);
                        }
                    }
                }
            }

            if (shell.Count < MinimumShellVoxels)
            {
                continue;
            }

            inside.Sort();
            shell.Sort();
            var shellMedian = EdemaSegmenter.SortedQuantile(shell, 0.5);
            var shellSd = (EdemaSegmenter.SortedQuantile(shell, 0.75) - EdemaSegmenter.SortedQuantile(shell, 0.25)) / 1.349;
            if (!(shellSd > 0))
            {
                shellSd = reference.FluidRobustSd;
            }

            if (shellMedian <= darkest && EdemaSegmenter.SortedQuantile(inside, 0.5) - shellMedian >= rule.ShellContrastSd * shellSd
                && !(muscleFluid is { } muscle && !(EdemaSegmenter.SortedQuantile(inside, EdemaSegmenter.PeakQuantile) > muscle)))
            {
                accept[comp.Label] = true;
                any = true;
            }
        }

        if (!any)
        {
            return null;
        }

        for (var i = 0; i < c.Length; i++)
        {
            c[i] = (byte)(lab[i] != 0 && accept[lab[i]] ? 1 : 0);
        }

        return candidates;
    }

    /// <summary>
    /// Interior bone voxel: in the bones with all face neighbours in the bones (in-plane ones only on a single-slice grid);
    /// a voxel on the grid's edge is not interior.
    /// </summary>
    internal static bool IsInterior(byte[] bones, int idx, int i, int j, int k, ImageGeometry g)
    {
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ;
        var sxy = nx * ny;
        if (bones[idx] == 0 || i == 0 || j == 0 || i == nx - 1 || j == ny - 1)
        {
            return false;
        }

        if (bones[idx - 1] == 0 || bones[idx + 1] == 0 || bones[idx - nx] == 0 || bones[idx + nx] == 0)
        {
            return false;
        }

        return nz == 1 || (k > 0 && k < nz - 1 && bones[idx - sxy] != 0 && bones[idx + sxy] != 0);
    }

    /// <summary>
    /// Mean fluid signal of the bone voxels below the rule's threshold (raw decision 0) in the in-plane square of
    /// half-width <paramref name="halfWidthMm"/> around each voxel, NaN where that square holds none or the voxel's row
    /// holds no bone. Box sums per slice: the sums along y add and subtract whole rows (SIMD), the sums along x are
    /// running sums (sequential); rows without bone are skipped.
    /// </summary>
    internal static Volume<float> LocalBackground(Volume<byte> raw, Volume<float> fluid, Volume<byte> bones, double halfWidthMm)
    {
        var g = fluid.Geometry;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ;
        var sxy = nx * ny;
        var hx = Math.Max(1, (int)Math.Round(halfWidthMm / g.Spacing.X));
        var hy = Math.Max(1, (int)Math.Round(halfWidthMm / g.Spacing.Y));
        var output = new Volume<float>(g);
        var o = output.Data;
        var f = fluid.Data;
        var b = bones.Data;
        var r = raw.Data;
        Parallel.For(0, nz, k =>
        {
            var pool = ArrayPool<float>.Shared;
            var wf = pool.Rent(sxy);
            var w = pool.Rent(sxy);
            var colF = pool.Rent(nx);
            var colW = pool.Rent(nx);
            try
            {
                var off = k * sxy;
                var any = false;
                for (var j = 0; j < ny; j++)
                {
                    var row = off + (j * nx);
                    if (b.AsSpan(row, nx).IndexOfAnyExcept((byte)0) < 0)
                    {
                        // No bone in this row (most rows of a box around curved bones): nothing to weigh (vectorised clears).
                        wf.AsSpan(j * nx, nx).Clear();
                        w.AsSpan(j * nx, nx).Clear();
                        continue;
                    }

                    for (var i = 0; i < nx; i++)
                    {
                        var use = b[row + i] != 0 && r[row + i] == 0;
                        wf[(j * nx) + i] = use ? f[row + i] : 0f;
                        w[(j * nx) + i] = use ? 1f : 0f;
                        any |= use;
                    }
                }

                var slice = o.AsSpan(off, sxy);
                if (!any)
                {
                    slice.Fill(float.NaN);
                    return;
                }

                // Column sums of rows j - hy .. j + hy (clamped), kept as running sums along j.
                var cf = colF.AsSpan(0, nx);
                var cw = colW.AsSpan(0, nx);
                cf.Clear();
                cw.Clear();
                for (var j = 0; j < Math.Min(hy, ny - 1) + 1; j++)
                {
                    TensorPrimitives.Add(cf, wf.AsSpan(j * nx, nx), cf);
                    TensorPrimitives.Add(cw, w.AsSpan(j * nx, nx), cw);
                }

                for (var j = 0; j < ny; j++)
                {
                    if (j > 0)
                    {
                        if (j + hy < ny)
                        {
                            TensorPrimitives.Add(cf, wf.AsSpan((j + hy) * nx, nx), cf);
                            TensorPrimitives.Add(cw, w.AsSpan((j + hy) * nx, nx), cw);
                        }

                        if (j - hy - 1 >= 0)
                        {
                            TensorPrimitives.Subtract(cf, wf.AsSpan((j - hy - 1) * nx, nx), cf);
                            TensorPrimitives.Subtract(cw, w.AsSpan((j - hy - 1) * nx, nx), cw);
                        }
                    }

                    var row = slice.Slice(j * nx, nx);
                    if (b.AsSpan(off + (j * nx), nx).IndexOfAnyExcept((byte)0) < 0)
                    {
                        // Only bone voxels are ever asked for their background.
                        row.Fill(float.NaN);
                        continue;
                    }

                    // Running sum along x of the column sums.
                    float sf = 0, sw = 0;
                    for (var i = 0; i < Math.Min(hx, nx - 1) + 1; i++)
                    {
                        sf += cf[i];
                        sw += cw[i];
                    }

                    for (var i = 0; i < nx; i++)
                    {
                        if (i > 0)
                        {
                            if (i + hx < nx)
                            {
                                sf += cf[i + hx];
                                sw += cw[i + hx];
                            }

                            if (i - hx - 1 >= 0)
                            {
                                sf -= cf[i - hx - 1];
                                sw -= cw[i - hx - 1];
                            }
                        }

                        // Counts are whole numbers: a float sum of at most 2^24 ones is exact.
                        row[i] = sw > 0.5f ? sf / sw : float.NaN;
                    }
                }
            }
            finally
            {
                pool.Return(wf);
                pool.Return(w);
                pool.Return(colF);
                pool.Return(colW);
            }
        });
        return output;
    }

    private static Volume<byte>? Candidates(Volume<byte> raw, Volume<float> fluid, Volume<byte> bones, Volume<float> background, ReferenceStats reference, double levelScale, LocalContrastRule rule)
    {
        var g = fluid.Geometry;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ;
        var sxy = nx * ny;
        var output = new Volume<byte>(g);
        var o = output.Data;
        var f = fluid.Data;
        var b = bones.Data;
        var r = raw.Data;
        var bg = background.Data;
        var minimum = (float)(levelScale * (reference.FluidMedian + reference.FluidRobustSd));
        var contrast = (float)(levelScale * rule.LocalContrastSd * reference.FluidRobustSd);
        var found = 0;
        Parallel.For(0, nz, k =>
        {
            var n = 0;
            for (var j = 0; j < ny; j++)
            {
                if (b.AsSpan((j * nx) + (k * sxy), nx).IndexOfAnyExcept((byte)0) < 0)
                {
                    continue;
                }

                for (var i = 0; i < nx; i++)
                {
                    var idx = i + (j * nx) + (k * sxy);
                    var v = f[idx];

                    // NaN background (no below-threshold marrow around) fails the comparison.
                    if (v > minimum && v - bg[idx] > contrast && r[idx] != EdemaSegmenter.Boundary && IsInterior(b, idx, i, j, k, g))
                    {
                        o[idx] = 1;
                        n++;
                    }
                }
            }

            if (n > 0)
            {
                Interlocked.Add(ref found, n);
            }
        });
        return found > 0 ? output : null;
    }
}
