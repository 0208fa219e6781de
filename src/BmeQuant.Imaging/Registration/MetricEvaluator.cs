using System.Runtime.Intrinsics;

namespace BmeQuant.Imaging.Registration;

/// <summary>
/// Evaluates a registration metric and its analytic gradient for a rigid transform over a fixed set of
/// fixed-image sample points. The gradient is taken with respect to a local parametrisation around the current
/// transform: a small rotation ω applied after R (y = exp([ω]×)·R·(x − c) + c + t + δt), so
/// ∂y/∂ω_k = e_k × q with q = R·(x − c), and ∂I_m/∂ω = q × ∇I_m, ∂I_m/∂δt = ∇I_m.
/// Samples are processed in fixed chunks with private accumulators merged in chunk order, so the result does
/// not depend on thread scheduling. Lower values are better (−MI or −NCC).
/// </summary>
internal sealed class MetricEvaluator
{
    internal const int ChunkSize = 4096;
    private const int Padding = 2;

    private readonly double[] _px;
    private readonly double[] _py;
    private readonly double[] _pz;
    private readonly float[] _fixed;
    private readonly int[] _fixedBin;
    private readonly GradientInterpolator _moving;
    private readonly RegistrationMetric _metric;
    private readonly int _bins;
    private readonly double _movingMin;
    private readonly double _invMovingBin;
    private readonly int _chunks;
    private readonly double[][] _hist;
    private readonly double[][] _dHist;
    private readonly double[] _mergedHist = [];
    private readonly double[] _mergedDHist = [];
    private readonly double[] _pf = [];
    private readonly double[] _pm = [];
    private readonly double[][] _sums;
    private readonly int[] _validPerChunk;
    private readonly ParallelOptions _parallel;

    public MetricEvaluator(double[] px, double[] py, double[] pz, float[] fixedValues, GradientInterpolator moving, RegistrationMetric metric, int bins, int maxDegreeOfParallelism)
    {
        _px = px;
        _py = py;
        _pz = pz;
        _fixed = fixedValues;
        _moving = moving;
        _metric = metric;
        _bins = bins;
        _chunks = (px.Length + ChunkSize - 1) / ChunkSize;
        _validPerChunk = new int[_chunks];
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        _hist = [];
        _dHist = [];
        _sums = [];
        _fixedBin = [];
        if (metric == RegistrationMetric.MattesMutualInformation)
        {
            float fMin = float.PositiveInfinity, fMax = float.NegativeInfinity;
            foreach (var f in fixedValues)
            {
                fMin = Math.Min(fMin, f);
                fMax = Math.Max(fMax, f);
            }

            if (!(fMax > fMin))
            {
                throw new RegistrationException($"The fixed image is constant ({fMin}) over the {fixedValues.Length} sample points; mutual information needs contrast.");
            }

            // Fixed axis: box (zero-order) Parzen window over `bins` equal bins.
            _fixedBin = new int[fixedValues.Length];
            var invFixedBin = bins / ((double)fMax - fMin);
            for (var s = 0; s < fixedValues.Length; s++)
            {
                _fixedBin[s] = Math.Clamp((int)((fixedValues[s] - fMin) * invFixedBin), 0, bins - 1);
            }

            // Moving axis: cubic B-spline window; values map to [Padding, bins − 1 − Padding] so all 4 taps stay inside.
            _movingMin = moving.Minimum;
            _invMovingBin = (bins - 1 - (2 * Padding)) / ((double)moving.Maximum - moving.Minimum);
            _hist = new double[_chunks][];
            _dHist = new double[_chunks][];
            _mergedHist = new double[bins * bins];
            _mergedDHist = new double[bins * bins * 6];
            _pf = new double[bins];
            _pm = new double[bins];
            for (var c = 0; c < _chunks; c++)
            {
                _hist[c] = new double[bins * bins];
                _dHist[c] = new double[bins * bins * 6];
            }
        }
        else
        {
            _sums = new double[_chunks][];
            for (var c = 0; c < _chunks; c++)
            {
                _sums[c] = new double[5 + 18];
            }
        }
    }

    public int SampleCount => _px.Length;

