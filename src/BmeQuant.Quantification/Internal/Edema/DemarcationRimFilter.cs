using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Quantification.Internal.Bones;

namespace BmeQuant.Quantification.Internal.Edema;

/// <summary>
/// Removes demarcation rims from the edema: a hyperintense line that walls off a segment of fatty marrow from the
/// rest of its bone. The inner line of the osteonecrosis double-line sign (reactive granulation tissue at the edge of
/// a necrotic segment whose marrow keeps its fat) is bright on the fluid-sensitive series and dark on T1 like edema,
/// but it is a thin interface, not marrow edema; marrow edema is a filled region (even a diffuse lesion walls off
/// almost no fatty marrow). The test is made slice by slice (within a slice a rim is seen as a line closing on the
/// bone surface, and a thick slice that misses part of the rim does not open the segment in the other slices): the
/// bone interior (deeper than <see cref="InteriorDepthMm"/>, so that partial volume at the cortex does not join the
/// segment to the rest of the bone) without edema falls into pieces; in each piece of the bone interior, the largest
/// of them is the bone's body and the others are walled off by the lesions they touch. A walled-off piece is fatty
/// marrow when its median T1 is at least normal marrow's median − <see cref="FattyT1Sd"/> robust SD and its median
/// fluid-sensitive signal is below normal marrow's median + <see cref="NormalFluidSd"/> robust SD, and counts when it
/// is compact (holds a disc of radius <see cref="MinimumSegmentRadiusMm"/>; not the strip between a subchondral lesion
/// and the joint). A lesion is a rim when it walls off fatty marrow of at least <see cref="EnclosedToLesionRatio"/> ×
/// its own volume, that marrow is a segment of the bone (at most <see cref="MaximumSegmentToBodyRatio"/> × the bone's
/// body in the same slices), and the lesion is a line (<see cref="MaximumHalfThicknessMm"/>).
/// </summary>
internal static class DemarcationRimFilter
{
    /// <summary>Depth below the bone surface from which marrow is interior (mm; at least one in-plane voxel).</summary>
    public const double InteriorDepthMm = 2;

    /// <summary>Walled-off fatty marrow, as a multiple of the lesion's volume, from which the lesion is a rim (measured: rims 1.0–1.3, edema ≤ 0.12).</summary>
    public const double EnclosedToLesionRatio = 0.5;

    /// <summary>
    /// A walled-off piece counts when it holds a disc of this radius (mm) within its slice: the segment a rim walls off
    /// is compact, while the marrow between a subchondral lesion and the joint is a thin strip.
    /// </summary>
    public const double MinimumSegmentRadiusMm = 3;

    /// <summary>
    /// A rim is a line: 90 % of its voxels lie within this distance (mm) of its edge (a line up to about 3 mm thick; the
    /// double-line sign's inner line is 1–3 mm). Edema is a region: thicker.
    /// </summary>
    public const double MaximumHalfThicknessMm = 2.5;

    /// <summary>
    /// The fatty marrow a rim walls off is a segment of its bone: at most this fraction of the bone's body in the same
    /// slices (measured: necrosis phantoms ≤ 0.07). A lesion along a joint inside a region label that spans both bones
    /// (a sacroiliac region mask) divides it into two halves of about equal size (measured 0.94): not a rim.
    /// </summary>
    public const double MaximumSegmentToBodyRatio = 0.5;

    /// <summary>A walled-off piece is fatty when its median T1 is at most this many robust SDs below normal marrow's median.</summary>
    public const double FattyT1Sd = 1;

    /// <summary>... and its median fluid-sensitive signal at most this many robust SDs above normal marrow's median.</summary>
    public const double NormalFluidSd = 1;

    /// <summary>One lesion found to be a rim.</summary>
    /// <param name="VolumeMm3">Its volume.</param>
    /// <param name="EnclosedFattyMm3">Fatty marrow it walls off.</param>
    /// <param name="P90HalfThicknessMm">90th percentile of its voxels' distance to its edge (mm).</param>
    internal readonly record struct Rim(double VolumeMm3, double EnclosedFattyMm3, double P90HalfThicknessMm);

    /// <summary>
    /// Clears the rims from <paramref name="mask"/> (in place) and their voxels from <paramref name="support"/> (the
    /// support voxels connected to a rim and to no kept lesion); returns <paramref name="mask"/>. When
    /// <paramref name="notes"/> is given, a note says what was left out.
    /// </summary>
    public static Volume<byte> Apply(Volume<byte> mask, Volume<byte>? support, Volume<float> fluid, Volume<float>? t1, BoneGeometry bones, ReferenceStats reference, List<string>? notes = null) =>
        Apply(mask, support, fluid, t1, bones.Union, bones.SurfaceDepthMm, reference, notes);

