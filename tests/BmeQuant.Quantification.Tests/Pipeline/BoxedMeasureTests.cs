using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Quantification.Internal;
using BmeQuant.Quantification.Internal.Bones;
using BmeQuant.Quantification.Internal.Pipeline;

namespace BmeQuant.Quantification.Tests.Pipeline;

/// <summary>
/// A two-bone joint across y (articular surfaces facing along y, so the acquired z slices cut a subchondral band
/// across its thickness) on an anisotropic grid, bones through every z slice; the lower bone holds an ellipsoidal
/// lesion (fluid bright, T1 dark) with a dark band 4 voxels (2.4 mm) thick under its articular surface. Fixed noise seed.
/// </summary>
internal sealed class BandJoint
{
    private BandJoint(Volume<float> fluid, Volume<float> t1, Volume<int> labels, Volume<byte> edema)
    {
        Fluid = fluid;
        T1 = t1;
        Labels = labels;
        Edema = edema;
    }

    public Volume<float> Fluid { get; }

    public Volume<float> T1 { get; }

    public Volume<int> Labels { get; }

    public Volume<byte> Edema { get; }

    /// <summary>The joint; <paramref name="cropToBones"/> crops every volume so the bones touch the grid's x and y edges too.</summary>
    public static BandJoint Create(int seed, bool cropToBones)
    {
        var g = new ImageGeometry(60, 50, 10, new Vector3D(0.6, 0.6, 2.0), new Vector3D(-18, -15, -10), Matrix3D.Identity);
        var fluid = new Volume<float>(g);
        var t1 = new Volume<float>(g);
        var labels = new Volume<int>(g);
        var edema = new Volume<byte>(g);
        var rng = new Random(seed);
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var inX = i is >= 4 and <= 55;
                    var label = inX && j is >= 4 and <= 24 ? 1 : inX && j is >= 28 and <= 45 ? 2 : 0;
                    (float f, float t) = label == 0 ? (inX && j is > 24 and < 28 ? (600f, 300f) : (150f, 400f)) : (100f, 1000f);
                    var r = Math.Pow((i - 30) / 20.0, 2) + Math.Pow((j - 19) / 10.0, 2) + Math.Pow((k - 4.5) / 4.0, 2);
                    if (label == 1 && r <= 1)
                    {
                        if (j is >= 18 and <= 21 && Math.Abs(i - 30) <= 15)
                        {
                            (f, t) = (110f, 300f);
                        }
                        else
                        {
                            (f, t) = (300f, 500f);
                            edema[i, j, k] = 1;
                        }
                    }

                    labels[i, j, k] = label;
                    fluid[i, j, k] = f + (float)(5 * (rng.NextDouble() - 0.5));
                    t1[i, j, k] = t + (float)(5 * (rng.NextDouble() - 0.5));
                }
            }
        }

        if (!cropToBones)
        {
            return new BandJoint(fluid, t1, labels, edema);
        }

        var box = new VoxelBox(4, 4, 0, 55, 45, g.SizeZ - 1);
        return new BandJoint(box.Crop(fluid), box.Crop(t1), box.Crop(labels), box.Crop(edema));
    }
}

/// <summary>
/// The band detector, the soft tissue around the bones and the muscle and free-water estimates that read it, restricted
/// to boxes (the bone's box, the bones' box grown by the reach) against the same computation on the whole grid.
/// </summary>
public class BoxedMeasureTests
{
    [Theory]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public void DetectInBone_BoneBoxAndWholeGrid_SameBand(int seed, bool cropToBones)
    {
        var joint = BandJoint.Create(seed, cropToBones);
        var g = joint.Labels.Geometry;
        var bones = BoneGeometry.Compute(joint.Labels, [1, 2], AnalysisOptions.Default, TestContext.Current.CancellationToken);
        var reference = ReferenceEstimator.Estimate(joint.Fluid, joint.T1, bones.Union, bones.SurfaceDepthMm, null);
        var toEdema = LowSignalBandDetector.DistanceToMaskWithin(joint.Edema, LowSignalBandDetector.EdemaReachMm);

        // The whole grid as the box and no candidate crop: every loop runs over every voxel, as the detector did before
        // it used boxes.
        var whole = new VoxelBox(0, 0, 0, g.SizeX - 1, g.SizeY - 1, g.SizeZ - 1);
        var onGrid = LowSignalBandDetector.DetectInBone(1, whole, joint.Edema, joint.Labels, bones, joint.Fluid, joint.T1, reference, toEdema, cropCandidates: false);
        var onBox = LowSignalBandDetector.DetectInBone(1, VoxelBox.Of(joint.Labels, 1)!.Value, joint.Edema, joint.Labels, bones, joint.Fluid, joint.T1, reference, toEdema);

        var band = Assert.Single(onGrid);
        Assert.InRange(band.ThicknessMm, 1.4, 3.4);
        Assert.InRange(band.LengthMm, 15, 21);
        Assert.Equal(onGrid, onBox);
    }

