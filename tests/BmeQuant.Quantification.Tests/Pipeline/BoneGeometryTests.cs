using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal;

namespace BmeQuant.Quantification.Tests.Pipeline;

/// <summary>
/// <see cref="BoneGeometry.Compute"/> (distance transforms on each bone's box) against
/// <see cref="BoneGeometry.ComputeFullGrid"/> (every transform on the whole grid): the same maps, voxel for voxel.
/// </summary>
public class BoneGeometryTests
{
    [Fact]
    public void Compute_KneePhantomLabels_EqualsFullGridTransforms()
    {
        var labels = PipelinePhantoms.Input(PipelinePhantoms.Aligned).BoneLabels!;
        AssertSameAsFullGrid(labels, AnalysisOptions.Default);
    }

    [Theory]
    [InlineData(4.0)]
    [InlineData(0.0)]
    [InlineData(40.0)]
    public void Compute_BlobsTouchingTheEdgesAnisotropic_EqualsFullGridTransforms(double reachMm)
    {
        // Three labelled ellipsoids on an anisotropic grid: one cut by the volume's edge, two close enough to share an
        // articular surface at the default reach, one far from the others; plus a label with a single voxel.
        var g = new ImageGeometry(48, 40, 14, new Vector3D(0.6, 0.8, 2.5), new Vector3D(-10, 5, 3), Matrix3D.Identity);
        var labels = new Volume<int>(g);
        (int Label, double X, double Y, double Z, double Rx, double Ry, double Rz)[] blobs =
        [
            (1, 2, 10, 6, 9, 6, 12),
            (2, 22, 12, 7, 8, 7, 10),
            (3, 22, 27, 7, 8, 5, 9),
            (5, 40, 35, 12, 5, 4, 8),
        ];
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    foreach (var b in blobs)
                    {
                        var dx = ((i * 0.6) - (b.X * 0.6)) / b.Rx;
                        var dy = ((j * 0.8) - (b.Y * 0.8)) / b.Ry;
                        var dz = ((k * 2.5) - (b.Z * 2.5)) / b.Rz;
                        if ((dx * dx) + (dy * dy) + (dz * dz) <= 1)
                        {
                            labels.Data[(int)g.Offset(i, j, k)] = b.Label;
                        }
                    }
                }
            }
        }

        labels.Data[(int)g.Offset(47, 0, 0)] = 9;
        AssertSameAsFullGrid(labels, AnalysisOptions.Default with { ArticularSurfaceReachMm = reachMm });
    }

    [Fact]
    public void Compute_CondyleOnPlateauThickSlices_LesionUnderTheCondyleMeasuredFromItsArticularSurface()
    {
        // A knee-like joint on a sagittal thick-slice grid (1.3 × 1.3 mm in plane, 3.85 mm slices along z): a convex
        // condyle (ellipsoid) 4.5 mm above a flat plateau (two cartilage layers), the gap widening away from the contact
        // point; a subchondral lesion ball (radius 7 mm, centre 9 mm above the condyle's lowest point). Its voxels lie
        // under the condyle's cartilage-covered underside: their depth from the articular surface must be their depth
        // below the bone surface. That takes the default surface reach of 10 mm; at 6 mm (the former default) only the
        // contact point is articular and the lesion reads 2.3 mm deeper on average (the knee phantom's femur: 21 surface
        // voxels, its 10 mm lesion read 3 mm deeper on average, 57 % of it > 2 mm deeper; see docs/methods.md, depth).
        var (meanExcess, deeperShare, count, has) = CondyleLesionExcess(AnalysisOptions.Default);
        Assert.True(count > 100, $"lesion voxels {count}");
        Assert.True(has);
        Assert.True(meanExcess < 1.0, $"lesion's articular depth exceeds its surface depth by {meanExcess:F2} mm on average");
        Assert.True(deeperShare < 0.05, $"{deeperShare:P1} of the lesion voxels > 2 mm deeper from the articular surface than below the bone surface");
    }

    [Fact]
    public void Compute_CondyleOnPlateauThickSlicesAt6Mm_LesionReadsDeep()
    {
        // The same joint at the former 6 mm reach: the fault the wider surface fixes (so the test above can fail).
        var (meanExcess, deeperShare, _, _) = CondyleLesionExcess(AnalysisOptions.Default with { ArticularSurfaceReachMm = 6 });
        Assert.True(meanExcess > 1.5, $"mean excess {meanExcess:F2} mm");
        Assert.True(deeperShare > 0.2, $"share > 2 mm deeper {deeperShare:P1}");
    }

    /// <summary>The lesion's mean excess of articular over surface depth (mm), the share more than 2 mm deeper, its voxel count, and whether the condyle has an articular surface.</summary>
    private static (double MeanExcessMm, double DeeperShare, int Count, bool HasArticular) CondyleLesionExcess(AnalysisOptions options)
    {
        var g = new ImageGeometry(64, 64, 16, new Vector3D(1.3, 1.3, 3.85), Vector3D.Zero, Matrix3D.Identity);
        var labels = new Volume<int>(g);
        const double Cx = 41.6, Cz = 28.9, Plateau = 38, Gap = 4.5, Rx = 20, Ry = 24, Rz = 14;
        const double Lowest = Plateau + Gap, LesionY = Lowest + 9, LesionR = 7;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    double x = i * 1.3, y = j * 1.3, z = k * 3.85;
                    var dx = (x - Cx) / Rx;
                    var dy = (y - (Lowest + Ry)) / Ry;
                    var dz = (z - Cz) / Rz;
                    var at = (int)g.Offset(i, j, k);
                    if (y <= Plateau)
                    {
                        labels.Data[at] = 2;
                    }
                    else if ((dx * dx) + (dy * dy) + (dz * dz) <= 1 || (y >= Lowest + Ry && Math.Abs(x - Cx) <= Rx && Math.Abs(z - Cz) <= Rz))
                    {
                        labels.Data[at] = 1;
                    }
                }
            }
        }

        var bones = BoneGeometry.Compute(labels, [1, 2], options, TestContext.Current.CancellationToken);

        double sumExcess = 0;
        int count = 0, deeper = 0;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    double x = (i * 1.3) - Cx, y = (j * 1.3) - LesionY, z = (k * 3.85) - Cz;
                    if (labels[i, j, k] != 1 || (x * x) + (y * y) + (z * z) > LesionR * LesionR)
                    {
                        continue;
                    }

                    var excess = bones.ArticularDepthMm[i, j, k] - bones.SurfaceDepthMm[i, j, k];
                    sumExcess += excess;
                    count++;
                    deeper += excess > 2 ? 1 : 0;
                }
            }
        }

        return (count > 0 ? sumExcess / count : double.NaN, count > 0 ? deeper / (double)count : double.NaN, count, bones.HasArticularSurface[1]);
    }

    private static void AssertSameAsFullGrid(Volume<int> labels, AnalysisOptions options)
    {
        var list = labels.Data.Where(v => v > 0).Distinct().Order().ToList();
        var fast = BoneGeometry.Compute(labels, list, options, TestContext.Current.CancellationToken);
        var full = BoneGeometry.ComputeFullGrid(labels, list, options, TestContext.Current.CancellationToken);

        Assert.Equal(full.Union.Data, fast.Union.Data);
        Assert.Equal(full.ArticularSurface.Data, fast.ArticularSurface.Data);
        Assert.Equal(full.SurfaceDepthMm.Data, fast.SurfaceDepthMm.Data);
        Assert.Equal(full.ArticularDepthMm.Data, fast.ArticularDepthMm.Data);
        Assert.Equal(full.HasArticularSurface.OrderBy(p => p.Key), fast.HasArticularSurface.OrderBy(p => p.Key));

        // The maps are not trivial: some voxels deep inside, and (with a reach) an articular surface somewhere.
        Assert.Contains(fast.SurfaceDepthMm.Data, d => d > 2);
        if (options.ArticularSurfaceReachMm > 0)
        {
            Assert.Contains(fast.ArticularSurface.Data, v => v != 0);
        }
    }
}

