using BmeQuant.Imaging;

namespace BmeQuant.Phantoms.Geometry;

/// <summary>
/// The true depth below a bone's surface (distance to the nearest surface point; positive inside, negative outside)
/// around a lesion, from surface points found on a cubic grid. The shapes' own distances are
/// first-order: under the blended tibial plateau (a quartic box) they grow much faster than the true depth (first-order
/// 12 mm is 7 mm of true depth on the plateau's axis), and a gradient-flow projection from deep points there slides to
/// the box's side (18 mm for a point 10 mm under the plateau). So the grid's surface points are found where the bone's
/// distance changes sign along a grid edge (linear interpolation; the first-order distance is accurate there), each
/// node takes the nearest of them by vector propagation (forward and backward raster sweeps over the 26 neighbours), and
/// a point's depth is the distance to the tangent plane of the nearest of its cell's eight surface points (exact for a
/// plane, second order in the small lateral offset elsewhere).
/// </summary>
internal sealed class DepthField
{
    /// <summary>
    /// Bound on how much a shape's first-order distance can exceed the true depth at band depths (under the tibial
    /// plateau's axis 1.13× at 4 mm, 1.44× at 6 mm, 1.98× at 8 mm true depth): a point whose first-order depth exceeds
    /// this factor times a band's lower face plus 2 mm is below the band for faces down to 7.5 mm (a 6 mm band; first-order
    /// ~14 mm there against a limit of 17 mm). Deeper, the first-order depth saturates and no bound holds.
    /// </summary>
    public const double RawDepthFactor = 2;

    private readonly Vector3D _origin;
    private readonly double _inverseStep;
    private readonly int _n;

    /// <summary>Per node, the index of the nearest surface point found (−1: none on the grid).</summary>
    private readonly int[] _nearest;
    private readonly Vector3D[] _points;

    /// <summary>Outward unit normal at each surface point.</summary>
    private readonly Vector3D[] _normals;

    /// <summary>Depth returned where no surface point is known (half the grid's side: the grid extends past the depth of interest).</summary>
    private readonly double _outside;

