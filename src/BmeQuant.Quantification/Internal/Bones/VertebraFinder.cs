using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Quantification.Internal.Bones;

/// <summary>What <see cref="VertebraFinder"/> found above the sacrum.</summary>
/// <param name="SacrumParts">Marrow touching the sacrum (its upper body, cut off by the marrow level), on the full grid; null when none.</param>
/// <param name="Vertebrae">Vertebral bodies from the sacrum upwards (the first across a disc from the sacrum, each next across a disc from the one before), on the full grid.</param>
internal sealed record SpineFound(Volume<byte>? SacrumParts, IReadOnlyList<Volume<byte>> Vertebrae);

/// <summary>
/// Finds the lumbar vertebral bodies above a found sacrum (sacroiliac scans cover L5 and often L4, where readers also
/// outline edema: endplates, spondylodiscitis). Search space: unlabelled voxels within <see cref="SearchMm"/> of the
/// sacrum and superior to its centroid. Marrow there as for the sacrum (<see cref="SacrumFinder"/>: the marrow
/// levels of <see cref="TissueLevels"/> on a 3×3 in-plane median), and edematous marrow with it: T1 lowered below the
/// marrow band but above soft tissue (muscle) and the fluid-sensitive signal above the marrow level (endplate edema
/// can fill half a body, so it is taken in from the start, not cut out and filled afterwards); cut from psoas, fat
/// and the discs by an erosion of <see cref="SacrumFinder.SplitMm"/>. An eroded piece is a vertebral body when it is at least
/// <see cref="MinimumBodyMm3"/>, lies on the midline (centroid within <see cref="MidlineMm"/> of the sacrum's along the
/// patient's left–right axis) and is <see cref="MinimumBodyWidthMm"/> to <see cref="MaximumBodyWidthMm"/> wide along it. Bodies are chained from
/// the sacrum upwards: the next is the piece nearest to the last bone (below <see cref="DiscGapMm"/>: a disc), superior
/// to it. A piece whose grown marrow comes within <see cref="SacrumContactMm"/> of the sacrum has no disc between
/// them: it is the sacrum's own upper body (S1, cut off where edema or red marrow lowers T1) and joins the sacrum.
/// </summary>
internal static class VertebraFinder
{
    /// <summary>How far from the sacrum vertebral bodies are looked for.</summary>
    public const double SearchMm = 120;

    /// <summary>Smallest eroded marrow piece taken for a vertebral body (an adult lumbar body holds 20–40 mL).</summary>
    public const double MinimumBodyMm3 = 1500;

    /// <summary>A vertebral body's centroid lies within this distance of the sacrum's along the patient's left–right axis.</summary>
    public const double MidlineMm = 20;

    /// <summary>Least width of a vertebral body's eroded marrow along the patient's left–right axis.</summary>
    public const double MinimumBodyWidthMm = 20;

    /// <summary>Greatest width of a vertebral body's eroded marrow along the patient's left–right axis (an adult lumbar body is 40–55 mm wide).</summary>
    public const double MaximumBodyWidthMm = 80;

    /// <summary>Widest gap (a disc and the two endplates) between the marrow of two stacked bones.</summary>
    public const double DiscGapMm = 20;

    /// <summary>Marrow this close to the sacrum has no disc between: it is the sacrum's.</summary>
    public const double SacrumContactMm = 1.5;

    /// <summary>Most vertebral bodies chained above the sacrum (the lumbar spine).</summary>
    public const int MaximumVertebrae = 5;

