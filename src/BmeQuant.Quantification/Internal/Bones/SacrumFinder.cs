using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal.Bones;

/// <summary>
/// Finds the sacrum between two named ilia when the general marrow rule missed it (real sacroiliac scans: its marrow
/// touches the fat of the foramina and the presacral space without a visible cortex in thick slices, so it never forms
/// a region enclosed by cortex). Search space: the box spanned by the two ilia, between their centroids along the
/// patient's left–right axis, outside the ilia. Marrow there: T1 within the marrow band and fluid-sensitive signal
/// below the marrow level (<see cref="TissueLevels"/>), both on a 3×3 in-plane median (trabecular and
/// partial-volume speckle). Fat, muscle and bowel reach it only through thin contacts, cut by an erosion of
/// <see cref="SplitMm"/>; the eroded pieces of at least <see cref="MinimumPieceMm3"/> that come within
/// <see cref="JointReachMm"/> of an ilium (the sacrum faces the ilia across the joints; soft tissue between the ilia
/// farther from the joints does not) are grown back over the marrow mask, and their in-plane holes (foramina, the
/// canal's walls, edema and red marrow) are filled.
/// </summary>
internal static class SacrumFinder
{
    /// <summary>Erosion radius that cuts the sacral marrow from fat and soft tissue touching it.</summary>
    public const double SplitMm = 2.5;

    /// <summary>An eroded marrow piece is sacrum when it comes this close to one of the ilia (across a joint).</summary>
    public const double JointReachMm = 6;

    /// <summary>Smallest eroded marrow piece kept.</summary>
    public const double MinimumPieceMm3 = 200;

    /// <summary>Widest gap between the sacrum and an ilium (sum of the distances to both) closed across a joint.</summary>
    public const double JointGapMm = 10;

    /// <summary>
    /// An eroded piece that stays on one side of the midpoint of the ilia's centroids and comes this close to that
    /// side's ilium is the ilium's own medial marrow (no joint between: only the erosion separates them), not sacrum.
    /// </summary>
    public const double IliumContactMm = 3;

    /// <summary>Slice spacing that makes distances act within slices (beyond any distance used here).</summary>
    private const double PerSliceSpacingMm = 1e6;

    /// <summary>
    /// The sacrum as a mask on the full grid of <paramref name="labels"/>, or null when nothing qualifies.
    /// <paramref name="t1"/> must lie on the grid of <paramref name="fluid"/>.
    /// </summary>
    public static Volume<byte>? Find(Volume<float> fluid, Volume<float> t1, Volume<int> labels, int rightIlium, int leftIlium, TissueLevels levels) =>
        Find(fluid, t1, labels, rightIlium, leftIlium, levels, out _);

