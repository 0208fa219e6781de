using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Imaging.Registration;

namespace BmeQuant.Reporting;

/// <summary>
/// Where the edema of one bone (or of the whole image) went between two timepoints, voxel by voxel, after aligning the
/// later study to the earlier one. Volumes are counted on the earlier timepoint's grid (mm³).
/// </summary>
/// <param name="Name">Bone name, or "total" (the sum over bones, or the whole image when no bones are known).</param>
/// <param name="EarlierMm3">Edema at the earlier timepoint.</param>
/// <param name="LaterMm3">Edema at the later timepoint, mapped onto the earlier grid.</param>
/// <param name="PersistingMm3">Edema at both timepoints in the same place.</param>
/// <param name="ResolvedMm3">Edema at the earlier timepoint where the later one has none.</param>
/// <param name="NewMm3">Edema at the later timepoint where the earlier one had none.</param>
/// <param name="Dice">2·persisting / (earlier + later), or null when neither has edema.</param>
/// <param name="Alignment">How the later study was aligned: "per-bone rigid registration" or "patient geometry".</param>
/// <param name="ShiftMm">Translation of the alignment (mm), when registered.</param>
/// <param name="RotationDegrees">Rotation of the alignment (degrees), when registered.</param>
public sealed record LesionOverlap(
    string Name,
    double EarlierMm3,
    double LaterMm3,
    double PersistingMm3,
    double ResolvedMm3,
    double NewMm3,
    double? Dice,
    string Alignment,
    double? ShiftMm,
    double? RotationDegrees)
{
    /// <summary>
    /// Fraction-weighted edema of the bone at the earlier timepoint re-measured over the aligned footprint (see
    /// <see cref="LaterRemeasuredMm3"/>), mm³; null when not re-measured (no partial-volume anchor, no bone labels, or
    /// the comparison is of binary volumes).
    /// </summary>
    public double? EarlierRemeasuredMm3 { get; init; }

    /// <summary>
    /// Fraction-weighted edema of the bone at the later timepoint re-measured over the same tissue as
    /// <see cref="EarlierRemeasuredMm3"/>: the edema of either timepoint in this bone (the later one mapped through the
    /// per-bone registration) widened by a few mm inside the bone, each voxel's edema fraction read from each
    /// timepoint's fluid-sensitive signal against that timepoint's own nearby normal marrow, with one partial-volume
    /// anchor for the whole patient. Faint edema left where a lesion was counts here even when the analysis no longer
    /// outlines it. Null when not re-measured.
    /// </summary>
    public double? LaterRemeasuredMm3 { get; init; }

    /// <summary>
    /// Uncertainty of <see cref="LaterRemeasuredMm3"/> from the normal marrow around the footprint, mm³: the ring's voxel
    /// scatter (noise and texture) summed over the footprint, the error of the ring's mean, and the spread of the ring's
    /// mean level between blocks of about 10 mm times the footprint's volume (what a bias field or uneven marrow could
    /// fake), combined in quadrature. Computed whenever the bone is re-measured; null when not re-measured.
    /// </summary>
    public double? LaterUncertaintyMm3 { get; init; }
}

/// <summary>
/// Computes <see cref="LesionOverlap"/> per bone: each bone of the later study is rigidly registered to the same bone of
/// the earlier one (Mattes mutual information on the fluid-sensitive series, sampled within the bone dilated by a few mm),
/// because bones move independently when a joint is positioned differently; its edema is then mapped voxel by voxel.
/// </summary>
internal static class LesionOverlapAnalyzer
{
    internal const double BoneMarginMm = 4;
    internal const double MaxPlausibleShiftMm = 40;
    internal const double MaxPlausibleRotationDegrees = 25;

    public static IReadOnlyList<LesionOverlap> Compute(
        TimepointImages from, TimepointImages to, string fromLabel, string toLabel, List<string> warnings, double? fullEdemaRatio = null)
    {
        var gridA = from.Edema.Geometry;
        var voxelMm3 = gridA.VoxelVolumeMm3;
        if (from.BoneLabels is null || to.BoneLabels is null || from.BoneNames is null || to.BoneNames is null)
        {
            var counts = Count(from.Edema, null, 0, to.Edema, null, 0, RigidTransform.Identity);
            return [Make("total", counts, voxelMm3, "patient geometry", null)];
        }

        var result = new List<LesionOverlap>();
        var sum = new OverlapCounts();
        (double Earlier, double Later, int Count) remeasured = (0, 0, 0);
        foreach (var (labelA, name) in from.BoneNames.OrderBy(p => p.Key))
        {
            var labelB = to.BoneNames.FirstOrDefault(p => string.Equals(p.Value, name, StringComparison.Ordinal)).Key;
            if (labelB <= 0)
            {
                continue;
            }

            var (transform, registered) = AlignBone(from, to, labelA, name, fromLabel, toLabel, warnings);
            var counts = Count(from.Edema, from.BoneLabels, labelA, to.Edema, to.BoneLabels, labelB, transform);
            sum.Add(counts);
            var overlap = Make(name, counts, voxelMm3, registered ? "per-bone rigid registration" : "patient geometry", registered ? transform : null);
            if (fullEdemaRatio is > 1 && PairedRemeasurement.Measure(from, to, labelA, labelB, transform, fullEdemaRatio.Value) is { } paired)
            {
                overlap = overlap with { EarlierRemeasuredMm3 = paired.EarlierMm3, LaterRemeasuredMm3 = paired.LaterMm3, LaterUncertaintyMm3 = paired.LaterUncertaintyMm3 };
                remeasured = (remeasured.Earlier + paired.EarlierMm3, remeasured.Later + paired.LaterMm3, remeasured.Count + 1);
            }

            result.Add(overlap);
        }

        var total = Make("total", sum, voxelMm3, "per-bone rigid registration", null);
        if (remeasured.Count > 0 && remeasured.Count == result.Count)
        {
            total = total with { EarlierRemeasuredMm3 = remeasured.Earlier, LaterRemeasuredMm3 = remeasured.Later };
        }

        result.Add(total);
        return result;
    }

