using System.Numerics.Tensors;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Imaging.Statistics;
using BmeQuant.Imaging.Thresholding;

namespace BmeQuant.Quantification.Internal.Bones;

/// <summary>Signal levels measured in the two series (modality units), and the thresholds derived from them.</summary>
/// <param name="AirT1">T1 below which a thick region is air (half of soft tissue).</param>
/// <param name="SoftT1">Median T1 of soft tissue (the bright class of the fluid-sensitive series: muscle, fluid, cartilage).</param>
/// <param name="SoftFluid">Median fluid-sensitive signal of the same soft tissue.</param>
/// <param name="FatT1">Lower quartile of T1 over fat-like voxels (T1 bright, fluid dark): marrow and fat.</param>
/// <param name="FatFluid">Median fluid-sensitive signal of the same fat-like voxels.</param>
internal sealed record TissueLevels(double AirT1, double SoftT1, double SoftFluid, double FatT1, double FatFluid)
{
    /// <summary>Fatty marrow: T1 above the midpoint of fat and soft tissue.</summary>
    public float MarrowT1Threshold => (float)(0.5 * (FatT1 + SoftT1));

    /// <summary>Fatty marrow: fluid-sensitive signal below the midpoint of fat and soft tissue.</summary>
    public float MarrowFluidThreshold => (float)(0.5 * (FatFluid + SoftFluid));

    /// <summary>Cortex: T1 below half of soft tissue.</summary>
    public float DarkT1Threshold => (float)(0.5 * SoftT1);

    /// <summary>Cortex: fluid-sensitive signal below half of soft tissue.</summary>
    public float DarkFluidThreshold => (float)(0.5 * SoftFluid);
}

/// <summary>One segmented bone before naming.</summary>
/// <param name="Label">Its label in <see cref="SegmentedBones.Labels"/>.</param>
/// <param name="VolumeMm3">Volume in mm³.</param>
/// <param name="CentroidLps">Centroid in patient LPS, mm.</param>
internal sealed record BoneCandidate(int Label, double VolumeMm3, Vector3D CentroidLps);

/// <summary>The unnamed bones: label map on the fluid-sensitive grid and one entry per bone (largest first).</summary>
internal sealed record SegmentedBones(Volume<int> Labels, IReadOnlyList<BoneCandidate> Bones, TissueLevels Levels);

/// <summary>
/// Finds bones as fatty marrow enclosed by cortex. Fatty marrow is bright on T1 and dark on the fluid-sensitive
/// series; cortex is dark on both. A fat-like component is marrow when most of its boundary lies next to cortex
/// (subcutaneous and intermuscular fat border muscle and skin instead). Touching marrow of two bones is split at
/// narrow necks (seeds from a one-voxel erosion grown back geodesically). Each bone is then completed: regions
/// enclosed by its marrow and the cortex around it (edema, red marrow: dark on T1) are filled when they touch the
/// marrow over a quarter of their boundary, and the cortex shell (dark on the fluid-sensitive series within
/// <see cref="CortexShellMm"/>) is added.
/// </summary>
internal static class MarrowBoneSegmenter
{
    /// <summary>Dark regions thinner than twice this (cortex) are not air.</summary>
    public const double AirOpeningMm = 2.5;

    /// <summary>Holes of the fat mask up to this size (red marrow, enclosed edema) are filled before components are judged.</summary>
    public const double MarrowHoleLimitMm3 = 50_000;

    /// <summary>Smallest bone kept.</summary>
    public const double MinimumBoneVolumeMm3 = 400;

    /// <summary>A voxel next to a fat component counts as cortex when a dark voxel lies within this distance.</summary>
    public const double CortexContactMm = 1.5;

    /// <summary>Fraction of a fat component's boundary next to cortex above which it is marrow.</summary>
    public const double MarrowCortexFraction = 0.12;

    /// <summary>How far from the marrow the cortex that encloses edema is looked for.</summary>
    public const double EnclosureSearchMm = 20;

