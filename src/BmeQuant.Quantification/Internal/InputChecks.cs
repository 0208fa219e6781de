using System.Globalization;
using System.Numerics.Tensors;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// The analysis' checks of its inputs as other scanners and tools write them: voxel values that are not finite,
/// negative or constant; label maps and reference masks that are empty, hold negative labels or miss the analysis grid.
/// Each either adapts the input with a note naming the file or throws a <see cref="QuantificationException"/> that
/// names the file and what is wrong.
/// </summary>
internal static class InputChecks
{
    /// <summary>The note of an analysis without T1.</summary>
    public const string NoT1Note = "No T1 series: T1 support, the fat veto, the edema/muscle ratio and T1 ratios are skipped; only a given bone label map can define the bones.";

    /// <summary>Share of negative voxels above which a series is taken as shifted (a signed export with an offset rescale) rather than undershooting.</summary>
    private const double ShiftedShare = 0.01;

    /// <summary>
    /// Copies the input's own notes into <paramref name="notes"/>, then repairs the voxel values of the fluid-sensitive
    /// and T1 series (non-finite voxels set to zero; a few negative voxels set to zero, many shifted; each with a note).
    /// A constant fluid-sensitive series is refused; a constant T1 is dropped (refused when the bones must be found from it).
    /// </summary>
    public static StudyInput Prepare(StudyInput input, List<string> notes)
    {
        notes.AddRange(input.Notes);
        var fluidName = "The fluid-sensitive series '" + EdemaAnalyzer.Describe(input.FluidSensitiveSeries) + "'";
        var fluid = Repair(input.FluidSensitive, fluidName, notes, out var fluidConstant);
        if (fluidConstant is { } c)
        {
            throw new QuantificationException(string.Create(CultureInfo.InvariantCulture, $"{fluidName} holds the same value ({c:G6}) in every voxel: there is no contrast to measure edema on; expected a STIR or fat-suppressed PD/T2 image."));
        }

        var g = fluid.Geometry;
        if (g.SizeX == 1 || g.SizeY == 1 || g.SizeZ == 1)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{fluidName} is a single slice ({g.SizeX}×{g.SizeY}×{g.SizeZ} voxels of {g.Spacing.X:0.###}×{g.Spacing.Y:0.###}×{g.Spacing.Z:0.###} mm): volumes are those of that slab only, and depths and lesion shapes are measured within it."));
        }

        var t1 = input.T1;
        if (t1 is null)
        {
            notes.Add(NoT1Note);
        }
        else
        {
            var t1Name = "The T1 series '" + (input.T1Series?.Source ?? input.T1Series?.SeriesInstanceUid ?? input.T1Series?.SeriesDescription ?? "T1") + "'";
            t1 = Repair(t1, t1Name, notes, out var t1Constant);
            if (t1Constant is { } c1)
            {
                if (input.BoneLabels is null)
                {
                    throw new QuantificationException(string.Create(CultureInfo.InvariantCulture, $"{t1Name} holds the same value ({c1:G6}) in every voxel: automatic bone segmentation needs T1 contrast. Give another T1 or --bone-mask."));
                }

                notes.Add(string.Create(CultureInfo.InvariantCulture, $"{t1Name} holds the same value ({c1:G6}) in every voxel; it was ignored. {NoT1Note}"));
                t1 = null;
            }
        }

        return ReferenceEquals(fluid, input.FluidSensitive) && ReferenceEquals(t1, input.T1) ? input : input.WithVolumes(fluid, t1);
    }

    /// <summary>
    /// The given label map on the analysis grid (nearest label through patient coordinates); negative labels become
    /// background with a note. Throws when the map holds no positive label or none falls on the grid.
    /// </summary>
    public static Volume<int> LabelsOnGrid(Volume<int> given, StudyInput input, ImageGeometry grid, List<string> notes)
    {
        var source = input.BoneLabelsSource ?? "label map";
        long negative = 0, positive = 0;
        foreach (var v in given.Data)
        {
            negative += v < 0 ? 1 : 0;
            positive += v > 0 ? 1 : 0;
        }

        if (positive == 0)
        {
            throw new QuantificationException(string.Create(CultureInfo.InvariantCulture, $"No bone voxel: the bone label map '{source}' given for the fluid-sensitive series '{EdemaAnalyzer.Describe(input.FluidSensitiveSeries)}' holds no positive label ({given.Length} voxels, {(negative > 0 ? negative + " of them negative, the rest 0" : "all 0")}); expected 0 for background and a positive integer per bone."));
        }

        if (negative > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"The bone label map '{source}' holds {negative} voxel(s) with negative labels; they were treated as background (labels are positive integers, 0 = background)."));
            var copy = new Volume<int>(given.Geometry);
            var from = given.Data;
            var to = copy.Data;
            for (var n = 0; n < to.Length; n++)
            {
                to[n] = Math.Max(from[n], 0);
            }

            given = copy;
        }

        if (given.Geometry.IsSameGrid(grid))
        {
            return given;
        }

