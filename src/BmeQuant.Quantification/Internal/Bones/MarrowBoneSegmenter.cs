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
    /// <summary>
    /// True when fat is not darker than soft tissue on the fluid-sensitive series (incomplete fat suppression, as in
    /// many clinical STIR series): marrow is then told from soft tissue by T1 alone, and the fluid-sensitive series
    /// only keeps fluid and edema out (see <see cref="MarrowBoneSegmenter.MeasureLevels"/>).
    /// </summary>
    public bool T1Led { get; init; }

    /// <summary>
    /// Fatty marrow: T1 above the midpoint of fat and soft tissue; with <see cref="T1Led"/> above soft tissue plus
    /// <see cref="MarrowBoneSegmenter.T1LedMarrowFraction"/> of the fat–soft tissue difference (red and mixed marrow
    /// lie between the two).
    /// </summary>
    public float MarrowT1Threshold => (float)(SoftT1 + ((T1Led ? MarrowBoneSegmenter.T1LedMarrowFraction : 0.5) * (FatT1 - SoftT1)));

    /// <summary>
    /// Fatty marrow: fluid-sensitive signal below the midpoint of fat and soft tissue; with <see cref="T1Led"/> below
    /// <see cref="MarrowBoneSegmenter.T1LedFluidFactor"/> × the larger of the two (fluid and edema are brighter).
    /// </summary>
    public float MarrowFluidThreshold => (float)(T1Led ? MarrowBoneSegmenter.T1LedFluidFactor * Math.Max(FatFluid, SoftFluid) : 0.5 * (FatFluid + SoftFluid));

    /// <summary>
    /// Fatty marrow: T1 below this (fat, brighter, is kept apart); with <see cref="T1Led"/> soft tissue plus
    /// <see cref="MarrowBoneSegmenter.T1LedMarrowUpperFraction"/> of the fat–soft tissue difference, else no limit.
    /// </summary>
    public float MarrowT1Ceiling => T1Led ? (float)(SoftT1 + (MarrowBoneSegmenter.T1LedMarrowUpperFraction * (FatT1 - SoftT1))) : float.MaxValue;

    /// <summary>Cortex: T1 below half of soft tissue (<see cref="MarrowBoneSegmenter.T1LedDarkFraction"/> of it with <see cref="T1Led"/>: thin cortex in thick slices).</summary>
    public float DarkT1Threshold => (float)((T1Led ? MarrowBoneSegmenter.T1LedDarkFraction : 0.5) * SoftT1);

    /// <summary>Cortex in the walls that enclose edema: T1 below soft tissue (the thin plate under a lesion is blurred by partial volume).</summary>
    public float WallT1Threshold => (float)SoftT1;

    /// <summary>Cortex: fluid-sensitive signal below half of soft tissue (<see cref="MarrowBoneSegmenter.T1LedDarkFraction"/> of it with <see cref="T1Led"/>).</summary>
    public float DarkFluidThreshold => (float)((T1Led ? MarrowBoneSegmenter.T1LedDarkFraction : 0.5) * SoftFluid);
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
/// <see cref="CortexShellMm"/>) is added. Edema under an articular surface is enclosed by a thin, blurred plate:
/// the walls take cortex as dark on the fluid-sensitive series and below soft tissue on T1, sealed by
/// <see cref="WallSealMm"/>; a bite left open where the plate is lost is restored by a per-slice closing of the
/// bone (<see cref="BiteClosingMm"/>) when it touches the marrow.
/// </summary>
internal static class MarrowBoneSegmenter
{
    /// <summary>Dark regions thinner than twice this (cortex) are not air.</summary>
    public const double AirOpeningMm = 2.5;

    /// <summary>Holes of the fat mask up to this size (red marrow, enclosed edema) are filled before components are judged.</summary>
    public const double MarrowHoleLimitMm3 = 50_000;

    /// <summary>Bins of the body's T1 histogram whose mode is muscle (levels for incomplete fat suppression).</summary>
    public const int T1LedHistogramBins = 64;

