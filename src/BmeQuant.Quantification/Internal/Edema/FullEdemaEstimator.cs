using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal.Edema;

/// <summary>
/// The fluid-sensitive signal of fully edematous (fat-free) marrow, the upper anchor of the partial-volume model
/// <c>fraction = (S − normal marrow) / (full − normal marrow)</c>.
/// </summary>
/// <param name="Fluid">Fluid-sensitive signal of fully edematous marrow (modality value); NaN when nothing was measurable.</param>
/// <param name="Source">"t1-fat-loss", "lesion-peak" or "none".</param>
/// <param name="Description">How it was obtained, with its numbers.</param>
internal sealed record FullEdemaSignal(double Fluid, string Source, string Description)
{
    /// <summary>Estimated edema fraction (0–1) of a voxel with fluid signal <paramref name="signal"/>.</summary>
    public double Fraction(double signal, double normalMedian)
    {
        var span = Fluid - normalMedian;
        return !(span > 0) ? 0 : Math.Clamp((signal - normalMedian) / span, 0, 1);
    }

    /// <summary>Fluid signal at edema fraction <paramref name="fraction"/> (NaN when unknown).</summary>
    public double SignalAt(double fraction, double normalMedian) => normalMedian + (fraction * (Fluid - normalMedian));
}

/// <summary>
/// Estimates <see cref="FullEdemaSignal"/> from the hyperintense marrow itself. Edema replaces marrow fat by water:
/// with linear partial-volume mixing, a voxel's rise on the fluid-sensitive series and its fat loss on T1 are both
/// proportional to its edema fraction. The fat loss is measured on T1 against the two fat-free anchors the image
/// holds: normal marrow (no loss) and fat-free tissue (loss 1): halfway between muscle and free water (joint fluid)
/// on T1 when free water is found, else muscle. The fluid rise per unit of fat loss, as a ratio of sums over the
/// interior marrow voxels above the rule's fluid threshold on the fluid series alone (robust to the noise of single
/// voxels; T1 plays no part in choosing them; voxels off the mixing line, partial volume with cortex, left out), then
/// extrapolates the fluid-sensitive signal to fat-free marrow. Without T1 or muscle the 99th percentile of the
/// hyperintense marrow is taken as fully edematous (fractions are then relative to the brightest lesion). The
/// estimate is never below the 95th percentile of the hyperintense marrow (no voxel is more than fully edematous).
/// </summary>
internal static class FullEdemaEstimator
{
    /// <summary>Fewest hyperintense voxels needed for an estimate.</summary>
    public const int MinimumVoxels = 20;

    /// <summary>Fewest T1-fat-loss units (Σ loss) needed for the T1 estimate (about 10 fully edematous voxels).</summary>
    public const double MinimumTotalLoss = 10;

    /// <summary>Voxels whose fat loss departs from the fitted mixing line by more than this many residual SDs are left out.</summary>
    public const double TrimSd = 3;

    /// <summary>Most refits of the mixing line while trimming.</summary>
    public const int MaximumTrimIterations = 10;

    /// <summary>
    /// How far past the lesion voxels the rise and loss are summed, in voxel diagonals (the length of the spacing
    /// vector): one step on every axis at once, past the spread of a T1 series resampled from another grid
    /// (interpolation between its slices reaches the face, edge and corner neighbours).
    /// </summary>
    public const double BlurReachVoxelDiagonals = 1;

    /// <summary>Width of the shell of normal marrow beyond the reach whose mean is the local background (mm).</summary>
    public const double BackgroundShellMm = 4;

