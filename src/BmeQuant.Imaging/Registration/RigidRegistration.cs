using System.Globalization;

namespace BmeQuant.Imaging.Registration;

/// <summary>
/// Rigid (6 DOF) intensity-based registration of one volume onto another, ITK-style: multi-resolution
/// (block-average shrink + Gaussian smoothing per level), Mattes mutual information or normalized
/// cross-correlation over sampled fixed-image points, analytic gradient, regular-step gradient descent in a
/// scaled parameter space (rotation steps measured by the RMS displacement they cause, in mm).
/// </summary>
public static class RigidRegistration
{
    /// <summary>
    /// Registers <paramref name="moving"/> onto <paramref name="fixedImage"/>. The result's transform maps fixed-image
    /// physical points to moving-image physical points, so resampling the moving image through it onto the fixed
    /// grid aligns it with the fixed image. Deterministic for equal inputs and options (including the seed),
    /// whatever the number of threads.
    /// </summary>
    /// <exception cref="RegistrationException">An image is constant, the mask selects no voxel, or too few samples map inside the moving image.</exception>
    public static RigidRegistrationResult Register(Volume<float> fixedImage, Volume<float> moving, RigidRegistrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fixedImage);
        ArgumentNullException.ThrowIfNull(moving);
        options ??= new RigidRegistrationOptions();
        Validate(options);

        var initial = options.InitialTransform ?? Initialize(fixedImage, moving, options);
        var transform = initial;
        var levels = new List<RegistrationLevelInfo>();
        var totalIterations = 0;
        double finalValue = 0, finalValidFraction = 0;
        Span<double> gradient = stackalloc double[6];
        Span<double> scaled = stackalloc double[6];
        Span<double> previous = stackalloc double[6];
        var fixedPyramid = BuildPyramid(fixedImage, options.ShrinkFactors);
        var movingPyramid = BuildPyramid(moving, options.ShrinkFactors);
        for (var level = 0; level < options.ShrinkFactors.Count; level++)
        {
            var shrink = options.ShrinkFactors[level];
            var fixedLevel = SmoothLevel(fixedImage, fixedPyramid[level], shrink, options.SmoothingSigmasMm, level, out var sigma);
            var movingLevel = SmoothLevel(moving, movingPyramid[level], shrink, options.SmoothingSigmasMm, level, out _);
            fixedPyramid[level] = movingPyramid[level] = null!;
            var levelStart = transform;
            var interpolator = new GradientInterpolator(movingLevel);
            if (!(interpolator.Maximum > interpolator.Minimum))
            {
                throw new RegistrationException(string.Create(CultureInfo.InvariantCulture, $"The moving image ({moving.Geometry}) is constant ({interpolator.Minimum}) at level {level}; registration needs contrast."));
            }

            var (px, py, pz, values) = DrawSamples(fixedLevel, options, level);
            var evaluator = new MetricEvaluator(px, py, pz, values, interpolator, options.Metric, options.HistogramBins, options.MaxDegreeOfParallelism);
            var rotationScale = options.RotationScaleMm ?? RmsDistance(px, py, pz, transform.Center);
            var sp = fixedLevel.Geometry.Spacing;
            var step = Math.Min(options.MaximumStepMm, Math.Cbrt(sp.X * sp.Y * sp.Z));
            var minStep = options.MinimumStepMm * shrink;
            var stop = OptimizerStopReason.MaximumIterations;
            var iterations = 0;
            previous.Clear();
            while (iterations < options.MaximumIterationsPerLevel)
            {
                evaluator.Evaluate(transform, gradient, out var valid);
                CheckOverlap(valid, evaluator.SampleCount, level, fixedImage, moving, transform);
                iterations++;
                double norm = 0, dot = 0;
                for (var p = 0; p < 6; p++)
                {
                    // Scaled parameters u = (rotationScale·ω, t): ∂M/∂u = ∂M/∂μ / scale.
                    scaled[p] = p < 3 ? gradient[p] / rotationScale : gradient[p];
                    norm += scaled[p] * scaled[p];
                    dot += scaled[p] * previous[p];
                }

                norm = Math.Sqrt(norm);
                if (norm < options.GradientTolerance)
                {
                    stop = OptimizerStopReason.GradientBelowTolerance;
                    break;
                }

                if (dot < 0)
                {
                    step *= options.RelaxationFactor;
                }

                if (step < minStep)
                {
                    stop = OptimizerStopReason.StepBelowMinimum;
                    break;
                }

                var factor = -step / norm;
                var omega = new Vector3D(scaled[0], scaled[1], scaled[2]) * (factor / rotationScale);
                var delta = new Vector3D(scaled[3], scaled[4], scaled[5]) * factor;
                transform = transform.Update(omega, delta);
                scaled.CopyTo(previous);
            }

            var value = evaluator.Evaluate(transform, gradient, out var finalValid);
            CheckOverlap(finalValid, evaluator.SampleCount, level, fixedImage, moving, transform);
            totalIterations += iterations;
            finalValue = value;
            finalValidFraction = (double)finalValid / evaluator.SampleCount;
            levels.Add(new RegistrationLevelInfo(
                level, shrink, fixedLevel.Geometry.Spacing, movingLevel.Geometry.Spacing, sigma, evaluator.SampleCount, iterations, value, step, stop));
            if (options.SkipFinerLevelsBelowMm is { } skipBelow && RmsMovement(levelStart, transform, px, py, pz) < skipBelow)
            {
                break;
            }
        }

