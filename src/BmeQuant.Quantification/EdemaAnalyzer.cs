using System.Globalization;
using System.Reflection;
using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal;
using BmeQuant.Quantification.Internal.Pipeline;
using BmeQuant.Quantification.Internal.Edema;

namespace BmeQuant.Quantification;

/// <summary>
/// Quantifies bone marrow edema in one study: aligns T1 to the fluid-sensitive grid, finds (or takes) the bones,
/// estimates (or takes) the normal-marrow reference, segments the edema with the selected rule and measures it
/// per bone and in total. See docs/methods.md for every step and measure with its sources.
/// </summary>
public static class EdemaAnalyzer
{
    /// <summary>Version written into the findings.</summary>
    public static string SoftwareVersion { get; } =
        typeof(EdemaAnalyzer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";

    /// <summary>
    /// Name of the <see cref="System.Diagnostics.ActivitySource"/> whose activities time the analysis stages ("analyze" and
    /// its children: align, bones, geometry, bias, smooth, reference, edema, measures), each tagged with the process CPU
    /// milliseconds ("cpu.ms") and bytes allocated ("alloc.bytes") during the stage. Listen to it for a profile
    /// (<c>bmequant analyze --timings</c> does).
    /// </summary>
    public const string ActivitySourceName = "BmeQuant.Analysis";

    /// <summary>
    /// Compiles the analysis' code on a background thread ahead of <see cref="Analyze"/>, for a short process that analyses
    /// one study: started before the study is read, the compilation runs on a core the reading leaves idle instead of on
    /// the analysis' critical path (a process without tiered compilation compiles each method once, at its first call).
    /// Results do not change. The task completes when every method is compiled or <paramref name="cancellationToken"/>
    /// is cancelled; it never faults (a method that cannot be compiled ahead is compiled at its first call).
    /// </summary>
    /// <param name="automaticBones">True when the bones will be segmented automatically (no bone label map): their code is compiled too.</param>
    /// <param name="cancellationToken">Stops the compilation early.</param>
    /// <returns>The number of methods compiled ahead.</returns>
    public static Task<int> PrecompileAsync(bool automaticBones = true, CancellationToken cancellationToken = default) =>
        Task.Factory.StartNew(
            () =>
            {
                try
                {
                    return Precompiler.Run(automaticBones, cancellationToken);
                }
#pragma warning disable CA1031 // Compiling ahead is an optimisation only: whatever fails here is compiled at its first call instead.
                catch (Exception)
#pragma warning restore CA1031
                {
                    return 0;
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    /// <summary>Analyses <paramref name="input"/> with <paramref name="options"/> (defaults when null).</summary>
    /// <exception cref="QuantificationException">The inputs do not overlap, a mask is empty, or no bone can be found.</exception>
    public static EdemaFindings Analyze(StudyInput input, AnalysisOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= AnalysisOptions.Default;
        options.Validate();
        var notes = new List<string>();
        input = InputChecks.Prepare(input, notes);
        using var stages = new AnalysisStages();
        stages.Next("align");
        var fluidRaw = input.FluidSensitive;
        var grid = fluidRaw.Geometry;

        // 1. T1 onto the fluid-sensitive grid.
        Volume<float>? t1Raw = null;
        AlignmentReport alignment = null!;
        var alignNotes = new List<string>();
        var t1Input = input.T1 is not null;
        void AlignT1() => (t1Raw, alignment) = SeriesAlignment.Align(fluidRaw, input.T1, options, alignNotes, input.BoneLabels);

        // 3. Bones.
        Volume<int> labels = null!;
        IReadOnlyDictionary<int, string> names;
        string bonesSource;
        List<int> boneLabelList = [];
        BoneGeometry bones = null!;
        var shell = BoneShell.Empty;
        if (input.BoneLabels is { } given)
        {
            // Given bones need nothing from T1: their geometry and the soft tissue around them are found while T1 is aligned.
            names = input.LabelNames ?? new Dictionary<int, string>();
            bonesSource = "given: " + (input.BoneLabelsSource ?? "label map");
            var labelNotes = new List<string>();
            Concurrent.Run(options.MaxDegreeOfParallelism, AlignT1, () =>
            {
                using var stage = AnalysisStage.Start("bones and geometry");
                labels = InputChecks.LabelsOnGrid(given, input, grid, labelNotes);
                boneLabelList = NonEmptyLabels(labels, input);
                bones = BoneGeometry.Compute(labels, boneLabelList, options, cancellationToken);
                if (t1Input)
                {
                    shell = BoneShell.Around(bones.Union);
                }
            });
            notes.AddRange(alignNotes);
            notes.AddRange(labelNotes);
            if (!given.Geometry.IsSameGrid(grid))
            {
                notes.Add("The bone label map was resampled (nearest neighbour) onto the fluid-sensitive grid through patient coordinates.");
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
        else
        {
            AlignT1();
            notes.AddRange(alignNotes);
            cancellationToken.ThrowIfCancellationRequested();
            stages.Next("bones");
            if (t1Raw is null)
            {
                throw new QuantificationException($"Automatic bone segmentation needs a T1 series (fatty marrow is recognised by bright T1 and dark fluid-sensitive signal); none was given for {Describe(input.FluidSensitiveSeries)}. Give --t1 or --bone-mask.");
            }

            (labels, names) = BoneSegmenter.Segment(fluidRaw, t1Raw, input.Anatomy, options, notes, cancellationToken);
            bonesSource = "automatic";
            boneLabelList = NonEmptyLabels(labels, input);
            stages.Next("geometry");
            bones = BoneGeometry.Compute(labels, boneLabelList, options, cancellationToken);
            shell = BoneShell.Around(bones.Union);
        }

        stages.Next("bias");
        (fluidRaw, t1Raw) = IntensityCorrection.CorrectBias(fluidRaw, t1Raw, bones.Union, options, notes);

        // 2. Smoothing in-plane (x and y of the analysis grid) and inside the bones only (normalised convolution),
        // so that neither soft tissue nor joint fluid bleeds into the marrow at the cortex.
        stages.Next("smooth");
        var fluid = MaskedSmoothing.Apply(fluidRaw, bones.Union, options.SmoothingSigmaMm);
        var t1 = t1Raw is null ? null : MaskedSmoothing.Apply(t1Raw, bones.Union, options.SmoothingSigmaMm);

        // 4. Reference.
        stages.Next("reference");
        Volume<byte>? referenceMask = null;
        if (input.ReferenceMask is { } rm)
        {
            referenceMask = InputChecks.ReferenceOnGrid(rm, input, grid, bones.Union, notes);
        }

        (fluid, t1, var joint) = IntensityCorrection.EqualizeBones(fluid, t1, labels, boneLabelList, names, bones.Union, bones.SurfaceDepthMm, referenceMask, options, notes);
        var reference = joint ?? ReferenceEstimator.Estimate(fluid, t1, bones.Union, bones.SurfaceDepthMm, referenceMask);
        var rule = ThresholdRule.Create(options, reference, t1 is not null);
        var lowerT = rule.FluidThreshold * (1 - options.ThresholdSensitivityFraction);
        var higherT = rule.FluidThreshold * (1 + options.ThresholdSensitivityFraction);

        // The muscle estimate (one thread) runs beside the rule's raw decisions at the threshold and at the threshold ∓ the
        // sensitivity fraction (step 5's first pass: they need the rule, not the muscle).
        (double Fluid, double T1)? muscleLevels = null;
        Volume<byte> raw = null!, rawLower = null!, rawHigher = null!, boundary = null!;
        Concurrent.Run(
            options.MaxDegreeOfParallelism,
            () => muscleLevels = MuscleEstimator.Estimate(fluid, t1, shell, reference),
            () =>
            {
                using var stage = AnalysisStage.Start("raw decisions");
                boundary = EdemaSegmenter.BoundaryLayer(labels);
                Volume<byte> Raw(double threshold) => EdemaSegmenter.Threshold(fluid, t1, bones.Union, boundary, bones.SurfaceDepthMm, reference, rule, threshold, options);
                raw = Raw(rule.FluidThreshold);
                rawLower = Raw(lowerT);
                rawHigher = Raw(higherT);
            });
        var muscle = muscleLevels?.Fluid;
        cancellationToken.ThrowIfCancellationRequested();

        // 5. Edema: the rule's decision (above), the partial-volume anchor (fully edematous marrow), lesions.
        stages.Next("edema");
        // Two fits of the anchor (docs/methods.md, "Partial-volume model"). The edema fractions (the fraction-weighted volume)
        // take the fit over the lesions brighter than muscle: red-marrow islands lie on a flatter mixing line. The reported
        // anchor, which sets the binary edge and the follow-up re-measurement's ratio, stays the fit over every hyperintense
        // voxel: on the phantoms its half-edematous level matches the truth mask's edge (half the lesion fit lies inside it,
        // the fluid image being blurrier than the fraction map) and the paired re-measurement was validated with it.
        var freeWater = FreeWaterEstimator.EstimateT1(fluid, t1, shell, muscleLevels);
        var full = FullEdemaEstimator.Estimate(fluid, t1, raw, reference, rule.FluidThreshold, muscleLevels, freeWater);
        var lesionFull = full.Source == "t1-fat-loss" ? FullEdemaEstimator.Estimate(fluid, t1, raw, reference, rule.FluidThreshold, muscleLevels, freeWater, lesionsOnly: true) : full;
        var fractionFull = lesionFull.Source == full.Source ? lesionFull : full;
        var edgeLevel = options.MinimumEdemaFraction > 0 ? full.SignalAt(options.MinimumEdemaFraction, reference.FluidMedian) : double.NaN;

        // Lesions and the rim filter run on the bones' box with a voxel's margin (raw decisions are 0 outside the bones;
        // the result is the whole grid's): about half the grid on a knee.
        var box = EdemaSegmenter.WorkBox(bones.Union);
        var boxFluid = box.Crop(fluid);
        var boxT1 = t1 is null ? null : box.Crop(t1);
        var boxBones = box.Crop(bones.Union);
        var boxDepth = box.Crop(bones.SurfaceDepthMm);
        var boxSupport = new Volume<byte>(boxFluid.Geometry);
        Volume<byte> Segment(Volume<byte> r, double threshold, Volume<byte>? s = null, List<string>? n = null) =>
            ThroughSliceTubeFilter.Apply(DemarcationRimFilter.Apply(EdemaSegmenter.Clean(box.Crop(r), boxFluid, boxBones, reference, muscle, threshold / rule.FluidThreshold, options, edgeLevel, s), s, boxFluid, boxT1, boxBones, boxDepth, reference, n), s, input.Anatomy, n);

        // The segmentations at the threshold ∓ the sensitivity fraction run beside the main one.
        Volume<byte> edema = null!, lower = null!, higher = null!;
        var edemaNotes = new List<string>();
        Concurrent.Run(
            options.MaxDegreeOfParallelism,
            () => edema = Segment(raw, rule.FluidThreshold, boxSupport, edemaNotes),
            () => lower = Segment(rawLower, lowerT),
            () => higher = Segment(rawHigher, higherT));
        notes.AddRange(edemaNotes);
        edema = EdemaSegmenter.PasteBox(box, edema, grid);
        var support = EdemaSegmenter.PasteBox(box, boxSupport, grid);
        var fraction = EdemaFraction.Map(fluid, edema, support, fractionFull, reference.FluidMedian, boundary);
        var voxelMm3 = grid.VoxelVolumeMm3;
        var sensitivity = new ThresholdSensitivity(
            options.ThresholdSensitivityFraction,
            Count(lower) * voxelMm3,
            Count(edema) * voxelMm3,
            Count(higher) * voxelMm3);
        cancellationToken.ThrowIfCancellationRequested();

        // 6. Measures.
        stages.Next("measures");
        if (muscle is null)
        {
            notes.Add("Edema/muscle ratio not computed: no soft tissue could be identified as muscle (needs T1).");
        }

        // The regions, the bands, the SPARCC score and the depth zones are independent: measured at the same time.
        var measurer = new RegionMeasurer(edema, labels, bones, fluid, t1, reference, rule, options, muscle, fraction);
        RegionFindings total = null!;
        IReadOnlyList<RegionFindings> perBone = [];
        IReadOnlyList<SubchondralBand> bands = [];
        SparccScore? sparcc = null;
        var sparccNotes = new List<string>();
        var depthZones = new Volume<byte>(grid);
        Concurrent.Run(
            options.MaxDegreeOfParallelism,
            () => total = measurer.Measure("total", 0, null),
            () => perBone = Concurrent.Map(boneLabelList, options.MaxDegreeOfParallelism, lab => measurer.Measure(names.TryGetValue(lab, out var n) ? n : "label " + lab.ToString(CultureInfo.InvariantCulture), lab, new HashSet<int> { lab })),
            () => bands = LowSignalBandDetector.Detect(edema, labels, names, bones, fluid, t1, reference, input.Anatomy, options),
            () => sparcc = SparccScorer.Score(edema, labels, names, bones, fluid, reference, input.Anatomy, options, sparccNotes),
            () => DepthZones(edema, bones.ArticularDepthMm, options.DepthBandEdgesMm, depthZones));
        notes.AddRange(sparccNotes);

        if (reference.Source == "estimated")
        {
            notes.Add("Normal-marrow reference estimated from fatty marrow (T1 at or above the bone median, ≥ 1 mm from the surface), using the median and lower half of its fluid-sensitive distribution.");
        }

        return new EdemaFindings
        {
            SoftwareVersion = SoftwareVersion,
            Options = options,
            Inputs = new InputProvenance(
                input.FluidSensitiveSeries,
                input.T1 is null ? null : input.T1Series ?? new SeriesProvenance(null, null, null),
                bonesSource,
                referenceMask is null ? "estimated" : "given: " + (input.ReferenceMaskSource ?? "mask"),
                input.Anatomy,
                [grid.SizeX, grid.SizeY, grid.SizeZ],
                [grid.Spacing.X, grid.Spacing.Y, grid.Spacing.Z]),
            Alignment = alignment,
            Reference = new ReferenceMarrow(
                reference.Source,
                Count(reference.Mask) * voxelMm3,
                reference.FluidMedian,
                reference.FluidQ1,
                reference.FluidQ3,
                reference.FluidMean,
                reference.FluidSd,
                reference.T1Median,
                reference.T1RobustSd),
            Threshold = new ThresholdReport(rule.Name, rule.K, rule.FluidThreshold, rule.Description),
            Total = total,
            Bones = perBone,
            Sparcc = sparcc,
            LowSignalBands = bands,
            EdemaFraction = new EdemaFractionModel(full.Fluid, full.Source, options.MinimumEdemaFraction, edgeLevel, ReferenceEquals(fractionFull, full) ? full.Description : FormattableString.Invariant($"{full.Description}; edema fractions (fraction-weighted volume) anchored at {fractionFull.Fluid:G5}, {fractionFull.Description}")),
            Sensitivity = sensitivity,
            Notes = notes,
            Masks = new FindingsMasks(edema, labels, depthZones, reference.Mask),
        };
    }

    /// <summary>Writes into <paramref name="zones"/> each edema voxel's depth band (1 + the number of band edges at or above which its articular depth lies); 0 elsewhere.</summary>
    private static void DepthZones(Volume<byte> edema, Volume<float> articularDepthMm, IReadOnlyList<double> edges, Volume<byte> zones)
    {
        var e = edema.Data;
        var d = articularDepthMm.Data;
        var z = zones.Data;
        for (var i = 0; i < z.Length; i++)
        {
            if (e[i] == 0)
            {
                continue;
            }

            var band = 0;
            while (band < edges.Count && d[i] >= edges[band])
            {
                band++;
            }

            z[i] = (byte)(band + 1);
        }
    }

    internal static long Count(Volume<byte> mask)
    {
        long n = 0;
        foreach (var v in mask.Data)
        {
            n += v != 0 ? 1 : 0;
        }

        return n;
    }

    /// <summary>The distinct positive labels; throws when there is none.</summary>
    private static List<int> NonEmptyLabels(Volume<int> labels, StudyInput input)
    {
        var list = DistinctLabels(labels);
        if (list.Count == 0)
        {
            var g = labels.Geometry;
            throw new QuantificationException($"No bone voxel on the analysis grid ({g.SizeX}×{g.SizeY}×{g.SizeZ}) for {Describe(input.FluidSensitiveSeries)}: the bone label map is empty or does not overlap the fluid-sensitive series.");
        }

        return list;
    }

    private static List<int> DistinctLabels(Volume<int> labels)
    {
        // Labels come in runs along rows: the set is asked only when the label changes (one lookup per run, not per voxel).
        var set = new SortedSet<int>();
        var last = 0;
        foreach (var v in labels.Data)
        {
            if (v > 0 && v != last)
            {
                set.Add(v);
            }

            last = v;
        }

        return [.. set];
    }

    internal static string Describe(SeriesProvenance s) =>
        s.Source ?? s.SeriesInstanceUid ?? s.SeriesDescription ?? "the fluid-sensitive series";
}
