using System.Globalization;
using BmeQuant.Imaging;

namespace BmeQuant.Dicom.Series;

/// <summary>What to do with a stack that is not a regular grid as it stands.</summary>
public enum GeometryPolicy
{
    /// <summary>Refuse missing slices, irregular spacing and gantry tilt/shear with an <see cref="InconsistentSeriesException"/>.</summary>
    Strict,

    /// <summary>
    /// Resample onto a regular grid: slices of a tilted or sheared stack are shifted in-plane (bilinear) onto the
    /// slice normal, irregular or gapped stacks are interpolated (linear along the normal) at the median spacing.
    /// The transform is recorded in <see cref="SeriesGeometry.Resampling"/>.
    /// </summary>
    Resample,
}

/// <summary>Tolerances and policy for turning a stack of slices into a volume.</summary>
public sealed record SeriesAssemblyOptions
{
    /// <summary>Defaults: strict, 1 % relative spacing tolerance.</summary>
    public static SeriesAssemblyOptions Default { get; } = new();

    /// <summary>Policy for missing slices, irregular spacing and tilt. Default <see cref="GeometryPolicy.Strict"/>.</summary>
    public GeometryPolicy Policy { get; init; } = GeometryPolicy.Strict;

    /// <summary>
    /// Largest relative deviation of a slice gap from the median gap, and of a slice from its place on the regular
    /// grid, still called regular (default 0.01: 0.29999 vs 0.3 mm passes, 3.5 vs 3 mm does not).
    /// </summary>
    public double RelativeSpacingTolerance { get; init; } = 0.01;

    /// <summary>Largest in-plane offset between slices, as a fraction of the pixel spacing, still called a straight stack (default 0.02).</summary>
    public double RelativeInPlaneTolerance { get; init; } = 0.02;
}

/// <summary>
/// The geometry of one stack, computed from headers only: slices sorted by the projection of ImagePositionPatient
/// on the slice normal, z spacing from the sorted positions (never SliceThickness), and every irregularity found.
/// </summary>
public sealed class SeriesGeometry
{
    private SeriesGeometry()
    {
    }

    /// <summary>The voxel grid of the volume (LPS; direction columns = row cosine, column cosine, normal); null when refused.</summary>
    public ImageGeometry? Geometry { get; private init; }

    /// <summary>The slices in volume order (ascending along the normal).</summary>
    public IReadOnlyList<DicomSlice> SortedSlices { get; private init; } = [];

    /// <summary>Notes on what was found and how it was handled (single slice, two slices, resampling …); empty for a clean stack.</summary>
    public IReadOnlyList<string> Problems { get; private init; } = [];

    /// <summary>The reason the stack cannot become a volume under the policy used; null when it can.</summary>
    public InconsistentSeriesException? Refusal { get; private init; }

    /// <summary>A description of the resampling applied, or null when the slices are used as acquired.</summary>
    public string? Resampling { get; private init; }

    /// <summary>Gantry tilt / shear angle in degrees between the slice step and the normal (0 for a straight stack).</summary>
    public double TiltDegrees { get; private init; }

    /// <summary>For each output slice k: source slice indices (into <see cref="SortedSlices"/>) and the weight of the second.</summary>
    internal (int A, int B, double WeightB)[] ZPlan { get; private init; } = [];

    /// <summary>For each sorted slice: in-plane shift in pixels (x, y) to apply so it sits on the normal through the origin.</summary>
    internal (double Dx, double Dy)[] InPlaneShiftPixels { get; private init; } = [];