        return new RigidRegistrationResult(transform, initial, options.Metric, finalValue, finalValidFraction, totalIterations, levels, options);
    }

    /// <summary>
    /// Resamples <paramref name="moving"/> (trilinear) onto <paramref name="target"/> through <paramref name="transform"/>
    /// (which maps target points to moving points, as <see cref="Register"/> returns); points falling outside the
    /// moving image's voxel centres get <paramref name="outsideValue"/>.
    /// </summary>
    public static Volume<float> ResampleMoving(Volume<float> moving, ImageGeometry target, RigidTransform transform, float outsideValue = 0)
    {
        ArgumentNullException.ThrowIfNull(moving);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(transform);
        return RigidResampler.Resample(moving, target, transform, outsideValue);
    }

    /// <summary>The centred initial transform of <paramref name="options"/>' initializer (centre of rotation at the fixed image's centre).</summary>
    internal static RigidTransform Initialize(Volume<float> fixedImage, Volume<float> moving, RigidRegistrationOptions options)
    {
        var fixedCenter = GeometricCenter(fixedImage.Geometry);
        return options.Initializer switch
        {
            RegistrationInitializer.None => new RigidTransform(Matrix3D.Identity, Vector3D.Zero, fixedCenter),
            RegistrationInitializer.GeometryCenter => new RigidTransform(Matrix3D.Identity, GeometricCenter(moving.Geometry) - fixedCenter, fixedCenter),
            _ => CenterOfMassInitializer(fixedImage, moving, options.FixedMask),
        };
    }

    private static RigidTransform CenterOfMassInitializer(Volume<float> fixedImage, Volume<float> moving, Volume<byte>? mask)
    {
        var cf = CenterOfMass(fixedImage, mask);
        var cm = CenterOfMass(moving, null);
        return new RigidTransform(Matrix3D.Identity, cm - cf, cf);
    }

    private static Vector3D GeometricCenter(ImageGeometry g) =>
        g.TransformIndexToPhysicalPoint((g.SizeX - 1) / 2.0, (g.SizeY - 1) / 2.0, (g.SizeZ - 1) / 2.0);

    private static Vector3D CenterOfMass(Volume<float> image, Volume<byte>? mask)
    {
        var g = image.Geometry;
        var data = image.Data;
        var min = float.PositiveInfinity;
        foreach (var v in data)
        {
            min = Math.Min(min, v);
        }

        double sw = 0, si = 0, sj = 0, sk = 0;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    double w = data[g.Offset(i, j, k)] - min;
                    if (w <= 0 || (mask is not null && !InMask(mask, g.TransformIndexToPhysicalPoint(i, j, k))))
                    {
                        continue;
                    }

                    sw += w;
                    si += w * i;
                    sj += w * j;
                    sk += w * k;
                }
            }
        }

        if (!(sw > 0))
        {
            throw new RegistrationException($"Cannot compute the centre of mass of image {g}: it is constant or its mask is empty.");
        }

        return g.TransformIndexToPhysicalPoint(si / sw, sj / sw, sk / sw);
    }

    internal static bool InMask(Volume<byte> mask, Vector3D point)
    {
        var c = mask.Geometry.TransformPhysicalPointToContinuousIndex(point);
        var i = (int)Math.Round(c.X);
        var j = (int)Math.Round(c.Y);
        var k = (int)Math.Round(c.Z);
        return mask.Geometry.Contains(i, j, k) && mask[i, j, k] != 0;
    }

    /// <summary>
    /// The block-averaged (not yet smoothed) image of every level, built once: finest first, each coarser level from
    /// the finest level already built whose block factors divide its own (so the full-resolution image is swept once
    /// when the factors nest, as 4 over 2 do). Where a finer level ends in a partial block, the coarser level's last
    /// voxel along that axis averages the finer level's means rather than the voxels themselves.
    /// </summary>
    private static Volume<float>[] BuildPyramid(Volume<float> image, IReadOnlyList<int> shrinkFactors)
    {
        var levels = new Volume<float>[shrinkFactors.Count];
        var factors = new (int X, int Y, int Z)[shrinkFactors.Count];
        var order = Enumerable.Range(0, shrinkFactors.Count).OrderBy(l => shrinkFactors[l]).ToArray();
        foreach (var level in order)
        {
            var f = PyramidOps.ShrinkFactors(image.Geometry, shrinkFactors[level]);
            factors[level] = f;
            Volume<float>? from = null;
            (int X, int Y, int Z) fromFactors = (1, 1, 1);
            foreach (var finer in order)
            {
                var ff = factors[finer];
                if (levels[finer] is { } built && f.X % ff.X == 0 && f.Y % ff.Y == 0 && f.Z % ff.Z == 0 && ff.X * ff.Y * ff.Z > fromFactors.X * fromFactors.Y * fromFactors.Z)
                {
                    from = built;
                    fromFactors = ff;
                }
            }

            levels[level] = from is null
                ? PyramidOps.BlockAverage(image, f.X, f.Y, f.Z)
                : PyramidOps.BlockAverage(from, f.X / fromFactors.X, f.Y / fromFactors.Y, f.Z / fromFactors.Z);
        }

        return levels;
    }

    /// <summary>Smooths one level's block average (in place, or a copy when it is the input image itself) with the level's σ.</summary>
    private static Volume<float> SmoothLevel(Volume<float> image, Volume<float> shrunk, int shrink, IReadOnlyList<double>? sigmas, int level, out double sigmaMm)
    {
        var sp = image.Geometry.Spacing;
        sigmaMm = sigmas is not null ? sigmas[level] : 0.5 * shrink * Math.Min(sp.X, Math.Min(sp.Y, sp.Z));
        PyramidOps.GaussianSmoothInPlace(shrunk, sigmaMm);
        return shrunk;
    }

    /// <summary>RMS distance (mm) between where two transforms send the sample points.</summary>
    private static double RmsMovement(RigidTransform a, RigidTransform b, double[] x, double[] y, double[] z)
    {
        double sum = 0;
        for (var n = 0; n < x.Length; n++)
        {
            var p = new Vector3D(x[n], y[n], z[n]);
            var d = a.TransformPoint(p) - b.TransformPoint(p);
            sum += d.Dot(d);
        }

        return Math.Sqrt(sum / Math.Max(1, x.Length));
    }

    private static (double[] X, double[] Y, double[] Z, float[] Values) DrawSamples(Volume<float> level, RigidRegistrationOptions options, int levelIndex)
    {
        var g = level.Geometry;
        var total = (int)g.VoxelCount;
        int[]? candidates = null;
        var count = total;
        if (options.FixedMask is { } mask)
        {
            var list = new List<int>();
            for (var k = 0; k < g.SizeZ; k++)
            {
                for (var j = 0; j < g.SizeY; j++)
                {
                    for (var i = 0; i < g.SizeX; i++)
                    {
                        if (InMask(mask, g.TransformIndexToPhysicalPoint(i, j, k)))
                        {
                            list.Add((int)g.Offset(i, j, k));
                        }
                    }
                }
            }

            if (list.Count == 0)
            {
                throw new RegistrationException($"The fixed mask ({mask.Geometry}) selects no voxel of the fixed image at level {levelIndex} ({g}).");
            }

            candidates = [.. list];
            count = candidates.Length;
        }

        int[] chosen;
        if (count <= options.SamplesPerLevel)
        {
            chosen = candidates ?? Enumerable.Range(0, total).ToArray();
        }
        else if (options.Sampling == RegistrationSampling.Regular)
        {
            chosen = new int[options.SamplesPerLevel];
            var stride = (double)count / options.SamplesPerLevel;
            for (var n = 0; n < chosen.Length; n++)
            {
                var c = (int)(n * stride);
                chosen[n] = candidates is null ? c : candidates[c];
            }
        }
        else
        {
            var rng = new Random(options.Seed + levelIndex);
            chosen = new int[options.SamplesPerLevel];
            for (var n = 0; n < chosen.Length; n++)
            {
                var c = rng.Next(count);
                chosen[n] = candidates is null ? c : candidates[c];
            }

            // Buffer order keeps the moving-image accesses of neighbouring samples close in memory.
            Array.Sort(chosen);
        }

        var x = new double[chosen.Length];
        var y = new double[chosen.Length];
        var z = new double[chosen.Length];
        var values = new float[chosen.Length];
        var slice = g.SliceLength;
        for (var n = 0; n < chosen.Length; n++)
        {
            var o = chosen[n];
            var k = o / slice;
            var rem = o - (k * slice);
            var j = rem / g.SizeX;
            var i = rem - (j * g.SizeX);
            var p = g.TransformIndexToPhysicalPoint(i, j, k);
            x[n] = p.X;
            y[n] = p.Y;
            z[n] = p.Z;
            values[n] = level.Data[o];
        }

        return (x, y, z, values);
    }

    private static double RmsDistance(double[] x, double[] y, double[] z, Vector3D center)
    {
        double sum = 0;
        for (var n = 0; n < x.Length; n++)
        {
            double dx = x[n] - center.X, dy = y[n] - center.Y, dz = z[n] - center.Z;
            sum += (dx * dx) + (dy * dy) + (dz * dz);
        }

        return Math.Max(1.0, Math.Sqrt(sum / Math.Max(1, x.Length)));
    }

    private static void CheckOverlap(int valid, int samples, int level, Volume<float> fixedImage, Volume<float> moving, RigidTransform transform)
    {
        if (valid < Math.Max(16, samples / 100))
        {
            throw new RegistrationException(string.Create(
                CultureInfo.InvariantCulture,
                $"Only {valid} of {samples} fixed-image samples map inside the moving image at level {level} (need at least 1 %); the images (fixed {fixedImage.Geometry}; moving {moving.Geometry}) do not overlap under {transform}."));
        }
    }

    private static void Validate(RigidRegistrationOptions o)
    {
        if (o.ShrinkFactors.Count == 0 || o.ShrinkFactors.Any(f => f < 1))
        {
            throw new ArgumentException($"ShrinkFactors must hold at least one factor ≥ 1; found [{string.Join(", ", o.ShrinkFactors)}].", nameof(o));
        }

        if (o.SmoothingSigmasMm is not null && (o.SmoothingSigmasMm.Count != o.ShrinkFactors.Count || o.SmoothingSigmasMm.Any(s => !(s >= 0))))
        {
            throw new ArgumentException($"SmoothingSigmasMm must hold one non-negative σ per level ({o.ShrinkFactors.Count}); found [{string.Join(", ", o.SmoothingSigmasMm)}].", nameof(o));
        }

        if (o.HistogramBins < 8 || o.HistogramBins > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(o), $"HistogramBins must be in [8, 256]; found {o.HistogramBins}.");
        }

        if (o.SamplesPerLevel < 16)
        {
            throw new ArgumentOutOfRangeException(nameof(o), $"SamplesPerLevel must be at least 16; found {o.SamplesPerLevel}.");
        }

        if (!(o.MaximumStepMm > 0) || !(o.MinimumStepMm > 0) || !(o.RelaxationFactor > 0 && o.RelaxationFactor < 1) || o.MaximumIterationsPerLevel < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(o), string.Create(
                CultureInfo.InvariantCulture,
                $"Optimiser settings out of range: MaximumStepMm {o.MaximumStepMm} (> 0), MinimumStepMm {o.MinimumStepMm} (> 0), RelaxationFactor {o.RelaxationFactor} (in (0, 1)), MaximumIterationsPerLevel {o.MaximumIterationsPerLevel} (≥ 1)."));
        }

        if (o.SkipFinerLevelsBelowMm is { } skip && !(skip >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(o), FormattableString.Invariant($"SkipFinerLevelsBelowMm must be non-negative; found {skip}."));
        }

        if (o.RotationScaleMm is { } scale && !(scale > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(o), FormattableString.Invariant($"RotationScaleMm must be positive; found {scale}."));
        }
    }
}