/// <summary>The joint reference that <see cref="Internal.Pipeline.IntensityCorrection.EqualizeBones"/> hands back for reuse.</summary>
public class EqualizeBonesTests
{
    [Fact]
    public void EqualizeBones_BonesAlike_ReturnsTheJointReferenceOfTheSameInputs()
    {
        var s = SyntheticStudy.Create(new Vector3D(8, 8, 5), 8, 33);
        var list = s.Labels.Data.Where(v => v > 0).Distinct().Order().ToList();
        var bones = BoneGeometry.Compute(s.Labels, list, AnalysisOptions.Default, TestContext.Current.CancellationToken);

        var (fluid, t1, joint) = Internal.Pipeline.IntensityCorrection.EqualizeBones(s.Fluid, s.T1, s.Labels, list, new Dictionary<int, string>(), bones.Union, bones.SurfaceDepthMm, null, AnalysisOptions.Default, []);
        var direct = ReferenceEstimator.Estimate(s.Fluid, s.T1, bones.Union, bones.SurfaceDepthMm, null);

        Assert.Same(s.Fluid, fluid);
        Assert.Same(s.T1, t1);
        Assert.NotNull(joint);
        Assert.Equal(direct.FluidMedian, joint.FluidMedian);
        Assert.Equal(direct.FluidRobustSd, joint.FluidRobustSd);
        Assert.Equal(direct.T1Median, joint.T1Median);
        Assert.Equal(direct.T1RobustSd, joint.T1RobustSd);
        Assert.Equal(direct.Mask.Data, joint.Mask.Data);
    }