    [Theory]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public void Around_Joint_EqualsWholeGridDistanceWithinReach(int seed, bool cropToBones)
    {
        var joint = BandJoint.Create(seed, cropToBones);
        var union = new Volume<byte>(joint.Labels.Geometry);
        for (var i = 0; i < union.Length; i++)
        {
            union.Data[i] = (byte)(joint.Labels.Data[i] > 0 ? 1 : 0);
        }

        var d = DistanceTransform.OutsideMm(union).Data;
        var expected = Enumerable.Range(0, d.Length).Where(i => d[i] > 0 && d[i] <= BoneShell.ReachMm).ToArray();
        Assert.NotEmpty(expected);
        var shell = BoneShell.Around(union);
        Assert.Equal(expected, shell.Indices);
        Assert.Equal(expected.Select(i => d[i]).ToArray(), shell.DistanceMm);
    }

    [Fact]
    public void Around_NoBone_Empty()
    {
        var shell = BoneShell.Around(new Volume<byte>(new ImageGeometry(6, 5, 4, new Vector3D(1, 1, 1), Vector3D.Zero, Matrix3D.Identity)));
        Assert.Empty(shell.Indices);
        Assert.Empty(shell.DistanceMm);
    }

    [Fact]
    public void Estimate_SyntheticJoint_EqualsWholeGridMaskedQuantiles()
    {
        var s = SyntheticStudy.Create(new Vector3D(8, 8, 5), 8, 35);
        var bones = BoneGeometry.Compute(s.Labels, [1, 2], AnalysisOptions.Default, TestContext.Current.CancellationToken);
        var reference = ReferenceEstimator.Estimate(s.Fluid, s.T1, bones.Union, bones.SurfaceDepthMm, null);
        var found = MuscleEstimator.Estimate(s.Fluid, s.T1, BoneShell.Around(bones.Union), reference);

        // The rule written out on the whole grid: every 7th voxel for the 99th percentiles, the distance to the bones
        // from the whole-grid transform, quantiles of masked samples.
        var f = s.Fluid.Data;
        var t = s.T1.Data;
        var stride = new byte[f.Length];
        for (var i = 0; i < stride.Length; i += 7)
        {
            stride[i] = 1;
        }

        var fluidHigh = MaskedSample.From(f, stride).Quantile(0.99);
        var t1High = MaskedSample.From(t, stride).Quantile(0.99);
        var d = DistanceTransform.OutsideMm(bones.Union).Data;
        var candidates = new byte[f.Length];
        for (var i = 0; i < f.Length; i++)
        {
            candidates[i] = (byte)(d[i] > 0 && d[i] <= 20 && f[i] > 0.05 * fluidHigh && t[i] > 0.05 * t1High && t[i] < 0.75 * reference.T1Median!.Value ? 1 : 0);
        }

        var fluidMax = 2 * MaskedSample.From(f, candidates).Quantile(0.5);
        for (var i = 0; i < f.Length; i++)
        {
            candidates[i] = (byte)(candidates[i] != 0 && f[i] <= fluidMax ? 1 : 0);
        }

        Assert.True(candidates.Count(c => c != 0) >= 100, "enough soft tissue for an estimate (else the test shows nothing)");
        var expected = (MaskedSample.From(f, candidates).Quantile(0.5), MaskedSample.From(t, candidates).Quantile(0.5));
        Assert.Equal(expected, found);
    }

    [Fact]
    public void EstimateT1_SyntheticJointWithFluid_EqualsWholeGridRule()
    {
        var s = SyntheticStudy.Create(new Vector3D(8, 8, 5), 8, 36);
        var bones = BoneGeometry.Compute(s.Labels, [1, 2], AnalysisOptions.Default, TestContext.Current.CancellationToken);
        (double Fluid, double T1) muscle = (150, 400);
        var found = Internal.Edema.FreeWaterEstimator.EstimateT1(s.Fluid, s.T1, BoneShell.Around(bones.Union), muscle);

        // The rule written out on the whole grid: soft tissue within 10 mm of the bones (whole-grid transform), brighter
        // than 1.5 × muscle on the fluid series and darker than muscle on T1; the brightest tenth; their T1 median.
        var f = s.Fluid.Data;
        var t = s.T1.Data;
        var d = DistanceTransform.OutsideMm(bones.Union).Data;
        var candidates = Enumerable.Range(0, f.Length).Where(i => d[i] > 0 && d[i] <= 10 && f[i] > 1.5 * muscle.Fluid && t[i] < muscle.T1).ToList();
        var top = candidates.Count / 10;
        Assert.True(top >= 20, "enough joint fluid for an estimate (else the test shows nothing)");
        var t1Values = candidates.OrderByDescending(i => f[i]).Take(top).Select(i => t[i]).Order().ToArray();
        Assert.Equal(0.5 * (t1Values[(top - 1) / 2] + t1Values[top / 2]), found);
    }
}
