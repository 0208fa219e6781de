using System.Numerics.Tensors;
using BmeQuant.Imaging;
using BmeQuant.Phantoms.Geometry;
using BmeQuant.Phantoms.Signal;

namespace BmeQuant.Phantoms;

/// <summary>Renders one series: partial-volume sampling, bias field, Rician noise, truth maps on the same grid.</summary>
internal static class SeriesRenderer
{
    /// <summary>Clearance (in units of the voxel's half diagonal) above which a voxel is taken as homogeneous.</summary>
    /// <remarks>
    /// The superellipsoid distances are first-order, so a clearance is trusted only to 1/1.5 of its value. Measured
    /// on the issue-5 knee study: with 1.5 every voxel equals the exhaustive rendering (every sub-sample of every
    /// voxel evaluated); 1.2 saves ~14 % CPU but gets 12–22 voxels per series wrong.
    /// </remarks>
    private const double HomogeneityMargin = 1.5;

    /// <summary>Most evaluated sample points per voxel kept for reuse.</summary>
    private const int MaxAnchors = 16;

    /// <summary>
    /// Whether voxel centres well within a carried outside margin are classified by the body layers alone (on by default;
    /// the switch is for same-process A/B timing: both settings give the same classification).
    /// </summary>
    internal static bool LayerOnlyCentres { get; set; } = true;

