using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal;

/// <summary>Computes the measures of one region (a bone, or all bones for the total).</summary>
internal sealed class RegionMeasurer
{
    private readonly Volume<byte> _edema;
    private readonly Volume<int> _labels;
    private readonly BoneGeometry _bones;
    private readonly Volume<float> _fluid;
    private readonly Volume<float>? _t1;
    private readonly ReferenceStats _reference;
    private readonly ThresholdRule _rule;
    private readonly AnalysisOptions _options;
    private readonly double? _muscleFluid;
    private readonly double _allBoneMm3;
    private readonly double _referenceT1Mean;
    private readonly Volume<float>? _fraction;
    private readonly Dictionary<int, Bones.VoxelBox> _boxes;
    private readonly Bones.VoxelBox? _unionBox;

    /// <summary>Prepares the measures; <paramref name="fraction"/> is the estimated edema fraction per voxel (0 outside the hyperintense lesions), or null.</summary>
    public RegionMeasurer(Volume<byte> edema, Volume<int> labels, BoneGeometry bones, Volume<float> fluid, Volume<float>? t1, ReferenceStats reference, ThresholdRule rule, AnalysisOptions options, double? muscleFluid, Volume<float>? fraction = null)
    {
        _fraction = fraction;
        _edema = edema;
        _labels = labels;
        _bones = bones;
        _fluid = fluid;
        _t1 = t1;
        _reference = reference;
        _rule = rule;
        _options = options;
        _muscleFluid = muscleFluid;
        long n = 0;
        foreach (var v in bones.Union.Data)
        {
            n += v;
        }

        _allBoneMm3 = n * labels.Geometry.VoxelVolumeMm3;
        _boxes = Bones.VoxelBox.OfAll(labels);
        _unionBox = Bones.VoxelBox.OfMask(bones.Union);
        _referenceT1Mean = t1 is null ? double.NaN : MaskedSample.From(t1.Data, reference.Mask.Data).Mean;
    }

