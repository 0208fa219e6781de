using System.Globalization;

namespace BmeQuant.Imaging.Filters;

/// <summary>Interpolation of intensities by <see cref="Resampler"/>.</summary>
public enum Interpolation
{
    /// <summary>Value of the nearest voxel centre.</summary>
    Nearest,

    /// <summary>Trilinear interpolation between the 8 surrounding voxel centres.</summary>
    Linear,

    /// <summary>Cubic B-spline interpolation (exact at voxel centres; mirror-symmetric extension at the edges).</summary>
    BSpline3,

    /// <summary>
    /// Lanczos-3 windowed sinc (6 taps per axis, weights normalised to sum 1; exact at voxel centres, constants
    /// preserved; mirror-symmetric extension at the edges). Sharper than the B-spline, with slight ringing at steps.
    /// </summary>
    Lanczos3,
}

/// <summary>
/// An affine map of patient space, <c>y = Matrix · x + Offset</c> (LPS mm), used by <see cref="Resampler"/> to map
/// target points to source points. A registration's rigid transform maps the same way:
/// <c>new AffineTransform3D(rigid.Rotation, rigid.Offset)</c>.
/// </summary>
/// <param name="Matrix">Linear part.</param>
/// <param name="Offset">Translation in mm.</param>
public readonly record struct AffineTransform3D(Matrix3D Matrix, Vector3D Offset)
{
    /// <summary>The identity map.</summary>
    public static AffineTransform3D Identity { get; } = new(Matrix3D.Identity, Vector3D.Zero);

    /// <summary>Maps a point.</summary>
    public Vector3D TransformPoint(Vector3D point) => (Matrix * point) + Offset;
}

/// <summary>
/// Resamples volumes onto any target <see cref="ImageGeometry"/> through physical space: each target voxel centre is
/// mapped (optionally through a target→source <see cref="AffineTransform3D"/>) to a continuous source index. Points
/// farther than half a voxel beyond the source's outer voxel centres get the outside value; within that rim the edge
/// voxels are replicated. Parallel over target slices.
/// </summary>
public static class Resampler
{
    /// <summary>Resamples intensities with <paramref name="interpolation"/>.</summary>
    /// <param name="source">The volume to sample.</param>
    /// <param name="target">The output grid.</param>
    /// <param name="interpolation">Nearest, trilinear, cubic B-spline or Lanczos-3 windowed sinc.</param>
    /// <param name="outsideValue">Value where the mapped point lies outside the source.</param>
    /// <param name="targetToSource">Maps target physical points to source physical points; identity when null.</param>
    public static Volume<float> Resample(Volume<float> source, ImageGeometry target, Interpolation interpolation = Interpolation.Linear, float outsideValue = 0, AffineTransform3D? targetToSource = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (interpolation == Interpolation.Nearest)
        {
            return ResampleNearest(source, target, outsideValue, targetToSource);
        }

        var output = new Volume<float>(target);
        var map = IndexMap.Create(source.Geometry, target, targetToSource ?? AffineTransform3D.Identity);
        int sx = source.SizeX, sy = source.SizeY, sz = source.SizeZ;
        float[] src;
        if (interpolation == Interpolation.BSpline3)
        {
            src = BSpline.Coefficients(source);
        }
        else if (interpolation is Interpolation.Linear or Interpolation.Lanczos3)
        {
            src = source.Data;
        }
        else
        {
            throw new ArgumentOutOfRangeException(nameof(interpolation), string.Create(CultureInfo.InvariantCulture, $"Unknown interpolation {interpolation}."));
        }

        Parallel.For(0, target.SizeZ, k =>
        {
            var dst = output.Data.AsSpan(k * target.SliceLength, target.SliceLength);
            var n = 0;
            for (var j = 0; j < target.SizeY; j++)
            {
                var c = map.RowStart(j, k);
                for (var i = 0; i < target.SizeX; i++, n++, c += map.StepX)
                {
                    if (!map.Inside(c))
                    {
                        dst[n] = outsideValue;
                    }
                    else if (interpolation == Interpolation.Linear)
                    {
                        dst[n] = Trilinear(src, sx, sy, sz, c.X, c.Y, c.Z);
                    }
                    else if (interpolation == Interpolation.Lanczos3)
                    {
                        dst[n] = Lanczos.Evaluate(src, sx, sy, sz, c.X, c.Y, c.Z);
                    }
                    else
                    {
                        dst[n] = BSpline.Evaluate(src, sx, sy, sz, c.X, c.Y, c.Z);
                    }
                }
            }
        });
        return output;
    }