    /// <summary>
    /// The sacrum's missing upper marrow and the vertebral bodies above <paramref name="sacrum"/> in
    /// <paramref name="labels"/>; <paramref name="t1"/> must lie on the grid of <paramref name="fluid"/>.
    /// The midline is the sacrum's centroid along X unless <paramref name="midlineX"/> (patient X, mm) is given: the
    /// midpoint of the ilia, when only part of the sacrum was found.
    /// </summary>
    public static SpineFound Find(Volume<float> fluid, Volume<float> t1, Volume<int> labels, int sacrum, TissueLevels levels, double? midlineX = null)
    {
        var g = labels.Geometry;
        if (VoxelBox.Of(labels, sacrum) is not { } tight)
        {
            return new SpineFound(null, []);
        }

        var box = tight.Grow(g, SearchMm);
        var bg = box.Geometry(g);
        var l = box.Crop(labels).Data;
        var sacrumMask = new Volume<byte>(bg);
        double sx = 0, sz = 0;
        long sn = 0;
        var (origin, stepX, stepY, stepZ) = Axes(bg);
        int nx = bg.SizeX, ny = bg.SizeY, nz = bg.SizeZ;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = nx * (j + (ny * k));
                for (var i = 0; i < nx; i++)
                {
                    if (l[row + i] == sacrum)
                    {
                        sacrumMask.Data[row + i] = 1;
                        var at = origin + (i * stepX) + (j * stepY) + (k * stepZ);
                        sx += at.X;
                        sz += at.Z;
                        sn++;
                    }
                }
            }
        }

        var (midX, midZ) = (midlineX ?? (sx / sn), sz / sn);
        var t1s = MedianFilter.ApplyVoxels(box.Crop(t1), 1, 1, 0).Data;
        var fluids = MedianFilter.ApplyVoxels(box.Crop(fluid), 1, 1, 0).Data;
        var (lo, hi, fl, soft) = (levels.MarrowT1Threshold, levels.MarrowT1Ceiling, levels.MarrowFluidThreshold, levels.SoftT1);
        var candidate = new Volume<byte>(bg);
        var c = candidate.Data;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = nx * (j + (ny * k));
                for (var i = 0; i < nx; i++)
                {
                    var at = row + i;
                    var z = origin.Z + (i * stepX.Z) + (j * stepY.Z) + (k * stepZ.Z);
                    var marrow = t1s[at] > lo && fluids[at] < fl;
                    var edematous = t1s[at] > soft && fluids[at] >= fl;
                    c[at] = (byte)(l[at] == 0 && z > midZ && t1s[at] < hi && (marrow || edematous) ? 1 : 0);
                }
            }
        }

        var pieces = ConnectedComponents.Label(BinaryMorphology.Erode(candidate, SacrumFinder.SplitMm), Connectivity.Face6);
        var bodies = Bodies(pieces, midX, (origin, stepX, stepY, stepZ), bg);
        var growMm = SacrumFinder.SplitMm + Math.Min(g.Spacing.X, g.Spacing.Y);
        var sacrumParts = new Volume<byte>(bg);
        var anySacrumPart = false;
        var vertebrae = new List<Volume<byte>>();
        var previous = sacrumMask;
        var previousZ = midZ;
        var p = pieces.Labels.Data;
        var grownBodies = new Dictionary<int, Volume<byte>>();
        Volume<byte> Grown(int label)
        {
            if (!grownBodies.TryGetValue(label, out var grown))
            {
                var seed = new Volume<byte>(bg);
                for (var i = 0; i < p.Length; i++)
                {
                    seed.Data[i] = (byte)(p[i] == label ? 1 : 0);
                }

                grown = BinaryMorphology.Dilate(seed, growMm);
                for (var i = 0; i < c.Length; i++)
                {
                    grown.Data[i] &= c[i];
                }

                grownBodies[label] = grown;
            }

            return grown;
        }

        while (vertebrae.Count < MaximumVertebrae && bodies.Count > 0)
        {
            var distance = DistanceTransform.OutsideMm(previous).Data;
            Volume<byte>? best = null;
            var bestDistance = double.PositiveInfinity;
            var bestLabel = 0;
            foreach (var (label, z) in bodies)
            {
                if (z <= previousZ)
                {
                    continue;
                }

                var grown = Grown(label);
                var near = double.PositiveInfinity;
                for (var i = 0; i < c.Length; i++)
                {
                    if (grown.Data[i] != 0)
                    {
                        near = Math.Min(near, distance[i]);
                    }
                }

                if (near <= DiscGapMm && near < bestDistance)
                {
                    (best, bestDistance, bestLabel) = (grown, near, label);
                }
            }

            if (best is null)
            {
                break;
            }

            var found = HoleFilling.FillPerSlice(best);
            var bodyZ = bodies[bestLabel];
            bodies.Remove(bestLabel);
            if (ReferenceEquals(previous, sacrumMask) && bestDistance <= SacrumContactMm)
            {
                // The sacrum's own upper marrow: no disc between.
                for (var i = 0; i < c.Length; i++)
                {
                    sacrumParts.Data[i] |= found.Data[i];
                    sacrumMask.Data[i] |= found.Data[i];
                }

                anySacrumPart = true;
                continue;
            }

            vertebrae.Add(found);
            previous = found;
            previousZ = bodyZ;
        }

        return new SpineFound(anySacrumPart ? ToFull(box, sacrumParts, g) : null, vertebrae.Select(v => ToFull(box, v, g)).ToList());
    }

    /// <summary>Eroded pieces that qualify as vertebral bodies: label → centroid Z (LPS, superior +).</summary>
    private static Dictionary<int, double> Bodies(ComponentLabeling pieces, double midX, (Vector3D Origin, Vector3D StepX, Vector3D StepY, Vector3D StepZ) axes, ImageGeometry bg)
    {
        var n = pieces.Count;
        var minX = new double[n + 1];
        var maxX = new double[n + 1];
        Array.Fill(minX, double.PositiveInfinity);
        Array.Fill(maxX, double.NegativeInfinity);
        var big = new bool[n + 1];
        foreach (var piece in pieces.Components)
        {
            big[piece.Label] = piece.VolumeMm3 >= MinimumBodyMm3 && Math.Abs(piece.CentroidMm.X - midX) <= MidlineMm;
        }

        var p = pieces.Labels.Data;
        int nx = bg.SizeX, ny = bg.SizeY, nz = bg.SizeZ;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = nx * (j + (ny * k));
                for (var i = 0; i < nx; i++)
                {
                    var c = p[row + i];
                    if (big[c])
                    {
                        var x = axes.Origin.X + (i * axes.StepX.X) + (j * axes.StepY.X) + (k * axes.StepZ.X);
                        minX[c] = Math.Min(minX[c], x);
                        maxX[c] = Math.Max(maxX[c], x);
                    }
                }
            }
        }

        return pieces.Components
            .Where(piece => big[piece.Label] && maxX[piece.Label] - minX[piece.Label] is >= MinimumBodyWidthMm and <= MaximumBodyWidthMm)
            .ToDictionary(piece => piece.Label, piece => piece.CentroidMm.Z);
    }

    /// <summary>Physical position (LPS) of voxel 0 and the steps of the three index axes.</summary>
    private static (Vector3D Origin, Vector3D StepX, Vector3D StepY, Vector3D StepZ) Axes(ImageGeometry g)
    {
        var origin = g.TransformIndexToPhysicalPoint(0, 0, 0);
        return (origin, g.TransformIndexToPhysicalPoint(1, 0, 0) - origin, g.TransformIndexToPhysicalPoint(0, 1, 0) - origin, g.TransformIndexToPhysicalPoint(0, 0, 1) - origin);
    }

    private static Volume<byte> ToFull(VoxelBox box, Volume<byte> cropped, ImageGeometry g)
    {
        var full = new Volume<byte>(g);
        box.PasteInto<byte>(cropped.Data, full);
        return full;
    }
}