    /// <summary>Measures the voxels whose label is in <paramref name="labels"/> (null = all bones).</summary>
    public RegionFindings Measure(string name, int label, IReadOnlySet<int>? labels)
    {
        using var stage = Pipeline.AnalysisStage.Start("measure " + name);
        var g = _labels.Geometry;
        var voxelMm3 = g.VoxelVolumeMm3;
        var l = _labels.Data;
        var e = _edema.Data;
        var depth = _bones.ArticularDepthMm.Data;
        var surfaceDepth = _bones.SurfaceDepthMm.Data;
        var f = _fluid.Data;

        // The region's voxels all lie in its box (the bones' box for several labels): visit the box only, in the grid's
        // order (so every sum adds in the same order as over the whole grid), and keep the region and its lesions as
        // box-sized masks.
        var box = RegionBox(labels) ?? new Bones.VoxelBox(0, 0, 0, 0, 0, 0);
        var bg = box.Geometry(g);
        var region = new Volume<byte>(bg);
        var lesion = new Volume<byte>(bg);
        long regionCount = 0, edemaCount = 0, subchondral = 0, subcortical = 0;
        double burden = 0, fluidSum = 0, t1Sum = 0, fractionSum = 0;
        var fr = _fraction?.Data;
        var edges = _options.DepthBandEdgesMm;
        var bands = new long[edges.Count + 1];
        var depths = new List<float>();
        var surfaceDepths = new List<float>();
        var inscribedMm = 0f;
        var scale = _rule.FluidThreshold - _reference.FluidMedian;
        var hasArticular = false;
        var bx = box.SizeX;
        int x = 0, row = 0, rowStart = box.FullIndex(g, 0, 0, 0);
        for (var bi = 0; bi < region.Length; bi++, x++)
        {
            if (x == bx)
            {
                x = 0;
                row++;
                rowStart = box.FullIndex(g, 0, row % box.SizeY, row / box.SizeY);
            }

            var i = rowStart + x;
            if (l[i] <= 0 || (labels is not null && !labels.Contains(l[i])))
            {
                continue;
            }

            region.Data[bi] = 1;
            regionCount++;
            inscribedMm = Math.Max(inscribedMm, surfaceDepth[i]);
            if (fr is not null)
            {
                fractionSum += fr[i];
            }

            if (e[i] == 0)
            {
                continue;
            }

            lesion.Data[bi] = 1;
            edemaCount++;
            var d = depth[i];
            depths.Add(d);
            surfaceDepths.Add(surfaceDepth[i]);
            var band = 0;
            while (band < edges.Count && d >= edges[band])
            {
                band++;
            }

            bands[band]++;
            if (d < _options.SubchondralDepthMm)
            {
                subchondral++;
            }
            else if (surfaceDepth[i] < _options.SubchondralDepthMm)
            {
                subcortical++;
            }

            burden += scale > 0 ? Math.Max(0, (f[i] - _reference.FluidMedian) / scale) : 1;
            fluidSum += f[i];
            if (_t1 is not null)
            {
                t1Sum += _t1.Data[i];
            }
        }

        foreach (var lab in labels ?? (IEnumerable<int>)_bones.HasArticularSurface.Keys)
        {
            hasArticular |= _bones.HasArticularSurface.TryGetValue(lab, out var h) && h;
        }

        var regionMm3 = regionCount * voxelMm3;
        var edemaMm3 = edemaCount * voxelMm3;
        var percent = regionMm3 > 0 ? 100.0 * edemaMm3 / regionMm3 : 0;
        depths.Sort();
        var maxDepth = depths.Count > 0 ? depths[^1] : 0;
        var p95 = depths.Count > 0 ? depths[(int)Math.Min(depths.Count - 1, Math.Ceiling(0.95 * depths.Count) - 1)] : 0;

        int foci = 0;
        double largestFraction = 0;
        if (edemaCount > 0)
        {
            var cc = ConnectedComponents.Label(lesion, Connectivity.Vertex26);
            foci = cc.Count;
            largestFraction = cc.Components.Max(c => c.VoxelCount) / (double)edemaCount;
        }

        var (extentMm, extentPercent) = EpiphysealExtent(region, lesion, box, g);
        var subFrac = edemaCount > 0 ? subchondral / (double)edemaCount : 0;
        var cortFrac = edemaCount > 0 ? subcortical / (double)edemaCount : 0;
        surfaceDepths.Sort();
        var surfaceP95 = surfaceDepths.Count > 0 ? surfaceDepths[(int)Math.Min(surfaceDepths.Count - 1, Math.Ceiling(0.95 * surfaceDepths.Count) - 1)] : 0;
        var (pattern, evidence) = PatternClassifier.Classify(edemaMm3, percent, subFrac, cortFrac, p95, foci, largestFraction, _options, surfaceP95, inscribedMm);

        var bandList = new List<DepthBand>();
        for (var bi = 0; bi < bands.Length; bi++)
        {
            bandList.Add(new DepthBand(bi == 0 ? 0 : edges[bi - 1], bi < edges.Count ? edges[bi] : null, bands[bi] * voxelMm3));
        }

        SignalRatios ratios;
        if (edemaCount == 0)
        {
            ratios = new SignalRatios(null, null, null, null);
        }
        else
        {
            var meanFluid = fluidSum / edemaCount;
            var refMean = _reference.FluidMean;
            double? t1Ratio = null;
            if (_t1 is not null)
            {
                var refT1 = _referenceT1Mean;
                t1Ratio = refT1 > 0 ? t1Sum / edemaCount / refT1 : null;
            }

            ratios = new SignalRatios(
                refMean > 0 ? meanFluid / refMean : null,
                _muscleFluid is > 0 ? meanFluid / _muscleFluid.Value : null,
                t1Ratio,
                _reference.FluidSd > 0 ? (meanFluid - refMean) / _reference.FluidSd : null);
        }

        return new RegionFindings
        {
            Name = name,
            Label = label,
            RegionVolumeMm3 = regionMm3,
            EdemaVolumeMm3 = edemaMm3,
            PercentOfRegion = percent,
            PercentOfAllBone = _allBoneMm3 > 0 ? 100.0 * edemaMm3 / _allBoneMm3 : 0,
            IntensityWeightedBurdenMm3 = burden * voxelMm3,
            FractionWeightedVolumeMm3 = fractionSum * voxelMm3,
            Grades = Grading.Grade(percent, edemaMm3, _options),
            Distribution = new Distribution
            {
                DepthReference = hasArticular ? "articular surface" : "bone surface",
                DepthBands = bandList,
                SubchondralFraction = subFrac,
                SubcorticalFraction = cortFrac,
                MaxDepthMm = maxDepth,
                P95DepthMm = p95,
                EpiphysealExtentMm = extentMm,
                EpiphysealExtentPercent = extentPercent,
                FociCount = foci,
                LargestFocusFraction = largestFraction,
                Pattern = pattern,
                PatternEvidence = evidence,
            },
            Signal = ratios,
        };
    }