        var labels = Resampler.ResampleNearest(given, grid);
        if (TensorPrimitives.Max<int>(labels.Data) <= 0)
        {
            throw new QuantificationException(string.Create(CultureInfo.InvariantCulture, $"No bone voxel on the analysis grid: the bone label map '{source}' ({given.Geometry}) does not overlap the fluid-sensitive series '{EdemaAnalyzer.Describe(input.FluidSensitiveSeries)}' ({grid}) in patient space: none of its {positive} labelled voxels falls on the analysis grid; expected both to image the same joint (check the header transforms)."));
        }

        return labels;
    }

    /// <summary>
    /// The given reference mask on the analysis grid (nearest neighbour through patient coordinates), with a note when
    /// resampled. Throws when it is empty, misses the grid, or holds fewer than 10 voxels inside the bones.
    /// </summary>
    public static Volume<byte> ReferenceOnGrid(Volume<byte> given, StudyInput input, ImageGeometry grid, Volume<byte> bones, List<string> notes)
    {
        const int MinimumVoxels = 10;
        var source = input.ReferenceMaskSource ?? "mask";
        if (TensorPrimitives.Max<byte>(given.Data) == 0)
        {
            throw new QuantificationException(string.Create(CultureInfo.InvariantCulture, $"The reference mask '{source}' is empty (all {given.Length} voxels 0); expected non-zero voxels over normal marrow."));
        }

        var mask = given;
        if (!given.Geometry.IsSameGrid(grid))
        {
            mask = Resampler.ResampleNearest(given, grid);
            notes.Add($"The reference mask '{source}' was resampled (nearest neighbour) onto the fluid-sensitive grid through patient coordinates.");
        }

        long onGrid = 0, inBone = 0;
        var m = mask.Data;
        var b = bones.Data;
        for (var n = 0; n < m.Length; n++)
        {
            if (m[n] != 0)
            {
                onGrid++;
                inBone += b[n] != 0 ? 1 : 0;
            }
        }

        if (onGrid == 0)
        {
            throw new QuantificationException(string.Create(CultureInfo.InvariantCulture, $"The reference mask '{source}' ({given.Geometry}) does not overlap the fluid-sensitive series '{EdemaAnalyzer.Describe(input.FluidSensitiveSeries)}' ({grid}) in patient space; expected both to image the same joint (check the header transforms)."));
        }

        if (inBone < MinimumVoxels)
        {
            throw new QuantificationException(string.Create(CultureInfo.InvariantCulture, $"The reference mask '{source}' has {inBone} voxel(s) inside the bones on the analysis grid ({onGrid} on the grid); expected at least {MinimumVoxels} voxels of normal marrow inside a bone."));
        }

        return mask;
    }

    /// <summary>
    /// Returns <paramref name="volume"/> itself when every voxel is finite and none is negative, else a repaired copy:
    /// non-finite voxels become 0; negative voxels become 0 when they are few (under 1 %: interpolation undershoot),
    /// else the whole series is shifted up so its minimum is 0. <paramref name="constant"/> is the value of a series
    /// whose finite voxels are all equal, else null. Throws when no voxel is finite.
    /// </summary>
    private static Volume<float> Repair(Volume<float> volume, string what, List<string> notes, out float? constant)
    {
        ReadOnlySpan<float> span = volume.Data;
        if (TensorPrimitives.IsFiniteAll(span) && !TensorPrimitives.IsNegativeAny(span))
        {
            var lo = TensorPrimitives.Min(span);
            constant = lo == TensorPrimitives.Max(span) ? lo : null;
            return volume;
        }

        long nonFinite = 0, negative = 0;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (var v in span)
        {
            if (!float.IsFinite(v))
            {
                nonFinite++;
                continue;
            }

            negative += v < 0 ? 1 : 0;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        var finite = span.Length - nonFinite;
        if (finite == 0)
        {
            throw new QuantificationException($"{what} holds no finite voxel value (every voxel NaN or ±Inf); expected an image.");
        }

        constant = min == max ? min : null;
        if (nonFinite == 0 && negative == 0)
        {
            return volume; // only −0 voxels
        }

        var c = CultureInfo.InvariantCulture;
        var shift = negative > ShiftedShare * finite ? -min : 0f;
        if (nonFinite > 0)
        {
            notes.Add(string.Create(c, $"{what}: {nonFinite} voxel(s) ({100.0 * nonFinite / span.Length:0.###} %) were not finite (NaN or ±Inf) and were set to {(shift > 0 ? "the series' minimum" : "0")} (no signal)."));
        }

        if (negative > 0)
        {
            notes.Add(shift > 0
                ? string.Create(c, $"{what}: {100.0 * negative / finite:0.#} % of the voxels are negative (down to {min:G6}; a signed export with an offset rescale?); the series was shifted by +{shift:G6} so that its minimum is 0. The robust edema rule is unchanged by a shift; signal ratios are relative to this zero.")
                : string.Create(c, $"{what}: {negative} voxel(s) below zero (down to {min:G6}; interpolation undershoot?) were set to 0 (MR magnitude is not negative)."));
        }

        var repaired = new Volume<float>(volume.Geometry);
        var target = repaired.Data;
        for (var n = 0; n < target.Length; n++)
        {
            var v = span[n];
            target[n] = !float.IsFinite(v) ? 0f : shift > 0 ? v + shift : Math.Max(v, 0f);
        }

        return repaired;
    }
}