    /// <summary>Evaluates the metric at <paramref name="transform"/>; writes the 6 gradient components (ω, δt).</summary>
    public double Evaluate(RigidTransform transform, Span<double> gradient, out int validSamples)
    {
        var g = _moving.Geometry;
        var a = g.PhysicalToIndexMatrix;
        var r = transform.Rotation;
        var ar = a * r;
        var b = a * (transform.Offset - g.Origin);
        var centerPlusT = transform.Center + transform.TranslationMm;
        var state = new TransformState(r, transform.Offset, ar, b, centerPlusT);
        if (_metric == RegistrationMetric.MattesMutualInformation)
        {
            Parallel.For(0, _chunks, _parallel, c => AccumulateMutualInformation(c, state));
            return FinishMutualInformation(gradient, out validSamples);
        }

        Parallel.For(0, _chunks, _parallel, c => AccumulateCorrelation(c, state));
        return FinishCorrelation(gradient, out validSamples);
    }

    private readonly record struct TransformState(Matrix3D R, Vector3D Offset, Matrix3D IndexMatrix, Vector3D IndexOffset, Vector3D CenterPlusT);

    private void AccumulateMutualInformation(int chunk, TransformState t)
    {
        var hist = _hist[chunk];
        var dHist = _dHist[chunk];
        Array.Clear(hist);
        Array.Clear(dHist);
        var valid = 0;
        var end = Math.Min(_px.Length, (chunk + 1) * ChunkSize);
        Span<double> jac = stackalloc double[6];
        var maxZeta = _bins - 1 - Padding;
        for (var s = chunk * ChunkSize; s < end; s++)
        {
            if (!SampleAt(s, t, out var m, out var q, out var grad))
            {
                continue;
            }

            valid++;
            Jacobian(q, grad, jac);
            var zeta = Math.Clamp(((m - _movingMin) * _invMovingBin) + Padding, Padding, maxZeta);
            var k0 = (int)Math.Floor(zeta) - 1;
            var row = _fixedBin[s] * _bins;
            for (var k = 0; k < 4; k++)
            {
                var kappa = k0 + k;
                var u = zeta - kappa;
                var cell = row + kappa;
                hist[cell] += CubicBSpline(u);
                var dw = CubicBSplineDerivative(u) * _invMovingBin;
                var d = cell * 6;
                for (var p = 0; p < 6; p++)
                {
                    dHist[d + p] += dw * jac[p];
                }
            }
        }

        _validPerChunk[chunk] = valid;
    }

    private double FinishMutualInformation(Span<double> gradient, out int validSamples)
    {
        var nb = _bins;
        // Merge the chunks in chunk order (deterministic); the buffers are reused between evaluations.
        var hist = _mergedHist;
        var dHist = _mergedDHist;
        Array.Clear(hist);
        Array.Clear(dHist);
        validSamples = 0;
        for (var c = 0; c < _chunks; c++)
        {
            validSamples += _validPerChunk[c];
            var h = _hist[c];
            var dh = _dHist[c];
            for (var n = 0; n < hist.Length; n++)
            {
                hist[n] += h[n];
            }

            for (var n = 0; n < dHist.Length; n++)
            {
                dHist[n] += dh[n];
            }
        }

        gradient.Clear();
        double total = 0;
        foreach (var h in hist)
        {
            total += h;
        }

        if (!(total > 0))
        {
            return 0;
        }

        var pf = _pf;
        var pm = _pm;
        Array.Clear(pf);
        Array.Clear(pm);
        for (var i = 0; i < nb; i++)
        {
            for (var k = 0; k < nb; k++)
            {
                var p = hist[(i * nb) + k] / total;
                pf[i] += p;
                pm[k] += p;
            }
        }

        // MI = Σ p log(p / (pf pm)); dMI/dμ = Σ (dh/dμ / N) log(p / pm) (Mattes et al. 2003; the pf term and the
        // normalisation terms vanish because Σ dh/dμ = 0).
        double mi = 0;
        for (var i = 0; i < nb; i++)
        {
            for (var k = 0; k < nb; k++)
            {
                var cell = (i * nb) + k;
                var p = hist[cell] / total;
                if (p <= 1e-16)
                {
                    continue;
                }

                mi += p * Math.Log(p / (pf[i] * pm[k]));
                var w = Math.Log(p / pm[k]) / total;
                for (var q = 0; q < 6; q++)
                {
                    gradient[q] -= w * dHist[(cell * 6) + q];
                }
            }
        }

        return -mi;
    }