    /// <summary>
    /// Extent along the bone's long axis (principal axis of its voxels, oriented from the articular surface into
    /// the bone): from the articular end of the bone to the deepest edema voxel, in mm and as % of the bone's length.
    /// </summary>
    private (double Mm, double Percent) EpiphysealExtent(Volume<byte> region, Volume<byte> lesion, Bones.VoxelBox box, ImageGeometry g)
    {
        var pts = new List<Vector3D>();
        var lesionPts = new List<Vector3D>();
        var artPts = new List<Vector3D>();
        var art = _bones.ArticularSurface.Data;
        var at = 0;
        for (var k = 0; k < box.SizeZ; k++)
        {
            for (var j = 0; j < box.SizeY; j++)
            {
                for (var i = 0; i < box.SizeX; i++, at++)
                {
                    if (region.Data[at] == 0)
                    {
                        continue;
                    }

                    var p = g.TransformIndexToPhysicalPoint(box.MinX + i, box.MinY + j, box.MinZ + k);
                    pts.Add(p);
                    if (lesion.Data[at] != 0)
                    {
                        lesionPts.Add(p);
                    }

                    if (art[box.FullIndex(g, i, j, k)] != 0)
                    {
                        artPts.Add(p);
                    }
                }
            }
        }

        if (pts.Count < 2 || lesionPts.Count == 0)
        {
            return (0, 0);
        }

        var axis = PrincipalAxis(pts, out var centre);
        var anchor = artPts.Count > 0 ? Mean(artPts) : centre;
        if ((anchor - centre).Dot(axis) > 0)
        {
            axis = -axis;
        }

        // Now axis points from the articular end into the bone.
        double minBone = double.MaxValue, maxBone = double.MinValue, maxLesion = double.MinValue;
        foreach (var p in pts)
        {
            var t = (p - centre).Dot(axis);
            minBone = Math.Min(minBone, t);
            maxBone = Math.Max(maxBone, t);
        }

        foreach (var p in lesionPts)
        {
            maxLesion = Math.Max(maxLesion, (p - centre).Dot(axis));
        }

        var length = maxBone - minBone;
        var extent = maxLesion - minBone;
        return (extent, length > 0 ? 100.0 * extent / length : 0);
    }

    /// <summary>The box holding every voxel of the region: the bones' box for all labels, else the union of the labels' boxes.</summary>
    private Bones.VoxelBox? RegionBox(IReadOnlySet<int>? labels)
    {
        if (labels is null)
        {
            return _unionBox;
        }

        Bones.VoxelBox? box = null;
        foreach (var label in labels)
        {
            if (_boxes.TryGetValue(label, out var b))
            {
                box = box is { } a
                    ? a.Union(b)
                    : b;
            }
        }

        return box;
    }

    private static Vector3D Mean(List<Vector3D> pts)
    {
        var s = Vector3D.Zero;
        foreach (var p in pts)
        {
            s += p;
        }

        return s / pts.Count;
    }

    private static Vector3D PrincipalAxis(List<Vector3D> pts, out Vector3D centre)
    {
        centre = Mean(pts);
        double xx = 0, xy = 0, xz = 0, yy = 0, yz = 0, zz = 0;
        foreach (var p in pts)
        {
            var d = p - centre;
            xx += d.X * d.X;
            xy += d.X * d.Y;
            xz += d.X * d.Z;
            yy += d.Y * d.Y;
            yz += d.Y * d.Z;
            zz += d.Z * d.Z;
        }

        // Power iteration for the dominant eigenvector of the scatter matrix.
        var v = new Vector3D(1, 1, 1).Normalized();
        for (var it = 0; it < 100; it++)
        {
            var w = new Vector3D((xx * v.X) + (xy * v.Y) + (xz * v.Z), (xy * v.X) + (yy * v.Y) + (yz * v.Z), (xz * v.X) + (yz * v.Y) + (zz * v.Z));
            if (w.Length == 0)
            {
                break;
            }

            v = w.Normalized();
        }

        return v;
    }
}

