using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Registration;
using BmeQuant.Quantification.Internal.Bones;

namespace BmeQuant.Quantification.Internal.Pipeline;

/// <summary>What the rigid refinement of T1 onto the fluid-sensitive series found.</summary>
/// <param name="Transform">Fluid-sensitive (fixed) physical point → T1 (moving) physical point; identity = the geometry was right.</param>
/// <param name="Applied">True when the refinement improved mutual information by the required margin and was used.</param>
/// <param name="MetricBefore">−MI (nats) at the geometry-only alignment, on the finest level's samples; NaN when the correction was too small to apply (not evaluated).</param>
/// <param name="MetricAfter">−MI (nats) at <paramref name="Transform"/>, same samples.</param>
/// <param name="CorrectionRmsMm">RMS displacement of <paramref name="Transform"/> over the registration region: the misalignment the geometry left, as the registration sees it.</param>
/// <param name="RepeatabilityRmsMm">RMS displacement between <paramref name="Transform"/> and a second registration started 1 mm / 1° away with other samples: the residual misalignment estimate after refinement; NaN when not evaluated.</param>
/// <param name="RegionDescription">The crop registered, in words.</param>
/// <param name="FinerLevelSkipped">True when the coarse level moved the region by less than half the minimum correction, so the finer level was not run (the geometry agrees; <paramref name="CorrectionRmsMm"/> is the coarse level's).</param>
internal sealed record T1RegistrationOutcome(
    RigidTransform Transform,
    bool Applied,
    double MetricBefore,
    double MetricAfter,
    double CorrectionRmsMm,
    double RepeatabilityRmsMm,
    string RegionDescription,
    bool FinerLevelSkipped = false)
{
    /// <summary>Relative improvement of the metric (mutual information gained / MI before); NaN when not evaluated.</summary>
    public double RelativeGain => double.IsNaN(MetricBefore) ? double.NaN : Math.Abs(MetricBefore) > 0 ? (MetricBefore - MetricAfter) / Math.Abs(MetricBefore) : 0;
}

/// <summary>
/// Rigid refinement of the T1-to-fluid alignment: Mattes mutual information (the series differ in contrast) on a
/// crop around the bones (or the overlap of the two fields of view when no bone map is known yet), downsampled to
/// about twice the fluid-sensitive series' finest spacing, two pyramid levels (built in one sweep of each crop); the
/// finer level runs only when the coarse one moved the region by at least half of
/// <see cref="AnalysisOptions.RegistrationMinimumCorrectionMm"/> (otherwise the geometry agrees and the coarse level's
/// correction is reported as the residual). The refinement is used only when it
/// improves mutual information by <see cref="AnalysisOptions.RegistrationMinimumGain"/> and moves the region by
/// more than <see cref="AnalysisOptions.RegistrationMinimumCorrectionMm"/>; otherwise the geometry stands.
/// </summary>
internal static class T1Registration
{
    private const int Seed = 6_0601;
    private const int Samples = 20_000;
    private const double RegionMarginMm = 10;
    private const double MovingMarginMm = 20;

    /// <summary>Largest plausible patient movement between two series of one sitting; larger results are rejected.</summary>
    private const double MaximumTranslationMm = 25;

    private const double MaximumRotationDegrees = 15;

