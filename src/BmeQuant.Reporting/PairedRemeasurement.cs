using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Imaging.Registration;

namespace BmeQuant.Reporting;

/// <summary>
/// Paired re-measurement of one bone's fraction-weighted edema at two timepoints over the same tissue (the change is
/// measured directly, as SIENA measures brain atrophy, instead of as the difference of two independent analyses whose
/// errors do not cancel).
/// </summary>
/// <remarks>
/// The footprint U is, on the grid of the timepoint read, the edema of either timepoint in the bone (the other one
/// mapped through the per-bone registration, nearest voxel), widened by <see cref="FootprintMarginMm"/> into the bone's
/// interior (at least <see cref="InteriorDepthMm"/> in-plane and one slice from its surface, so that cortex and joint
/// fluid stay out). Each timepoint's edema fraction of a voxel is f = (S − m) / ((R − 1) m): S its fluid-sensitive
/// signal, m the mean signal of the same bone's interior in a ring around U (from <see cref="RingGapMm"/> to
/// <see cref="RingReachMm"/> beyond it, edema-free at both timepoints), R the ratio of fully edematous to normal marrow
/// signal (the analyses' partial-volume anchor, one value for the patient). Because m is the mean of the surrounding
/// marrow, normal marrow inside U adds nothing on average (red-marrow islands included), the bias field cancels
/// locally, and f is not clipped (noise averages out). The volume is Σ_U f × voxel volume, each timepoint read on its
/// own grid (<see cref="Measure"/>).
/// </remarks>
internal static class PairedRemeasurement
{
    /// <summary>How far the footprint is widened beyond the edema of either timepoint (mm): takes in the faint rim.</summary>
    internal const double FootprintMarginMm = 3;

    /// <summary>Gap between the footprint and the normal-marrow ring (mm).</summary>
    internal const double RingGapMm = 3;

    /// <summary>Outer reach of the normal-marrow ring beyond the footprint's box (mm).</summary>
    internal const double RingReachMm = 15;

    /// <summary>In-plane depth from the bone's surface of voxels added by widening and of ring voxels (mm).</summary>
    internal const double InteriorDepthMm = 2;

    /// <summary>Fewest ring voxels for a usable normal-marrow level.</summary>
    internal const int MinimumRingVoxels = 100;

    /// <summary>Edge of the ring's blocks whose mean levels give the marrow's level variation (mm).</summary>
    internal const double LevelBlockMm = 10;

    /// <summary>Fewest ring voxels in a block for its mean level to count.</summary>
    internal const int MinimumBlockVoxels = 25;

    private static int BlockSize(double spacingMm) => Math.Max(1, (int)Math.Round(LevelBlockMm / spacingMm));

