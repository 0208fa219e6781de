using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Quantification.Internal.Bones;
using BmeQuant.Quantification.Internal.Edema;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// The edema decision, uniform over rules: a marrow voxel is edema when
/// <c>fluid + supportSd · w · (T1median − T1) / T1sd &gt; FluidThreshold</c>, T1 is not brighter than the fat veto,
/// fluid is above the reference median, and it lies deeper than the surface margin; then lesions below the minimum
/// volume are dropped and small enclosed holes filled.
/// </summary>
internal sealed record ThresholdRule(string Name, double K, double FluidThreshold, double T1SupportMultiplier, string Description)
{
    public static ThresholdRule Create(AnalysisOptions options, ReferenceStats reference, bool hasT1)
    {
        var iqr = reference.FluidQ3 - reference.FluidQ1;
        switch (options.Rule)
        {
            case EdemaRule.Q3Iqr:
                {
                    var k = options.K ?? AdaptiveK(reference, iqr);
                    var thr = reference.FluidQ3 + (k * iqr);
                    return new("q3-iqr", k, thr, 0, Invariant($"fluid > Q3 + k·IQR = {reference.FluidQ3:G5} + {k:G3}·{iqr:G5} = {thr:G5}{(options.K is null ? " (k adaptive: smallest k ≥ 1.5 leaving ≤ 1 % of normal marrow above)" : "")}"));
                }

            case EdemaRule.MeanSd:
                {
                    var k = options.EffectiveK!.Value;
                    var sd = reference.FluidSd;
                    var thr = reference.FluidMean + (k * sd);
                    return new("mean-sd", k, thr, 0, Invariant($"fluid > mean + k·SD = {reference.FluidMean:G5} + {k:G3}·{sd:G5} = {thr:G5}"));
                }

            default:
                {
                    var k = options.EffectiveK!.Value;
                    var thr = reference.FluidMedian + (k * reference.FluidRobustSd);
                    var w = hasT1 ? options.T1SupportWeight : 0;
                    return new("robust", k, thr, w * reference.FluidRobustSd, Invariant($"(fluid − {reference.FluidMedian:G5})/{reference.FluidRobustSd:G4} + {w:G3}·(T1 hypointensity z) > {k:G3}, i.e. fluid > {thr:G5} where T1 is normal"));
                }
        }
    }