    /// <summary>
    /// <see cref="Apply(Volume{byte}, Volume{byte}?, Volume{float}, Volume{float}?, BoneGeometry, ReferenceStats, List{string}?)"/>
    /// given the bones' union and surface depth (all volumes on one grid: the analysis runs it on a box around the bones
    /// with a background margin of one voxel, which leaves the result unchanged).
    /// </summary>
    public static Volume<byte> Apply(Volume<byte> mask, Volume<byte>? support, Volume<float> fluid, Volume<float>? t1, Volume<byte> union, Volume<float> surfaceDepthMm, ReferenceStats reference, List<string>? notes = null)
    {
        var rims = Find(mask, fluid, t1, union, surfaceDepthMm, reference, out var lesions);
        if (rims.Count == 0)
        {
            return mask;
        }

        var isRim = new bool[lesions.Count + 1];
        foreach (var label in rims.Keys)
        {
            isRim[label] = true;
        }

        LesionRemoval.Remove(mask, lesions.Labels.Data, isRim, support);

        if (notes is not null)
        {
            var volume = rims.Values.Sum(r => r.VolumeMm3);
            var enclosed = rims.Values.Sum(r => r.EnclosedFattyMm3);
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{rims.Count} hyperintense line(s) ({volume:F0} mm³) walling off fatty marrow ({enclosed:F0} mm³, normal on both series) from the rest of the bone were left out of the edema: a demarcation rim (as the inner line of the osteonecrosis double-line sign), not marrow edema."));
        }

        return mask;
    }

    /// <summary>The rims among the lesions (26-connected components) of <paramref name="mask"/>, by lesion label.</summary>
    internal static Dictionary<int, Rim> Find(Volume<byte> mask, Volume<float> fluid, Volume<float>? t1, Volume<byte> bonesUnion, Volume<float> surfaceDepthMm, ReferenceStats reference, out ComponentLabeling lesions)
    {
        lesions = ConnectedComponents.Label(mask, Connectivity.Vertex26);
        var rims = new Dictionary<int, Rim>();
        if (lesions.Count == 0 || VoxelBox.OfMask(bonesUnion) is not { } box)
        {
            return rims;
        }

        var g = mask.Geometry;
        var lab = lesions.Labels.Data;
        var union = bonesUnion.Data;
        var depth = surfaceDepthMm.Data;
        var f = fluid.Data;
        var t = t1?.Data;
        var cut = Math.Max(InteriorDepthMm, 1.01 * Math.Min(g.Spacing.X, g.Spacing.Y));
        var fluidLimit = reference.FluidMedian + (NormalFluidSd * reference.FluidRobustSd);
        var t1Limit = t is not null && reference.T1Median is { } t1Median && reference.T1RobustSd is { } t1Sd ? t1Median - (FattyT1Sd * t1Sd) : double.NaN;
        var enclosed = new long[lesions.Count + 1];
        var bodyOf = new long[lesions.Count + 1];
        int z0 = int.MaxValue, z1 = -1;
        foreach (var c in lesions.Components)
        {
            z0 = Math.Min(z0, c.BoundingBox.MinZ);
            z1 = Math.Max(z1, c.BoundingBox.MaxZ);
        }

        int bx = box.SizeX, by = box.SizeY, n = bx * by;
        var state = new byte[n];
        var region = new int[n];
        var piece = new int[n];
        var stack = new int[n];
        var order = new int[n];
        var free = new Volume<byte>(new ImageGeometry(bx, by, 1, g.Spacing, Vector3D.Zero, g.Direction));
        var values = new List<float>();
        var t1Values = new List<float>();
        var contacts = new Dictionary<int, int>();
        for (var k = Math.Max(z0, box.MinZ); k <= Math.Min(z1, box.MaxZ); k++)
        {
            // Interior marrow of this slice (2 = without edema, 1 = edema; 0 = outside), by box index.
            Array.Clear(state);
            var any = false;
            for (var j = 0; j < by; j++)
            {
                var row = box.FullIndex(g, 0, j, k - box.MinZ);
                for (var i = 0; i < bx; i++)
                {
                    var at = row + i;
                    if (union[at] == 0)
                    {
                        continue;
                    }

                    if (lab[at] != 0)
                    {
                        state[(j * bx) + i] = 1;
                        any = true;
                    }
                    else if (depth[at] > cut)
                    {
                        state[(j * bx) + i] = 2;
                    }
                }
            }

            if (!any)
            {
                continue;
            }

            // Pieces of the interior (with edema) and of the interior without edema, 4-connected; in-plane distance
            // of the marrow without edema to anything else (the radius of the largest disc each piece holds).
            var regions = Label(state, 0, bx, by, region, stack);
            for (var q = 0; q < n; q++)
            {
                free.Data[q] = (byte)(state[q] == 2 ? 1 : 0);
            }

            var radius = DistanceTransform.InsideMm(free).Data;
            var pieces = Label(state, 1, bx, by, piece, stack);
            var start = new int[pieces + 2];
            var pieceRegion = new int[pieces + 1];
            for (var q = 0; q < n; q++)
            {
                if (piece[q] != 0)
                {
                    start[piece[q] + 1]++;
                    pieceRegion[piece[q]] = region[q];
                }
            }

            for (var p = 1; p <= pieces; p++)
            {
                start[p + 1] += start[p];
            }

            var fill = (int[])start.Clone();
            for (var q = 0; q < n; q++)
            {
                if (piece[q] != 0)
                {
                    order[fill[piece[q]]++] = q;
                }
            }

            var body = new int[regions + 1];
            for (var p = 1; p <= pieces; p++)
            {
                var r = pieceRegion[p];
                if (body[r] == 0 || start[p + 1] - start[p] > start[body[r] + 1] - start[body[r]])
                {
                    body[r] = p;
                }
            }

            for (var p = 1; p <= pieces; p++)
            {
                if (body[pieceRegion[p]] == p)
                {
                    continue;
                }

                values.Clear();
                t1Values.Clear();
                contacts.Clear();
                var pieceRadius = 0f;
                for (var o = start[p]; o < start[p + 1]; o++)
                {
                    var q = order[o];
                    pieceRadius = Math.Max(pieceRadius, radius[q]);
                    var i = q % bx;
                    var j = q / bx;
                    var at = box.FullIndex(g, i, j, k - box.MinZ);
                    values.Add(f[at]);
                    if (t is not null)
                    {
                        t1Values.Add(t[at]);
                    }

                    if (i > 0) { Touch(lab[at - 1]); }
                    if (i < bx - 1) { Touch(lab[at + 1]); }
                    if (j > 0) { Touch(lab[at - g.SizeX]); }
                    if (j < by - 1) { Touch(lab[at + g.SizeX]); }
                }

                if (contacts.Count == 0 || pieceRadius < MinimumSegmentRadiusMm || !(Median(values) <= fluidLimit) || (!double.IsNaN(t1Limit) && !(Median(t1Values) >= t1Limit)))
                {
                    continue;
                }

                var owner = 0;
                var most = 0;
                foreach (var (lesion, count) in contacts)
                {
                    if (count > most || (count == most && lesion < owner))
                    {
                        owner = lesion;
                        most = count;
                    }
                }

                enclosed[owner] += start[p + 1] - start[p];
                var bodyP = body[pieceRegion[p]];
                bodyOf[owner] += start[bodyP + 1] - start[bodyP];
            }
        }

        // Candidates (enough fatty marrow walled off) must be lines: 90 % of their voxels within the rim's half
        // thickness of their edge.
        float[]? inside = null;
        var voxelMm3 = g.VoxelVolumeMm3;
        var distances = new List<float>();
        foreach (var c in lesions.Components)
        {
            if (enclosed[c.Label] < EnclosedToLesionRatio * c.VoxelCount || enclosed[c.Label] > MaximumSegmentToBodyRatio * bodyOf[c.Label])
            {
                continue;
            }

            inside ??= DistanceTransform.InsideMm(mask).Data;
            distances.Clear();
            var bb = c.BoundingBox;
            for (var k = bb.MinZ; k <= bb.MaxZ; k++)
            {
                for (var j = bb.MinY; j <= bb.MaxY; j++)
                {
                    var row = (int)g.Offset(0, j, k);
                    for (var i = bb.MinX; i <= bb.MaxX; i++)
                    {
                        if (lab[row + i] == c.Label)
                        {
                            distances.Add(inside[row + i]);
                        }
                    }
                }
            }

            distances.Sort();
            var p90 = distances[(int)Math.Ceiling(0.9 * distances.Count) - 1];
            if (p90 <= MaximumHalfThicknessMm)
            {
                rims[c.Label] = new Rim(c.VolumeMm3, enclosed[c.Label] * voxelMm3, p90);
            }
        }

        return rims;

        void Touch(int lesion)
        {
            if (lesion != 0)
            {
                contacts[lesion] = contacts.GetValueOrDefault(lesion) + 1;
            }
        }
    }

