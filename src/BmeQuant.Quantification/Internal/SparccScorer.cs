using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Imaging.Statistics;

namespace BmeQuant.Quantification.Internal;

/// <summary>Automated SPARCC-style sacroiliac score (see docs/methods.md, "SPARCC").</summary>
/// <remarks>
/// Slices are those of the fluid-sensitive grid (k), normally the semi-coronal stack. Per slice and joint (the
/// sacrum against one ilium): the joint line is the articular surface of both bones facing each other; it is split
/// at the middle of its superior–inferior extent in that slice into upper and lower halves, and each bone's edema
/// within <see cref="JointRegionMm"/> of the joint line is assigned to its quadrant (iliac/sacral × upper/lower).
/// A quadrant scores 1 when its edema covers at least <see cref="MinimumAreaMm2"/>; the joint gets +1 "deep" when
/// that much edema lies ≥ <see cref="AnalysisOptions.DeepLesionDepthMm"/> from the joint line and +1 "intense" when
/// its brightest tenth of edema reaches halfway from normal marrow to the fluid proxy (the 99th percentile of the
/// fluid-sensitive signal outside bone within <see cref="FluidSearchMm"/> of the joints: joint fluid, vessels).
/// The score sums the 6 consecutive slices with the most edema in the joint regions (max 6 × 12 = 72).
/// </remarks>
internal static class SparccScorer
{
    /// <summary>Number of consecutive slices scored.</summary>
    internal const int SlicesInWindow = 6;

    /// <summary>Edema farther than this from the joint line is not part of the joint's quadrants.</summary>
    internal const double JointRegionMm = 25;

    /// <summary>Smallest in-slice edema area that scores a quadrant or a deep lesion.</summary>
    internal const double MinimumAreaMm2 = 4;

    /// <summary>Non-bone voxels within this distance of a joint line are searched for the fluid proxy.</summary>
    internal const double FluidSearchMm = 10;

    /// <summary>A lesion is intense when its 90th percentile reaches this fraction of the way from normal marrow to the fluid proxy.</summary>
    internal const double IntenseFraction = 0.5;