    private static double AdaptiveK(ReferenceStats reference, double iqr)
    {
        if (reference.Source != "mask")
        {
            // The estimated reference is trimmed above Q3; under its normal model 1 % lies above median + 2.326 SD,
            // i.e. Q3 + 1.22 IQR, so the lower bound 1.5 applies.
            return 1.5;
        }

        const double Step = 0.05;
        for (var k = 1.5; k < 4.0; k += Step)
        {
            if (reference.Fluid.FractionAbove(reference.FluidQ3 + (k * iqr)) <= 0.01)
            {
                return Math.Round(k, 2);
            }
        }

        return 4.0;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Applies a <see cref="ThresholdRule"/> to the series inside the bones, then turns the raw decision into lesions:
/// the bone's boundary voxel layer (partial volume with cortex, soft tissue and joint fluid) never seeds a lesion and
/// joins one through chains of boundary voxels at most <see cref="BoundaryChainMaxMm"/> long; a lesion whose peak
/// (<see cref="PeakQuantile"/> of the fluid signal) is not
/// brighter than muscle is normal (haematopoietic) marrow; a lesion's edge is where the signal has risen by
/// <see cref="AnalysisOptions.LesionEdgeFraction"/> of the way from normal marrow to its core.
/// </summary>
internal static class EdemaSegmenter
{
    /// <summary>Cap on the T1 hypointensity z-score that supports a voxel (beyond it T1 adds nothing more).</summary>
    public const double MaxT1SupportZ = 4.0;

    /// <summary>
    /// The T1-bright veto (fat, or partial volume with fat) does not apply to a voxel whose fluid signal lies more than
    /// this multiple of the rule's margin (threshold − normal-marrow median) above the median: fat is dark on a
    /// fat-suppressed fluid-sensitive series, so a voxel that bright is not fatty marrow whatever its T1 (with the
    /// robust rule's K = 3: 6 robust SDs). Measured on the real sacroiliac scans with masks: never exempt 0.865 ×,
    /// 1.5 × 0.869 ×, 2 × 0.874 ×, 2.7 × 0.874 ×, 4 × 0.867 × the readers' mutual Dice (without the reference mask
    /// 0.830 → 0.842 × at 2 ×); phantom figures unchanged.
    /// </summary>
    public const double VetoExemptMarginMultiple = 2.0;

    /// <summary>Raw decision value for an interior voxel above threshold.</summary>
    public const byte Interior = 1;

    /// <summary>Raw decision value for a boundary-layer voxel above threshold.</summary>
    public const byte Boundary = 2;

    /// <summary>
    /// Longest path (mm, summed face steps through boundary-layer voxels) by which a boundary voxel joins a lesion.
    /// Measured on the real sacroiliac scans with masks (3.3 mm slices): one face step 0.835 ×, 3 mm (in-plane steps
    /// only) 0.854 ×, 5 mm 0.865 ×, 8 mm 0.864 ×, unlimited 0.862 × the readers' mutual Dice.
    /// </summary>
    public const double BoundaryChainMaxMm = 5.0;

    /// <summary>Quantile of a lesion's fluid signal taken as its core (its median: robust to the lesion's own bright spots).</summary>
    public const double CoreQuantile = 0.5;

    /// <summary>
    /// Quantile of a lesion's fluid signal taken as its peak (compared with muscle): its brightest voxels, so that a
    /// faint lesion whose core is about half edematous (as bright as muscle) is kept while haematopoietic islands,
    /// darker than muscle throughout, are not.
    /// </summary>
    public const double PeakQuantile = 0.99;

    /// <summary>The fluid signal of each lesion (labels 1..<paramref name="count"/> of <paramref name="labels"/>), ascending.</summary>
    private static List<float>[] SortedValuesPerLesion(int[] labels, int count, float[] fluid)
    {
        var values = new List<float>[count + 1];
        for (var c = 1; c <= count; c++)
        {
            values[c] = [];
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] != 0)
            {
                values[labels[i]].Add(fluid[i]);
            }
        }

        for (var c = 1; c <= count; c++)
        {
            values[c].Sort();
        }

        return values;
    }

    /// <summary>Quantile <paramref name="p"/> of an ascending list, interpolated linearly between order statistics (numpy's default).</summary>
    internal static double SortedQuantile(List<float> sorted, double p)
    {
        var h = (sorted.Count - 1) * p;
        var lo = (int)Math.Floor(h);
        return sorted[lo] + ((h - lo) * (sorted[Math.Min(lo + 1, sorted.Count - 1)] - sorted[lo]));
    }

    /// <summary>
    /// The box in which <see cref="Clean"/> and the demarcation-rim filter run: the bones' bounding box grown by one voxel
    /// on every side (clamped to the grid), or the whole grid when there is no bone. Raw decisions, lesions and support
    /// lie within the bones, so outside the box everything is background; the margin of background voxels keeps the
    /// edge effects of the whole grid (hole filling's open edge, the distance transform's nearest background voxel):
    /// the cropped result pasted back (<see cref="PasteBox"/>) is the whole grid's, voxel for voxel.
    /// </summary>
    internal static VoxelBox WorkBox(Volume<byte> bones)
    {
        var g = bones.Geometry;
        return VoxelBox.OfMask(bones) is { } b ? b.GrowVoxels(g, 1, 1, 1) : VoxelBox.Whole(g);
    }

    /// <summary>A volume on <paramref name="grid"/>, 0 outside <paramref name="box"/>, holding <paramref name="cropped"/> (the box's content) inside it.</summary>
    internal static Volume<byte> PasteBox(VoxelBox box, Volume<byte> cropped, ImageGeometry grid)
    {
        var output = new Volume<byte>(grid);
        box.PasteInto<byte>(cropped.Data, output);
        return output;
    }

