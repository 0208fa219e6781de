using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Quantification.Internal.Measures;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// Finds subchondral low-signal bands inside edema (fracture line, necrosis band) and measures their thickness and
/// length in mm (see docs/methods.md, "Low-signal band").
/// </summary>
/// <remarks>
/// Per bone with edema, and only with a T1 series (on the fluid-sensitive series alone a band is as dark as normal
/// fatty marrow): a voxel is dark when its fluid signal lies below the half-level between normal marrow and the
/// bone's edema (median) and its T1 signal below the median T1 of the bone's edema (fatty marrow and the
/// marrow/edema transition are brighter). The subchondral plate (cortex) is dark too: its depth is measured from
/// the bone's own dark-fraction profile against depth away from the edema, and band voxels start below it. Dark
/// voxels within <see cref="EdemaReachMm"/> of edema and within <see cref="MaxBandDepthMm"/> of the plate form
/// 26-connected candidates; a candidate must touch edema and start within <see cref="MaxStartBelowPlateMm"/> of the
/// plate. Thickness and length are read per acquired slice (like the published measurements): thickness =
/// (2 × the largest in-plane distance to the band's edge − ¼ pixel) × the median cosine of the surface normal's tilt
/// out of the slice (an oblique cut widens the band by 1/cos), length = the longest in-plane extent of the band's
/// edge pixels at least <see cref="LengthPlateClearanceMm"/> below the plate, with the depth difference removed
/// (along the surface), + one pixel; length is the maximum over slices, thickness the upper quartile over the slices
/// whose length is at least half that (a slice through the band's rim on a curved surface cuts it nearly tangentially).
/// One band per bone is reported: the largest component of at least <see cref="MinimumVolumeMm3"/>.
/// </remarks>
internal static class LowSignalBandDetector
{
    /// <summary>Dark voxels farther than this from edema are not part of a band inside edema.</summary>
    internal const double EdemaReachMm = 8;

    /// <summary>Deepest band voxel below the subchondral plate.</summary>
    internal const double MaxBandDepthMm = 12;

    /// <summary>A band must start within this depth below the plate ("subchondral").</summary>
    internal const double MaxStartBelowPlateMm = 3;

    /// <summary>
    /// Bands thinner than this are not reported: partial volume of the subchondral plate through thick slices made a
    /// 1.7 mm false band on an edema-only knee phantom (0.65 mm pixels, 3.85 mm slices).
    /// </summary>
    internal const double MinimumThicknessMm = 1.8;

    /// <summary>Band components smaller than this are not reported.</summary>
    internal const double MinimumVolumeMm3 = 40;

    /// <summary>Bands shorter than this are not reported.</summary>
    internal const double MinimumLengthMm = 3.0;

    /// <summary>
    /// Band edge pixels count for length only this far below the plate: the layer touching the plate is widened
    /// sideways by the plate's own partial volume (a 10 mm band measured 13 mm with it).
    /// </summary>
    internal const double LengthPlateClearanceMm = 0.5;

    /// <summary>Smallest plate depth (the outer voxel layers are cortex or partial volume with cartilage and fluid).</summary>
    internal const double DefaultPlateDepthMm = 1.0;

    public static IReadOnlyList<SubchondralBand> Detect(Volume<byte> edema, Volume<int> labels, IReadOnlyDictionary<int, string> names, BoneGeometry bones, Volume<float> fluid, Volume<float>? t1, ReferenceStats reference, Anatomy anatomy, AnalysisOptions options)
    {
        if (t1 is null)
        {
            return [];
        }

        var e = edema.Data;
        var l = labels.Data;
        var boneLabels = new SortedSet<int>();
        for (var i = 0; i < e.Length; i++)
        {
            if (e[i] != 0 && l[i] > 0)
            {
                boneLabels.Add(l[i]);
            }
        }

        if (boneLabels.Count == 0)
        {
            return [];
        }

        using var stage = Pipeline.AnalysisStage.Start("bands");

        var toEdema = DistanceToMaskWithin(edema, EdemaReachMm);
        var boxes = Bones.VoxelBox.OfAll(labels);
        var result = new List<SubchondralBand>();
        foreach (var label in boneLabels)
        {
            var name = names.TryGetValue(label, out var n) ? n : "label " + label.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var (thickness, length) in DetectInBone(label, boxes[label], edema, labels, bones, fluid, t1, reference, toEdema))
            {
                var (thicknessFlag, lengthFlag) = BandFlags.Evaluate(anatomy, name, thickness, length, options);
                result.Add(new SubchondralBand(name, Math.Round(thickness, 2), Math.Round(length, 2), thicknessFlag, lengthFlag));
            }
        }