    /// <summary>
    /// The re-measured volumes (mm³) and the uncertainty of the later one from the surrounding marrow's own variation,
    /// or null when the images do not allow it (grids, labels, too little marrow). Voxels whose mapped point at the later
    /// timepoint is not in the same bone are left out at both timepoints.
    /// </summary>
    internal static (double EarlierMm3, double LaterMm3, double? EarlierUncertaintyMm3, double? LaterUncertaintyMm3)? MeasureOneWay(
        TimepointImages from, TimepointImages to, int labelA, int labelB, RigidTransform transform, double fullEdemaRatio)
    {
        var gA = from.Edema.Geometry;
        var gB = to.Edema.Geometry;
        if (from.BoneLabels is not { } labelsAVolume || to.BoneLabels is not { } labelsBVolume
            || !from.FluidSensitive.Geometry.IsSameGrid(gA) || !to.FluidSensitive.Geometry.IsSameGrid(gB)
            || !labelsAVolume.Geometry.IsSameGrid(gA) || !labelsBVolume.Geometry.IsSameGrid(gB) || fullEdemaRatio <= 1)
        {
            return null;
        }

        var labelsA = labelsAVolume.Data;
        var labelsB = labelsBVolume.Data;
        var edemaA = from.Edema.Data;
        var edemaB = to.Edema.Data;

        // 1. The edema of either timepoint in this bone, on the earlier grid.
        var core = new Volume<byte>(gA);
        var anyPerSlice = new bool[gA.SizeZ];
        Parallel.For(0, gA.SizeZ, k =>
        {
            for (var j = 0; j < gA.SizeY; j++)
            {
                for (var i = 0; i < gA.SizeX; i++)
                {
                    var offset = gA.Offset(i, j, k);
                    var inside = edemaA[offset] != 0 && labelsA[offset] == labelA;
                    if (!inside)
                    {
                        var q = gB.TransformPhysicalPointToContinuousIndex(transform.TransformPoint(gA.TransformIndexToPhysicalPoint(i, j, k)));
                        int bi = (int)Math.Round(q.X), bj = (int)Math.Round(q.Y), bk = (int)Math.Round(q.Z);
                        if (gB.Contains(bi, bj, bk))
                        {
                            var ob = gB.Offset(bi, bj, bk);
                            inside = edemaB[ob] != 0 && labelsB[ob] == labelB;
                        }
                    }

                    if (inside)
                    {
                        core.Data[offset] = 1;
                        anyPerSlice[k] = true;
                    }
                }
            }
        });

        if (!anyPerSlice.Contains(true))
        {
            return (0, 0, 0, 0);
        }

        // 2. Footprint and ring on a crop around the core.
        var box = LesionOverlapAnalyzer.BoundingBox(core, gA.Spacing, RingReachMm);
        var coreCrop = LesionOverlapAnalyzer.Crop(core, box);
        var labelCrop = LesionOverlapAnalyzer.Crop(labelsAVolume, box);
        var fluidA = LesionOverlapAnalyzer.Crop(from.FluidSensitive, box);
        var near = BinaryMorphology.Dilate(coreCrop, FootprintMarginMm);
        var far = BinaryMorphology.Dilate(coreCrop, FootprintMarginMm + RingGapMm);
        var g = coreCrop.Geometry;
        var interior = Interior(labelCrop, labelA);

        double ringA = 0, ringB = 0, ringSquaresA = 0, ringSquaresB = 0;
        long ringCount = 0;
        int blockX = BlockSize(g.Spacing.X), blockY = BlockSize(g.Spacing.Y), blockZ = BlockSize(g.Spacing.Z);
        int blocksX = (g.SizeX / blockX) + 1, blocksY = (g.SizeY / blockY) + 1, blocksZ = (g.SizeZ / blockZ) + 1;
        var blocks = new (double SumA, double SumB, long Count)[blocksX * blocksY * blocksZ];
        double sumA = 0, sumB = 0;
        long footprintCount = 0;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var n = g.Offset(i, j, k);
                    var inFootprint = coreCrop.Data[n] != 0 ? labelCrop.Data[n] == labelA : near.Data[n] != 0 && interior[n];
                    var inRing = !inFootprint && far.Data[n] == 0 && interior[n];
                    if (!inFootprint && !inRing)
                    {
                        continue;
                    }

                    var point = transform.TransformPoint(g.TransformIndexToPhysicalPoint(i, j, k));
                    if (!TrySample(to.FluidSensitive, labelsBVolume, labelB, point, out var sB))
                    {
                        continue;
                    }

                    double sA = fluidA.Data[n];
                    if (inFootprint)
                    {
                        sumA += sA;
                        sumB += sB;
                        footprintCount++;
                    }
                    else
                    {
                        ringA += sA;
                        ringB += sB;
                        ringSquaresA += sA * sA;
                        ringSquaresB += sB * sB;
                        ringCount++;
                        var block = (i / blockX) + (blocksX * ((j / blockY) + (blocksY * (k / blockZ))));
                        ref var b = ref blocks[block];
                        b = (b.SumA + sA, b.SumB + sB, b.Count + 1);
                    }
                }
            }
        }

        if (ringCount < MinimumRingVoxels)
        {
            return null;
        }

        var mA = ringA / ringCount;
        var mB = ringB / ringCount;
        if (!(mA > 0) || !(mB > 0))
        {
            return null;
        }

        var voxelMm3 = gA.VoxelVolumeMm3;
        var scale = fullEdemaRatio - 1;
        var earlier = (sumA - (footprintCount * mA)) / (scale * mA) * voxelMm3;
        var later = (sumB - (footprintCount * mB)) / (scale * mB) * voxelMm3;
        var footprintMm3 = footprintCount * voxelMm3;
        var usableBlocks = blocks.Where(b => b.Count >= MinimumBlockVoxels).ToArray();

        // The uncertainty of a volume read over the footprint from the surrounding marrow (always computable once the
        // ring is usable): the voxels' own scatter (noise and texture) summed over the footprint, the error of the ring's
        // mean carried over the whole footprint, and how far the marrow's level wanders between the ring's blocks
        // (about 10 mm each), which a footprint of normal marrow could differ from the ring by (bias field, red-marrow
        // distribution): the block means' spread times the footprint's volume.
        double Uncertainty(double sum, double squares, double m, Func<(double SumA, double SumB, long Count), double> blockSum)
        {
            var voxelSd = Math.Sqrt(Math.Max(0, (squares - (sum * sum / ringCount)) / (ringCount - 1))) / (scale * m);
            var noise = voxelSd * voxelMm3 * Math.Sqrt(footprintCount + ((double)footprintCount * footprintCount / ringCount));
            var level = usableBlocks.Length >= 2
                ? StandardDeviation(usableBlocks.Select(b => ((blockSum(b) / b.Count) - m) / (scale * m)).ToArray()) * footprintMm3
                : 0;
            return Math.Sqrt((noise * noise) + (level * level));
        }

        return (Math.Max(0, earlier), Math.Max(0, later), Uncertainty(ringA, ringSquaresA, mA, b => b.SumA), Uncertainty(ringB, ringSquaresB, mB, b => b.SumB));
    }

    /// <summary>
    /// The re-measured volumes (mm³) at both timepoints and the uncertainty of the later one, each timepoint read on its
    /// own grid: the earlier one over the footprint on the earlier grid (the later edema mapped in through
    /// <paramref name="transform"/>), the later one over the footprint on the later grid (the earlier edema mapped in
    /// through the inverse), each against its own surrounding marrow. Both timepoints are treated alike and neither
    /// image is interpolated: trilinear interpolation smooths the interpolated timepoint across the bone's surface, where
    /// subchondral edema lies (edema moves out of the bone, bright joint fluid blends in), so an interpolated read
    /// differs from a native one by a few per cent of the volume (measured on the phantom knee: the truth inside the
    /// footprint read 2–4 % lower interpolated), which averaged over both ways biased a growing lesion's change by
    /// −12 %. When only one way is possible, its two reads are used. Null when neither way is possible.
    /// </summary>
    public static (double EarlierMm3, double LaterMm3, double? LaterUncertaintyMm3)? Measure(
        TimepointImages from, TimepointImages to, int labelA, int labelB, RigidTransform transform, double fullEdemaRatio)
    {
        var forward = MeasureOneWay(from, to, labelA, labelB, transform, fullEdemaRatio);
        var backward = MeasureOneWay(to, from, labelB, labelA, transform.Inverse(), fullEdemaRatio);
        return (forward, backward) switch
        {
            ({ } f, { } b) => (f.EarlierMm3, b.EarlierMm3, b.EarlierUncertaintyMm3),
            ({ } f, null) => (f.EarlierMm3, f.LaterMm3, f.LaterUncertaintyMm3),
            (null, { } b) => (b.LaterMm3, b.EarlierMm3, b.EarlierUncertaintyMm3),
            _ => null,
        };
    }

    private static double StandardDeviation(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>Voxels of <paramref name="label"/> whose in-plane neighbours <see cref="InteriorDepthMm"/> away and slice neighbours are of it too.</summary>
    private static bool[] Interior(Volume<int> labels, int label)
    {
        var g = labels.Geometry;
        int rx = Math.Max(1, (int)Math.Ceiling(InteriorDepthMm / g.Spacing.X)), ry = Math.Max(1, (int)Math.Ceiling(InteriorDepthMm / g.Spacing.Y));
        var result = new bool[labels.Length];
        bool Is(int i, int j, int k) => g.Contains(i, j, k) && labels.Data[g.Offset(i, j, k)] == label;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    result[g.Offset(i, j, k)] = Is(i, j, k) && Is(i - rx, j, k) && Is(i + rx, j, k) && Is(i, j - ry, k) && Is(i, j + ry, k)
                        && Is(i, j, k - 1) && Is(i, j, k + 1);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Trilinear sample of <paramref name="image"/> at <paramref name="point"/> (clamped to the outer voxel centres within
    /// half a voxel); false outside, or when <paramref name="label"/> ≥ 0 and the nearest voxel is not of that label.
    /// </summary>
    private static bool TrySample(Volume<float> image, Volume<int> labels, int label, Vector3D point, out double value)
    {
        var g = image.Geometry;
        var c = g.TransformPhysicalPointToContinuousIndex(point);
        value = 0;
        if (c.X < -0.5 || c.Y < -0.5 || c.Z < -0.5 || c.X > g.SizeX - 0.5 || c.Y > g.SizeY - 0.5 || c.Z > g.SizeZ - 0.5)
        {
            return false;
        }

        if (label >= 0 && labels.Data[g.Offset((int)Math.Round(Math.Clamp(c.X, 0, g.SizeX - 1)), (int)Math.Round(Math.Clamp(c.Y, 0, g.SizeY - 1)), (int)Math.Round(Math.Clamp(c.Z, 0, g.SizeZ - 1)))] != label)
        {
            return false;
        }

        double x = Math.Clamp(c.X, 0, g.SizeX - 1), y = Math.Clamp(c.Y, 0, g.SizeY - 1), z = Math.Clamp(c.Z, 0, g.SizeZ - 1);
        int i0 = Math.Min((int)x, Math.Max(0, g.SizeX - 2)), j0 = Math.Min((int)y, Math.Max(0, g.SizeY - 2)), k0 = Math.Min((int)z, Math.Max(0, g.SizeZ - 2));
        int i1 = Math.Min(i0 + 1, g.SizeX - 1), j1 = Math.Min(j0 + 1, g.SizeY - 1), k1 = Math.Min(k0 + 1, g.SizeZ - 1);
        double fx = x - i0, fy = y - j0, fz = z - k0;
        var d = image.Data;
        double At(int i, int j, int k) => d[g.Offset(i, j, k)];
        var c00 = (At(i0, j0, k0) * (1 - fx)) + (At(i1, j0, k0) * fx);
        var c10 = (At(i0, j1, k0) * (1 - fx)) + (At(i1, j1, k0) * fx);
        var c01 = (At(i0, j0, k1) * (1 - fx)) + (At(i1, j0, k1) * fx);
        var c11 = (At(i0, j1, k1) * (1 - fx)) + (At(i1, j1, k1) * fx);
        value = (((c00 * (1 - fy)) + (c10 * fy)) * (1 - fz)) + (((c01 * (1 - fy)) + (c11 * fy)) * fz);
        return true;
    }
}