    public static SparccScore? Score(Volume<byte> edema, Volume<int> labels, IReadOnlyDictionary<int, string> names, BoneGeometry bones, Volume<float> fluid, ReferenceStats reference, Anatomy anatomy, AnalysisOptions options, List<string> notes)
    {
        if (anatomy != Anatomy.SacroiliacJoint)
        {
            return null;
        }

        var sacrum = names.Where(p => p.Value.Contains("sacrum", StringComparison.OrdinalIgnoreCase)).Select(p => p.Key).ToHashSet();
        var ilia = names.Where(p => p.Value.Contains("ilium", StringComparison.OrdinalIgnoreCase)).Select(p => p.Key).ToList();
        if (sacrum.Count == 0 || ilia.Count == 0)
        {
            notes.Add("SPARCC-style score not computed: the bones are not labelled sacrum / ilium.");
            return null;
        }

        var g = labels.Geometry;
        var l = labels.Data;
        var sacrumMask = Mask(l, sacrum.Contains, g);
        var sacrumCentroid = PhysicalCentroid(sacrumMask);
        if (sacrumCentroid is null)
        {
            notes.Add("SPARCC-style score not computed: the sacrum label holds no voxel on the analysis grid.");
            return null;
        }

        // One joint per ilium present: its side from the name, else from its position relative to the sacrum (LPS: +x = patient left).
        var joints = new List<Joint>();
        foreach (var ilium in ilia)
        {
            var mask = Mask(l, v => v == ilium, g);
            if (PhysicalCentroid(mask) is not { } c)
            {
                continue;
            }

            var name = names[ilium];
            var side = name.Contains("left", StringComparison.OrdinalIgnoreCase) ? "left"
                : name.Contains("right", StringComparison.OrdinalIgnoreCase) ? "right"
                : c.X > sacrumCentroid.Value.X ? "left" : "right";
            joints.Add(BuildJoint(side, ilium, mask, sacrumMask, bones, options));
        }

        if (joints.Count == 0)
        {
            notes.Add("SPARCC-style score not computed: no ilium voxel on the analysis grid.");
            return null;
        }

        var normal = g.Direction.Column(2);
        if (Math.Abs(normal.Y) < 0.5)
        {
            notes.Add("SPARCC-style score: the fluid-sensitive slices are not (semi-)coronal; quadrants were still scored per acquired slice.");
        }

        // Sacral voxels belong to the joint whose line is nearer.
        var sacralOwner = new int[l.Length];
        Array.Fill(sacralOwner, -1);
        for (var i = 0; i < l.Length; i++)
        {
            if (sacrumMask.Data[i] == 0)
            {
                continue;
            }

            var best = -1;
            var bestD = float.MaxValue;
            for (var j = 0; j < joints.Count; j++)
            {
                var d = joints[j].Depth.Data[i];
                if (d < bestD)
                {
                    bestD = d;
                    best = j;
                }
            }

            sacralOwner[i] = best;
        }

        var fluidProxy = FluidProxy(fluid, bones.Union, joints);
        if (fluidProxy is null || !(fluidProxy.Value > reference.FluidMedian))
        {
            notes.Add("SPARCC-style score: no fluid-bright tissue found next to the joints; the \"intense\" points were not given.");
        }
        else
        {
            notes.Add(FormattableString.Invariant($"SPARCC-style score: fluid proxy (99th percentile of the fluid-sensitive signal outside bone within {FluidSearchMm} mm of the joint lines) = {fluidProxy.Value:G5}; intense = brightest tenth of a joint's edema on a slice ≥ {IntenseFraction} of the way from normal marrow ({reference.FluidMedian:G5}) to it."));
        }

        var intenseLevel = fluidProxy is { } fp && fp > reference.FluidMedian ? reference.FluidMedian + (IntenseFraction * (fp - reference.FluidMedian)) : double.PositiveInfinity;
        var up = SuperiorInPlane(g);
        var pixelArea = g.Spacing.X * g.Spacing.Y;
        var minPixels = Math.Max(1, (int)Math.Ceiling((MinimumAreaMm2 / pixelArea) - 1e-9));
        var e = edema.Data;
        var f = fluid.Data;
        var sliceEdema = new long[g.SizeZ];
        var perSlice = new List<SparccJointSlice>[g.SizeZ];
        var sliceLength = g.SliceLength;
        var values = new List<float>();
        for (var k = 0; k < g.SizeZ; k++)
        {
            perSlice[k] = [];
            for (var j = 0; j < joints.Count; j++)
            {
                var joint = joints[j];

                // The joint line in this slice and its superior-inferior middle.
                double lo = double.MaxValue, hi = double.MinValue;
                for (var p = 0; p < sliceLength; p++)
                {
                    var i = (k * sliceLength) + p;
                    if (joint.Line.Data[i] != 0)
                    {
                        var s = Superior(g, p, k, up);
                        lo = Math.Min(lo, s);
                        hi = Math.Max(hi, s);
                    }
                }

                if (lo > hi)
                {
                    continue;
                }

                var middle = 0.5 * (lo + hi);
                int iliacUpper = 0, iliacLower = 0, sacralUpper = 0, sacralLower = 0, deep = 0;
                values.Clear();
                for (var p = 0; p < sliceLength; p++)
                {
                    var i = (k * sliceLength) + p;
                    if (e[i] == 0 || joint.Depth.Data[i] > JointRegionMm)
                    {
                        continue;
                    }

                    var iliac = l[i] == joint.Ilium;
                    if (!iliac && !(sacrumMask.Data[i] != 0 && sacralOwner[i] == j))
                    {
                        continue;
                    }

                    var upper = Superior(g, p, k, up) >= middle;
                    if (iliac)
                    {
                        _ = upper ? iliacUpper++ : iliacLower++;
                    }
                    else
                    {
                        _ = upper ? sacralUpper++ : sacralLower++;
                    }

                    if (joint.Depth.Data[i] >= options.DeepLesionDepthMm)
                    {
                        deep++;
                    }

                    values.Add(f[i]);
                }

                sliceEdema[k] += values.Count;
                var intense = false;
                if (values.Count >= minPixels && double.IsFinite(intenseLevel))
                {
                    values.Sort();
                    intense = values[(int)Math.Floor(0.9 * (values.Count - 1))] >= intenseLevel;
                }

                perSlice[k].Add(new SparccJointSlice(k, joint.Side, iliacUpper >= minPixels, iliacLower >= minPixels, sacralUpper >= minPixels, sacralLower >= minPixels, deep >= minPixels, intense));
            }
        }

        // The window of consecutive slices (among those showing a joint) with the most edema.
        var present = Enumerable.Range(0, g.SizeZ).Where(k => perSlice[k].Count > 0).ToList();
        if (present.Count == 0)
        {
            notes.Add("SPARCC-style score not computed: no slice shows a sacroiliac joint line (sacrum and ilium within reach of each other).");
            return null;
        }

        int first = present[0], last = present[^1];
        var window = Math.Min(SlicesInWindow, last - first + 1);
        var bestStart = first;
        long bestSum = -1;
        for (var s = first; s + window - 1 <= last; s++)
        {
            long sum = 0;
            for (var k = s; k < s + window; k++)
            {
                sum += sliceEdema[k];
            }

            if (sum > bestSum)
            {
                bestSum = sum;
                bestStart = s;
            }
        }

        if (window < SlicesInWindow)
        {
            notes.Add(FormattableString.Invariant($"SPARCC-style score over {window} slices only: the joints appear on fewer than {SlicesInWindow} slices."));
        }

        var details = Enumerable.Range(bestStart, window).SelectMany(k => perSlice[k]).ToList();
        var quadrants = details.Sum(d => (d.IliacUpper ? 1 : 0) + (d.IliacLower ? 1 : 0) + (d.SacralUpper ? 1 : 0) + (d.SacralLower ? 1 : 0));
        var deepScore = details.Count(d => d.Deep);
        var intenseScore = details.Count(d => d.Intense);
        return new SparccScore(quadrants + deepScore + intenseScore, window, quadrants, deepScore, intenseScore) { Details = details };
    }