    /// <summary>
    /// Estimates the fully edematous signal. <paramref name="freeWaterT1"/> (T1 of joint fluid, null when not found)
    /// moves the fat-free anchor from muscle to halfway between muscle and free water: edematous marrow holds water
    /// that relaxes more slowly than muscle's, so on T1 it is darker than muscle, but it is not free fluid.
    /// With <paramref name="lesionsOnly"/> (the analysis' anchor of the edema fractions) only the hyperintense interior
    /// voxels of lesions (26-connected) whose peak is brighter than muscle enter the fit: red-marrow islands, darker
    /// than muscle throughout, lie on a flatter mixing line. Without it (the analysis' binary edge) every hyperintense
    /// interior voxel enters. With the bone <paramref name="labels"/> (the grown fit, not used by the analysis: unstable
    /// on the full phantom grid, docs/methods.md) the lesions' rise and loss are moreover summed over them grown by
    /// <see cref="BlurReachVoxelDiagonals"/> into the interior marrow, less the mean of a shell of
    /// <see cref="BackgroundShellMm"/> around that.
    /// </summary>
    public static FullEdemaSignal Estimate(Volume<float> fluid, Volume<float>? t1, Volume<byte> raw, ReferenceStats reference, double fluidThreshold, (double Fluid, double T1)? muscle, double? freeWaterT1 = null, Volume<int>? labels = null, bool lesionsOnly = false)
    {
        var f = fluid.Data;
        var r = raw.Data;
        var values = new List<float>();
        var t = t1?.Data;
        var anchor = muscle is { } mu0 ? mu0.T1 : double.NaN;
        var anchorText = "muscle";
        if (freeWaterT1 is { } water && muscle is { } mu1 && water < mu1.T1)
        {
            anchor = 0.5 * (mu1.T1 + water);
            anchorText = Invariant($"halfway between muscle {mu1.T1:G5} and free water {water:G5}");
        }

        var useT1 = t is not null && reference.T1Median is { } t1Ref && t1Ref - anchor > 0;
        var t1Median = reference.T1Median ?? 0;
        var t1Span = useT1 ? t1Median - anchor : 1;
        var median = reference.FluidMedian;
        for (var i = 0; i < r.Length; i++)
        {
            if (r[i] == EdemaSegmenter.Interior)
            {
                values.Add(f[i]);
            }
        }

        if (values.Count < MinimumVoxels)
        {
            return new FullEdemaSignal(double.NaN, "none", Invariant($"fewer than {MinimumVoxels} hyperintense marrow voxels ({values.Count}): edema fractions not estimated"));
        }

        values.Sort();
        var p95 = EdemaSegmenter.SortedQuantile(values, 0.95);
        var p99 = EdemaSegmenter.SortedQuantile(values, 0.99);
        if (useT1)
        {
            // With the bone labels (the lesion-aware fit): only the hyperintense interior marrow in lesions (26-connected)
            // whose peak is brighter than muscle. Red marrow islands are darker than muscle throughout and lie on another
            // mixing line (less rise per unit of fat loss); on the phantoms they were most of the voxels above threshold.
            var lesions = labels is null && !lesionsOnly ? null : ConnectedComponents.Label(InteriorMask(raw), Connectivity.Vertex26);
            var lab = lesions?.Labels.Data;
            var edemaLike = lesions is null ? null : EdemaLikeComponents(lesions, f, muscle?.Fluid);
            var indices = new List<int>();
            var rise = new List<double>();
            var loss = new List<double>();
            for (var i = 0; i < r.Length; i++)
            {
                // Only voxels hyperintense on the fluid series alone: a voxel chosen with T1's help is chosen partly
                // for its T1 noise, which would inflate the fat loss and lower the estimate.
                if (r[i] == EdemaSegmenter.Interior && (lab is null || edemaLike![lab[i]]) && f[i] > fluidThreshold && float.IsFinite(t![i]))
                {
                    indices.Add(i);
                    rise.Add(f[i] - median);
                    loss.Add(Math.Clamp((t1Median - t[i]) / t1Span, -1, 2));
                }
            }

            var keep = new bool[rise.Count];
            if (RobustSlope(rise, loss, keep) is { } fit)
            {
                var slope = fit.Slope;
                var how = Invariant($"fluid rise per unit of T1 fat loss over {fit.Kept} of {rise.Count} hyperintense marrow voxels{(lab is null ? "" : " of lesions brighter than muscle")} ({rise.Count - fit.Kept} off the mixing line left out");
                if (labels is not null && GrownSlope(fluid, t1!, raw, labels, lab!, edemaLike!, indices, keep, median, t1Median, t1Span) is { } grown)
                {
                    slope = grown.Slope;
                    how = Invariant($"fluid rise per unit of T1 fat loss summed over the {fit.Kept} hyperintense marrow voxels of lesions brighter than muscle on the mixing line ({rise.Count - fit.Kept} left out) grown by {grown.ReachMm:G3} mm into the interior marrow ({grown.Voxels} voxels, less the mean of a {BackgroundShellMm:G3} mm shell of {grown.ShellVoxels} voxels around it: rise {grown.ShellRise:G3}, loss {grown.ShellLoss:G3}; on the voxels alone {median + fit.Slope:G5}");
                }

                var full = median + slope;
                var floored = Math.Max(full, p95);
                return new FullEdemaSignal(floored, "t1-fat-loss", Invariant($"{how}; T1 normal marrow {t1Median:G5}, fat-free anchor {anchor:G5}: {anchorText}): fat-free marrow at {full:G5}{(floored > full ? Invariant($", raised to the 95th percentile of the hyperintense marrow {p95:G5}") : "")}"));
            }
        }

        return new FullEdemaSignal(Math.Max(p99, median + 1e-6), "lesion-peak", Invariant($"no usable T1 fat-loss scale (T1 or muscle missing, or too little fat loss): the 99th percentile of {values.Count} hyperintense marrow voxels ({p99:G5}) taken as fully edematous"));
    }