/// <summary>Grades from the edema fraction of a region.</summary>
internal static class Grading
{
    public static Grades Grade(double percent, double edemaMm3, AnalysisOptions options)
    {
        if (edemaMm3 <= 0)
        {
            return new Grades(0, 0, 0);
        }

        static int Thirds(double p, IReadOnlyList<double> cuts) => p < cuts[0] ? 1 : p <= cuts[1] ? 2 : 3;
        var moaks = Thirds(percent, options.MoaksCutsPercent);
        return new Grades(Thirds(percent, options.WormsCutsPercent), moaks, moaks);
    }
}

/// <summary>
/// Pattern class from the distribution numbers, by physical features that hold across joints (no per-anatomy
/// constant): how many lesions and whether one dominates, how much of the edema lies within
/// <see cref="AnalysisOptions.SubchondralDepthMm"/> of the bone surface, how deep a dominant lesion reaches below the
/// articular surface relative to the bone's own thickness (its inscribed radius: the deepest marrow below its surface),
/// and whether it rests against the articular surface. The cuts lie in the middle of the gaps between the classes
/// measured on the full phantom grid (96 cases, 128 matrix, articular surface reach 10 mm; docs/methods.md).
/// </summary>
internal static class PatternClassifier
{
    /// <summary>
    /// A dominant lesion from the articular surface is diffuse when its p95 articular depth reaches this fraction of
    /// the bone's inscribed radius (from the joint through the epiphysis towards the bone's core). Measured on the full
    /// phantom grid: subchondral lesions 0.27–0.62 (the talus highest), diffuse 0.78–1.44 (the femoral head and talus
    /// lowest); 0.7 is the middle of that gap.
    /// </summary>
    public const double DiffuseDepthOfInscribedRadius = 0.7;

    /// <summary>... or reaches this depth (mm) in a thick bone (subchondral lesions measure at most 8.6 mm, diffuse ones from 17.3 mm; binds only above a 25.7 mm inscribed radius).</summary>
    public const double DiffuseDepthMm = 18;

    /// <summary>
    /// ... and in any bone reaches beyond the subchondral centimetre: a p95 depth of at least this many mm. In a thin
    /// bone (a plate 16 mm thick has an inscribed radius of 8 mm) a lesion within the subchondral zone already reaches
    /// the bone's core without being diffuse. Measured on the full phantom grid: subchondral lesions (specified 10 mm
    /// deep) p95 7.0–8.6 mm, diffuse lesions from 10.4 mm (the talus); 9.5 is the middle of that gap.
    /// </summary>
    public const double DiffuseMinimumDepthMm = 9.5;

    /// <summary>
    /// Fraction of the edema within <see cref="AnalysisOptions.SubchondralDepthMm"/> of the articular surface from
    /// which a dominant lesion rests against the joint (subchondral, unless diffuse): its shallowest twentieth reaches
    /// the subchondral zone. Subchondral lesions measure 0.47–0.72 (the knee's femoral-condyle lesion, 10 mm deep, kept
    /// only 0.13–0.22 while its articular surface was the 6 mm reach's); lesions away from the joint 0.00–0.12.
    /// </summary>
    public const double ArticularContactFraction = 0.05;

    /// <summary>Percent of the bone beyond which edema is diffuse.</summary>
    public const double DiffusePercent = 25;

    /// <summary>
    /// Largest-lesion share from which one lesion dominates; below it there are several foci. Measured on the full
    /// phantom grid: patchy multifocal lesions 0.82–0.89 (five foci merging into two), subcortical foci 0.30–0.74,
    /// diffuse and subchondral lesions 0.98–1.00 (noise specks beside one lesion); 0.93 is the middle of that gap.
    /// </summary>
    public const double DominantFraction = 0.93;