    /// <summary>1 on bone voxels with a face neighbour outside their own bone (or on the volume's edge).</summary>
    public static Volume<byte> BoundaryLayer(Volume<int> labels)
    {
        var g = labels.Geometry;
        var output = new Volume<byte>(g);
        var l = labels.Data;
        var o = output.Data;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ;
        var sxy = nx * ny;
        Parallel.For(0, nz, k =>
        {
            for (var j = 0; j < ny; j++)
            {
                for (var i = 0; i < nx; i++)
                {
                    var idx = i + (nx * j) + (sxy * k);
                    var v = l[idx];
                    if (v <= 0)
                    {
                        continue;
                    }

                    var edge = i == 0 || i == nx - 1 || j == 0 || j == ny - 1 || (nz > 1 && (k == 0 || k == nz - 1))
                        || l[idx - 1] != v || l[idx + 1] != v || l[idx - nx] != v || l[idx + nx] != v
                        || (nz > 1 && (l[idx - sxy] != v || l[idx + sxy] != v));
                    o[idx] = (byte)(edge ? 1 : 0);
                }
            }
        });
        return output;
    }

    /// <summary>
    /// Raw decision (no lesion logic) at <paramref name="fluidThreshold"/>: <see cref="Interior"/> or
    /// <see cref="Boundary"/> where the rule fires, 0 elsewhere. The T1-bright veto spares voxels whose fluid signal
    /// exceeds the median by more than <see cref="VetoExemptMarginMultiple"/> × (<paramref name="fluidThreshold"/> − median).
    /// </summary>
    public static Volume<byte> Threshold(Volume<float> fluid, Volume<float>? t1, Volume<byte> bones, Volume<byte> boundary, Volume<float> surfaceDepthMm, ReferenceStats reference, ThresholdRule rule, double fluidThreshold, AnalysisOptions options)
    {
        var output = new Volume<byte>(fluid.Geometry);
        var f = fluid.Data;
        var b = bones.Data;
        var edge = boundary.Data;
        var depth = surfaceDepthMm.Data;
        var o = output.Data;
        var useT1 = t1 is not null && reference.T1Median is not null && reference.T1RobustSd is not null;
        var t = useT1 ? t1!.Data : null;
        var t1Med = reference.T1Median ?? 0;
        var t1Sd = reference.T1RobustSd ?? 1;
        var veto = options.T1BrightVetoZ;
        var support = rule.T1SupportMultiplier;
        var median = reference.FluidMedian;
        var margin = options.SurfaceMarginMm;

        // Edema must be hyperintense on the fluid series itself (≥ median + 1 robust SD); T1 only supports it.
        var minimumFluid = median + reference.FluidRobustSd;

        // Above this the fluid signal rules out fat (suppressed on the fluid series): the T1-bright veto does not apply.
        var vetoExemptFluid = median + (VetoExemptMarginMultiple * (fluidThreshold - median));
        var sliceLength = fluid.Geometry.SliceLength;
        Parallel.For(0, fluid.SizeZ, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism }, k =>
        {
            var end = (k + 1) * sliceLength;
            for (var i = k * sliceLength; i < end; i++)
            {
                if (b[i] == 0 || !(f[i] > minimumFluid) || depth[i] < margin)
                {
                    continue;
                }

                var value = (double)f[i];

                // In the boundary layer T1 is lowered by partial volume with cortex and soft tissue: no T1 support there.
                if (t is not null)
                {
                    var z = (t1Med - t[i]) / t1Sd;
                    if (-z > veto && !(value > vetoExemptFluid))
                    {
                        continue;
                    }

                    if (edge[i] == 0)
                    {
                        // T1 hypointensity adds at most MaxT1SupportZ robust SDs of the T1 series.
                        value += support * Math.Min(z, MaxT1SupportZ);
                    }
                }

                if (value > fluidThreshold)
                {
                    o[i] = edge[i] != 0 ? Boundary : Interior;
                }
            }
        });
        return output;
    }

    /// <summary>
    /// Turns a raw decision into lesions: interior voxels form the lesions (26-connected); a lesion whose peak is not
    /// brighter than <paramref name="muscleFluid"/> is dropped; each lesion keeps its voxels at or above its edge
    /// level; lesions under the minimum volume are dropped; boundary-layer voxels above threshold join a lesion when
    /// face-adjacent to it and at or above its edge level; small enclosed holes are filled (within the bones).
    /// <paramref name="levelScale"/> multiplies every edge level (the threshold-sensitivity check scales all thresholds).
    /// </summary>
    /// <remarks>
    /// <paramref name="absoluteLevel"/> (NaN = none) is the fluid signal of half-edematous marrow
    /// (<see cref="AnalysisOptions.MinimumEdemaFraction"/> of the way to fully edematous marrow): a lesion's edge level
    /// is never below it. <paramref name="support"/>, when given, receives every above-threshold interior voxel of the
    /// lesions that pass the muscle check (size-filtered on its own): the voxels over which edema fractions are summed.
    /// </remarks>
    public static Volume<byte> Clean(Volume<byte> raw, Volume<float> fluid, Volume<byte> bones, ReferenceStats reference, double? muscleFluid, double levelScale, AnalysisOptions options, double absoluteLevel = double.NaN, Volume<byte>? support = null)
    {
        var g = raw.Geometry;
        var r = raw.Data;
        var f = fluid.Data;
        var interior = new Volume<byte>(g);
        for (var i = 0; i < r.Length; i++)
        {
            interior.Data[i] = (byte)(r[i] == Interior ? 1 : 0);
        }

        // Per lesion: core and edge level.
        var cc = ConnectedComponents.Label(interior, Connectivity.Vertex26);
        var lab = cc.Labels.Data;
        var values = SortedValuesPerLesion(lab, cc.Count, f);

        var level = new float[cc.Count + 1];
        var median = reference.FluidMedian;
        for (var c = 1; c <= cc.Count; c++)
        {
            var v = values[c];
            var core = SortedQuantile(v, CoreQuantile);
            var peak = SortedQuantile(v, PeakQuantile);
            var relative = median + (options.LesionEdgeFraction * (core - median));
            level[c] = muscleFluid is { } muscle && options.RequireBrighterThanMuscle && !(peak > muscle)
                ? float.PositiveInfinity
                : (float)(levelScale * (double.IsNaN(absoluteLevel) ? relative : Math.Max(relative, absoluteLevel)));
        }

        if (support is not null)
        {
            var sup = support.Data;
            Array.Clear(sup);
            for (var i = 0; i < lab.Length; i++)
            {
                sup[i] = (byte)(lab[i] != 0 && !float.IsPositiveInfinity(level[lab[i]]) ? 1 : 0);
            }

            var supported = ConnectedComponents.Label(support, Connectivity.Vertex26);
            var keep = new bool[supported.Count + 1];
            foreach (var comp in supported.Components)
            {
                keep[comp.Label] = comp.VolumeMm3 >= options.MinimumLesionVolumeMm3 * (1 - 1e-12);
            }

            var sl0 = supported.Labels.Data;
            for (var i = 0; i < sup.Length; i++)
            {
                sup[i] = (byte)(sl0[i] != 0 && keep[sl0[i]] ? 1 : 0);
            }
        }

        // The interior mask's buffer is reused for the kept voxels and then for the holes (one byte buffer per pass).
        var kept = interior;
        Array.Clear(kept.Data);
        var levelMap = new float[lab.Length];
        for (var i = 0; i < lab.Length; i++)
        {
            if (lab[i] != 0 && f[i] >= level[lab[i]])
            {
                kept.Data[i] = 1;
                levelMap[i] = level[lab[i]];
            }
        }

        // Size filter (mm³, never voxels).
        var sized = ConnectedComponents.Label(kept, Connectivity.Vertex26);
        var big = new bool[sized.Count + 1];
        foreach (var c in sized.Components)
        {
            big[c.Label] = c.VolumeMm3 >= options.MinimumLesionVolumeMm3 * (1 - 1e-12);
        }

        var mask = new Volume<byte>(g);
        var m = mask.Data;
        var sl = sized.Labels.Data;
        for (var i = 0; i < m.Length; i++)
        {
            m[i] = (byte)(sl[i] != 0 && big[sl[i]] ? 1 : 0);
        }

        // Lesions brighter than their own darker-than-normal surroundings (below the global threshold) join the lesions.
        AddLocalContrastLesions(raw, fluid, bones, reference, muscleFluid, levelScale, options, m, levelMap);

        // Boundary-layer voxels join a lesion, never seed one: a boundary voxel at or above the lesion's edge level joins
        // when face-adjacent to the lesion or to a boundary voxel that joined it (chains of boundary voxels: with thick
        // slices a third of a region's voxels are boundary, and the marrow next to the joint is reached only through them).
        JoinBoundaryChains(r, f, m, levelMap, g, BoundaryChainMaxMm);

        if (options.FillHolesUpToMm3 > 0)
        {
            var filled = HoleFilling.FillPerSlice(mask);
            var holes = kept;
            var h = holes.Data;
            var fd = filled.Data;
            var b = bones.Data;
            for (var i = 0; i < h.Length; i++)
            {
                h[i] = (byte)(fd[i] != 0 && m[i] == 0 && b[i] != 0 ? 1 : 0);
            }

            if (h.AsSpan().IndexOfAnyExcept((byte)0) < 0)
            {
                // No hole: nothing to label.
                return mask;
            }

            var labels = ConnectedComponents.Label(holes, Connectivity.Face6);
            var small = new bool[labels.Count + 1];
            foreach (var c in labels.Components)
            {
                small[c.Label] = c.VolumeMm3 <= options.FillHolesUpToMm3;
            }

            var l = labels.Labels.Data;
            for (var i = 0; i < m.Length; i++)
            {
                if (l[i] != 0 && small[l[i]])
                {
                    m[i] = 1;
                }
            }
        }

        return mask;
    }

    /// <summary>
    /// The constants of the local-contrast lesions (<see cref="LocalContrastLesions"/>) that <see cref="Clean"/> adds, or
    /// null for none. Settable for the measuring script (benchmarks/scripts/realsij_agreement.cs) only; the analysis
    /// always runs with <see cref="LocalContrastRule.Default"/>.
    /// </summary>
    internal static LocalContrastRule? LocalContrast { get; set; } = LocalContrastRule.Default;

    /// <summary>
    /// Adds to <paramref name="mask"/> the lesions <see cref="LocalContrastLesions.Find"/> accepts (their voxels not in
    /// the mask yet), each with its own edge level (<see cref="AnalysisOptions.LesionEdgeFraction"/> of the way from the
    /// normal-marrow median to its median) in <paramref name="levelMap"/>, from which boundary voxels above the rule's
    /// threshold may join it.
    /// </summary>
    private static void AddLocalContrastLesions(Volume<byte> raw, Volume<float> fluid, Volume<byte> bones, ReferenceStats reference, double? muscleFluid, double levelScale, AnalysisOptions options, byte[] mask, float[] levelMap)
    {
        if (LocalContrast is not { } rule
            || LocalContrastLesions.Find(raw, fluid, bones, reference, levelScale, options.MinimumLesionVolumeMm3, options.RequireBrighterThanMuscle ? muscleFluid : null, rule) is not { } found)
        {
            return;
        }

        var added = ConnectedComponents.Label(found, Connectivity.Vertex26);
        var lab = added.Labels.Data;
        var f = fluid.Data;
        var values = SortedValuesPerLesion(lab, added.Count, f);

        var level = new float[added.Count + 1];
        for (var c = 1; c <= added.Count; c++)
        {
            var core = SortedQuantile(values[c], CoreQuantile);
            level[c] = (float)(levelScale * (reference.FluidMedian + (options.LesionEdgeFraction * (core - reference.FluidMedian))));
        }

        for (var i = 0; i < lab.Length; i++)
        {
            if (lab[i] != 0 && mask[i] == 0)
            {
                mask[i] = 1;
                levelMap[i] = level[lab[i]];
            }
        }
    }

    /// <summary>
    /// Grows <paramref name="mask"/> through <see cref="Boundary"/> voxels of <paramref name="raw"/> (face steps): a
    /// boundary voxel joins when a face neighbour is in the mask, its fluid signal is at or above that neighbour's
    /// edge level (which it then carries on) and its shortest path from a lesion voxel through joined boundary voxels
    /// (each step the voxel spacing along it) is at most <paramref name="maxPathMm"/>.
    /// </summary>
    /// <remarks>
    /// The search starts only from the lesion voxels with a <see cref="Boundary"/> face neighbour outside the mask
    /// (the others cannot join anything: a lesion's interior never reaches the boundary layer but through such a
    /// voxel). Voxels are expanded in the order (path, edge level, index), a total order that does not depend on
    /// which voxels were queued: a boundary voxel reached at the same path from two lesions takes the lower edge
    /// level, and the result is the same as when every lesion voxel seeds the search
    /// (<paramref name="seedFromEveryLesionVoxel"/>, kept for the test).
    /// </remarks>
    internal static void JoinBoundaryChains(byte[] raw, float[] fluid, byte[] mask, float[] levelMap, ImageGeometry g, double maxPathMm, bool seedFromEveryLesionVoxel = false)
    {
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ;
        var sxy = nx * ny;
        var queue = new PriorityQueue<int, (float PathMm, float Level, int Index)>();
        var pathMm = new float[mask.Length];
        var maxMm = maxPathMm;
        float dx = (float)g.Spacing.X, dy = (float)g.Spacing.Y, dz = (float)g.Spacing.Z;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = (k * sxy) + (j * nx);
                for (var i = 0; i < nx; i++)
                {
                    var idx = row + i;
                    if (mask[idx] == 0)
                    {
                        continue;
                    }

                    if (seedFromEveryLesionVoxel
                        || (i > 0 && OpenBoundary(idx - 1)) || (i < nx - 1 && OpenBoundary(idx + 1))
                        || (j > 0 && OpenBoundary(idx - nx)) || (j < ny - 1 && OpenBoundary(idx + nx))
                        || (k > 0 && OpenBoundary(idx - sxy)) || (k < nz - 1 && OpenBoundary(idx + sxy)))
                    {
                        queue.Enqueue(idx, (0f, levelMap[idx], idx));
                    }
                }
            }
        }

        while (queue.TryDequeue(out var idx, out var reached))
        {
            var path = pathMm[idx];
            if (reached.PathMm > path || reached.Level != levelMap[idx])
            {
                continue;
            }

            var level = levelMap[idx];
            var k = idx / sxy;
            var rem = idx - (k * sxy);
            var j = rem / nx;
            var i = rem - (j * nx);
            if (i > 0) { TryJoin(idx - 1, dx); }
            if (i < nx - 1) { TryJoin(idx + 1, dx); }
            if (j > 0) { TryJoin(idx - nx, dy); }
            if (j < ny - 1) { TryJoin(idx + nx, dy); }
            if (k > 0) { TryJoin(idx - sxy, dz); }
            if (k < nz - 1) { TryJoin(idx + sxy, dz); }

            void TryJoin(int n, float stepMm)
            {
                var next = path + stepMm;
                if (raw[n] == Boundary && fluid[n] >= level && next <= maxMm && (mask[n] == 0 || (pathMm[n] > 0 && (next < pathMm[n] || (next == pathMm[n] && level < levelMap[n])))))
                {
                    mask[n] = 1;
                    levelMap[n] = level;
                    pathMm[n] = next;
                    queue.Enqueue(n, (next, level, n));
                }
            }
        }

        // A boundary voxel outside the mask that a lesion voxel could join from.
        bool OpenBoundary(int n) => raw[n] == Boundary && mask[n] == 0;
    }
}