    private static Volume<byte> InteriorMask(Volume<byte> raw)
    {
        var mask = new Volume<byte>(raw.Geometry);
        var r = raw.Data;
        var m = mask.Data;
        for (var i = 0; i < r.Length; i++)
        {
            m[i] = (byte)(r[i] == EdemaSegmenter.Interior ? 1 : 0);
        }

        return mask;
    }

    /// <summary>Per component label: true when its peak (<see cref="EdemaSegmenter.PeakQuantile"/>) is brighter than muscle (always true without muscle).</summary>
    private static bool[] EdemaLikeComponents(ComponentLabeling lesions, float[] f, double? muscleFluid)
    {
        var keep = new bool[lesions.Count + 1];
        if (muscleFluid is not { } muscle)
        {
            Array.Fill(keep, true);
            return keep;
        }

        var lab = lesions.Labels.Data;
        var perLesion = new List<float>[lesions.Count + 1];
        for (var i = 0; i < lab.Length; i++)
        {
            if (lab[i] != 0)
            {
                (perLesion[lab[i]] ??= []).Add(f[i]);
            }
        }

        for (var c = 1; c <= lesions.Count; c++)
        {
            if (perLesion[c] is { } v)
            {
                v.Sort();
                keep[c] = EdemaSegmenter.SortedQuantile(v, EdemaSegmenter.PeakQuantile) > muscle;
            }
        }

        return keep;
    }