    /// <summary>An enclosed region is added to the bone when at least this fraction of its boundary is marrow.</summary>
    public const double EnclosedMarrowContact = 0.25;

    /// <summary>The marrow grown by this much closes the partial-volume gap to the cortex when looking for enclosed regions.</summary>
    public const double MarrowWallMm = 1.0;

    /// <summary>Gaps in the walls (marrow and cortex) up to twice this wide are closed before enclosed regions are found.</summary>
    public const double WallClosingMm = 2.5;

    /// <summary>Thickness of the cortex shell added around the marrow.</summary>
    public const double CortexShellMm = 2.0;

    /// <summary>Closing radius smoothing the marrow outline (partial volume with trabeculae and cortex).</summary>
    public const double MarrowClosingMm = 1.5;

    /// <summary>Development hook: receives intermediate measurements when set.</summary>
    internal static Action<string>? Trace { get; set; }

    /// <summary>Development hook: receives intermediate masks when set.</summary>
    internal static Action<string, Volume<byte>>? TraceMask { get; set; }

    /// <summary>Segments the bones of a study; <paramref name="t1"/> must lie on the grid of <paramref name="fluid"/>.</summary>
    public static SegmentedBones Run(Volume<float> fluid, Volume<float> t1, CancellationToken cancellationToken)
    {
        var g = fluid.Geometry;
        var levels = MeasureLevels(fluid, t1);
        cancellationToken.ThrowIfCancellationRequested();

        // Masks of the tissue classes (SIMD thresholds, then byte-wise AND).
        var fatLike = Both(
            Threshold.Above(t1, levels.MarrowT1Threshold),
            Threshold.Band(fluid, float.MinValue, levels.MarrowFluidThreshold));
        // Body: everything but air. Air is the dark regions that survive an opening (thin cortex does not), grown
        // back over their whole connected dark region; voxels without T1 (outside its field of view after
        // resampling) join the air for the filling and the body for the depth from its surface.
        var low = Threshold.Band(t1, float.MinValue, (float)levels.AirT1);
        var air = Reconstruct(low, BinaryMorphology.Open(low, AirOpeningMm));
        var body = new Volume<byte>(g);
        for (var i = 0; i < body.Length; i++)
        {
            body.Data[i] = (byte)(air.Data[i] == 0 && !float.IsNaN(t1.Data[i]) ? 1 : 0);
        }

        body = HoleFilling.FillPerSlice(body);
        var dark = Both(
            Both(Threshold.Band(t1, float.MinValue, levels.DarkT1Threshold), Threshold.Band(fluid, float.MinValue, levels.DarkFluidThreshold)),
            body);
        var darkNear = BinaryMorphology.Dilate(dark, CortexContactMm);
        for (var i = 0; i < body.Length; i++)
        {
            body.Data[i] |= (byte)(float.IsNaN(t1.Data[i]) ? 1 : 0);
        }

        var bodyDepth = DistanceTransform.InsideMm(body);
        Trace?.Invoke($"levels {levels}");
        TraceMask?.Invoke("fat", fatLike);
        TraceMask?.Invoke("body", body);
        TraceMask?.Invoke("dark", dark);
        cancellationToken.ThrowIfCancellationRequested();

        // Fat-like components that are marrow.
        var fat = FillSmallHoles(fatLike, MarrowHoleLimitMm3);
        var (regions, regionCount) = SplitRegions(fat);
        var (marrowLabels, boneCount) = SelectMarrow(regions, regionCount, darkNear, bodyDepth);
        cancellationToken.ThrowIfCancellationRequested();

        // Complete each bone inside a box around its marrow.
        var labels = marrowLabels.Clone();
        var fluidDark = Threshold.Band(fluid, float.MinValue, levels.DarkFluidThreshold);
        for (var b = 1; b <= boneCount; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (VoxelBox.Of(marrowLabels, b) is not { } tight)
            {
                continue;
            }

            var box = tight.Grow(g, EnclosureSearchMm);
            var region = CompleteBone(box, marrowLabels, b, box.Crop(dark), box.Crop(fluidDark));
            var r = region.Data;
            var nx = box.SizeX;
            for (var k = 0; k < box.SizeZ; k++)
            {
                for (var j = 0; j < box.SizeY; j++)
                {
                    var at = nx * (j + (box.SizeY * k));
                    var full = box.FullIndex(g, 0, j, k);
                    for (var i = 0; i < nx; i++)
                    {
                        if (r[at + i] != 0 && labels.Data[full + i] == 0)
                        {
                            labels.Data[full + i] = b;
                        }
                    }
                }
            }
        }

        return Finish(labels, boneCount, levels);
    }