    /// <summary>Nearest-neighbour resampling of any voxel type (masks, label maps).</summary>
    public static Volume<T> ResampleNearest<T>(Volume<T> source, ImageGeometry target, T outsideValue = default, AffineTransform3D? targetToSource = null)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var output = new Volume<T>(target);
        var map = IndexMap.Create(source.Geometry, target, targetToSource ?? AffineTransform3D.Identity);
        int sx = source.SizeX, sy = source.SizeY, sz = source.SizeZ;
        var src = source.Data;
        Parallel.For(0, target.SizeZ, k =>
        {
            var dst = output.Data.AsSpan(k * target.SliceLength, target.SliceLength);
            var n = 0;
            for (var j = 0; j < target.SizeY; j++)
            {
                var c = map.RowStart(j, k);
                for (var i = 0; i < target.SizeX; i++, n++, c += map.StepX)
                {
                    dst[n] = map.Inside(c) ? src[NearestOffset(c, sx, sy, sz)] : outsideValue;
                }
            }
        });
        return output;
    }

    /// <summary>
    /// Partial-volume resampling of a mask: each target voxel gets the fraction (0..1) of its volume covered by
    /// source foreground, estimated from <paramref name="subsamplesPerAxis"/>³ evenly spread points per target voxel,
    /// each taking its nearest source voxel (outside the source counts as background).
    /// </summary>
    public static Volume<float> ResampleMaskFraction(Volume<byte> mask, ImageGeometry target, int subsamplesPerAxis = 4, AffineTransform3D? targetToSource = null)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(subsamplesPerAxis, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(subsamplesPerAxis, 16);
        var output = new Volume<float>(target);
        var map = IndexMap.Create(mask.Geometry, target, targetToSource ?? AffineTransform3D.Identity);
        int sx = mask.SizeX, sy = mask.SizeY, sz = mask.SizeZ;
        var src = mask.Data;
        var s = subsamplesPerAxis;
        var weight = 1f / (s * s * s);
        Parallel.For(0, target.SizeZ, k =>
        {
            var dst = output.Data.AsSpan(k * target.SliceLength, target.SliceLength);
            var n = 0;
            for (var j = 0; j < target.SizeY; j++)
            {
                var c = map.RowStart(j, k);
                for (var i = 0; i < target.SizeX; i++, n++, c += map.StepX)
                {
                    var hits = 0;
                    for (var a = 0; a < s; a++)
                    {
                        for (var b = 0; b < s; b++)
                        {
                            for (var d = 0; d < s; d++)
                            {
                                double fx = ((d + 0.5) / s) - 0.5, fy = ((b + 0.5) / s) - 0.5, fz = ((a + 0.5) / s) - 0.5;
                                var p = c + (map.StepX * fx) + (map.StepY * fy) + (map.StepZ * fz);
                                if (map.Inside(p) && src[NearestOffset(p, sx, sy, sz)] != 0)
                                {
                                    hits++;
                                }
                            }
                        }
                    }

                    dst[n] = hits * weight;
                }
            }
        });
        return output;
    }

    private static int NearestOffset(Vector3D c, int sx, int sy, int sz)
    {
        var i = Math.Clamp((int)Math.Floor(c.X + 0.5), 0, sx - 1);
        var j = Math.Clamp((int)Math.Floor(c.Y + 0.5), 0, sy - 1);
        var k = Math.Clamp((int)Math.Floor(c.Z + 0.5), 0, sz - 1);
        return i + (sx * (j + (sy * k)));
    }

    /// <summary>Trilinear value at continuous index (x, y, z), neighbours clamped to the grid.</summary>
    internal static float Trilinear(float[] src, int sx, int sy, int sz, double x, double y, double z)
    {
        x = Math.Clamp(x, 0, sx - 1);
        y = Math.Clamp(y, 0, sy - 1);
        z = Math.Clamp(z, 0, sz - 1);
        int x0 = (int)x, y0 = (int)y, z0 = (int)z;
        int x1 = Math.Min(x0 + 1, sx - 1), y1 = Math.Min(y0 + 1, sy - 1), z1 = Math.Min(z0 + 1, sz - 1);
        double fx = x - x0, fy = y - y0, fz = z - z0;
        var plane = sx * sy;
        int r00 = (z0 * plane) + (y0 * sx), r01 = (z0 * plane) + (y1 * sx), r10 = (z1 * plane) + (y0 * sx), r11 = (z1 * plane) + (y1 * sx);
        var c00 = src[r00 + x0] + (fx * (src[r00 + x1] - src[r00 + x0]));
        var c01 = src[r01 + x0] + (fx * (src[r01 + x1] - src[r01 + x0]));
        var c10 = src[r10 + x0] + (fx * (src[r10 + x1] - src[r10 + x0]));
        var c11 = src[r11 + x0] + (fx * (src[r11 + x1] - src[r11 + x0]));
        var c0 = c00 + (fy * (c01 - c00));
        var c1 = c10 + (fy * (c11 - c10));
        return (float)(c0 + (fz * (c1 - c0)));
    }

    /// <summary>Target index → source continuous index: c = Origin + StepX·i + StepY·j + StepZ·k.</summary>
    private sealed class IndexMap
    {
        private const double Epsilon = 1e-6;
        private double _maxX;
        private double _maxY;
        private double _maxZ;

        public Vector3D Start { get; private init; }

        public Vector3D StepX { get; private init; }

        public Vector3D StepY { get; private init; }

        public Vector3D StepZ { get; private init; }

        public static IndexMap Create(ImageGeometry source, ImageGeometry target, AffineTransform3D t)
        {
            // c = S⁻¹ (M (O_t + A_t idx) + b − O_s)
            var inv = source.PhysicalToIndexMatrix;
            var g = inv * t.Matrix * target.IndexToPhysicalMatrix;
            return new IndexMap
            {
                Start = inv * (t.TransformPoint(target.Origin) - source.Origin),
                StepX = g.Column(0),
                StepY = g.Column(1),
                StepZ = g.Column(2),
                _maxX = source.SizeX - 0.5 + Epsilon,
                _maxY = source.SizeY - 0.5 + Epsilon,
                _maxZ = source.SizeZ - 0.5 + Epsilon,
            };
        }

        public Vector3D RowStart(int j, int k) => Start + (StepY * j) + (StepZ * k);

        public bool Inside(Vector3D c) =>
            c.X >= -0.5 - Epsilon && c.X <= _maxX && c.Y >= -0.5 - Epsilon && c.Y <= _maxY && c.Z >= -0.5 - Epsilon && c.Z <= _maxZ;
    }
}