    private static (RigidTransform Transform, bool Registered) AlignBone(
        TimepointImages from, TimepointImages to, int labelA, string name, string fromLabel, string toLabel, List<string> warnings)
    {
        var bone = new Volume<byte>(from.BoneLabels!.Geometry);
        var labels = from.BoneLabels.Data;
        var any = false;
        for (var n = 0; n < bone.Length; n++)
        {
            if (labels[n] == labelA)
            {
                bone.Data[n] = 1;
                any = true;
            }
        }

        if (!any)
        {
            return (RigidTransform.Identity, false);
        }

        try
        {
            // Register on crops around the bone (fixed: the bone plus a margin; moving: that box plus room for the
            // repositioning), so each bone costs a fraction of a whole-volume registration.
            var fixedBox = BoundingBox(bone, from.BoneLabels.Geometry.Spacing, BoneMarginMm + 2);
            var fixedCrop = Crop(from.FluidSensitive, fixedBox);
            var mask = BinaryMorphology.Dilate(Crop(bone, fixedBox), BoneMarginMm);
            var movingCrop = Crop(to.FluidSensitive, MovingBox(fixedCrop.Geometry, to.FluidSensitive.Geometry, MaxPlausibleShiftMm / 2));
            var result = RigidRegistration.Register(fixedCrop, movingCrop, new RigidRegistrationOptions
            {
                FixedMask = mask,
                InitialTransform = RigidTransform.Identity,
                ShrinkFactors = [4, 2],
                SamplesPerLevel = 20_000,
                MaximumIterationsPerLevel = 100,
            });
            var t = result.Transform;
            if (t.TranslationMagnitudeMm > MaxPlausibleShiftMm || t.RotationAngleDegrees > MaxPlausibleRotationDegrees)
            {
                warnings.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name}: registration of {toLabel} to {fromLabel} moved the bone by {t.TranslationMagnitudeMm:0.0} mm / {t.RotationAngleDegrees:0.0}°, beyond what repositioning explains; lesion overlap uses the patient geometry instead."));
                return (RigidTransform.Identity, false);
            }

            return (t, true);
        }
        catch (RegistrationException ex)
        {
            warnings.Add($"{name}: registration of {toLabel} to {fromLabel} failed ({ex.Message}); lesion overlap uses the patient geometry instead.");
            return (RigidTransform.Identity, false);
        }
    }

    internal readonly record struct Box(int I0, int J0, int K0, int I1, int J1, int K1);

    internal static Box BoundingBox(Volume<byte> mask, Vector3D spacing, double marginMm)
    {
        var g = mask.Geometry;
        int i0 = g.SizeX, j0 = g.SizeY, k0 = g.SizeZ, i1 = -1, j1 = -1, k1 = -1;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                var row = mask.Data.AsSpan((int)g.Offset(0, j, k), g.SizeX);
                var first = row.IndexOfAnyExcept((byte)0);
                if (first < 0)
                {
                    continue;
                }

                var last = row.LastIndexOfAnyExcept((byte)0);
                i0 = Math.Min(i0, first);
                i1 = Math.Max(i1, last);
                j0 = Math.Min(j0, j);
                j1 = Math.Max(j1, j);
                k0 = Math.Min(k0, k);
                k1 = Math.Max(k1, k);
            }
        }

        int mx = (int)Math.Ceiling(marginMm / spacing.X), my = (int)Math.Ceiling(marginMm / spacing.Y), mz = (int)Math.Ceiling(marginMm / spacing.Z);
        return new Box(
            Math.Max(0, i0 - mx), Math.Max(0, j0 - my), Math.Max(0, k0 - mz),
            Math.Min(g.SizeX - 1, i1 + mx), Math.Min(g.SizeY - 1, j1 + my), Math.Min(g.SizeZ - 1, k1 + mz));
    }

    /// <summary>The box of <paramref name="moving"/> covering <paramref name="fixedGeometry"/>'s corners widened by <paramref name="marginMm"/>.</summary>
    private static Box MovingBox(ImageGeometry fixedGeometry, ImageGeometry moving, double marginMm)
    {
        double i0 = double.MaxValue, j0 = double.MaxValue, k0 = double.MaxValue, i1 = double.MinValue, j1 = double.MinValue, k1 = double.MinValue;
        foreach (var corner in fixedGeometry.CornerPoints())
        {
            var c = moving.TransformPhysicalPointToContinuousIndex(corner);
            i0 = Math.Min(i0, c.X);
            j0 = Math.Min(j0, c.Y);
            k0 = Math.Min(k0, c.Z);
            i1 = Math.Max(i1, c.X);
            j1 = Math.Max(j1, c.Y);
            k1 = Math.Max(k1, c.Z);
        }

        double mx = marginMm / moving.Spacing.X, my = marginMm / moving.Spacing.Y, mz = marginMm / moving.Spacing.Z;
        static int Clamp(double v, int size) => (int)Math.Clamp(v, 0, size - 1);
        var box = new Box(
            Clamp(Math.Floor(i0 - mx), moving.SizeX), Clamp(Math.Floor(j0 - my), moving.SizeY), Clamp(Math.Floor(k0 - mz), moving.SizeZ),
            Clamp(Math.Ceiling(i1 + mx), moving.SizeX), Clamp(Math.Ceiling(j1 + my), moving.SizeY), Clamp(Math.Ceiling(k1 + mz), moving.SizeZ));
        return box;
    }

    internal static Volume<T> Crop<T>(Volume<T> source, Box box)
        where T : unmanaged
    {
        var g = source.Geometry;
        var sizeX = box.I1 - box.I0 + 1;
        var geometry = new ImageGeometry(sizeX, box.J1 - box.J0 + 1, box.K1 - box.K0 + 1, g.Spacing, g.TransformIndexToPhysicalPoint(box.I0, box.J0, box.K0), g.Direction);
        var crop = new Volume<T>(geometry);
        for (var k = 0; k < geometry.SizeZ; k++)
        {
            for (var j = 0; j < geometry.SizeY; j++)
            {
                source.Data.AsSpan((int)g.Offset(box.I0, box.J0 + j, box.K0 + k), sizeX)
                    .CopyTo(crop.Data.AsSpan((int)geometry.Offset(0, j, k), sizeX));
            }
        }

        return crop;
    }

    /// <summary>Counts voxels of the earlier grid by (edema earlier, edema later mapped through <paramref name="transform"/>).</summary>
    internal static OverlapCounts Count(
        Volume<byte> edemaA, Volume<int>? labelsA, int labelA, Volume<byte> edemaB, Volume<int>? labelsB, int labelB, RigidTransform transform)
    {
        var gridA = edemaA.Geometry;
        var gridB = edemaB.Geometry;
        var perSlice = new OverlapCounts[gridA.SizeZ];
        Parallel.For(0, gridA.SizeZ, k =>
        {
            var c = new OverlapCounts();
            for (var j = 0; j < gridA.SizeY; j++)
            {
                for (var i = 0; i < gridA.SizeX; i++)
                {
                    var offset = gridA.Offset(i, j, k);
                    var a = edemaA.Data[offset] != 0 && (labelsA is null || labelsA.Data[offset] == labelA);
                    var q = gridB.TransformPhysicalPointToContinuousIndex(transform.TransformPoint(gridA.TransformIndexToPhysicalPoint(i, j, k)));
                    int bi = (int)Math.Round(q.X), bj = (int)Math.Round(q.Y), bk = (int)Math.Round(q.Z);
                    var b = false;
                    if (gridB.Contains(bi, bj, bk))
                    {
                        var ob = gridB.Offset(bi, bj, bk);
                        b = edemaB.Data[ob] != 0 && (labelsB is null || labelsB.Data[ob] == labelB);
                    }

                    c.Persisting += a && b ? 1 : 0;
                    c.Resolved += a && !b ? 1 : 0;
                    c.New += b && !a ? 1 : 0;
                }
            }

            perSlice[k] = c;
        });
        var total = new OverlapCounts();
        foreach (var c in perSlice)
        {
            total.Add(c);
        }

        return total;
    }

    private static LesionOverlap Make(string name, OverlapCounts c, double voxelMm3, string alignment, RigidTransform? t)
    {
        var earlier = (c.Persisting + c.Resolved) * voxelMm3;
        var later = (c.Persisting + c.New) * voxelMm3;
        double? dice = earlier + later > 0 ? 2 * c.Persisting * voxelMm3 / (earlier + later) : null;
        return new LesionOverlap(name, earlier, later, c.Persisting * voxelMm3, c.Resolved * voxelMm3, c.New * voxelMm3, dice, alignment, t?.TranslationMagnitudeMm, t?.RotationAngleDegrees);
    }

    internal sealed class OverlapCounts
    {
        public long Persisting { get; set; }

        public long Resolved { get; set; }

        public long New { get; set; }

        public void Add(OverlapCounts other)
        {
            Persisting += other.Persisting;
            Resolved += other.Resolved;
            New += other.New;
        }
    }
}