    /// <summary>Percentile of the body's T1 taken as fat (levels for incomplete fat suppression).</summary>
    public const double T1LedFatPercentile = 90;

    /// <summary>With incomplete fat suppression, marrow T1 lies above muscle by at least this fraction of the fat–muscle difference.</summary>
    public const double T1LedMarrowFraction = 0.2;

    /// <summary>With incomplete fat suppression, marrow lies below this multiple of the brighter of fat and muscle on the fluid-sensitive series.</summary>
    public const double T1LedFluidFactor = 1.1;

    /// <summary>With incomplete fat suppression, marrow T1 lies below soft tissue plus this fraction of the fat–soft tissue difference.</summary>
    public const double T1LedMarrowUpperFraction = 0.7;

    /// <summary>With incomplete fat suppression, cortex is darker than this fraction of soft tissue on both series.</summary>
    public const double T1LedDarkFraction = 0.7;

    /// <summary>With incomplete fat suppression, marrow touching fat is split from it by an erosion of this radius (in-plane for thick slices).</summary>
    public const double T1LedSplitMm = 2.5;

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

    /// <summary>The walls are thickened by this much before enclosed regions are found (seals one-voxel gaps in a thin cortex line).</summary>
    public const double WallSealMm = 1.0;

    /// <summary>Thickness of the cortex shell added around the marrow.</summary>
    public const double CortexShellMm = 2.0;

    /// <summary>Closing radius, within each slice, that restores an articular surface across a bite of edema.</summary>
    public const double BiteClosingMm = 10;

    /// <summary>A bite joins the bone when at least this fraction of its boundary is this bone's marrow.</summary>
    public const double BiteMarrowContact = 0.25;

    /// <summary>Slice spacing that makes the 3-D closing act within slices (beyond any radius used here).</summary>
    private const double PerSliceSpacingMm = 1e6;

    /// <summary>Closing radius smoothing the marrow outline (partial volume with trabeculae and cortex).</summary>
    public const double MarrowClosingMm = 1.5;