    /// <summary>
    /// Several foci are subcortical when at least this fraction of their edema lies within
    /// <see cref="AnalysisOptions.SubchondralDepthMm"/> of the bone surface (articular or not): a layer under the cortex.
    /// Measured on the full phantom grid: subcortical foci 0.77–0.99, patchy multifocal foci 0.00–0.26 (they gather
    /// around the marrow centre); one half is the middle of that gap.
    /// </summary>
    public const double NearSurfaceFraction = 0.5;

    /// <summary>
    /// The pattern and the numbers that led to it. The subchondral and subcortical fractions are disjoint (within
    /// <see cref="AnalysisOptions.SubchondralDepthMm"/> of the articular surface; deeper than that but within it of a
    /// non-articular cortex), so their sum is the fraction within that depth of the bone surface.
    /// </summary>
    public static (string Pattern, string Evidence) Classify(double edemaMm3, double percent, double subchondralFraction, double subcorticalFraction, double p95DepthMm, int foci, double largestFraction, AnalysisOptions options, double surfaceP95Mm = double.NaN, double inscribedRadiusMm = double.NaN)
    {
        var numbers = string.Create(CultureInfo.InvariantCulture, $"volume {edemaMm3:F0} mm³, {percent:F1} % of region, subchondral fraction {subchondralFraction:F2}, subcortical fraction {subcorticalFraction:F2}, p95 depth {p95DepthMm:F1} mm (bone inscribed radius {inscribedRadiusMm:F1} mm), p95 depth below the bone surface {surfaceP95Mm:F1} mm, {foci} foci, largest {largestFraction:F2}");
        if (edemaMm3 <= 0)
        {
            return ("none", "no edema");
        }

        var several = foci >= 2 && largestFraction < DominantFraction;
        var nearSurface = subchondralFraction + subcorticalFraction;
        if (several && nearSurface >= NearSurfaceFraction)
        {
            return ("subcortical", string.Create(CultureInfo.InvariantCulture, $"≥ 2 foci, none dominant (< {DominantFraction}), in a layer under the bone surface (≥ {NearSurfaceFraction} of the edema within {options.SubchondralDepthMm} mm of it: {nearSurface:F2}): {numbers}"));
        }

        if (foci >= 3 && largestFraction < 0.6)
        {
            return ("patchy-multifocal", $"≥3 foci, none dominant (<0.6): {numbers}");
        }

        if (percent >= DiffusePercent)
        {
            return ("diffuse", string.Create(CultureInfo.InvariantCulture, $"≥ {DiffusePercent} % of the region: {numbers}"));
        }

        if (several)
        {
            return ("patchy-multifocal", string.Create(CultureInfo.InvariantCulture, $"≥ 2 foci, none dominant (< {DominantFraction}), not in a layer under the bone surface ({nearSurface:F2} < {NearSurfaceFraction} of the edema within {options.SubchondralDepthMm} mm of it): {numbers}"));
        }

        var deep = Math.Max(DiffuseMinimumDepthMm, inscribedRadiusMm > 0 ? Math.Min(DiffuseDepthMm, DiffuseDepthOfInscribedRadius * inscribedRadiusMm) : DiffuseDepthMm);
        if (p95DepthMm >= deep)
        {
            return ("diffuse", string.Create(CultureInfo.InvariantCulture, $"dominant lesion reaching p95 depth ≥ {deep:F1} mm (the smaller of {DiffuseDepthMm} mm and {DiffuseDepthOfInscribedRadius} × the bone's inscribed radius, at least {DiffuseMinimumDepthMm} mm): {numbers}"));
        }

        if (subchondralFraction >= ArticularContactFraction)
        {
            return ("subchondral", string.Create(CultureInfo.InvariantCulture, $"dominant lesion against the articular surface (≥ {ArticularContactFraction} of it within {options.SubchondralDepthMm} mm), not reaching the diffuse depth: {numbers}"));
        }

        if (subcorticalFraction >= 0.5)
        {
            return ("subcortical", $"mostly within {options.SubchondralDepthMm} mm of a non-articular cortex: {numbers}");
        }

        return ("patchy-multifocal", $"lesion away from the articular surface: {numbers}");
    }
}