    /// <summary>
    /// Σ (rise − shell rise) / Σ (loss − shell loss) over the interior marrow within <see cref="BlurReachVoxelDiagonals"/> of the
    /// lesion voxels on the mixing line, the shell being the interior marrow from there out to
    /// <see cref="BackgroundShellMm"/> farther. T1 on another grid spreads a lesion's fat loss past its fluid-sensitive
    /// edge but does not lose it: the sums over a region that holds the spread see all of it. The shell's mean takes
    /// out the local offset of normal marrow from the reference median (summed over many voxels it would otherwise
    /// count). Voxels left out of the fit (off the line) and hyperintense voxels of other components (red marrow) are
    /// in neither. Null when the net loss is under <see cref="MinimumTotalLoss"/> or the slope is not positive.
    /// </summary>
    private static (double Slope, double ReachMm, int Voxels, int ShellVoxels, double ShellRise, double ShellLoss)? GrownSlope(Volume<float> fluid, Volume<float> t1, Volume<byte> raw, Volume<int> labels, int[] lab, bool[] edemaLike, List<int> indices, bool[] keep, double median, double t1Median, double t1Span)
    {
        var seed = new Volume<byte>(fluid.Geometry);
        var sd = seed.Data;
        var excluded = new bool[sd.Length];
        for (var k = 0; k < indices.Count; k++)
        {
            sd[indices[k]] = (byte)(keep[k] ? 1 : 0);
            excluded[indices[k]] = !keep[k];
        }

        var distance = DistanceTransform.OutsideMm(seed).Data;
        var f = fluid.Data;
        var t = t1.Data;
        var r = raw.Data;
        var bone = labels.Data;
        var boundary = EdemaSegmenter.BoundaryLayer(labels).Data;
        var sp = fluid.Geometry.Spacing;
        var reach = BlurReachVoxelDiagonals * Math.Sqrt((sp.X * sp.X) + (sp.Y * sp.Y) + (sp.Z * sp.Z)) * (1 + 1e-9);
        var outer = reach + BackgroundShellMm;
        double riseIn = 0, lossIn = 0, riseShell = 0, lossShell = 0;
        int nIn = 0, nShell = 0;
        for (var i = 0; i < sd.Length; i++)
        {
            var d = distance[i];
            if (d > outer || bone[i] <= 0 || excluded[i] || !float.IsFinite(t[i]) || (r[i] != 0 && !(lab[i] != 0 && edemaLike[lab[i]]))
                || boundary[i] != 0)
            {
                continue;
            }

            var rise = f[i] - median;
            var loss = Math.Clamp((t1Median - t[i]) / t1Span, -1, 2);
            if (d <= reach)
            {
                riseIn += rise;
                lossIn += loss;
                nIn++;
            }
            else
            {
                riseShell += rise;
                lossShell += loss;
                nShell++;
            }
        }

        if (nShell < MinimumVoxels)
        {
            return null;
        }

        var shellRise = riseShell / nShell;
        var shellLoss = lossShell / nShell;
        var netLoss = lossIn - (nIn * shellLoss);
        var slope = (riseIn - (nIn * shellRise)) / netLoss;
        return netLoss >= MinimumTotalLoss && slope > 0 ? (slope, reach, nIn, nShell, shellRise, shellLoss) : null;
    }

    /// <summary>
    /// Fluid rise per unit of fat loss, Σ rise / Σ loss, refitted while leaving out voxels whose loss departs from
    /// the line by more than <see cref="TrimSd"/> residual SDs. Partial volume with cortex (dark on both series)
    /// adds fat loss without rise, so it only ever lies on one side of the line; the residual SD is taken from the
    /// other side (loss below the line), where only noise lies. Null when the kept loss is under
    /// <see cref="MinimumTotalLoss"/>.
    /// </summary>
    internal static (double Slope, int Kept)? RobustSlope(IReadOnlyList<double> rise, IReadOnlyList<double> loss, bool[]? keepOut = null)
    {
        var keep = keepOut ?? new bool[rise.Count];
        Array.Fill(keep, true);
        double slope = double.NaN;
        var kept = rise.Count;
        for (var iteration = 0; iteration <= MaximumTrimIterations; iteration++)
        {
            double sumRise = 0, sumLoss = 0;
            for (var i = 0; i < rise.Count; i++)
            {
                if (keep[i])
                {
                    sumRise += rise[i];
                    sumLoss += loss[i];
                }
            }

            if (!(sumLoss >= MinimumTotalLoss))
            {
                return null;
            }

            slope = sumRise / sumLoss;
            double below = 0;
            var nBelow = 0;
            for (var i = 0; i < rise.Count; i++)
            {
                var residual = loss[i] - (rise[i] / slope);
                if (residual < 0)
                {
                    below += residual * residual;
                    nBelow++;
                }
            }

            if (nBelow == 0)
            {
                break;
            }

            var limit = TrimSd * Math.Sqrt(below / nBelow);
            var changed = false;
            kept = 0;
            for (var i = 0; i < rise.Count; i++)
            {
                var k = Math.Abs(loss[i] - (rise[i] / slope)) <= limit;
                changed |= k != keep[i];
                keep[i] = k;
                kept += k ? 1 : 0;
            }

            if (!changed)
            {
                break;
            }
        }

        return (slope, kept);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