    /// <summary>Segments the bones of a study; <paramref name="t1"/> must lie on the grid of <paramref name="fluid"/>.</summary>
    public static SegmentedBones Run(Volume<float> fluid, Volume<float> t1, CancellationToken cancellationToken)
    {
        var g = fluid.Geometry;
        var levels = MeasureLevels(fluid, t1);
        cancellationToken.ThrowIfCancellationRequested();

        // Masks of the tissue classes (SIMD thresholds, then byte-wise AND).
        var fatLike = Both(
            levels.T1Led ? Threshold.Band(t1, levels.MarrowT1Threshold, levels.MarrowT1Ceiling) : Threshold.Above(t1, levels.MarrowT1Threshold),
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
        cancellationToken.ThrowIfCancellationRequested();

        // Fat-like components that are marrow.
        var fat = FillSmallHoles(fatLike, MarrowHoleLimitMm3);
        var (regions, regionCount) = SplitRegions(fat, levels.T1Led ? T1LedSplitMm : 0);
        var (marrowLabels, boneCount) = SelectMarrow(regions, regionCount, darkNear, bodyDepth);
        cancellationToken.ThrowIfCancellationRequested();

        // Complete each bone inside a box around its marrow.
        var labels = marrowLabels.Clone();
        var fluidDark = Threshold.Band(fluid, float.MinValue, levels.DarkFluidThreshold);

        // Walls around edema: the cortex under a lesion is thin and blurred by the lesion on both sides; dark on the
        // fluid-sensitive series and below soft tissue on T1 is enough there (fat, bright on T1, is excluded).
        var wallDark = Both(Both(fluidDark.Clone(), Threshold.Band(t1, float.MinValue, levels.WallT1Threshold)), body);
        for (var b = 1; b <= boneCount; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (VoxelBox.Of(marrowLabels, b) is not { } tight)
            {
                continue;
            }

            var box = tight.Grow(g, EnclosureSearchMm);
            PaintUnlabelled(box, CompleteBone(box, marrowLabels, b, box.Crop(wallDark), box.Crop(fluidDark)), labels, b);
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

        if (MeasureT1LedLevels(fluid, t1, valid) is { } t1Led)
        {
            return t1Led;
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

    /// <summary>
    /// Levels for series whose fat suppression leaves fat at least as bright as muscle on the fluid-sensitive series
    /// (clinical STIR with a coil-dependent inversion): soft tissue is muscle, the mode of the body's T1 histogram
    /// (body: T1 above a quarter of its 99th percentile), with its median fluid-sensitive signal; fat is the
    /// brightest tenth of the body on T1 (<see cref="T1LedFatPercentile"/>). Null when fat is darker than muscle on
    /// the fluid-sensitive series (well suppressed: the two-series rule of <see cref="MeasureLevels"/> applies).
    /// </summary>
    internal static TissueLevels? MeasureT1LedLevels(Volume<float> fluid, Volume<float> t1, Volume<byte> valid)
    {
        var t = t1.Data;
        var f = fluid.Data;
        var v = valid.Data;
        var top = Percentiles.Compute(t, 99, v);
        if (!(top > 0))
        {
            return null;
        }

        var body = new byte[t.Length];
        var bodyFloor = (float)(0.25 * top);
        for (var i = 0; i < t.Length; i++)
        {
            body[i] = (byte)(v[i] != 0 && t[i] > bodyFloor && t[i] < top ? 1 : 0);
        }

        // Mode of the [1 2 1]-smoothed histogram over [0, top]: muscle, the commonest tissue with a T1 level of its own.
        var histogram = Histogram.Compute(t, 0, top, T1LedHistogramBins, body);
        var counts = histogram.Counts;
        var modeBin = 0;
        var best = long.MinValue;
        for (var b = 0; b < T1LedHistogramBins; b++)
        {
            var smoothed = (b > 0 ? counts[b - 1] : 0) + (2 * counts[b]) + (b < T1LedHistogramBins - 1 ? counts[b + 1] : 0);
            if (smoothed > best)
            {
                best = smoothed;
                modeBin = b;
            }
        }

        var muscleT1 = histogram.BinCenter(modeBin);
        var fatT1 = Percentiles.Compute(t, T1LedFatPercentile, body);
        var muscle = new byte[t.Length];
        var fat = new byte[t.Length];
        for (var i = 0; i < t.Length; i++)
        {
            muscle[i] = (byte)(body[i] != 0 && Math.Abs(t[i] - muscleT1) <= 0.1 * muscleT1 ? 1 : 0);
            fat[i] = (byte)(body[i] != 0 && t[i] >= fatT1 ? 1 : 0);
        }

        if (!muscle.AsSpan().ContainsAnyExcept((byte)0) || !fat.AsSpan().ContainsAnyExcept((byte)0) || fatT1 <= 1.2 * muscleT1)
        {
            return null;
        }

        var muscleFluid = Percentiles.Compute(f, 50, muscle);
        var fatFluid = Percentiles.Compute(f, 50, fat);
        return fatFluid < muscleFluid ? null : new TissueLevels(0.5 * muscleT1, muscleT1, muscleFluid, fatT1, fatFluid) { T1Led = true };
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
        var l = regions.Data;
        var stats = new MarrowFaces(regions.Data, darkNear.Data, bodyDepth.Data, n);
        VisitFaces(g, regions.Data, ref stats);
        var (faces, cortexFaces, voxels, minDepth, contact) = (stats.Faces, stats.CortexFaces, stats.Voxels, stats.MinDepth, stats.Contact);

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
    private static (Volume<int> Labels, int Count) SplitRegions(Volume<byte> fat, double splitMm)
    {
        var g = fat.Geometry;
        var eroded = splitMm > 0 ? BinaryMorphology.Erode(fat, splitMm) : BinaryMorphology.Erode(fat, StructuringElement.Cross6());
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
        GrowWithin(labels, fat, queue, splitMm > 0 ? 1 + (int)Math.Ceiling(splitMm / Math.Min(g.Spacing.X, g.Spacing.Y)) : 2);

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

    /// <summary>
    /// Completes a bone whose marrow was found by another route (label <paramref name="label"/> in
    /// <paramref name="labels"/>, other labels kept apart) as <see cref="Run"/> completes its own: enclosed regions,
    /// cortex shell, surface bites. Adds the new voxels to <paramref name="labels"/> where they are unlabelled and
    /// returns how many were added. <paramref name="t1"/> must lie on the grid of <paramref name="fluid"/>.
    /// </summary>
    internal static long CompleteFound(Volume<float> fluid, Volume<float> t1, Volume<int> labels, int label, TissueLevels levels)
    {
        var g = labels.Geometry;
        if (VoxelBox.Of(labels, label) is not { } tight)
        {
            return 0;
        }

        var box = tight.Grow(g, EnclosureSearchMm);
        var fluidDark = Threshold.Band(box.Crop(fluid), float.MinValue, levels.DarkFluidThreshold);
        var wallDark = Both(fluidDark.Clone(), Threshold.Band(box.Crop(t1), float.MinValue, levels.WallT1Threshold));
        return PaintUnlabelled(box, CompleteBone(box, labels, label, wallDark, fluidDark), labels, label);
    }

    /// <summary>
    /// Writes <paramref name="label"/> into <paramref name="labels"/> at every voxel set in <paramref name="region"/> (a
    /// crop of the full grid by <paramref name="box"/>) that is still unlabelled; returns how many voxels it wrote.
    /// </summary>
    private static long PaintUnlabelled(VoxelBox box, Volume<byte> region, Volume<int> labels, int label)
    {
        var g = labels.Geometry;
        var r = region.Data;
        var l = labels.Data;
        long added = 0;
        var nx = box.SizeX;
        for (var k = 0; k < box.SizeZ; k++)
        {
            for (var j = 0; j < box.SizeY; j++)
            {
                var at = nx * (j + (box.SizeY * k));
                var full = box.FullIndex(g, 0, j, k);
                for (var i = 0; i < nx; i++)
                {
                    if (r[at + i] != 0 && l[full + i] == 0)
                    {
                        l[full + i] = label;
                        added++;
                    }
                }
            }
        }

        return added;
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
        // cortex near it, never another bone's marrow; small gaps in the walls (cortex lost to partial volume where it
        // runs obliquely through a thick slice) are closed.
        var distance = DistanceTransform.OutsideMm(marrow);
        var nearDark = BinaryMorphology.Dilate(dark, WallSealMm).Data;
        var marrowWall = new Volume<byte>(marrow.Geometry);
        var walls = new Volume<byte>(marrow.Geometry);
        var mw = marrowWall.Data;
        var wl = walls.Data;
        for (var i = 0; i < n; i++)
        {
            var own = other[i] == 0;
            wl[i] = (byte)(m[i] != 0 || (own && distance.Data[i] <= MarrowWallMm) || (dark.Data[i] != 0 && own && distance.Data[i] <= EnclosureSearchMm) ? 1 : 0);

            // Marrow side of the walls (for the contact test): near the marrow and not cortex, nor next to it (the
            // sealing below thickens the cortex by that much; cartilage there is not marrow).
            mw[i] = (byte)(m[i] != 0 || (own && nearDark[i] == 0 && distance.Data[i] <= MarrowWallMm + WallClosingMm) ? 1 : 0);
        }

        walls = BinaryMorphology.Close(walls, WallClosingMm);
        wl = walls.Data;
        for (var i = 0; i < n; i++)
        {
            wl[i] &= (byte)(other[i] ^ 1);
        }

        // Regions enclosed by the walls, within a slice or in 3-D. The walls are thickened by WallSealMm first: a
        // cortex line one voxel thick with one-voxel gaps (partial volume) is not bridged by a closing.
        var sealedWalls = BinaryMorphology.Dilate(walls, WallSealMm);
        var sw = sealedWalls.Data;
        for (var i = 0; i < n; i++)
        {
            sw[i] &= (byte)(other[i] ^ 1);
        }

        var filled = HoleFilling.FillPerSlice(sealedWalls);
        var filled3D = HoleFilling.Fill(sealedWalls);
        TensorPrimitives.BitwiseOr<byte>(filled.Data, filled3D.Data, filled.Data);
        var holes = new Volume<byte>(marrow.Geometry);
        var anyHole = false;
        for (var i = 0; i < n; i++)
        {
            if (filled.Data[i] != 0 && sw[i] == 0 && other[i] == 0)
            {
                holes.Data[i] = 1;
                anyHole = true;
            }
        }

        // Interior: marrow and the enclosed regions that touch the marrow enough (given back the voxel the sealing
        // took from them where it is not cortex), closed (partial-volume rings).
        var core = marrow.Clone();
        if (anyHole)
        {
            var enclosed = new Volume<byte>(marrow.Geometry);
            AddEnclosed(holes, marrowWall, sealedWalls, enclosed);
            var rim = BinaryMorphology.Dilate(enclosed, WallSealMm);
            for (var i = 0; i < n; i++)
            {
                core.Data[i] |= (byte)(enclosed.Data[i] | (rim.Data[i] & (dark.Data[i] ^ 1) & (other[i] ^ 1)));
            }
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

        var bone = HoleFilling.Fill(interior);
        AddSurfaceBites(bone, marrowWall, other);
        return bone;
    }

    /// <summary>
    /// Adds the bites in the bone's outline that open onto a joint: edema (or red marrow) under an articular surface
    /// whose cortex is lost to partial volume is neither marrow nor enclosed. The bone is closed within each slice by
    /// <see cref="BiteClosingMm"/> (a convex articular surface is restored across the bite); what the closing adds
    /// joins the bone where it touches this bone's marrow over at least <see cref="BiteMarrowContact"/> of its
    /// boundary (a concavity between bone and soft tissue lies outside the cortex and touches no marrow).
    /// </summary>
    private static void AddSurfaceBites(Volume<byte> bone, Volume<byte> marrowSide, byte[] other)
    {
        var g = bone.Geometry;
        var flat = new Volume<byte>(g.WithSpacing(new Vector3D(g.Spacing.X, g.Spacing.Y, PerSliceSpacingMm)), bone.Data);
        var envelope = BinaryMorphology.Close(flat, BiteClosingMm);
        var candidates = new Volume<byte>(g);
        var any = false;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (envelope.Data[i] != 0 && bone.Data[i] == 0 && other[i] == 0)
            {
                candidates.Data[i] = 1;
                any = true;
            }
        }

        if (any)
        {
            AddEnclosed(candidates, marrowSide, null, bone, BiteMarrowContact);
        }
    }

    /// <summary>
    /// Adds to <paramref name="interior"/> each region of <paramref name="holes"/> whose boundary touches
    /// <paramref name="marrow"/> over at least <paramref name="minimumContact"/> of its faces; the boundary is the
    /// faces against <paramref name="walls"/>, or against any voxel outside the region when it is null.
    /// </summary>
    private static void AddEnclosed(Volume<byte> holes, Volume<byte> marrow, Volume<byte>? walls, Volume<byte> interior, double minimumContact = EnclosedMarrowContact)
    {
        var g = holes.Geometry;
        var labeling = ConnectedComponents.Label(holes, Connectivity.Face6);
        var count = labeling.Count;
        var l = labeling.Labels.Data;
        var stats = new EnclosedFaces(l, marrow.Data, walls?.Data, count);
        VisitFaces(g, l, ref stats);
        var (wallFaces, marrowFaces) = (stats.WallFaces, stats.MarrowFaces);
        var it = interior.Data;
        for (var i = 0; i < l.Length; i++)
        {
            var c = l[i];
            if (c != 0 && marrowFaces[c] > 0 && marrowFaces[c] >= minimumContact * wallFaces[c])
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

    /// <summary>
    /// Visits every voxel with a non-zero label and each of its faces against a 6-neighbour inside the grid
    /// (the face area is that of the shared face in mm²).
    /// </summary>
    private static void VisitFaces<TVisitor>(ImageGeometry g, int[] labels, ref TVisitor visitor)
        where TVisitor : struct, IFaceVisitor
    {
        var areaX = g.Spacing.Y * g.Spacing.Z;
        var areaY = g.Spacing.X * g.Spacing.Z;
        var areaZ = g.Spacing.X * g.Spacing.Y;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ, slice = nx * ny;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = nx * (j + (ny * k));
                for (var i = 0; i < nx; i++)
                {
                    var at = row + i;
                    var c = labels[at];
                    if (c == 0)
                    {
                        continue;
                    }

                    visitor.Voxel(at, c);
                    if (i > 0)
                    {
                        visitor.Face(c, at - 1, areaX);
                    }

                    if (i < nx - 1)
                    {
                        visitor.Face(c, at + 1, areaX);
                    }

                    if (j > 0)
                    {
                        visitor.Face(c, at - nx, areaY);
                    }

                    if (j < ny - 1)
                    {
                        visitor.Face(c, at + nx, areaY);
                    }

                    if (k > 0)
                    {
                        visitor.Face(c, at - slice, areaZ);
                    }

                    if (k < nz - 1)
                    {
                        visitor.Face(c, at + slice, areaZ);
                    }
                }
            }
        }
    }

    /// <summary>Receives the labelled voxels and their faces from <see cref="VisitFaces"/>.</summary>
    private interface IFaceVisitor
    {
        /// <summary>A voxel of region <paramref name="label"/> at flat index <paramref name="at"/>.</summary>
        void Voxel(int at, int label);

        /// <summary>A face of region <paramref name="label"/> against the voxel at flat index <paramref name="neighbour"/>.</summary>
        void Face(int label, int neighbour, double areaMm2);
    }

    /// <summary>Per fat region: boundary area, the part of it next to cortex, voxel count, least body depth, and contact with other regions.</summary>
    private struct MarrowFaces(int[] labels, byte[] darkNear, float[] bodyDepth, int count) : IFaceVisitor
    {
        public readonly double[] Faces = new double[count + 1];
        public readonly double[] CortexFaces = new double[count + 1];
        public readonly long[] Voxels = new long[count + 1];
        public readonly float[] MinDepth = CreateDepths(count);
        public readonly Dictionary<(int, int), double> Contact = [];

        public readonly void Voxel(int at, int label)
        {
            Voxels[label]++;
            MinDepth[label] = Math.Min(MinDepth[label], bodyDepth[at]);
        }

        // Faces against another fat region are not boundary (a bone split from its neighbour) but contact.
        public readonly void Face(int label, int neighbour, double areaMm2)
        {
            var other = labels[neighbour];
            if (other == 0)
            {
                Faces[label] += areaMm2;
                CortexFaces[label] += darkNear[neighbour] * areaMm2;
            }
            else if (other != label)
            {
                Contact[(label, other)] = Contact.GetValueOrDefault((label, other)) + areaMm2;
            }
        }

        private static float[] CreateDepths(int count)
        {
            var depths = new float[count + 1];
            Array.Fill(depths, float.PositiveInfinity);
            return depths;
        }
    }

    /// <summary>Per region: faces against the walls (or against anything outside the region when there are no walls) and how many of those are marrow.</summary>
    private struct EnclosedFaces(int[] labels, byte[] marrow, byte[]? walls, int count) : IFaceVisitor
    {
        public readonly long[] WallFaces = new long[count + 1];
        public readonly long[] MarrowFaces = new long[count + 1];

        public readonly void Voxel(int at, int label)
        {
        }

        public readonly void Face(int label, int neighbour, double areaMm2)
        {
            if (walls is null ? labels[neighbour] != label : walls[neighbour] != 0)
            {
                WallFaces[label]++;
                MarrowFaces[label] += marrow[neighbour];
            }
        }
    }
}