    /// <summary>Analyses a stack (slices of one orientation and size).</summary>
    internal static SeriesGeometry Analyze(IReadOnlyList<DicomSlice> slices, string seriesLabel, string seriesUid, SeriesAssemblyOptions options)
    {
        var problems = new List<string>();
        SeriesGeometry Refuse(string problem, string message, IReadOnlyList<DicomSlice>? sorted = null) => new()
        {
            SortedSlices = sorted ?? slices,
            Problems = [.. problems, message],
            Refusal = new InconsistentSeriesException($"series {seriesLabel}: {message}") { SeriesInstanceUid = seriesUid, Problem = problem },
        };

        if (slices.Count == 0)
        {
            return Refuse("empty", "no image slices");
        }

        if (slices[0].Instance.MosaicEvidence is { } mosaic)
        {
            return Refuse("mosaic", $"mosaic images ({mosaic}; {slices[0].Instance.FilePath}): several slices are tiled into one image, which BmeQuant does not unpack; convert this series with dcm2niix instead");
        }

        foreach (var s in slices)
        {
            var missing = s.Position is null ? "(0020,0032) ImagePositionPatient"
                : s.RowCosine is null ? "(0020,0037) ImageOrientationPatient"
                : s.RowSpacingMm is null ? "(0028,0030) PixelSpacing"
                : null;
            if (missing is not null)
            {
                return Refuse("missing-geometry", $"{s}: {missing} is missing or invalid; expected it on every image of a volume");
            }
        }

        var first = slices[0];
        var r0 = first.RowCosine!.Value;
        var c0 = first.ColumnCosine!.Value;
        if (Math.Abs(r0.Length - 1) > 1e-3 || Math.Abs(c0.Length - 1) > 1e-3 || Math.Abs(r0.Dot(c0)) > 1e-3)
        {
            return Refuse("bad-orientation", Inv($"{first}: (0020,0037) ImageOrientationPatient {r0} {c0} is not two orthogonal unit vectors"));
        }

        var r = r0.Normalized();
        var c = (c0 - (c0.Dot(r) * r)).Normalized();
        var n = r.Cross(c);
        var rowSpacing = first.RowSpacingMm!.Value;
        var colSpacing = first.ColumnSpacingMm!.Value;
        foreach (var s in slices)
        {
            if ((s.RowCosine!.Value - r0).Length > 1e-3 || (s.ColumnCosine!.Value - c0).Length > 1e-3)
            {
                return Refuse("mixed-orientation", Inv($"{s}: orientation {s.RowCosine} {s.ColumnCosine} differs from {first}'s {r0} {c0}"));
            }

            if (Math.Abs(s.RowSpacingMm!.Value - rowSpacing) > 1e-4 * rowSpacing || Math.Abs(s.ColumnSpacingMm!.Value - colSpacing) > 1e-4 * colSpacing)
            {
                return Refuse("mixed-pixel-spacing", Inv($"{s}: PixelSpacing {s.RowSpacingMm}\\{s.ColumnSpacingMm} differs from {first}'s {rowSpacing}\\{colSpacing}"));
            }
        }

        var sorted = slices
            .Select(s => (Slice: s, D: s.Position!.Value.Dot(n)))
            .OrderBy(t => t.D)
            .ThenBy(t => t.Slice.Instance.InstanceNumber)
            .ThenBy(t => t.Slice.FrameIndex)
            .ToArray();
        var sortedSlices = sorted.Select(t => t.Slice).ToArray();
        var d = sorted.Select(t => t.D).ToArray();
        var count = d.Length;
        var p0 = sorted[0].Slice.Position!.Value;
        var pixelMin = Math.Min(rowSpacing, colSpacing);

        for (var i = 1; i < count; i++)
        {
            if (d[i] - d[i - 1] < 1e-3)
            {
                return Refuse(
                    "repeated-position",
                    Inv($"{sortedSlices[i - 1]} and {sortedSlices[i]} lie at the same position along the normal ({d[i]:F4} mm); a volume cannot hold two slices at one place (4-D data, or duplicates with different SOPInstanceUIDs)"),
                    sortedSlices);
            }
        }

        // In-plane offsets of each slice relative to the first (a straight stack has none; tilt/shear grows with z).
        var shifts = new (double Dx, double Dy)[count];
        var maxOffsetMm = 0.0;
        for (var i = 0; i < count; i++)
        {
            var o = sorted[i].Slice.Position!.Value - p0;
            var u = o.Dot(r);
            var v = o.Dot(c);
            shifts[i] = (u / colSpacing, v / rowSpacing);
            maxOffsetMm = Math.Max(maxOffsetMm, Math.Sqrt((u * u) + (v * v)));
        }

        var tilt = 0.0;
        string? resampling = null;
        var tilted = maxOffsetMm > options.RelativeInPlaneTolerance * pixelMin;
        if (tilted)
        {
            var span = sorted[^1].Slice.Position!.Value - p0;
            tilt = Math.Acos(Math.Clamp(Math.Abs(span.Dot(n)) / Math.Max(span.Length, 1e-12), -1, 1)) * 180 / Math.PI;
            var message = Inv($"gantry tilt or shear: slices are offset in-plane by up to {maxOffsetMm:F3} mm from the slice normal (step {tilt:F2}° off the normal; {sortedSlices[^1]})");
            if (options.Policy == GeometryPolicy.Strict)
            {
                return Refuse("gantry-tilt", message + "; use the Resample policy to shift slices onto a regular grid", sortedSlices);
            }

            problems.Add(message + "; slices shifted in-plane (bilinear) onto the normal through the first slice");
            resampling = Inv($"in-plane shift of each slice by -(offset) along row/column cosines, max {maxOffsetMm:F3} mm");
        }
        else
        {
            Array.Clear(shifts);
        }

        double spacingZ;
        (int, int, double)[] plan;
        if (count == 1)
        {
            var ds = first.Instance.Header;
            var between = ds.TryGetValue<double>(DicomTag.SpacingBetweenSlices, out var sb) && sb > 0 ? sb : (double?)null;
            spacingZ = between ?? first.SliceThicknessMm ?? pixelMin;
            var source = between is not null ? "SpacingBetweenSlices" : first.SliceThicknessMm is not null ? "SliceThickness" : "the in-plane spacing";
            problems.Add(Inv($"single-slice stack: z spacing {spacingZ:G6} mm taken from {source}, not from positions"));
            plan = [(0, 0, 0.0)];
        }
        else
        {
            var gaps = new double[count - 1];
            for (var i = 0; i < gaps.Length; i++)
            {
                gaps[i] = d[i + 1] - d[i];
            }

            var median = Median(gaps);
            var mean = (d[^1] - d[0]) / (count - 1);
            var tol = options.RelativeSpacingTolerance;
            var worstGap = 0;
            var worstDev = 0.0;
            for (var i = 0; i < gaps.Length; i++)
            {
                var dev = Math.Abs(gaps[i] - median) / median;
                if (dev > worstDev)
                {
                    worstDev = dev;
                    worstGap = i;
                }
            }

            var gridDev = 0.0;
            for (var i = 0; i < count; i++)
            {
                gridDev = Math.Max(gridDev, Math.Abs(d[i] - (d[0] + (i * mean))) / mean);
            }

            if (worstDev <= tol && gridDev <= tol)
            {
                spacingZ = mean;
                plan = Enumerable.Range(0, count).Select(i => (i, i, 0.0)).ToArray();
                if (count == 2)
                {
                    problems.Add(Inv($"two-slice stack: z spacing {spacingZ:G6} mm from the two positions; regularity cannot be checked"));
                }
            }
            else
            {
                var ratio = gaps[worstGap] / median;
                var m = Math.Round(ratio);
                var a = sortedSlices[worstGap];
                var b = sortedSlices[worstGap + 1];
                string problem, message;
                if (m >= 2 && Math.Abs(ratio - m) <= 0.1)
                {
                    var missing = gaps.Sum(g => Math.Max(0, Math.Round(g / median) - 1));
                    problem = "missing-slices";
                    message = Inv($"{missing} slice(s) missing: gap of {gaps[worstGap]:G6} mm between {a} (z {d[worstGap]:F3}) and {b} (z {d[worstGap + 1]:F3}); the other gaps are {median:G6} mm");
                }
                else
                {
                    problem = "irregular-spacing";
                    message = Inv($"irregular slice spacing: gap of {gaps[worstGap]:G6} mm between {a} and {b}, median gap {median:G6} mm (relative deviation {worstDev:G3}, tolerance {tol:G3})");
                }

                if (options.Policy == GeometryPolicy.Strict)
                {
                    return Refuse(problem, message + "; use the Resample policy to interpolate onto a regular grid", sortedSlices);
                }

                spacingZ = median;
                var outCount = (int)Math.Round((d[^1] - d[0]) / median) + 1;
                plan = new (int, int, double)[outCount];
                var j = 0;
                for (var k = 0; k < outCount; k++)
                {
                    var z = Math.Min(d[0] + (k * median), d[^1]);
                    while (j < count - 2 && d[j + 1] < z)
                    {
                        j++;
                    }

                    var w = Math.Clamp((z - d[j]) / (d[j + 1] - d[j]), 0, 1);
                    plan[k] = (j, j + 1, w);
                }

                problems.Add(message + Inv($"; resampled (linear along the normal) onto {outCount} slices at {median:G6} mm"));
                resampling = (resampling is null ? string.Empty : resampling + "; ") + Inv($"linear interpolation along the normal from {count} acquired slices onto {outCount} slices at {median:G6} mm");
            }
        }

        var direction = Matrix3D.FromColumns(r, c, n);
        var geometry = new ImageGeometry(first.Instance.Columns, first.Instance.Rows, plan.Length, new Vector3D(colSpacing, rowSpacing, spacingZ), p0, direction);
        return new SeriesGeometry
        {
            Geometry = geometry,
            SortedSlices = sortedSlices,
            Problems = problems,
            Resampling = resampling,
            TiltDegrees = tilt,
            ZPlan = plan,
            InPlaneShiftPixels = shifts,
        };
    }

    private static double Median(double[] values)
    {
        var copy = (double[])values.Clone();
        Array.Sort(copy);
        var h = copy.Length / 2;
        return copy.Length % 2 == 1 ? copy[h] : 0.5 * (copy[h - 1] + copy[h]);
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