    /// <summary>
    /// Measures soft tissue and fat levels. Soft tissue is the bright class of the fluid-sensitive series (2-class
    /// Otsu: muscle, fluid, cartilage against fat, marrow, cortex and air); fat is what is dark there and brighter
    /// than 1.5 × soft tissue on T1.
    /// </summary>
    internal static TissueLevels MeasureLevels(Volume<float> fluid, Volume<float> t1)
    {
        var valid = new Volume<byte>(fluid.Geometry);
        for (var i = 0; i < valid.Length; i++)
        {
            valid.Data[i] = (byte)(float.IsFinite(t1.Data[i]) && float.IsFinite(fluid.Data[i]) ? 1 : 0);
        }

        var fluidOtsu = Otsu.Compute(fluid, 256, valid);
        var soft = Both(Threshold.Above(fluid, fluidOtsu), valid);
        if (!soft.Data.AsSpan().ContainsAnyExcept((byte)0))
        {
            throw new QuantificationException($"The fluid-sensitive series ({Describe(fluid.Geometry)}) shows no soft tissue above its Otsu threshold {fluidOtsu:G4}: it cannot be used to find the bones.");
        }

        var softT1 = Percentiles.Compute(t1.Data, 50, soft.Data);
        var softFluid = Percentiles.Compute(fluid.Data, 50, soft.Data);
        var candidates = Both(Threshold.Above(t1, (float)(1.5 * softT1)), Threshold.Band(fluid, float.MinValue, (float)(0.5 * softFluid)));
        if (!candidates.Data.AsSpan().ContainsAnyExcept((byte)0))
        {
            throw new QuantificationException($"No fatty tissue (bright on T1 above {1.5 * softT1:G4}, dark on the fluid-sensitive series below {0.5 * softFluid:G4}) was found: the series do not look like a T1 and a fat-suppressed fluid-sensitive series of the same region.");
        }

        var fatT1 = Percentiles.Compute(t1.Data, 25, candidates.Data);
        var fatFluid = Percentiles.Compute(fluid.Data, 50, candidates.Data);
        return new TissueLevels(0.5 * softT1, softT1, softFluid, fatT1, fatFluid);
    }

    private static string Describe(ImageGeometry g) => $"{g.SizeX}×{g.SizeY}×{g.SizeZ}";

    /// <summary>a AND b, byte-wise (SIMD), into a new mask.</summary>
    private static Volume<byte> Both(Volume<byte> a, Volume<byte> b)
    {
        TensorPrimitives.BitwiseAnd<byte>(a.Data, b.Data, a.Data);
        return a;
    }