    /// <summary>Renders acquisition <paramref name="acquisitionIndex"/> of visit <paramref name="visitIndex"/>.</summary>
    /// <param name="scene">The visit's anatomy.</param>
    /// <param name="spec">The study spec.</param>
    /// <param name="visitIndex">Visit index.</param>
    /// <param name="acquisitionIndex">Acquisition index.</param>
    /// <param name="exhaustive">Reference path (tests): every sub-sample of every voxel evaluated, no clearance shortcut.</param>
    public static PhantomSeries Render(Scene scene, PhantomSpec spec, int visitIndex, int acquisitionIndex, bool exhaustive = false)
    {
        var model = scene.Model;
        var acquisition = spec.Acquisitions[acquisitionIndex];
        var visit = spec.Visits[visitIndex];
        var geometry = PhantomGenerator.AcquisitionGeometry(spec, visitIndex, acquisitionIndex);
        var sequence = SequenceParameters.For(acquisition, spec.FieldStrengthTesla);
        var table = TissueModel.SignalTable(sequence, spec.FieldStrengthTesla);
        var maxAbs = table.Max(Math.Abs);
        var scale = 1000 / maxAbs;
        for (var t = 0; t < table.Length; t++)
        {
            table[t] *= scale;
        }

        var motion = SeriesMotion(spec, visitIndex, acquisitionIndex);
        var pose = Pose.Create(model, spec.Side, visit.Repositioning, motion);
        var sigma = spec.AddNoise ? Math.Abs(table[(int)Tissue.Muscle]) / spec.Snr : 0;
        var bias = new BiasField(spec, visitIndex, acquisitionIndex, Pose.JointCenter(model, spec.Side) + visit.Repositioning.TranslationMm);

        // q(i, j, k) = q0 + i·ci + j·cj + k·ck (anatomy frame).
        var q0 = pose.ToAnatomy(geometry.Origin);
        var m = pose.PatientToAnatomy * geometry.IndexToPhysicalMatrix;
        var ci = m.Column(0);
        var cj = m.Column(1);
        var ck = m.Column(2);

        var n = spec.Supersampling;
        var offIn = new double[n];
        var offThrough = new double[n];
        var thicknessInIndex = acquisition.SliceThicknessMm / acquisition.SpacingBetweenSlicesMm;
        for (var s = 0; s < n; s++)
        {
            offIn[s] = ((s + 0.5) / n) - 0.5;
            offThrough[s] = offIn[s] * thicknessInIndex;
        }

        var halfDiagonal = 0.5 * Math.Sqrt((2 * acquisition.PixelSpacingMm * acquisition.PixelSpacingMm) + (acquisition.SliceThicknessMm * acquisition.SliceThicknessMm));
        var threshold = n == 1 || exhaustive ? double.PositiveInfinity : HomogeneityMargin * halfDiagonal;

        // Moving one column costs this much raw clearance (the trust margin applies to the distance moved).
        var rowStep = HomogeneityMargin * acquisition.PixelSpacingMm;
        var image = new Volume<float>(geometry);
        var labels = new Volume<byte>(geometry);
        var edema = new Volume<float>(geometry);
        var nx = geometry.SizeX;
        var ny = geometry.SizeY;
        var boneCount = model.Bones.Length;
        var samples = n * n * n;
        var layerCentres = LayerOnlyCentres && !exhaustive;

        Parallel.For(0, geometry.SizeZ, k =>
        {
            Span<int> counts = stackalloc int[boneCount + 1];
            var anchors = new Anchor[MaxAnchors];
            var row = new RowBuffers(nx);
            var rng = SplitMix64.ForStream(spec.Seed, visitIndex + 1, acquisitionIndex + 1, k + 1);
            var img = image.Slice(k);
            var lab = labels.Slice(k);
            var ed = edema.Slice(k);
            for (var j = 0; j < ny; j++)
            {
                // Clearance carried along the row: a voxel centre within the trusted clearance of the last evaluated
                // one has its value, with that clearance less the distance moved (no evaluation while it stays homogeneous).
                var carried = double.NegativeInfinity;
                var carriedValue = default(SampleValue);

                // Outside margin (Scene.Evaluate) carried the same way: while it covers a voxel, its sub-samples are
                // classified by the body layers alone (no bone is evaluated).
                var outside = double.NegativeInfinity;
                var outsideColumn = 0;
                for (var i = 0; i < nx; i++)
                {
                    var qc = q0 + (ci * i) + (cj * j) + (ck * k);
                    carried -= rowStep;
                    double clearance;
                    SampleValue sv;
                    if (carried > threshold)
                    {
                        clearance = carried;
                        sv = carriedValue;
                    }
                    else if (layerCentres && outside - (rowStep * (i - outsideColumn)) > threshold)
                    {
                        // Well within the outside margin carried from an evaluated point: no bone, cartilage or fluid can
                        // be here, so the body layers alone classify the centre (as the full evaluation would). Its
                        // clearance is the layers' one, at most what is left of the carried margin; that rest exceeds the
                        // homogeneity threshold, so the voxel is supersampled exactly when the full evaluation would.
                        clearance = Math.Min(scene.EvaluateLayers(qc, out sv), outside - (rowStep * (i - outsideColumn)));
                        carried = clearance;
                        carriedValue = sv;
                    }
                    else
                    {
                        clearance = scene.Evaluate(qc, out sv, out var outsideMm);
                        carried = clearance;
                        carriedValue = sv;
                        if (!double.IsNaN(outsideMm))
                        {
                            outside = outsideMm;
                            outsideColumn = i;
                        }
                    }

                    double signal, fraction;
                    int label;
                    if (clearance > threshold)
                    {
                        signal = Mix(table, sv);
                        fraction = sv.Edema;
                        label = sv.Bone + 1;
                    }
                    else
                    {
                        counts.Clear();
                        signal = 0;
                        fraction = 0;

                        // Jittered stratified sampling: the n³ sub-cell pattern is shifted by one random vector per
                        // voxel (within a sub-cell, so every sample stays in its stratum). A fixed pattern would put
                        // every sample row at the same distance from a flat face parallel to a grid axis (the ilium's
                        // articular face on semi-coronal SIJ slices), biasing the voxel sum by up to half a sub-cell
                        // times the face area; the jitter makes that error zero-mean.
                        var jitter = new SplitMix64(VoxelHash(i, j, k));
                        var shiftX = ci * (jitter.NextSigned() * 0.5 / n);
                        var shiftY = cj * (jitter.NextSigned() * 0.5 / n);
                        var shiftZ = ck * (jitter.NextSigned() * 0.5 * thicknessInIndex / n);
                        var qs = qc + shiftX + shiftY + shiftZ;

                        // Anchors: evaluated points whose clearance (trusted to 1/HomogeneityMargin, as for the
                        // voxel centre) covers nearby samples; a covered sample takes the anchor's value unevaluated.
                        var layersOnly = false;
                        if (!exhaustive && sv.Bone < 0 && sv.Tissue is Tissue.Air or Tissue.Skin or Tissue.SubcutaneousFat or Tissue.Muscle)
                        {
                            if (outside - (rowStep * (i - outsideColumn)) <= threshold && outsideColumn != i)
                            {
                                outside = scene.OutsideMargin(qc);
                                outsideColumn = i;
                            }

                            layersOnly = outside - (rowStep * (i - outsideColumn)) > threshold;
                        }

                        var anchorCount = 0;
                        if (clearance > 0 && !exhaustive)
                        {
                            anchors[0] = new Anchor(qc, Square(clearance / HomogeneityMargin), sv);
                            anchorCount = 1;
                        }

                        for (var sz = 0; sz < n; sz++)
                        {
                            var pz = qs + (ck * offThrough[sz]);
                            for (var sy = 0; sy < n; sy++)
                            {
                                var py = pz + (cj * offIn[sy]);
                                for (var sx = 0; sx < n; sx++)
                                {
                                    var ps = py + (ci * offIn[sx]);
                                    var covered = -1;
                                    for (var a = anchorCount - 1; a >= 0; a--)
                                    {
                                        var d = ps - anchors[a].Point;
                                        if (d.Dot(d) < anchors[a].Reach2)
                                        {
                                            covered = a;
                                            break;
                                        }
                                    }

                                    SampleValue s;
                                    if (covered >= 0)
                                    {
                                        s = anchors[covered].Value;
                                    }
                                    else
                                    {
                                        var cs = layersOnly ? scene.EvaluateLayers(ps, out s) : scene.Evaluate(ps, out s);
                                        if (cs > 0 && anchorCount < anchors.Length && !exhaustive)
                                        {
                                            anchors[anchorCount++] = new Anchor(ps, Square(cs / HomogeneityMargin), s);
                                        }
                                    }

                                    signal += Mix(table, s);
                                    fraction += s.Edema;
                                    counts[s.Bone + 1]++;
                                }
                            }
                        }

                        signal /= samples;
                        fraction /= samples;
                        label = 0;
                        var bestCount = 0;
                        for (var b = 1; b <= boneCount; b++)
                        {
                            if (counts[b] > bestCount)
                            {
                                bestCount = counts[b];
                                label = b;
                            }
                        }

                        if (2 * bestCount < samples)
                        {
                            label = 0;
                        }
                    }

                    var idx = i + (nx * j);
                    row.Magnitude[i] = Math.Abs(signal);
                    lab[idx] = (byte)label;
                    ed[idx] = (float)fraction;
                }

                // Bias field and Rician noise of the whole row (vectorised; the random numbers are drawn in voxel order).
                bias.Apply(geometry, j, k, row);
                if (sigma > 0)
                {
                    AddRicianNoise(ref rng, sigma, row);
                }

                var magnitudes = row.Magnitude;
                var imgRow = img.Slice(nx * j, nx);
                for (var i = 0; i < nx; i++)
                {
                    imgRow[i] = (float)magnitudes[i];
                }
            }
        });

        var signals = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var t = 1; t < table.Length; t++)
        {
            signals[((Tissue)t).ToString()] = Math.Abs(table[t]);
        }