    /// <summary>Labels the 4-connected pieces of the cells whose state is above <paramref name="above"/> into <paramref name="labels"/>; returns their number.</summary>
    private static int Label(byte[] state, byte above, int bx, int by, int[] labels, int[] stack)
    {
        Array.Clear(labels);
        var count = 0;
        for (var seed = 0; seed < state.Length; seed++)
        {
            if (labels[seed] != 0 || state[seed] <= above)
            {
                continue;
            }

            count++;
            var top = 0;
            stack[top++] = seed;
            labels[seed] = count;
            while (top > 0)
            {
                var q = stack[--top];
                var i = q % bx;
                var j = q / bx;
                if (i > 0 && labels[q - 1] == 0 && state[q - 1] > above) { labels[q - 1] = count; stack[top++] = q - 1; }
                if (i < bx - 1 && labels[q + 1] == 0 && state[q + 1] > above) { labels[q + 1] = count; stack[top++] = q + 1; }
                if (j > 0 && labels[q - bx] == 0 && state[q - bx] > above) { labels[q - bx] = count; stack[top++] = q - bx; }
                if (j < by - 1 && labels[q + bx] == 0 && state[q + bx] > above) { labels[q + bx] = count; stack[top++] = q + bx; }
            }
        }

        return count;
    }

    private static double Median(List<float> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        var h = values.Count / 2;
        return values.Count % 2 == 1 ? values[h] : 0.5 * (values[h - 1] + values[h]);
    }
}