    public static T1RegistrationOutcome? Refine(Volume<float> fluid, Volume<float> t1, Volume<int>? boneLabels, AnalysisOptions options, List<string> notes, int samples = Samples, double maximumStepMm = 2, Action<RigidRegistrationResult>? observe = null)
    {
        var region = boneLabels is not null && boneLabels.Geometry.IsSameGrid(fluid.Geometry) ? BoneBox(boneLabels) : null;
        var regionText = "bone region (given label map) + 10 mm";
        if (region is null)
        {
            region = OverlapBox(fluid.Geometry, t1.Geometry);
            regionText = "overlap of the two fields of view";
        }

        if (region is not { } box)
        {
            return null;
        }

        var fixedCrop = box.Grow(fluid.Geometry, RegionMarginMm).Crop(fluid);
        if (MovingBox(fixedCrop.Geometry, t1.Geometry) is not { } movingBox)
        {
            return null;
        }

        var movingCrop = movingBox.Crop(t1);
        var centre = Centre(fixedCrop.Geometry);
        var identity = new RigidTransform(Matrix3D.Identity, Vector3D.Zero, centre);
        var baseOptions = new RigidRegistrationOptions
        {
            Metric = RegistrationMetric.MattesMutualInformation,
            HistogramBins = 32,
            ShrinkFactors = [4, 2],
            SamplesPerLevel = samples,
            Seed = Seed,
            InitialTransform = identity,
            MaximumStepMm = maximumStepMm,
            MinimumStepMm = 0.01,
            MaximumIterationsPerLevel = 100,
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism,
            SkipFinerLevelsBelowMm = options.RegistrationMinimumCorrectionMm / 2,
        };

        RigidRegistrationResult result;
        try
        {
            result = RigidRegistration.Register(fixedCrop, movingCrop, baseOptions);
            observe?.Invoke(result);
        }
        catch (RegistrationException ex)
        {
            notes.Add("Rigid refinement of T1 failed; the geometry-only alignment is used: " + ex.Message);
            return null;
        }

        var transform = result.Transform;
        var correction = RmsDisplacement(transform, identity, fixedCrop.Geometry);
        var plausible = transform.TranslationMagnitudeMm <= MaximumTranslationMm && transform.RotationAngleDegrees <= MaximumRotationDegrees;
        if (correction < options.RegistrationMinimumCorrectionMm || !plausible)
        {
            // Cannot be applied: skip the metric comparison and the repeatability run (the common, aligned case).
            if (!plausible)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"Rigid refinement of T1 proposed an implausible movement ({transform.TranslationMagnitudeMm:F1} mm, {transform.RotationAngleDegrees:F1}°; limits {MaximumTranslationMm} mm, {MaximumRotationDegrees}°) and was not applied."));
            }

            return new T1RegistrationOutcome(transform, false, double.NaN, result.FinalMetricValue, correction, double.NaN, regionText, result.Levels.Count < baseOptions.ShrinkFactors.Count);
        }

        double before;
        RigidTransform repeat;
        try
        {
            // The metric at the geometry-only alignment on the same finest-level samples (seed + level index).
            before = RigidRegistration.Register(fixedCrop, movingCrop, baseOptions with
            {
                ShrinkFactors = [2],
                Seed = Seed + 1,
                MaximumStepMm = 1e-9,
            }).FinalMetricValue;

            // Repeatability: the finest level again from a start 1 mm and 1° away, with other samples.
            var perturbation = RigidTransform.FromAxisAngle(new Vector3D(1, 1, 1), Math.PI / 180, new Vector3D(0.6, -0.6, 0.6), centre);
            repeat = RigidRegistration.Register(fixedCrop, movingCrop, baseOptions with
            {
                ShrinkFactors = [2],
                Seed = Seed + 101,
                InitialTransform = result.Transform.Compose(perturbation),
                MaximumStepMm = 1,
            }).Transform;
        }
        catch (RegistrationException ex)
        {
            notes.Add("Rigid refinement of T1 could not be checked; the geometry-only alignment is used: " + ex.Message);
            return null;
        }

        var residual = RmsDisplacement(transform, repeat, fixedCrop.Geometry);
        var outcome = new T1RegistrationOutcome(transform, false, before, result.FinalMetricValue, correction, residual, regionText);
        return outcome with { Applied = outcome.RelativeGain >= options.RegistrationMinimumGain };
    }

    /// <summary>RMS over a 6×6×6 lattice of the box of <paramref name="g"/> of the distance between where two transforms send each point.</summary>
    internal static double RmsDisplacement(RigidTransform a, RigidTransform b, ImageGeometry g)
    {
        const int Steps = 6;
        double sum = 0;
        var n = 0;
        for (var k = 0; k < Steps; k++)
        {
            for (var j = 0; j < Steps; j++)
            {
                for (var i = 0; i < Steps; i++)
                {
                    var p = g.TransformIndexToPhysicalPoint((g.SizeX - 1) * (i + 0.5) / Steps, (g.SizeY - 1) * (j + 0.5) / Steps, (g.SizeZ - 1) * (k + 0.5) / Steps);
                    var d = a.TransformPoint(p) - b.TransformPoint(p);
                    sum += d.Dot(d);
                    n++;
                }
            }
        }

        return Math.Sqrt(sum / n);
    }

    internal static Vector3D Centre(ImageGeometry g) =>
        g.TransformIndexToPhysicalPoint((g.SizeX - 1) / 2.0, (g.SizeY - 1) / 2.0, (g.SizeZ - 1) / 2.0);

    /// <summary>The bounding box of every positive label (null when there is none).</summary>
    private static VoxelBox? BoneBox(Volume<int> labels)
    {
        VoxelBox? union = null;
        foreach (var b in VoxelBox.OfAll(labels).Values)
        {
            union = union is { } u ? u.Union(b) : b;
        }

        return union;
    }

    /// <summary>Box of the fixed grid whose voxel centres lie inside the moving image's voxel-centre box.</summary>
    private static VoxelBox? OverlapBox(ImageGeometry fixedGeometry, ImageGeometry moving)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, z0 = int.MaxValue, x1 = -1, y1 = -1, z1 = -1;
        for (var k = 0; k < fixedGeometry.SizeZ; k++)
        {
            for (var j = 0; j < fixedGeometry.SizeY; j++)
            {
                for (var i = 0; i < fixedGeometry.SizeX; i++)
                {
                    var c = moving.TransformPhysicalPointToContinuousIndex(fixedGeometry.TransformIndexToPhysicalPoint(i, j, k));
                    if (c.X >= 0 && c.Y >= 0 && c.Z >= 0 && c.X <= moving.SizeX - 1 && c.Y <= moving.SizeY - 1 && c.Z <= moving.SizeZ - 1)
                    {
                        x0 = Math.Min(x0, i);
                        x1 = Math.Max(x1, i);
                        y0 = Math.Min(y0, j);
                        y1 = Math.Max(y1, j);
                        z0 = Math.Min(z0, k);
                        z1 = Math.Max(z1, k);
                    }
                }
            }
        }

        return x1 < 0 ? null : new VoxelBox(x0, y0, z0, x1, y1, z1);
    }

    /// <summary>Box of the moving grid covering the fixed crop's corners plus a margin for the movement to be found.</summary>
    private static VoxelBox? MovingBox(ImageGeometry fixedCrop, ImageGeometry moving)
    {
        double x0 = double.MaxValue, y0 = double.MaxValue, z0 = double.MaxValue, x1 = double.MinValue, y1 = double.MinValue, z1 = double.MinValue;
        foreach (var p in fixedCrop.CornerPoints())
        {
            var c = moving.TransformPhysicalPointToContinuousIndex(p);
            x0 = Math.Min(x0, c.X);
            x1 = Math.Max(x1, c.X);
            y0 = Math.Min(y0, c.Y);
            y1 = Math.Max(y1, c.Y);
            z0 = Math.Min(z0, c.Z);
            z1 = Math.Max(z1, c.Z);
        }

        var s = moving.Spacing;
        var b = new VoxelBox(
            Math.Max(0, (int)Math.Floor(x0 - (MovingMarginMm / s.X))),
            Math.Max(0, (int)Math.Floor(y0 - (MovingMarginMm / s.Y))),
            Math.Max(0, (int)Math.Floor(z0 - (MovingMarginMm / s.Z))),
            Math.Min(moving.SizeX - 1, (int)Math.Ceiling(x1 + (MovingMarginMm / s.X))),
            Math.Min(moving.SizeY - 1, (int)Math.Ceiling(y1 + (MovingMarginMm / s.Y))),
            Math.Min(moving.SizeZ - 1, (int)Math.Ceiling(z1 + (MovingMarginMm / s.Z))));
        return b.MinX > b.MaxX || b.MinY > b.MaxY || b.MinZ > b.MaxZ ? null : b;
    }
}