        return new PhantomSeries(acquisitionIndex, acquisition, sequence, image, labels, edema, signals, sigma, motion);
    }

    private static double Square(double x) => x * x;

    /// <summary>
    /// Rician noise on a row of magnitudes: m ← |m + σ(g1 + i·g2)| with (g1, g2) Box–Muller pairs from uniforms drawn in
    /// voxel order (u1 then u2 per voxel, as <see cref="SplitMix64.NextGaussianPair"/>); logarithm, square root and
    /// sine/cosine run over the whole row with <see cref="TensorPrimitives"/>.
    /// </summary>
    internal static void AddRicianNoise(ref SplitMix64 rng, double sigma, RowBuffers row)
    {
        var m = row.Magnitude;
        var radius = row.A;
        var angle = row.B;
        var sin = row.C;
        var cos = row.D;
        for (var i = 0; i < m.Length; i++)
        {
            radius[i] = 1.0 - rng.NextDouble();
            angle[i] = 2 * Math.PI * rng.NextDouble();
        }

        TensorPrimitives.Log(radius, radius);
        TensorPrimitives.Multiply(radius, -2.0, radius);
        TensorPrimitives.Sqrt(radius, radius);
        TensorPrimitives.SinCos(angle, sin, cos);
        for (var i = 0; i < m.Length; i++)
        {
            var re = m[i] + (sigma * (radius[i] * cos[i]));
            var im = sigma * (radius[i] * sin[i]);
            m[i] = Math.Sqrt((re * re) + (im * im));
        }
    }

    /// <summary>A fixed hash of a voxel index (independent of the seed: partial volume does not change with the noise seed).</summary>
    private static ulong VoxelHash(int i, int j, int k) =>
        ((ulong)(uint)i * 0x9E3779B97F4A7C15UL) ^ ((ulong)(uint)j * 0xC2B2AE3D27D4EB4FUL) ^ ((ulong)(uint)k * 0x165667B19E3779F9UL) ^ 0x6A09E667F3BCC909UL;

    /// <summary>Signed signal of one sample: marrow is mixed with fully edematous marrow by its edema fraction.</summary>
    private static double Mix(double[] table, in SampleValue s)
    {
        var t = table[(int)s.Tissue];
        return s.Edema > 0 ? ((1 - s.Edema) * t) + (s.Edema * table[(int)Tissue.Edema]) : t;
    }

    /// <summary>Small rigid motion before each series after the first of a visit.</summary>
    internal static RigidPose SeriesMotion(PhantomSpec spec, int visitIndex, int acquisitionIndex)
    {
        if (acquisitionIndex == 0 || spec.MotionMm <= 0)
        {
            return RigidPose.Identity;
        }

        var rng = SplitMix64.ForStream(spec.Seed, visitIndex + 1, acquisitionIndex + 1, 0x4D4F54);
        var t = new Vector3D(rng.NextSigned(), rng.NextSigned(), rng.NextSigned()) * (spec.MotionMm / Math.Sqrt(3));
        var r = new Vector3D(rng.NextSigned(), rng.NextSigned(), rng.NextSigned()) * (0.5 * spec.MotionMm / Math.Sqrt(3));
        return new RigidPose(r, t);
    }

    /// <summary>Sensitivity of two surface coils placed around the joint: 1 − A/2 + A·mean(g_k), g_k Gaussian (σ 120 mm).</summary>
    private sealed class BiasField
    {
        private const double SigmaMm = 120;
        private readonly Vector3D[] _coils;
        private readonly double _amplitude;

        public BiasField(PhantomSpec spec, int visitIndex, int acquisitionIndex, Vector3D center)
        {
            _amplitude = spec.BiasFieldAmplitude;
            var rng = SplitMix64.ForStream(spec.Seed, visitIndex + 1, acquisitionIndex + 1, 0xB1A5);
            var phi = 2 * Math.PI * rng.NextDouble();
            _coils =
            [
                center + new Vector3D(110 * Math.Cos(phi), 110 * Math.Sin(phi), 30 * rng.NextSigned()),
                center + new Vector3D(110 * Math.Cos(phi + 2.5), 110 * Math.Sin(phi + 2.5), 30 * rng.NextSigned()),
            ];
        }

        /// <summary>Multiplies a row's magnitudes by the field at the row's voxel centres (exponentials over the row).</summary>
        public void Apply(ImageGeometry geometry, int j, int k, RowBuffers row)
        {
            if (_amplitude == 0)
            {
                return;
            }

            var m = row.Magnitude;
            var g = row.A;
            var e = row.B;
            g.AsSpan().Clear();
            foreach (var c in _coils)
            {
                for (var i = 0; i < m.Length; i++)
                {
                    var d = geometry.TransformIndexToPhysicalPoint(i, j, k) - c;
                    e[i] = -d.Dot(d) / (2 * SigmaMm * SigmaMm);
                }

                TensorPrimitives.Exp(e, e);
                TensorPrimitives.Add(g, e, g);
            }

            for (var i = 0; i < m.Length; i++)
            {
                m[i] *= 1 - (0.5 * _amplitude) + (_amplitude * g[i] / _coils.Length);
            }
        }

        /// <summary>The field at one point (scalar reference of <see cref="Apply"/>).</summary>
        public double At(in Vector3D p)
        {
            if (_amplitude == 0)
            {
                return 1;
            }

            double g = 0;
            foreach (var c in _coils)
            {
                var d = p - c;
                g += Math.Exp(-d.Dot(d) / (2 * SigmaMm * SigmaMm));
            }

            return 1 - (0.5 * _amplitude) + (_amplitude * g / _coils.Length);
        }
    }

    /// <summary>Per-slice scratch rows: the magnitudes and four work rows for the bias field and the noise.</summary>
    internal sealed class RowBuffers(int length)
    {
        public double[] Magnitude { get; } = new double[length];

        public double[] A { get; } = new double[length];

        public double[] B { get; } = new double[length];

        public double[] C { get; } = new double[length];

        public double[] D { get; } = new double[length];
    }

    /// <summary>An evaluated point, the squared radius around it with the same value, and that value.</summary>
    private readonly record struct Anchor(Vector3D Point, double Reach2, SampleValue Value);
}