        return result;
    }

    /// <summary>
    /// Distance in mm to the nearest voxel of <paramref name="mask"/>, computed on the mask's bounding box grown by
    /// <paramref name="reachMm"/> (every mask voxel lies in it, so distances there are exact) and +∞ outside that box,
    /// where the true distance exceeds <paramref name="reachMm"/>. The detector only compares distances with values up
    /// to <see cref="EdemaReachMm"/>, so it sees the same as with the whole-grid transform, at the cost of the box.
    /// </summary>
    internal static Volume<float> DistanceToMaskWithin(Volume<byte> mask, double reachMm)
    {
        var g = mask.Geometry;
        var output = new Volume<float>(g);
        Array.Fill(output.Data, float.PositiveInfinity);
        if (Bones.VoxelBox.OfMask(mask) is not { } tight)
        {
            return output;
        }

        var box = tight.Grow(g, reachMm);
        box.PasteInto<float>(DistanceTransform.OutsideMm(box.Crop(mask)).Data, output);
        return output;
    }

    /// <summary>
    /// Thickness and length (mm) of the band found in bone <paramref name="label"/> (the largest qualifying component;
    /// empty when none). The bone's voxels are read on its bounding box <paramref name="boneBox"/> (they all lie there);
    /// the candidate band voxels are labelled and measured on their own bounding box grown by one voxel (clamped to the
    /// grid): the box's outer layer holds no candidate, so the components are the whole grid's and each slice's in-plane
    /// distance to a band's edge is the whole slice's (the nearest non-band pixel outside the box is never closer than the
    /// box's own edge). <paramref name="cropCandidates"/> = false labels and measures on the bone's box instead (the
    /// reference the tests compare with; on the whole grid's box it is the whole-grid computation).
    /// </summary>
    internal static List<(double ThicknessMm, double LengthMm)> DetectInBone(int label, Bones.VoxelBox boneBox, Volume<byte> edema, Volume<int> labels, BoneGeometry bones, Volume<float> fluid, Volume<float> t1, ReferenceStats reference, Volume<float> toEdema, bool cropCandidates = true)
    {
        var found = new List<(double, double)>();
        var g = labels.Geometry;
        var l = labels.Data;
        var e = edema.Data;
        var f = fluid.Data;
        var t = t1.Data;
        var dist = toEdema.Data;

        // Depth below any cortex: the articular depth, but never more than the depth below the bone's own surface
        // (measured in the same way: 0 on the outermost voxel layer), so the side cortex never looks "deep".
        var articular = bones.ArticularDepthMm.Data;
        var surface = bones.SurfaceDepthMm.Data;
        var minSpacing = (float)Math.Min(g.Spacing.X, Math.Min(g.Spacing.Y, g.Spacing.Z));
        float Depth(int i) => Math.Min(articular[i], Math.Max(0, surface[i] - minSpacing));

        var edemaFluid = new List<float>();
        var edemaT1 = new List<float>();
        ForEachRow(boneBox, g, (from, to) =>
        {
            for (var i = from; i < to; i++)
            {
                if (l[i] == label && e[i] != 0)
                {
                    edemaFluid.Add(f[i]);
                    edemaT1.Add(t[i]);
                }
            }
        });

        if (edemaFluid.Count < 10 || reference.T1Median is not { } normalT1)
        {
            return found;
        }

        var fluidCut = 0.5 * (reference.FluidMedian + Median(edemaFluid));
        var t1Cut = Median(edemaT1);
        if (!(t1Cut < normalT1) || !(fluidCut > reference.FluidMedian))
        {
            // Edema not darker on T1 or not brighter on the fluid series than normal marrow: no contrast to find a band by.
            return found;
        }

        bool IsDark(int i) => f[i] < fluidCut && t[i] < t1Cut;

        var plate = PlateDepthMm(label, boneBox, g, l, Depth, articular, dist, IsDark);
        var marked = new List<int>();
        ForEachRow(boneBox, g, (from, to) =>
        {
            for (var i = from; i < to; i++)
            {
                if (l[i] == label && Depth(i) >= plate && articular[i] <= plate + MaxBandDepthMm && dist[i] <= EdemaReachMm && IsDark(i))
                {
                    marked.Add(i);
                }
            }
        });

        if (marked.Count == 0)
        {
            return found;
        }

        // The candidates on their box (one voxel more on every side; 0.5 × the finest spacing rounds up to one voxel on
        // each axis), or on the bone's box for the reference path.
        var box = cropCandidates ? Bones.VoxelBox.OfIndices(marked, g).Grow(g, 0.5 * minSpacing) : boneBox;
        int nx = box.SizeX, ny = box.SizeY, nz = box.SizeZ;
        var candidates = new Volume<byte>(box.Geometry(g));
        var c = candidates.Data;
        foreach (var i in marked)
        {
            var x = i % g.SizeX;
            var y = i / g.SizeX % g.SizeY;
            var z = i / g.SliceLength;
            c[x - box.MinX + (nx * (y - box.MinY + (ny * (z - box.MinZ))))] = 1;
        }

        var components = ConnectedComponents.Label(candidates, Connectivity.Vertex26);
        var pixel = 0.5 * (g.Spacing.X + g.Spacing.Y);
        var touch = 1.01 * Math.Max(g.Spacing.X, Math.Max(g.Spacing.Y, g.Spacing.Z));
        var cl = components.Labels.Data;
        var count = components.Count;
        var minDepth = new double[count + 1];
        var minDist = new double[count + 1];
        Array.Fill(minDepth, double.MaxValue);
        Array.Fill(minDist, double.MaxValue);
        for (var b = 0; b < cl.Length; b++)
        {
            var k = cl[b];
            if (k > 0)
            {
                var i = box.FullIndex(g, b % nx, b / nx % ny, b / (nx * ny));
                minDepth[k] = Math.Min(minDepth[k], articular[i]);
                minDist[k] = Math.Min(minDist[k], dist[i]);
            }
        }

        var keep = new bool[count + 1];
        for (var k = 1; k <= count; k++)
        {
            keep[k] = minDist[k] <= touch && minDepth[k] <= plate + MaxStartBelowPlateMm;
        }

        var thickness = new double[count + 1];
        var length = new double[count + 1];
        var slice = new Volume<byte>(box.Geometry(g).WithSize(nx, ny, 1));
        var sliceLength = nx * ny;
        var boundary = new List<int>[count + 1];
        var cosines = new List<float>[count + 1];
        var sliceMaxEdt = new double[count + 1];
        var perSlice = new List<(double ThicknessMm, double LengthMm)>[count + 1];
        for (var z = 0; z < nz; z++)
        {
            var offset = z * sliceLength;
            var fullOffset = (int)g.Offset(0, 0, box.MinZ + z);
            var sd = slice.Data;
            var anyInSlice = false;
            for (var p = 0; p < sliceLength; p++)
            {
                var k = cl[offset + p];
                sd[p] = (byte)(k > 0 && keep[k] ? 1 : 0);
                anyInSlice |= sd[p] != 0;
            }

            if (!anyInSlice)
            {
                continue;
            }

            var edt = DistanceTransform.InsideMm(slice).Data;
            for (var k = 1; k <= count; k++)
            {
                boundary[k]?.Clear();
                cosines[k]?.Clear();
                sliceMaxEdt[k] = 0;
            }

            for (var p = 0; p < sliceLength; p++)
            {
                if (sd[p] == 0)
                {
                    continue;
                }

                var k = cl[offset + p];
                var i = box.FullIndex(g, p % nx, p / nx, z);
                sliceMaxEdt[k] = Math.Max(sliceMaxEdt[k], edt[p]);
                (cosines[k] ??= []).Add(InPlaneCosine(articular, g, i));

                // The layer next to the plate is widened sideways by the plate's partial volume: it does not count for length.
                // Boundary pixels are kept as the whole slice's pixel index (the extent is measured in grid coordinates).
                if (edt[p] <= 1.01 * Math.Max(g.Spacing.X, g.Spacing.Y) && Depth(i) >= plate + LengthPlateClearanceMm)
                {
                    (boundary[k] ??= []).Add(i - fullOffset);
                }
            }

            for (var k = 1; k <= count; k++)
            {
                if (cosines[k] is not { Count: > 0 } c2)
                {
                    continue;
                }

                // In-plane thickness is the band's thickness / cos(tilt of its normal out of the slice): scale it back.
                var sliceThickness = ((2 * sliceMaxEdt[k]) - (0.25 * pixel)) * Median(c2);
                var bandLengthMm = boundary[k] is { Count: > 0 } bp ? AlongSurfaceExtentMm(bp, fullOffset, g, articular) + pixel : 0;
                (perSlice[k] ??= []).Add((sliceThickness, bandLengthMm));
                length[k] = Math.Max(length[k], bandLengthMm);
            }
        }

        // Thickness is read on the slices that show the band well (those cutting at least half its longest extent), as
        // their upper quartile: a slice through the band's rim, where it wraps round a curved surface, cuts the sheet
        // nearly tangentially and shows a wide patch whose width is not the band's thickness (a 3 mm band on a femoral
        // condyle read 4.35 mm on one such slice, 2.7-3.0 mm on the others); the upper quartile still follows a band
        // that is thicker in part of its length, as the published maximum-thickness reading does.
        var shown = new List<double>();
        for (var k = 1; k <= count; k++)
        {
            if (perSlice[k] is not { } slices)
            {
                continue;
            }

            shown.Clear();
            foreach (var (sliceThickness, bandLengthMm) in slices)
            {
                if (bandLengthMm >= 0.5 * length[k])
                {
                    shown.Add(sliceThickness);
                }
            }

            thickness[k] = UpperQuartile(shown);
        }

        // One band per bone: the largest qualifying component.
        var best = -1;
        for (var k = 1; k <= count; k++)
        {
            var volume = components.Components[k - 1].VolumeMm3;
            if (keep[k] && thickness[k] >= MinimumThicknessMm && length[k] >= MinimumLengthMm && volume >= MinimumVolumeMm3
                && (best < 0 || volume > components.Components[best - 1].VolumeMm3))
            {
                best = k;
            }
        }

        if (best > 0)
        {
            found.Add((thickness[best], length[best]));
        }

        return found;
    }

    /// <summary>
    /// Depth (mm from the articular surface voxels) where the bone's dark layer (cortex, subchondral plate) ends: the
    /// lower edge of the deepest 0.25 mm bin within 4 mm where at least half of the voxels are dark (at least
    /// <see cref="DefaultPlateDepthMm"/>), over voxels at least 4 mm from edema and within 8 mm
    /// of the surface, in 0.25 mm bins. Reads the bone's voxels on its bounding box <paramref name="boneBox"/>;
    /// <paramref name="depth"/> gives a bone voxel's depth from its full-grid index.
    /// </summary>
    internal static double PlateDepthMm(int label, Bones.VoxelBox boneBox, ImageGeometry g, int[] l, Func<int, float> depth, float[] articularDepth, float[] distToEdema, Func<int, bool> isDark)
    {
        const double bin = 0.25;
        const double maxDepth = 8;
        var bins = (int)(maxDepth / bin) + 1;
        var dark = new long[bins];
        var all = new long[bins];
        ForEachRow(boneBox, g, (from, to) =>
        {
            for (var i = from; i < to; i++)
            {
                if (l[i] != label || distToEdema[i] < 4 || articularDepth[i] > maxDepth)
                {
                    continue;
                }

                var b = (int)(depth(i) / bin);
                all[b]++;
                if (isDark(i))
                {
                    dark[b]++;
                }
            }
        });

        // The plate ends after the deepest bin (within the first 4 mm) where most voxels are dark; never less than
        // the default (the outermost voxel layers are partial volume with cartilage or fluid and rarely read dark).
        var plate = DefaultPlateDepthMm;
        for (var b = 0; b < bins && b * bin < 4; b++)
        {
            if (all[b] >= 5 && dark[b] * 2 >= all[b])
            {
                plate = Math.Max(plate, (b + 1) * bin);
            }
        }

        return plate;
    }

    /// <summary>Calls <paramref name="row"/> with the full-grid index range [from, to) of each row of <paramref name="box"/>, in raster order.</summary>
    private static void ForEachRow(Bones.VoxelBox box, ImageGeometry g, Action<int, int> row)
    {
        for (var k = box.MinZ; k <= box.MaxZ; k++)
        {
            for (var j = box.MinY; j <= box.MaxY; j++)
            {
                var from = (int)g.Offset(box.MinX, j, k);
                row(from, from + box.SizeX);
            }
        }
    }

    /// <summary>
    /// Cosine of the angle between the surface normal (the gradient of <paramref name="depth"/>, central differences in
    /// mm) and the slice plane at voxel <paramref name="index"/>: 1 when the normal lies in the slice, smaller where the
    /// slice cuts the surface obliquely; 1 where the gradient is not defined.
    /// </summary>
    internal static float InPlaneCosine(float[] depth, ImageGeometry g, int index)
    {
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ;
        var sxy = nx * ny;
        var i = index % nx;
        var j = index / nx % ny;
        var k = index / sxy;
        static double Slope(float[] d, int lo, int hi, int steps, double spacing) =>
            steps == 0 ? 0 : (d[hi] - d[lo]) / (steps * spacing);

        var gx = Slope(depth, index - (i > 0 ? 1 : 0), index + (i < nx - 1 ? 1 : 0), (i > 0 ? 1 : 0) + (i < nx - 1 ? 1 : 0), g.Spacing.X);
        var gy = Slope(depth, index - (j > 0 ? nx : 0), index + (j < ny - 1 ? nx : 0), (j > 0 ? 1 : 0) + (j < ny - 1 ? 1 : 0), g.Spacing.Y);
        var gz = Slope(depth, index - (k > 0 ? sxy : 0), index + (k < nz - 1 ? sxy : 0), (k > 0 ? 1 : 0) + (k < nz - 1 ? 1 : 0), g.Spacing.Z);
        var inPlane = Math.Sqrt((gx * gx) + (gy * gy));
        var all = Math.Sqrt((inPlane * inPlane) + (gz * gz));
        return all > 1e-9 && double.IsFinite(all) ? (float)(inPlane / all) : 1;
    }

    private static double AlongSurfaceExtentMm(List<int> pixels, int offset, ImageGeometry g, float[] depth)
    {
        var sx = g.Spacing.X;
        var sy = g.Spacing.Y;
        double best = 0;
        for (var a = 0; a < pixels.Count; a++)
        {
            var pa = pixels[a];
            double xa = pa % g.SizeX * sx, ya = pa / g.SizeX * sy;
            var da = depth[offset + pa];
            for (var b = a + 1; b < pixels.Count; b++)
            {
                var pb = pixels[b];
                double dx = (pb % g.SizeX * sx) - xa, dy = (pb / g.SizeX * sy) - ya;
                double dd = depth[offset + pb] - da;
                var d2 = (dx * dx) + (dy * dy) - (dd * dd);
                best = Math.Max(best, d2);
            }
        }

        return Math.Sqrt(best);
    }

    /// <summary>Upper quartile (linear interpolation between order statistics) of <paramref name="values"/>; 0 when empty.</summary>
    internal static double UpperQuartile(List<double> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        values.Sort();
        var position = 0.75 * (values.Count - 1);
        var lower = (int)position;
        var upper = Math.Min(lower + 1, values.Count - 1);
        return values[lower] + ((position - lower) * (values[upper] - values[lower]));
    }

    private static double Median(List<float> values)
    {
        values.Sort();
        var n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[(n / 2) - 1] + values[n / 2]);
    }
}