    private void AccumulateCorrelation(int chunk, TransformState t)
    {
        var sums = _sums[chunk];
        Array.Clear(sums);
        var valid = 0;
        var end = Math.Min(_px.Length, (chunk + 1) * ChunkSize);
        Span<double> jac = stackalloc double[6];
        double sf = 0, sm = 0, sff = 0, smm = 0, sfm = 0;
        for (var s = chunk * ChunkSize; s < end; s++)
        {
            if (!SampleAt(s, t, out var m, out var q, out var grad))
            {
                continue;
            }

            valid++;
            double f = _fixed[s];
            sf += f;
            sm += m;
            sff += f * f;
            smm += m * m;
            sfm += f * m;
            Jacobian(q, grad, jac);
            for (var p = 0; p < 6; p++)
            {
                sums[5 + p] += jac[p];
                sums[11 + p] += m * jac[p];
                sums[17 + p] += f * jac[p];
            }
        }

        sums[0] = sf;
        sums[1] = sm;
        sums[2] = sff;
        sums[3] = smm;
        sums[4] = sfm;
        _validPerChunk[chunk] = valid;
    }

    private double FinishCorrelation(Span<double> gradient, out int validSamples)
    {
        Span<double> s = stackalloc double[23];
        s.Clear();
        validSamples = 0;
        for (var c = 0; c < _chunks; c++)
        {
            validSamples += _validPerChunk[c];
            for (var n = 0; n < 23; n++)
            {
                s[n] += _sums[c][n];
            }
        }

        gradient.Clear();
        double n0 = validSamples;
        if (n0 < 2)
        {
            return 0;
        }

        var sff = s[2] - (s[0] * s[0] / n0);
        var smm = s[3] - (s[1] * s[1] / n0);
        var sfm = s[4] - (s[0] * s[1] / n0);
        if (!(sff > 0) || !(smm > 0))
        {
            return 0;
        }

        var denom = Math.Sqrt(sff * smm);
        var ncc = sfm / denom;
        for (var p = 0; p < 6; p++)
        {
            var dSm = s[5 + p];
            var dSfm = s[17 + p] - (s[0] * dSm / n0);
            var dSmm = 2 * (s[11 + p] - (s[1] * dSm / n0));
            var dNcc = (dSfm / denom) - (0.5 * sfm * dSmm / (Math.Sqrt(sff) * smm * Math.Sqrt(smm)));
            gradient[p] = -dNcc;
        }

        return -ncc;
    }

    private bool SampleAt(int s, in TransformState t, out double value, out Vector3D q, out Vector3D gradient)
    {
        double x = _px[s], y = _py[s], z = _pz[s];
        var im = t.IndexMatrix;
        var ci = (im.M00 * x) + (im.M01 * y) + (im.M02 * z) + t.IndexOffset.X;
        var cj = (im.M10 * x) + (im.M11 * y) + (im.M12 * z) + t.IndexOffset.Y;
        var ck = (im.M20 * x) + (im.M21 * y) + (im.M22 * z) + t.IndexOffset.Z;
        if (!_moving.Sample(ci, cj, ck, out var v))
        {
            value = 0;
            q = default;
            gradient = default;
            return false;
        }

        var r = t.R;
        var mapped = new Vector3D(
            (r.M00 * x) + (r.M01 * y) + (r.M02 * z) + t.Offset.X,
            (r.M10 * x) + (r.M11 * y) + (r.M12 * z) + t.Offset.Y,
            (r.M20 * x) + (r.M21 * y) + (r.M22 * z) + t.Offset.Z);
        q = mapped - t.CenterPlusT;
        value = v.GetElement(0);
        gradient = new Vector3D(v.GetElement(1), v.GetElement(2), v.GetElement(3));
        return true;
    }

    private static void Jacobian(Vector3D q, Vector3D grad, Span<double> jac)
    {
        var rot = q.Cross(grad);
        jac[0] = rot.X;
        jac[1] = rot.Y;
        jac[2] = rot.Z;
        jac[3] = grad.X;
        jac[4] = grad.Y;
        jac[5] = grad.Z;
    }

    /// <summary>Cubic B-spline β³(u), support (−2, 2).</summary>
    internal static double CubicBSpline(double u)
    {
        u = Math.Abs(u);
        if (u < 1)
        {
            return (2.0 / 3.0) - (u * u) + (0.5 * u * u * u);
        }

        if (u < 2)
        {
            var v = 2 - u;
            return v * v * v / 6.0;
        }

        return 0;
    }

    /// <summary>Derivative of <see cref="CubicBSpline"/>.</summary>
    internal static double CubicBSplineDerivative(double u)
    {
        var a = Math.Abs(u);
        double d;
        if (a < 1)
        {
            d = (-2 * a) + (1.5 * a * a);
        }
        else if (a < 2)
        {
            var v = 2 - a;
            d = -0.5 * v * v;
        }
        else
        {
            return 0;
        }

        return u < 0 ? -d : d;
    }
}
