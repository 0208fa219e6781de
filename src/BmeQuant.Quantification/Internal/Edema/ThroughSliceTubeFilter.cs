using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal.Edema;

/// <summary>
/// Removes tubes that run across the slices from the sacroiliac edema: a lesion seen on at least
/// <see cref="MinimumSlices"/> consecutive slices whose length along the slice normal (slices × slice spacing) is at
/// least <see cref="LengthToWidthRatio"/> × its largest in-plane extent (the diagonal of its in-plane bounding box, in
/// the slice where it is widest). On semi-coronal sacroiliac slices (parallel to the sacrum's dorsal surface) the sacral
/// foramina with their nerve roots, the roots' fluid-bright sheaths and the vessels beside them, and the joint's
/// synovial recess at its lower tip, run across the slices: each is a small round cross-section repeated on consecutive
/// slices, bright on the fluid-sensitive series and dark on T1, which the edema rule takes for marrow edema. Marrow
/// edema is a region of marrow: subchondral edema follows the joint surface and is as long in-plane (along the joint
/// line) as it is deep through the slices. Runs only for <see cref="Anatomy.SacroiliacJoint"/>: elsewhere (e.g. a
/// knee's sagittal slices) nothing anatomical makes tubes along the slice normal, and the filter leaves the mask alone.
/// </summary>
internal static class ThroughSliceTubeFilter
{
    /// <summary>A tube is seen on at least this many consecutive slices (a lesion on one or two slices has no measured length).</summary>
    public const int MinimumSlices = 3;

    /// <summary>
    /// Length along the slice normal over the largest in-plane extent from which a lesion is a tube (a 3:1 cylinder).
    /// Measured on the real sacroiliac scans with masks, leave-one-subject-out (docs/methods.md, Edema rules).
    /// </summary>
    public const double LengthToWidthRatio = 3;

    /// <summary>One lesion found to be a tube.</summary>
    /// <param name="VolumeMm3">Its volume.</param>
    /// <param name="LengthMm">Its length along the slice normal (slices × slice spacing).</param>
    /// <param name="WidthMm">Its largest in-plane extent (bounding-box diagonal, mm).</param>
    internal readonly record struct Tube(double VolumeMm3, double LengthMm, double WidthMm);

    /// <summary>
    /// For <see cref="Anatomy.SacroiliacJoint"/>, clears the tubes from <paramref name="mask"/> (in place) and their
    /// voxels from <paramref name="support"/> (the support voxels connected to a tube and to no kept lesion); returns
    /// <paramref name="mask"/>. When <paramref name="notes"/> is given, a note gives the volume left out.
    /// </summary>
    public static Volume<byte> Apply(Volume<byte> mask, Volume<byte>? support, Anatomy anatomy, List<string>? notes = null)
    {
        if (anatomy != Anatomy.SacroiliacJoint)
        {
            return mask;
        }

        var tubes = Find(mask, out var lesions);
        if (tubes.Count == 0)
        {
            return mask;
        }

        var isTube = new bool[lesions.Count + 1];
        foreach (var label in tubes.Keys)
        {
            isTube[label] = true;
        }

        LesionRemoval.Remove(mask, lesions.Labels.Data, isTube, support);

        if (notes is not null)
        {
            var volume = tubes.Values.Sum(t => t.VolumeMm3);
            var longest = tubes.Values.Max(t => t.LengthMm);
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{tubes.Count} tubular hyperintense structure(s) ({volume:F0} mm³, up to {longest:F0} mm long across the slices, at least {LengthToWidthRatio:G3} × their in-plane width) were left out of the edema: sacral foramina with nerve roots and vessels, or the joint's synovial recess, running across the semi-coronal slices, not marrow edema."));
        }

        return mask;
    }

    /// <summary>The tubes among the lesions (26-connected components) of <paramref name="mask"/>, by lesion label.</summary>
    internal static Dictionary<int, Tube> Find(Volume<byte> mask, out ComponentLabeling lesions)
    {
        lesions = ConnectedComponents.Label(mask, Connectivity.Vertex26);
        var tubes = new Dictionary<int, Tube>();
        var g = mask.Geometry;
        if (lesions.Count == 0 || g.SizeZ < MinimumSlices)
        {
            return tubes;
        }

        var lab = lesions.Labels.Data;
        int nx = g.SizeX, ny = g.SizeY, nz = g.SizeZ;
        var sliceLength = nx * ny;
        double dx = g.Spacing.X, dy = g.Spacing.Y, dz = g.Spacing.Z;
        var count = lesions.Count;

        // Per lesion: the in-plane box in the current slice (reset after each slice), the widest extent over its slices.
        var minX = new int[count + 1];
        var maxX = new int[count + 1];
        var minY = new int[count + 1];
        var maxY = new int[count + 1];
        var seen = new bool[count + 1];
        var widthMm = new double[count + 1];
        var touched = new List<int>();
        for (var k = 0; k < nz; k++)
        {
            var offset = k * sliceLength;
            var slice = lab.AsSpan(offset, sliceLength);
            if (slice.IndexOfAnyExcept(0) < 0)
            {
                continue;
            }

            for (var j = 0; j < ny; j++)
            {
                var row = slice.Slice(j * nx, nx);
                for (var i = row.IndexOfAnyExcept(0); i >= 0 && i < nx; i++)
                {
                    var c = row[i];
                    if (c == 0)
                    {
                        continue;
                    }

                    if (!seen[c])
                    {
                        seen[c] = true;
                        touched.Add(c);
                        minX[c] = maxX[c] = i;
                        minY[c] = maxY[c] = j;
                        continue;
                    }

                    minX[c] = Math.Min(minX[c], i);
                    maxX[c] = Math.Max(maxX[c], i);
                    minY[c] = Math.Min(minY[c], j);
                    maxY[c] = Math.Max(maxY[c], j);
                }
            }

            foreach (var c in touched)
            {
                var w = Math.Sqrt(Square((maxX[c] - minX[c] + 1) * dx) + Square((maxY[c] - minY[c] + 1) * dy));
                widthMm[c] = Math.Max(widthMm[c], w);
                seen[c] = false;
            }

            touched.Clear();
        }

        foreach (var comp in lesions.Components)
        {
            // A 26-connected lesion occupies consecutive slices: its length is its extent along the slice axis.
            var slices = comp.BoundingBox.MaxZ - comp.BoundingBox.MinZ + 1;
            var length = slices * dz;
            if (slices >= MinimumSlices && length >= LengthToWidthRatio * widthMm[comp.Label])
            {
                tubes[comp.Label] = new Tube(comp.VolumeMm3, length, widthMm[comp.Label]);
            }
        }

        return tubes;
    }

    private static double Square(double v) => v * v;
}
