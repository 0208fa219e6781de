using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BmeQuant.Imaging.Registration;

/// <summary>
/// An image prepared for the registration metric loop: each voxel stores (value, ∂I/∂x, ∂I/∂y, ∂I/∂z) with the
/// gradient in PHYSICAL (LPS mm) coordinates, interleaved so one trilinear interpolation of four floats
/// (one <see cref="Vector128{T}"/> per corner) yields the value and gradient at a physical point.
/// The gradient is the central difference (one-sided at the borders) of the voxel values, computed row by row in float.
/// </summary>
internal sealed class GradientInterpolator
{
    private readonly float[] _data;
    private readonly int _nx;
    private readonly int _ny;
    private readonly int _nz;

    public GradientInterpolator(Volume<float> image)
    {
        Geometry = image.Geometry;
        var g = image.Geometry;
        _nx = g.SizeX;
        _ny = g.SizeY;
        _nz = g.SizeZ;
        _data = new float[g.VoxelCount * 4];
        var src = image.Data;
        var a = g.PhysicalToIndexMatrix; // ∇_phys = Aᵀ ∇_index
        int nx = _nx, ny = _ny, nz = _nz;
        var data = _data;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (var v in src)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        Minimum = min;
        Maximum = max;
        float m00 = (float)a.M00, m10 = (float)a.M10, m20 = (float)a.M20;
        float m01 = (float)a.M01, m11 = (float)a.M11, m21 = (float)a.M21;
        float m02 = (float)a.M02, m12 = (float)a.M12, m22 = (float)a.M22;
        Parallel.For(
            0,
            nz,
            () => new float[3 * nx],
            (k, _, buffer) =>
            {
                var di = buffer.AsSpan(0, nx);
                var dj = buffer.AsSpan(nx, nx);
                var dk = buffer.AsSpan(2 * nx, nx);
                for (var j = 0; j < ny; j++)
                {
                    var o = (long)nx * (j + ((long)ny * k));
                    var row = new ReadOnlySpan<float>(src, (int)o, nx);
                    RowDifference(row, di);
                    AxisDifference(src, o, j, ny, nx, dj);
                    AxisDifference(src, o, k, nz, (long)nx * ny, dk);
                    var p = (int)(o * 4);
                    for (var i = 0; i < nx; i++)
                    {
                        float x = di[i], y = dj[i], z = dk[i];
                        data[p] = row[i];
                        data[p + 1] = (m00 * x) + (m10 * y) + (m20 * z);
                        data[p + 2] = (m01 * x) + (m11 * y) + (m21 * z);
                        data[p + 3] = (m02 * x) + (m12 * y) + (m22 * z);
                        p += 4;
                    }
                }

                return buffer;
            },
            _ => { });
    }

    /// <summary>Central difference along x of one row (one-sided at its ends; 0 when the row has one voxel).</summary>
    private static void RowDifference(ReadOnlySpan<float> row, Span<float> d)
    {
        var n = row.Length;
        if (n == 1)
        {
            d[0] = 0;
            return;
        }

        d[0] = row[1] - row[0];
        d[n - 1] = row[n - 1] - row[n - 2];
        if (n > 2)
        {
            var inner = d.Slice(1, n - 2);
            RowMath.ScaledDifference(row.Slice(2), row.Slice(0, n - 2), 0.5f, inner);
        }
    }

    /// <summary>Central difference along y or z (rows <paramref name="stride"/> apart) for the row at <paramref name="o"/>, index <paramref name="index"/> of <paramref name="n"/>.</summary>
    private static void AxisDifference(float[] src, long o, int index, int n, long stride, Span<float> d)
    {
        var nx = d.Length;
        if (n == 1)
        {
            d.Clear();
            return;
        }

        var before = index == 0 ? o : o - stride;
        var after = index == n - 1 ? o : o + stride;
        RowMath.ScaledDifference(new ReadOnlySpan<float>(src, (int)after, nx), new ReadOnlySpan<float>(src, (int)before, nx), index > 0 && index < n - 1 ? 0.5f : 1f, d);
    }

    public ImageGeometry Geometry { get; }

    public float Minimum { get; }

    public float Maximum { get; }

