using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.BiasField;
using BmeQuant.Quantification.Internal.Bones;

namespace BmeQuant.Quantification.Internal.Pipeline;

/// <summary>
/// Intensity steps between the bones and the reference: N4-style bias-field correction of both series inside the
/// bones (<see cref="AnalysisOptions.CorrectBiasField"/>), and per-bone reference equalisation when a bone's normal
/// marrow differs from the joint's (<see cref="AnalysisOptions.PerBoneReferenceDifference"/>).
/// </summary>
internal static class IntensityCorrection
{
    /// <summary>A bone needs at least this much normal marrow (mm³) for its own reference.</summary>
    private const double MinimumBoneReferenceMm3 = 1000;

    /// <summary>Settings for bone-region fields: 100 mm first lattice, 2 levels (finest ≈ 50 mm control spacing), at most 25 iterations a level.</summary>
    private static readonly BiasFieldOptions s_biasOptions = new()
    {
        InitialControlPointSpacingMm = 100,
        FittingLevels = 2,
        MaximumIterationsPerLevel = 25,
        ShrinkFactor = 4,
    };

    /// <summary>
    /// Divides each series by its bias field estimated inside the bones (voxels with a finite positive value);
    /// returns the inputs unchanged when the option is off or the bone region is too small for a field.
    /// </summary>
    public static (Volume<float> Fluid, Volume<float>? T1) CorrectBias(Volume<float> fluid, Volume<float>? t1, Volume<byte> bones, AnalysisOptions options, List<string> notes)
    {
        if (!options.CorrectBiasField)
        {
            notes.Add("No bias-field correction was applied before the reference was measured (AnalysisOptions.CorrectBiasField = false; the robust statistics absorb slow intensity drifts only partly).");
            return (fluid, t1);
        }

        var fluidOut = CorrectOne(fluid, bones, "fluid-sensitive", notes);
        var t1Out = t1 is null ? null : CorrectOne(t1, bones, "T1", notes);
        return (fluidOut, t1Out);
    }

    private static Volume<float> CorrectOne(Volume<float> image, Volume<byte> bones, string name, List<string> notes)
    {
        var mask = new Volume<byte>(image.Geometry);
        var m = mask.Data;
        var b = bones.Data;
        var v = image.Data;
        for (var i = 0; i < m.Length; i++)
        {
            m[i] = (byte)(b[i] != 0 && float.IsFinite(v[i]) && v[i] > 0 ? 1 : 0);
        }

        BiasFieldCorrectionResult result;
        try
        {
            result = BiasFieldCorrection.Correct(image, mask, s_biasOptions);
        }
        catch (ImageFormatException ex)
        {
            notes.Add($"Bias-field correction of the {name} series skipped: {ex.Message}");
            return image;
        }

        // Spread of the field over the bones: 5th–95th percentile as a percentage range.
        var field = result.Field.Data;
        var values = new List<float>();
        for (var i = 0; i < m.Length; i += 7)
        {
            if (m[i] != 0)
            {
                values.Add(field[i]);
            }
        }

        values.Sort();
        var low = values.Count > 0 ? values[(int)(0.05 * (values.Count - 1))] : 1f;
        var high = values.Count > 0 ? values[(int)(0.95 * (values.Count - 1))] : 1f;
        var cp = result.ControlPointSpacingMm;
        notes.Add(string.Create(
            CultureInfo.InvariantCulture,
            $"Bias field of the {name} series estimated inside the bones (N4-style, B-spline control spacing {cp.X:F0}×{cp.Y:F0}×{cp.Z:F0} mm, {string.Join("+", result.IterationsPerLevel)} iterations) and divided out: field {low:F3}–{high:F3} (5th–95th percentile over the bones, geometric mean 1)."));
        return result.Corrected;
    }