    /// <summary>
    /// The fat regions (≥ <see cref="MinimumBoneVolumeMm3"/>) whose boundary lies next to cortex over at least
    /// <see cref="MarrowCortexFraction"/> of its area; regions reaching within 3 mm of the body surface need twice as
    /// much (subcutaneous fat borders the skin). Returns the kept regions renumbered 1..count.
    /// </summary>
    private static (Volume<int> Labels, int Count) SelectMarrow(Volume<int> regions, int n, Volume<byte> darkNear, Volume<float> bodyDepth)
    {
        var g = regions.Geometry;

        // Boundary measured as physical face area (an x face is spacing y × spacing z, and so on).
        var areaX = g.Spacing.Y * g.Spacing.Z;
        var areaY = g.Spacing.X * g.Spacing.Z;
        var areaZ = g.Spacing.X * g.Spacing.Y;
        var faces = new double[n + 1];
        var cortexFaces = new double[n + 1];
        var voxels = new long[n + 1];
        var minDepth = new float[n + 1];
        Array.Fill(minDepth, float.PositiveInfinity);
        var contact = new Dictionary<(int, int), double>();
        var l = regions.Data;
        var near = darkNear.Data;
        var depth = bodyDepth.Data;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ, slice = nx * ny;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = nx * (j + (ny * k));
                for (var i = 0; i < nx; i++)
                {
                    var at = row + i;
                    var c = l[at];
                    if (c == 0)
                    {
                        continue;
                    }

                    voxels[c]++;
                    minDepth[c] = Math.Min(minDepth[c], depth[at]);
                    Face(i > 0, at - 1, areaX);
                    Face(i < nx - 1, at + 1, areaX);
                    Face(j > 0, at - nx, areaY);
                    Face(j < ny - 1, at + nx, areaY);
                    Face(k > 0, at - slice, areaZ);
                    Face(k < nz - 1, at + slice, areaZ);

                    void Face(bool inside, int other, double area)
                    {
                        // Faces against another fat region are not boundary (a bone split from its neighbour).
                        if (inside && l[other] == 0)
                        {
                            faces[c] += area;
                            cortexFaces[c] += near[other] * area;
                        }
                        else if (inside && l[other] != c)
                        {
                            contact[(c, l[other])] = contact.GetValueOrDefault((c, l[other])) + area;
                        }
                    }
                }
            }
        }

        var remap = new int[n + 1];
        var count = 0;
        for (var c = 1; c <= n; c++)
        {
            var volume = voxels[c] * g.VoxelVolumeMm3;
            if (volume < MinimumBoneVolumeMm3 || faces[c] == 0)
            {
                continue;
            }

            var fraction = cortexFaces[c] / faces[c];
            var needed = minDepth[c] < 3 ? 2 * MarrowCortexFraction : MarrowCortexFraction;
            var keep = fraction >= needed;
            Trace?.Invoke($"fat region {c}: {volume:F0} mm3, cortex fraction {fraction:F2}, min body depth {minDepth[c]:F1} mm -> {keep}");
            if (keep)
            {
                remap[c] = ++count;
            }
        }

        // A small marrow piece cut off a bone by the split (an end slice, a partial-volume rim) goes back to the
        // kept region it touches most, when that region is at least ten times larger.
        for (var c = 1; c <= n; c++)
        {
            if (remap[c] == 0)
            {
                continue;
            }

            var best = contact.Where(kv => kv.Key.Item1 == c && remap[kv.Key.Item2] != 0 && voxels[kv.Key.Item2] >= 10 * voxels[c])
                .OrderByDescending(kv => kv.Value)
                .Select(kv => kv.Key.Item2)
                .FirstOrDefault();
            if (best != 0)
            {
                Trace?.Invoke($"fat region {c} joins region {best}");
                remap[c] = -best;
            }
        }

        // Resolve joins (a join target is never itself joined: it is ten times larger) and renumber densely.
        var dense = new int[n + 1];
        var kept = 0;
        for (var c = 1; c <= n; c++)
        {
            if (remap[c] > 0)
            {
                dense[c] = ++kept;
            }
        }

        for (var c = 1; c <= n; c++)
        {
            if (remap[c] < 0)
            {
                dense[c] = dense[-remap[c]];
            }
        }

        var output = new Volume<int>(g);
        for (var i = 0; i < l.Length; i++)
        {
            output.Data[i] = dense[l[i]];
        }

        return (output, kept);
    }

    /// <summary>The components of <paramref name="mask"/> (6-connected) that hold at least one voxel of <paramref name="markers"/>.</summary>
    private static Volume<byte> Reconstruct(Volume<byte> mask, Volume<byte> markers)
    {
        var labeling = ConnectedComponents.Label(mask, Connectivity.Face6);
        var keep = new bool[labeling.Count + 1];
        var l = labeling.Labels.Data;
        for (var i = 0; i < l.Length; i++)
        {
            keep[l[i]] |= markers.Data[i] != 0;
        }

        keep[0] = false;
        var output = new Volume<byte>(mask.Geometry);
        for (var i = 0; i < l.Length; i++)
        {
            output.Data[i] = (byte)(keep[l[i]] ? 1 : 0);
        }

        return output;
    }

    /// <summary>The mask with its holes (3-D, and within slices) of at most <paramref name="limitMm3"/> filled.</summary>
    private static Volume<byte> FillSmallHoles(Volume<byte> mask, double limitMm3)
    {
        var filled = HoleFilling.FillPerSlice(mask);
        var filled3D = HoleFilling.Fill(mask);
        TensorPrimitives.BitwiseOr<byte>(filled.Data, filled3D.Data, filled.Data);
        TensorPrimitives.Xor<byte>(filled.Data, mask.Data, filled.Data);
        var holes = ConnectedComponents.Label(filled, Connectivity.Face6);
        var small = new bool[holes.Count + 1];
        foreach (var c in holes.Components)
        {
            small[c.Label] = c.VolumeMm3 <= limitMm3;
        }

        var output = mask.Clone();
        var h = holes.Labels.Data;
        for (var i = 0; i < h.Length; i++)
        {
            output.Data[i] |= (byte)(small[h[i]] ? 1 : 0);
        }

        return output;
    }

    /// <summary>
    /// Partitions the fat mask into regions: components of its 6-neighbour erosion (which cuts partial-volume
    /// bridges between touching bones, or between a bone and fat), grown back geodesically; components without a
    /// seed keep their own label.
    /// </summary>
    private static (Volume<int> Labels, int Count) SplitRegions(Volume<byte> fat)
    {
        var g = fat.Geometry;
        var eroded = BinaryMorphology.Erode(fat, StructuringElement.Cross6());
        var seeds = ConnectedComponents.Label(eroded, Connectivity.Face6);
        var labels = new Volume<int>(g);
        var remap = new int[seeds.Count + 1];
        var next = 0;
        foreach (var c in seeds.Components)
        {
            if (c.VolumeMm3 >= MinimumBoneVolumeMm3 / 4)
            {
                remap[c.Label] = ++next;
            }
        }

        var queue = new Queue<int>();
        var s = seeds.Labels.Data;
        for (var i = 0; i < s.Length; i++)
        {
            if (remap[s[i]] != 0)
            {
                labels.Data[i] = remap[s[i]];
                queue.Enqueue(i);
            }
        }

        // Back over the eroded voxel and one more (partial-volume rims); fat farther away joined the seed only
        // through a thin contact and is judged on its own.
        GrowWithin(labels, fat, queue, 2);

        // Fat not reached from a seed (thin pieces): its own regions.
        var rest = new Volume<byte>(g);
        for (var i = 0; i < rest.Length; i++)
        {
            rest.Data[i] = (byte)(fat.Data[i] != 0 && labels.Data[i] == 0 ? 1 : 0);
        }

        var restComponents = ConnectedComponents.Label(rest, Connectivity.Face6);
        var r = restComponents.Labels.Data;
        for (var i = 0; i < r.Length; i++)
        {
            if (r[i] != 0)
            {
                labels.Data[i] = next + r[i];
            }
        }

        return (labels, next + restComponents.Count);
    }

    /// <summary>
    /// Breadth-first growth of labelled voxels (queue) into unlabelled voxels of <paramref name="within"/>,
    /// 6-connected, at most <paramref name="maxSteps"/> voxels from the seeds.
    /// </summary>
    private static void GrowWithin(Volume<int> labels, Volume<byte> within, Queue<int> queue, int maxSteps)
    {
        var g = labels.Geometry;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ, slice = nx * ny;
        var l = labels.Data;
        var w = within.Data;
        for (var step = 0; step < maxSteps && queue.Count > 0; step++)
        {
            for (var layer = queue.Count; layer > 0; layer--)
            {
                var at = queue.Dequeue();
                var lab = l[at];
                var k = at / slice;
                var rem = at - (k * slice);
                var j = rem / nx;
                var i = rem - (j * nx);
                Visit(i > 0, at - 1);
                Visit(i < nx - 1, at + 1);
                Visit(j > 0, at - nx);
                Visit(j < ny - 1, at + nx);
                Visit(k > 0, at - slice);
                Visit(k < nz - 1, at + slice);

                void Visit(bool inside, int other)
                {
                    if (inside && w[other] != 0 && l[other] == 0)
                    {
                        l[other] = lab;
                        queue.Enqueue(other);
                    }
                }
            }
        }
    }

    /// <summary>Bone <paramref name="label"/> completed inside <paramref name="box"/>: marrow, enclosed regions, cortex shell.</summary>
    private static Volume<byte> CompleteBone(VoxelBox box, Volume<int> marrowLabels, int label, Volume<byte> dark, Volume<byte> fluidDark)
    {
        var marrow = box.CropEquals(marrowLabels, label);
        var labelsCrop = box.Crop(marrowLabels);
        var n = marrow.Length;
        var m = marrow.Data;
        var other = new byte[n];
        for (var i = 0; i < n; i++)
        {
            other[i] = (byte)(labelsCrop.Data[i] > 0 && labelsCrop.Data[i] != label ? 1 : 0);
        }

        // Walls: the marrow grown by one voxel (it then meets the cortex across the partial-volume ring) and the
        // cortex (dark on both series) near it, never another bone's marrow.
        // Cortex near this bone's marrow (not another bone's marrow) makes walls; small gaps in the walls (cortex lost to partial volume where it runs obliquely through a thick slice) are closed.
        var distance = DistanceTransform.OutsideMm(marrow);
        var marrowWall = new Volume<byte>(marrow.Geometry);
        var walls = new Volume<byte>(marrow.Geometry);
        var mw = marrowWall.Data;
        var wl = walls.Data;
        for (var i = 0; i < n; i++)
        {
            var own = other[i] == 0;
            wl[i] = (byte)(m[i] != 0 || (own && distance.Data[i] <= MarrowWallMm) || (dark.Data[i] != 0 && own && distance.Data[i] <= EnclosureSearchMm) ? 1 : 0);

            // Marrow side of the walls (for the contact test): near the marrow and not cortex.
            mw[i] = (byte)(m[i] != 0 || (own && dark.Data[i] == 0 && distance.Data[i] <= MarrowWallMm + WallClosingMm) ? 1 : 0);
        }

        walls = BinaryMorphology.Close(walls, WallClosingMm);
        wl = walls.Data;
        for (var i = 0; i < n; i++)
        {
            wl[i] &= (byte)(other[i] ^ 1);
        }

        // Regions enclosed by the walls, within a slice or in 3-D.
        var filled = HoleFilling.FillPerSlice(walls);
        var filled3D = HoleFilling.Fill(walls);
        TensorPrimitives.BitwiseOr<byte>(filled.Data, filled3D.Data, filled.Data);
        var holes = new Volume<byte>(marrow.Geometry);
        var anyHole = false;
        for (var i = 0; i < n; i++)
        {
            if (filled.Data[i] != 0 && wl[i] == 0 && other[i] == 0)
            {
                holes.Data[i] = 1;
                anyHole = true;
            }
        }

        // Interior: marrow and the enclosed regions that touch the marrow enough, closed (partial-volume rings).
        var core = marrow.Clone();
        if (anyHole)
        {
            AddEnclosed(holes, marrowWall, walls, core);
        }

        var interior = BinaryMorphology.Close(core, MarrowClosingMm);
        var it = interior.Data;
        for (var i = 0; i < n; i++)
        {
            it[i] = (byte)((it[i] != 0 && other[i] == 0) || core.Data[i] != 0 ? 1 : 0);
        }

        // Cortex shell: voxels within the shell distance of the interior that are dark on the fluid-sensitive series.
        var toInterior = DistanceTransform.OutsideMm(interior);
        for (var i = 0; i < n; i++)
        {
            if (it[i] == 0 && other[i] == 0 && fluidDark.Data[i] != 0 && toInterior.Data[i] <= CortexShellMm)
            {
                it[i] = 1;
            }
        }

        return HoleFilling.Fill(interior);
    }

    /// <summary>Adds to <paramref name="interior"/> each enclosed region whose wall contact is at least <see cref="EnclosedMarrowContact"/> marrow.</summary>
    private static void AddEnclosed(Volume<byte> holes, Volume<byte> marrow, Volume<byte> walls, Volume<byte> interior)
    {
        var g = holes.Geometry;
        var labeling = ConnectedComponents.Label(holes, Connectivity.Face6);
        var count = labeling.Count;
        var wallFaces = new long[count + 1];
        var marrowFaces = new long[count + 1];
        var l = labeling.Labels.Data;
        var m = marrow.Data;
        var w = walls.Data;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ, slice = nx * ny;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = nx * (j + (ny * k));
                for (var i = 0; i < nx; i++)
                {
                    var at = row + i;
                    var c = l[at];
                    if (c == 0)
                    {
                        continue;
                    }

                    Face(i > 0, at - 1);
                    Face(i < nx - 1, at + 1);
                    Face(j > 0, at - nx);
                    Face(j < ny - 1, at + nx);
                    Face(k > 0, at - slice);
                    Face(k < nz - 1, at + slice);

                    void Face(bool inside, int other)
                    {
                        if (inside && w[other] != 0)
                        {
                            wallFaces[c]++;
                            marrowFaces[c] += m[other];
                        }
                    }
                }
            }
        }

        if (Trace is not null)
        {
            foreach (var comp in labeling.Components.Where(x => x.VoxelCount >= 50))
            {
                Trace($"  enclosed {comp.VoxelCount} voxels at {comp.CentroidMm}: marrow contact {marrowFaces[comp.Label]} of {wallFaces[comp.Label]}");
            }
        }

        var it = interior.Data;
        for (var i = 0; i < l.Length; i++)
        {
            var c = l[i];
            if (c != 0 && marrowFaces[c] > 0 && marrowFaces[c] >= EnclosedMarrowContact * wallFaces[c])
            {
                it[i] = 1;
            }
        }
    }

    /// <summary>Drops bones below the minimum volume, renumbers the rest largest first and measures them.</summary>
    private static SegmentedBones Finish(Volume<int> labels, int boneCount, TissueLevels levels)
    {
        var g = labels.Geometry;
        var count = new long[boneCount + 1];
        var sum = new double[(boneCount + 1) * 3];
        var l = labels.Data;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                var row = (int)g.Offset(0, j, k);
                for (var i = 0; i < g.SizeX; i++)
                {
                    var c = l[row + i];
                    if (c == 0)
                    {
                        continue;
                    }

                    count[c]++;
                    sum[c * 3] += i;
                    sum[(c * 3) + 1] += j;
                    sum[(c * 3) + 2] += k;
                }
            }
        }

        var voxel = g.VoxelVolumeMm3;
        var order = Enumerable.Range(1, boneCount)
            .Where(c => count[c] * voxel >= MinimumBoneVolumeMm3)
            .OrderByDescending(c => count[c])
            .ToList();
        var remap = new int[boneCount + 1];
        var bones = new List<BoneCandidate>(order.Count);
        foreach (var c in order)
        {
            remap[c] = bones.Count + 1;
            var centroid = g.TransformIndexToPhysicalPoint(sum[c * 3] / count[c], sum[(c * 3) + 1] / count[c], sum[(c * 3) + 2] / count[c]);
            bones.Add(new BoneCandidate(remap[c], count[c] * voxel, centroid));
        }

        for (var i = 0; i < l.Length; i++)
        {
            l[i] = remap[l[i]];
        }

        return new SegmentedBones(labels, bones, levels);
    }
}