    /// <summary>
    /// As <see cref="Find(Volume{float}, Volume{float}, Volume{int}, int, int, TissueLevels)"/>; also returns the
    /// medial marrow of the ilia met by the search (<see cref="IliumContactMm"/>) as <paramref name="iliaMarrow"/> on
    /// the full grid (<paramref name="rightIlium"/> or <paramref name="leftIlium"/>, 0 elsewhere), or null when none.
    /// </summary>
    public static Volume<byte>? Find(Volume<float> fluid, Volume<float> t1, Volume<int> labels, int rightIlium, int leftIlium, TissueLevels levels, out Volume<int>? iliaMarrow)
    {
        iliaMarrow = null;
        var g = labels.Geometry;
        var boxes = VoxelBox.OfAll(labels);
        if (!boxes.TryGetValue(rightIlium, out var right) || !boxes.TryGetValue(leftIlium, out var left))
        {
            return null;
        }

        var box = right.Union(left);
        var bg = box.Geometry(g);
        var labelsCrop = box.Crop(labels);
        var l = labelsCrop.Data;
        var ilia = new Volume<byte>(bg);
        for (var i = 0; i < l.Length; i++)
        {
            ilia.Data[i] = (byte)(l[i] == rightIlium || l[i] == leftIlium ? 1 : 0);
        }

        // Patient X (LPS, + left) of the two centroids; the search lies between them.
        var (rightX, leftX) = (CentroidX(labelsCrop, rightIlium), CentroidX(labelsCrop, leftIlium));
        if (!(rightX < leftX))
        {
            return null;
        }

        var t1s = MedianFilter.ApplyVoxels(box.Crop(t1), 1, 1, 0).Data;
        var fluids = MedianFilter.ApplyVoxels(box.Crop(fluid), 1, 1, 0).Data;
        var (lo, hi, fl) = (levels.MarrowT1Threshold, levels.MarrowT1Ceiling, levels.MarrowFluidThreshold);
        var candidate = new Volume<byte>(bg);
        var c = candidate.Data;
        var origin = bg.TransformIndexToPhysicalPoint(0, 0, 0).X;
        var stepX = bg.TransformIndexToPhysicalPoint(1, 0, 0).X - origin;
        var stepY = bg.TransformIndexToPhysicalPoint(0, 1, 0).X - origin;
        var stepZ = bg.TransformIndexToPhysicalPoint(0, 0, 1).X - origin;
        int nx = bg.SizeX, ny = bg.SizeY, nz = bg.SizeZ;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = nx * (j + (ny * k));
                var x0 = origin + (j * stepY) + (k * stepZ);
                for (var i = 0; i < nx; i++)
                {
                    var at = row + i;
                    var x = x0 + (i * stepX);
                    c[at] = (byte)(ilia.Data[at] == 0 && x > rightX && x < leftX && t1s[at] > lo && t1s[at] < hi && fluids[at] < fl ? 1 : 0);
                }
            }
        }

        // Pieces left by the erosion that come within reach of an ilium.
        var pieces = ConnectedComponents.Label(BinaryMorphology.Erode(candidate, SplitMm), Connectivity.Face6);
        var nearIlia = DistanceTransform.OutsideMm(ilia).Data;
        var keep = new bool[pieces.Count + 1];
        var big = new bool[pieces.Count + 1];
        foreach (var piece in pieces.Components)
        {
            big[piece.Label] = piece.VolumeMm3 >= MinimumPieceMm3;
        }

        var p = pieces.Labels.Data;
        for (var i = 0; i < p.Length; i++)
        {
            keep[p[i]] |= big[p[i]] && nearIlia[i] <= JointReachMm;
        }

        keep[0] = false;

        // Pieces on one side of the midline touching that side's ilium: its medial marrow (side 1 right, 2 left).
        var side = IliumSides(pieces, keep, labelsCrop, rightIlium, leftIlium, (rightX + leftX) / 2, origin, stepX, stepY, stepZ);
        var seeds = new Volume<byte>(bg);
        var iliumSeeds = new Volume<byte>(bg);
        var any = false;
        var anyIlium = false;
        for (var i = 0; i < p.Length; i++)
        {
            if (keep[p[i]] && side[p[i]] == 0)
            {
                seeds.Data[i] = 1;
                any = true;
            }
            else if (keep[p[i]])
            {
                iliumSeeds.Data[i] = side[p[i]];
                anyIlium = true;
            }
        }

        if (anyIlium)
        {
            var reach = SplitMm + Math.Min(g.Spacing.X, g.Spacing.Y);
            var rightPart = HoleFilling.FillPerSlice(And(BinaryMorphology.Dilate(Only(iliumSeeds, 1), reach), candidate)).Data;
            var leftPart = HoleFilling.FillPerSlice(And(BinaryMorphology.Dilate(Only(iliumSeeds, 2), reach), candidate)).Data;
            iliaMarrow = new Volume<int>(g);
            for (var k = 0; k < nz; k++)
            {
                for (var j = 0; j < ny; j++)
                {
                    var at = nx * (j + (ny * k));
                    var to = box.FullIndex(g, 0, j, k);
                    for (var i = 0; i < nx; i++)
                    {
                        if (ilia.Data[at + i] == 0 && (rightPart[at + i] | leftPart[at + i]) != 0)
                        {
                            iliaMarrow.Data[to + i] = rightPart[at + i] != 0 ? rightIlium : leftIlium;
                        }
                    }
                }
            }
        }

        if (!any)
        {
            return null;
        }

        // Back over what the erosion took (and one voxel of partial-volume rim), within the marrow mask; holes filled.
        var grown = BinaryMorphology.Dilate(seeds, SplitMm + Math.Min(g.Spacing.X, g.Spacing.Y));
        var gr = grown.Data;
        for (var i = 0; i < gr.Length; i++)
        {
            gr[i] &= c[i];
        }

        var sacrum = HoleFilling.FillPerSlice(grown);
        var s = sacrum.Data;
        var full = new Volume<byte>(g);
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var at = nx * (j + (ny * k));
                var to = box.FullIndex(g, 0, j, k);
                for (var i = 0; i < nx; i++)
                {
                    full.Data[to + i] = (byte)(s[at + i] != 0 && ilia.Data[at + i] == 0 ? 1 : 0);
                }
            }
        }

        return full;
    }

    /// <summary>
    /// Closes the gap the marrow level leaves between the sacrum and each ilium: the subchondral bone on both sides of
    /// a joint (edema, sclerosis: dark on T1) and the joint itself. Within each slice, unlabelled voxels below the fat
    /// level on T1 (3×3 in-plane median) whose distances to the sacrum and to the nearer ilium add up to at most
    /// <see cref="JointGapMm"/> join the nearer of the two. Returns the number of voxels added.
    /// </summary>
    public static long JoinJointGaps(Volume<float> t1, Volume<int> labels, int sacrum, int rightIlium, int leftIlium, TissueLevels levels)
    {
        var g = labels.Geometry;
        var boxes = VoxelBox.OfAll(labels);
        if (!boxes.TryGetValue(sacrum, out var box) || !boxes.TryGetValue(rightIlium, out var right) || !boxes.TryGetValue(leftIlium, out var left))
        {
            return 0;
        }

        box = box.Union(right).Union(left);

        // Within slices: a slice spacing beyond any distance used here.
        var bg = box.Geometry(g);
        var flat = bg.WithSpacing(new Vector3D(bg.Spacing.X, bg.Spacing.Y, PerSliceSpacingMm));
        var l = box.Crop(labels).Data;
        Volume<float> DistanceTo(int label)
        {
            var mask = new Volume<byte>(flat);
            for (var i = 0; i < l.Length; i++)
            {
                mask.Data[i] = (byte)(l[i] == label ? 1 : 0);
            }

            return DistanceTransform.OutsideMm(mask);
        }

        var (toSacrum, toRight, toLeft) = (DistanceTo(sacrum).Data, DistanceTo(rightIlium).Data, DistanceTo(leftIlium).Data);
        var t1s = MedianFilter.ApplyVoxels(box.Crop(t1), 1, 1, 0).Data;
        var ceiling = levels.MarrowT1Ceiling;
        long added = 0;
        int nx = box.SizeX, ny = box.SizeY, nz = box.SizeZ;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var at = nx * (j + (ny * k));
                var full = box.FullIndex(g, 0, j, k);
                for (var i = 0; i < nx; i++)
                {
                    var v = at + i;
                    var ilium = Math.Min(toRight[v], toLeft[v]);
                    if (l[v] == 0 && t1s[v] < ceiling && toSacrum[v] + ilium <= JointGapMm)
                    {
                        labels.Data[full + i] = toSacrum[v] <= ilium ? sacrum : toRight[v] <= toLeft[v] ? rightIlium : leftIlium;
                        added++;
                    }
                }
            }
        }

        return added;
    }

    /// <summary>
    /// Per eroded piece: 1 when it lies wholly on the right of <paramref name="midX"/> and within
    /// <see cref="IliumContactMm"/> of the right ilium, 2 likewise on the left, else 0.
    /// </summary>
    private static byte[] IliumSides(ComponentLabeling pieces, bool[] keep, Volume<int> labels, int rightIlium, int leftIlium, double midX, double origin, double stepX, double stepY, double stepZ)
    {
        var g = labels.Geometry;
        var l = labels.Data;
        Volume<byte> Mask(int label)
        {
            var m = new Volume<byte>(g);
            for (var i = 0; i < l.Length; i++)
            {
                m.Data[i] = (byte)(l[i] == label ? 1 : 0);
            }

            return m;
        }

        var toRight = DistanceTransform.OutsideMm(Mask(rightIlium)).Data;
        var toLeft = DistanceTransform.OutsideMm(Mask(leftIlium)).Data;
        var n = pieces.Count + 1;
        var (onRight, onLeft) = (new bool[n], new bool[n]);
        var (nearRight, nearLeft) = (new bool[n], new bool[n]);
        var p = pieces.Labels.Data;
        int nx = g.SizeX, ny = g.SizeY;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = nx * (j + (ny * k));
                var x0 = origin + (j * stepY) + (k * stepZ);
                for (var i = 0; i < nx; i++)
                {
                    var at = row + i;
                    var q = p[at];
                    if (q == 0 || !keep[q])
                    {
                        continue;
                    }

                    var x = x0 + (i * stepX);
                    onRight[q] |= x < midX;
                    onLeft[q] |= x >= midX;
                    nearRight[q] |= toRight[at] <= IliumContactMm;
                    nearLeft[q] |= toLeft[at] <= IliumContactMm;
                }
            }
        }

        var side = new byte[n];
        for (var q = 1; q < n; q++)
        {
            side[q] = (byte)(onRight[q] && !onLeft[q] && nearRight[q] ? 1 : onLeft[q] && !onRight[q] && nearLeft[q] ? 2 : 0);
        }

        return side;
    }

    private static Volume<byte> Only(Volume<byte> mask, byte value)
    {
        var result = new Volume<byte>(mask.Geometry);
        for (var i = 0; i < mask.Length; i++)
        {
            result.Data[i] = (byte)(mask.Data[i] == value ? 1 : 0);
        }

        return result;
    }

    private static Volume<byte> And(Volume<byte> a, Volume<byte> b)
    {
        var result = new Volume<byte>(a.Geometry);
        for (var i = 0; i < a.Length; i++)
        {
            result.Data[i] = (byte)(a.Data[i] != 0 && b.Data[i] != 0 ? 1 : 0);
        }

        return result;
    }

    /// <summary>Mean patient X (LPS) of the voxels equal to <paramref name="label"/>.</summary>
    internal static double CentroidX(Volume<int> labels, int label)
    {
        var g = labels.Geometry;
        double si = 0, sj = 0, sk = 0;
        long n = 0;
        var l = labels.Data;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                var row = g.SizeX * (j + (g.SizeY * k));
                for (var i = 0; i < g.SizeX; i++)
                {
                    if (l[row + i] == label)
                    {
                        si += i;
                        sj += j;
                        sk += k;
                        n++;
                    }
                }
            }
        }

        return n == 0 ? double.NaN : g.TransformIndexToPhysicalPoint(si / n, sj / n, sk / n).X;
    }
}