    /// <summary>
    /// Interpolates at continuous index (ci, cj, ck). Returns false (outputs zero) when the index is outside
    /// the box spanned by the voxel centres [0, n−1] along any axis (an axis of size 1 accepts only 0).
    /// Uses <see cref="Vector128"/> when hardware-accelerated, else <see cref="SampleScalar"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Sample(double ci, double cj, double ck, out Vector128<float> valueAndGradient)
    {
        if (!Vector128.IsHardwareAccelerated)
        {
            var ok = SampleScalar(ci, cj, ck, out var v, out var gx, out var gy, out var gz);
            valueAndGradient = Vector128.Create(v, gx, gy, gz);
            return ok;
        }

        if (!Locate(ci, _nx, out var i0, out var fx) || !Locate(cj, _ny, out var j0, out var fy) || !Locate(ck, _nz, out var k0, out var fz))
        {
            valueAndGradient = Vector128<float>.Zero;
            return false;
        }

        int di = i0 + 1 < _nx ? 4 : 0;
        long dj = j0 + 1 < _ny ? 4L * _nx : 0;
        long dk = k0 + 1 < _nz ? 4L * _nx * _ny : 0;
        long p = 4 * (i0 + ((long)_nx * (j0 + ((long)_ny * k0))));
        ref var b = ref MemoryMarshal.GetArrayDataReference(_data);

        // Each corner is one 4-lane vector (value, gx, gy, gz); interpolate along x, then y, then z.
        var vfx = Vector128.Create(fx);
        var c00 = Lerp(Load(ref b, p), Load(ref b, p + di), vfx);
        var c10 = Lerp(Load(ref b, p + dj), Load(ref b, p + dj + di), vfx);
        var c01 = Lerp(Load(ref b, p + dk), Load(ref b, p + dk + di), vfx);
        var c11 = Lerp(Load(ref b, p + dk + dj), Load(ref b, p + dk + dj + di), vfx);
        var vfy = Vector128.Create(fy);
        var c0 = Lerp(c00, c10, vfy);
        var c1 = Lerp(c01, c11, vfy);
        valueAndGradient = Lerp(c0, c1, Vector128.Create(fz));
        return true;
    }

    /// <summary>Scalar reference path of <see cref="Sample"/> (same arithmetic order per lane).</summary>
    public bool SampleScalar(double ci, double cj, double ck, out float value, out float gx, out float gy, out float gz)
    {
        value = gx = gy = gz = 0;
        if (!Locate(ci, _nx, out var i0, out var fx) || !Locate(cj, _ny, out var j0, out var fy) || !Locate(ck, _nz, out var k0, out var fz))
        {
            return false;
        }

        int di = i0 + 1 < _nx ? 4 : 0;
        long dj = j0 + 1 < _ny ? 4L * _nx : 0;
        long dk = k0 + 1 < _nz ? 4L * _nx * _ny : 0;
        long p = 4 * (i0 + ((long)_nx * (j0 + ((long)_ny * k0))));
        Span<float> r = stackalloc float[4];
        for (var lane = 0; lane < 4; lane++)
        {
            var q = p + lane;
            var c00 = LerpScalar(_data[q], _data[q + di], fx);
            var c10 = LerpScalar(_data[q + dj], _data[q + dj + di], fx);
            var c01 = LerpScalar(_data[q + dk], _data[q + dk + di], fx);
            var c11 = LerpScalar(_data[q + dk + dj], _data[q + dk + dj + di], fx);
            r[lane] = LerpScalar(LerpScalar(c00, c10, fy), LerpScalar(c01, c11, fy), fz);
        }

        value = r[0];
        gx = r[1];
        gy = r[2];
        gz = r[3];
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Locate(double c, int n, out int i0, out float f)
    {
        // Inside [0, n-1]; the last centre itself is accepted with fraction 0 on the last cell.
        if (!(c >= 0 && c <= n - 1))
        {
            i0 = 0;
            f = 0;
            return false;
        }

        i0 = (int)c;
        if (i0 >= n - 1)
        {
            i0 = Math.Max(0, n - 1);
            f = 0;
            return true;
        }

        f = (float)(c - i0);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Load(ref float b, long p) => Vector128.LoadUnsafe(ref b, (nuint)p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Lerp(Vector128<float> a, Vector128<float> b, Vector128<float> t) => a + ((b - a) * t);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LerpScalar(float a, float b, float t) => a + ((b - a) * t);
}