    [Fact]
    public void EqualizeBones_OneBoneRescaled_ReturnsNoJointReference()
    {
        var s = SyntheticStudy.Create(new Vector3D(8, 8, 5), 8, 34);
        var fluid = s.Fluid.Clone();
        for (var i = 0; i < fluid.Length; i++)
        {
            fluid.Data[i] *= s.Labels.Data[i] == 2 ? 2.5f : 1f;
        }

        var list = s.Labels.Data.Where(v => v > 0).Distinct().Order().ToList();
        var bones = BoneGeometry.Compute(s.Labels, list, AnalysisOptions.Default, TestContext.Current.CancellationToken);

        var (rescaled, _, joint) = Internal.Pipeline.IntensityCorrection.EqualizeBones(fluid, s.T1, s.Labels, list, new Dictionary<int, string>(), bones.Union, bones.SurfaceDepthMm, null, AnalysisOptions.Default, []);

        Assert.NotSame(fluid, rescaled);
        Assert.Null(joint);
    }
}

/// <summary>The boxed distance map the band detector reads (<see cref="LowSignalBandDetector.DistanceToMaskWithin"/>).</summary>
public class BoxedDistanceTests
{
    [Theory]
    [InlineData(8.0)]
    [InlineData(3.0)]
    public void DistanceToMaskWithin_RandomBlobs_EqualsWholeGridTransformUpToTheReachAndExceedsItElsewhere(double reachMm)
    {
        var g = new ImageGeometry(60, 50, 16, new Vector3D(0.5, 0.5, 3.3), Vector3D.Zero, Matrix3D.Identity);
        var mask = new Volume<byte>(g);
        var random = new Random(616);
        for (var n = 0; n < 5; n++)
        {
            int ci = random.Next(15, 45), cj = random.Next(12, 38), ck = random.Next(4, 12);
            for (var k = ck - 1; k <= ck + 1; k++)
            {
                for (var j = cj - 3; j <= cj + 3; j++)
                {
                    for (var i = ci - 4; i <= ci + 4; i++)
                    {
                        mask.Data[(int)g.Offset(i, j, k)] = 1;
                    }
                }
            }
        }

        var whole = Imaging.Filters.DistanceTransform.OutsideMm(mask).Data;
        var boxed = LowSignalBandDetector.DistanceToMaskWithin(mask, reachMm).Data;

        var beyond = 0;
        for (var i = 0; i < whole.Length; i++)
        {
            if (whole[i] <= reachMm)
            {
                Assert.Equal(whole[i], boxed[i]);
            }
            else
            {
                Assert.True(boxed[i] > reachMm, $"voxel {i}: boxed {boxed[i]} mm where the distance is {whole[i]} mm > {reachMm} mm");
                beyond++;
            }
        }

        Assert.True(beyond > 0, "some voxels lie beyond the reach (else the test shows nothing)");
        Assert.Contains(boxed, float.IsPositiveInfinity);
    }

    [Fact]
    public void DistanceToMaskWithin_EmptyMask_InfiniteEverywhere()
    {
        var mask = new Volume<byte>(new ImageGeometry(8, 8, 3, new Vector3D(1, 1, 2), Vector3D.Zero, Matrix3D.Identity));
        Assert.All(LowSignalBandDetector.DistanceToMaskWithin(mask, 8).Data, d => Assert.True(float.IsPositiveInfinity(d)));
    }
}

/// <summary>The muscle estimate's selection quantile against the sorted sample's.</summary>
public class SelectQuantileTests
{
    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(2, 0.99)]
    [InlineData(1000, 0.5)]
    [InlineData(1001, 0.99)]
    [InlineData(50_000, 0.99)]
    [InlineData(50_000, 0.0)]
    [InlineData(50_000, 1.0)]
    public void SelectQuantileAt_RandomValuesWithTiesAndNaN_EqualsSortedSampleQuantile(int length, double p)
    {
        var random = new Random(length + (int)(p * 100));
        var values = new float[length];
        var mask = new byte[length];
        for (var i = 0; i < length; i++)
        {
            // Few distinct values (ties), some NaN and infinities, about a third masked out.
            values[i] = random.Next(20) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => random.Next(200) * 0.5f };
            mask[i] = (byte)(random.Next(3) == 0 ? 0 : 1);
        }

        mask[0] = 1;
        values[0] = 3.5f;
        var expected = MaskedSample.From(values, mask).Quantile(p);
        var indices = Enumerable.Range(0, length).Where(i => mask[i] != 0).ToList();
        Assert.Equal(expected, MuscleEstimator.SelectQuantileAt(values, indices, p));
        Assert.Equal(MaskedSample.From(values, Enumerable.Range(0, length).Select(i => (byte)(i % 7 == 0 ? 1 : 0)).ToArray()).Quantile(p), MuscleEstimator.SelectStridedQuantile(values, 7, p));
    }

    [Fact]
    public void SelectQuantileAt_NothingFinite_NaN() =>
        Assert.True(double.IsNaN(MuscleEstimator.SelectQuantileAt([float.NaN, 1f], [0], 0.5)));
}