    /// <summary>
    /// Tabulates the true depth below <paramref name="shape"/>'s surface for every point of the sphere
    /// (<paramref name="center"/>, <paramref name="radiusMm"/>) down to <paramref name="depthOfInterestMm"/>: the grid
    /// (nodes <paramref name="stepMm"/> apart) extends that depth beyond the sphere, so the nearest surface point of every
    /// such point is on it.
    /// </summary>
    public DepthField(Shape shape, Vector3D center, double radiusMm, double depthOfInterestMm, double stepMm)
    {
        var h = stepMm;
        var half = radiusMm + Math.Max(depthOfInterestMm, 0) + h;
        var n = (int)Math.Ceiling(2 * half / h) + 1;
        _n = n;
        _origin = center - new Vector3D(half, half, half);
        _inverseStep = 1 / h;
        StepMm = h;
        var origin = _origin;
        var count = n * n * n;

        // First-order distance at every node.
        var first = new double[count];
        Parallel.For(0, n, k =>
        {
            for (var j = 0; j < n; j++)
            {
                var row = n * (j + (n * k));
                for (var i = 0; i < n; i++)
                {
                    first[row + i] = shape.Distance(origin + new Vector3D(i * h, j * h, k * h));
                }
            }
        });

        // Surface points where the distance changes sign along an edge, with the unit normal there (gradient of the grid
        // values by central differences at both ends, blended).
        var points = new List<Vector3D>();
        var normals = new List<Vector3D>();
        var nearest = new int[count];
        Array.Fill(nearest, -1);
        var best2 = new double[count];
        Array.Fill(best2, double.PositiveInfinity);
        int[] strides = [1, n, n * n];
        for (var k = 0; k < n; k++)
        {
            for (var j = 0; j < n; j++)
            {
                for (var i = 0; i < n; i++)
                {
                    var a = i + (n * (j + (n * k)));
                    for (var axis = 0; axis < 3; axis++)
                    {
                        if ((axis == 0 ? i : axis == 1 ? j : k) == n - 1)
                        {
                            continue;
                        }

                        var b = a + strides[axis];
                        var da = first[a];
                        var db = first[b];
                        if ((da < 0) == (db < 0))
                        {
                            continue;
                        }

                        var t = da / (da - db);
                        var pa = Node(i, j, k);
                        var step = axis == 0 ? new Vector3D(h, 0, 0) : axis == 1 ? new Vector3D(0, h, 0) : new Vector3D(0, 0, h);
                        var s = pa + (step * t);
                        var g = (Gradient(first, n, i, j, k) * (1 - t)) + (Gradient(first, n, i + (axis == 0 ? 1 : 0), j + (axis == 1 ? 1 : 0), k + (axis == 2 ? 1 : 0)) * t);
                        var len = g.Length;
                        if (!(len > 1e-12))
                        {
                            continue;
                        }

                        var seed = points.Count;
                        points.Add(s);
                        normals.Add(g / len);
                        Offer(a, pa);
                        Offer(b, pa + step);

                        void Offer(int node, Vector3D p)
                        {
                            var d = p - s;
                            var d2 = d.Dot(d);
                            if (d2 < best2[node])
                            {
                                best2[node] = d2;
                                nearest[node] = seed;
                            }
                        }
                    }
                }
            }
        }

        // Vector propagation: each node takes the nearest surface point held by a neighbour (two forward and backward
        // raster sweeps over the 26-neighbourhood).
        for (var round = 0; round < 2; round++)
        {
            Sweep(forward: true);
            Sweep(forward: false);
        }

        _nearest = nearest;
        _points = [.. points];
        _normals = [.. normals];
        _outside = half;

        Vector3D Node(int i, int j, int k) => origin + new Vector3D(i * h, j * h, k * h);

        void Sweep(bool forward)
        {
            var start = forward ? 0 : n - 1;
            var delta = forward ? 1 : -1;
            for (var k = start; k >= 0 && k < n; k += delta)
            {
                for (var j = start; j >= 0 && j < n; j += delta)
                {
                    for (var i = start; i >= 0 && i < n; i += delta)
                    {
                        var node = i + (n * (j + (n * k)));
                        var p = Node(i, j, k);
                        for (var dk = -1; dk <= 1; dk++)
                        {
                            var kk = k + dk;
                            if (kk < 0 || kk >= n)
                            {
                                continue;
                            }

                            for (var dj = -1; dj <= 1; dj++)
                            {
                                var jj = j + dj;
                                if (jj < 0 || jj >= n)
                                {
                                    continue;
                                }

                                for (var di = -1; di <= 1; di++)
                                {
                                    var ii = i + di;
                                    if (ii < 0 || ii >= n)
                                    {
                                        continue;
                                    }

                                    var seed = nearest[ii + (n * (jj + (n * kk)))];
                                    if (seed < 0 || seed == nearest[node])
                                    {
                                        continue;
                                    }

                                    var d = p - points[seed];
                                    var d2 = d.Dot(d);
                                    if (d2 < best2[node])
                                    {
                                        best2[node] = d2;
                                        nearest[node] = seed;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Surface points found on the grid's edges.</summary>
    public int SurfacePointCount => _points.Length;

    private static Vector3D Gradient(double[] values, int n, int i, int j, int k)
    {
        double Diff(int index, int stride, int at)
        {
            var lo = at > 0 ? -stride : 0;
            var hi = at < n - 1 ? stride : 0;
            return (values[index + hi] - values[index + lo]) / ((hi - lo) / stride);
        }

        var node = i + (n * (j + (n * k)));
        return new Vector3D(Diff(node, 1, i), Diff(node, n, j), Diff(node, n * n, k));
    }

    /// <summary>Node spacing, mm.</summary>
    public double StepMm { get; }

    /// <summary>Whether <paramref name="p"/> lies inside the tabulated cube.</summary>
    public bool Contains(in Vector3D p)
    {
        var x = (p.X - _origin.X) * _inverseStep;
        var y = (p.Y - _origin.Y) * _inverseStep;
        var z = (p.Z - _origin.Z) * _inverseStep;
        var last = _n - 1;
        return x >= 0 && y >= 0 && z >= 0 && x <= last && y <= last && z <= last;
    }

    /// <summary>
    /// True depth at <paramref name="p"/> (<paramref name="p"/> must lie in the cube): of the surface points nearest to the
    /// eight nodes of its cell, the one nearest to <paramref name="p"/>, and the distance to its tangent plane (positive
    /// inside the bone). No interpolation, so no error where the depth has a ridge (points equally deep under two faces).
    /// </summary>
    public double At(in Vector3D p)
    {
        var x = (p.X - _origin.X) * _inverseStep;
        var y = (p.Y - _origin.Y) * _inverseStep;
        var z = (p.Z - _origin.Z) * _inverseStep;
        var last = _n - 2;
        var i = Math.Clamp((int)x, 0, last);
        var j = Math.Clamp((int)y, 0, last);
        var k = Math.Clamp((int)z, 0, last);
        var n = _n;
        var b = i + (n * (j + (n * k)));
        var best = -1;
        var best2 = double.PositiveInfinity;
        for (var corner = 0; corner < 8; corner++)
        {
            var seed = _nearest[b + (corner & 1) + ((corner & 2) != 0 ? n : 0) + ((corner & 4) != 0 ? n * n : 0)];
            if (seed < 0 || seed == best)
            {
                continue;
            }

            var d = p - _points[seed];
            var d2 = d.Dot(d);
            if (d2 < best2)
            {
                best2 = d2;
                best = seed;
            }
        }

        return best < 0 ? _outside : -(p - _points[best]).Dot(_normals[best]);
    }

    /// <summary>
    /// The foot of <paramref name="p"/> on the surface of <paramref name="shape"/>: Newton projection onto the zero set
    /// of its distance function (x ← x − f ∇f / |∇f|², central differences); the depth is |p − foot|.
    /// </summary>
    public static Vector3D SurfaceFoot(Shape shape, in Vector3D p)
    {
        const double h = 1e-3;
        var x = p;
        for (var it = 0; it < 12; it++)
        {
            var f = shape.Distance(x);
            if (Math.Abs(f) < 1e-6)
            {
                break;
            }

            var g = new Vector3D(
                shape.Distance(x + new Vector3D(h, 0, 0)) - shape.Distance(x - new Vector3D(h, 0, 0)),
                shape.Distance(x + new Vector3D(0, h, 0)) - shape.Distance(x - new Vector3D(0, h, 0)),
                shape.Distance(x + new Vector3D(0, 0, h)) - shape.Distance(x - new Vector3D(0, 0, h))) * (0.5 / h);
            var g2 = g.Dot(g);
            if (!(g2 > 1e-12))
            {
                break;
            }

            x -= g * (f / g2);
        }

        return x;
    }
}