    /// <summary>
    /// Per-bone reference: estimates each bone's normal marrow separately (as <see cref="ReferenceEstimator"/> does for all
    /// bones) and, where a bone's fluid-sensitive (or T1) median differs from the joint's by more than the option's
    /// fraction, rescales that series inside the bone so its normal marrow meets the joint reference — which is the
    /// same as thresholding that bone against its own reference. Returns new volumes only when something was rescaled;
    /// otherwise <c>Joint</c> is the joint reference it measured (what <see cref="ReferenceEstimator.Estimate"/> returns
    /// on the same inputs, so the caller need not measure it again), else null. Each bone's own reference is measured on
    /// its bounding box (the same voxels, so the same statistics).
    /// </summary>
    public static (Volume<float> Fluid, Volume<float>? T1, ReferenceStats? Joint) EqualizeBones(
        Volume<float> fluid,
        Volume<float>? t1,
        Volume<int> labels,
        IReadOnlyList<int> boneLabels,
        IReadOnlyDictionary<int, string> names,
        Volume<byte> union,
        Volume<float> surfaceDepthMm,
        Volume<byte>? referenceMask,
        AnalysisOptions options,
        List<string> notes)
    {
        var limit = options.PerBoneReferenceDifference;
        if (double.IsPositiveInfinity(limit) || boneLabels.Count < 2)
        {
            return (fluid, t1, null);
        }

        if (referenceMask is not null)
        {
            notes.Add("Reference: one for all bones (the given reference mask defines normal marrow; no per-bone reference).");
            return (fluid, t1, null);
        }

        using var stage = AnalysisStage.Start("per-bone reference");
        var minVoxels = Math.Max(10, (int)Math.Ceiling(MinimumBoneReferenceMm3 / fluid.Geometry.VoxelVolumeMm3));
        var boxes = VoxelBox.OfAll(labels);

        // The joint reference and every bone's own, at once (each bone's on its box); null = the bone uses the joint's.
        ReferenceStats? jointStats = null;
        var owns = new ReferenceStats?[boneLabels.Count];
        var work = new Action[boneLabels.Count + 1];
        work[0] = () => jointStats = ReferenceEstimator.Estimate(fluid, t1, union, surfaceDepthMm, null);
        for (var b = 0; b < boneLabels.Count; b++)
        {
            var at = b;
            work[b + 1] = () => owns[at] = boxes.TryGetValue(boneLabels[at], out var box) ? OwnReference(fluid, t1, labels, boneLabels[at], box, surfaceDepthMm, minVoxels) : null;
        }

        Concurrent.Run(options.MaxDegreeOfParallelism, work);
        var joint = jointStats!;
        var uses = new List<string>();
        Volume<float>? fluidOut = null, t1Out = null;
        var ld = labels.Data;
        for (var b = 0; b < boneLabels.Count; b++)
        {
            var label = boneLabels[b];
            var name = names.TryGetValue(label, out var n) ? n : "label " + label.ToString(CultureInfo.InvariantCulture);
            var own = owns[b] ?? joint;
            if (ReferenceEquals(own, joint) || EdemaAnalyzer.Count(own.Mask) < minVoxels)
            {
                uses.Add($"{name}: joint (too little normal marrow for its own)");
                continue;
            }

            var fluidRatio = joint.FluidMedian / own.FluidMedian;
            var t1Ratio = own.T1Median is { } bt && joint.T1Median is { } jt && bt > 0 ? jt / bt : 1.0;
            var fluidDiffers = own.FluidMedian > 0 && Math.Abs((own.FluidMedian / joint.FluidMedian) - 1) > limit;
            var t1Differs = t1 is not null && Math.Abs((1 / t1Ratio) - 1) > limit;
            if (!fluidDiffers && !t1Differs)
            {
                uses.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: joint (own median {own.FluidMedian:G4}, {100 * ((own.FluidMedian / joint.FluidMedian) - 1):+0.0;-0.0} %)"));
                continue;
            }

            if (fluidDiffers)
            {
                fluidOut ??= fluid.Clone();
                Scale(fluidOut.Data, ld, label, fluidRatio);
            }

            if (t1Differs)
            {
                t1Out ??= t1!.Clone();
                Scale(t1Out.Data, ld, label, t1Ratio);
            }

            uses.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{name}: own (fluid median {own.FluidMedian:G4} vs joint {joint.FluidMedian:G4}{(own.T1Median is { } o && joint.T1Median is { } j ? $", T1 median {o:G4} vs {j:G4}" : string.Empty)}; {(fluidDiffers ? "fluid" : string.Empty)}{(fluidDiffers && t1Differs ? " and " : string.Empty)}{(t1Differs ? "T1" : string.Empty)} rescaled inside the bone)"));
        }

        notes.Add(string.Create(CultureInfo.InvariantCulture, $"Reference per bone (own when its normal-marrow median differs from the joint's by more than {100 * limit:F0} %): {string.Join("; ", uses)}."));
        return fluidOut is null && t1Out is null ? (fluid, t1, joint) : (fluidOut ?? fluid, t1Out ?? t1, null);
    }

    /// <summary>The reference of one bone measured on its box; null when it has too little marrow or none can be estimated.</summary>
    private static ReferenceStats? OwnReference(Volume<float> fluid, Volume<float>? t1, Volume<int> labels, int label, VoxelBox box, Volume<float> surfaceDepthMm, int minVoxels)
    {
        var boneMask = box.CropEquals(labels, label);
        var count = 0;
        foreach (var v in boneMask.Data)
        {
            count += v;
        }

        if (count < minVoxels)
        {
            return null;
        }

        try
        {
            return ReferenceEstimator.Estimate(box.Crop(fluid), t1 is null ? null : box.Crop(t1), boneMask, box.Crop(surfaceDepthMm), null);
        }
        catch (QuantificationException)
        {
            return null;
        }
    }

    private static void Scale(float[] data, int[] labels, int label, double factor)
    {
        var f = (float)factor;
        for (var i = 0; i < data.Length; i++)
        {
            if (labels[i] == label)
            {
                data[i] *= f;
            }
        }
    }
}