    private sealed record Joint(string Side, int Ilium, Volume<byte> Line, Volume<float> Depth);

    /// <summary>The joint line (both facing articular surfaces) and the depth of every voxel from it.</summary>
    private static Joint BuildJoint(string side, int ilium, Volume<byte> iliumMask, Volume<byte> sacrumMask, BoneGeometry bones, AnalysisOptions options)
    {
        var g = iliumMask.Geometry;
        var toIlium = DistanceTransform.OutsideMm(iliumMask).Data;
        var toSacrum = DistanceTransform.OutsideMm(sacrumMask).Data;
        var line = new Volume<byte>(g);
        var a = bones.ArticularSurface.Data;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] == 0)
            {
                continue;
            }

            if ((sacrumMask.Data[i] != 0 && toIlium[i] <= options.ArticularReachMm) || (iliumMask.Data[i] != 0 && toSacrum[i] <= options.ArticularReachMm))
            {
                line.Data[i] = 1;
            }
        }

        return new Joint(side, ilium, line, DistanceTransform.OutsideMm(line));
    }

    private static double? FluidProxy(Volume<float> fluid, Volume<byte> bones, List<Joint> joints)
    {
        var near = new List<float>();
        var f = fluid.Data;
        var b = bones.Data;
        for (var i = 0; i < f.Length; i++)
        {
            if (b[i] != 0 || !float.IsFinite(f[i]))
            {
                continue;
            }

            foreach (var joint in joints)
            {
                if (joint.Depth.Data[i] <= FluidSearchMm)
                {
                    near.Add(f[i]);
                    break;
                }
            }
        }

        if (near.Count < 20)
        {
            return null;
        }

        near.Sort();
        return near[(int)Math.Floor(0.99 * (near.Count - 1))];
    }

    /// <summary>Unit vector of the patient's superior direction (LPS +z) projected into the slice plane (falls back to the slice's column axis).</summary>
    private static Vector3D SuperiorInPlane(ImageGeometry g)
    {
        var n = g.Direction.Column(2);
        var s = new Vector3D(0, 0, 1);
        var p = s - (n * s.Dot(n));
        return p.Length > 0.2 ? p * (1 / p.Length) : g.Direction.Column(1) * -1;
    }

    private static double Superior(ImageGeometry g, int p, int k, Vector3D up) =>
        g.TransformIndexToPhysicalPoint(p % g.SizeX, p / g.SizeX, k).Dot(up);

    private static Volume<byte> Mask(int[] labels, Func<int, bool> select, ImageGeometry g)
    {
        var m = new Volume<byte>(g);
        for (var i = 0; i < labels.Length; i++)
        {
            m.Data[i] = (byte)(labels[i] > 0 && select(labels[i]) ? 1 : 0);
        }

        return m;
    }

    private static Vector3D? PhysicalCentroid(Volume<byte> mask) =>
        LabelStatistics.CentroidIndex(mask) is { } c ? mask.Geometry.TransformIndexToPhysicalPoint(c.X, c.Y, c.Z) : null;
}
