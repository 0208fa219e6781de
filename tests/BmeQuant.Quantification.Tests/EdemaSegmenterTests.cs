using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal;
using BmeQuant.Quantification.Internal.Edema;

namespace BmeQuant.Quantification.Tests;

/// <summary>
/// The raw decision and the boundary-chain join of <see cref="EdemaSegmenter"/> on hand-built rows of voxels; lesions
/// and the rim filter on the bones' work box are the whole grid's.
/// </summary>
public class EdemaSegmenterTests
{
    // One row of 20 voxels, 1 mm apart in x: a lesion on voxels 0-1, boundary voxels above threshold on 2-12.
    private static (byte[] Raw, float[] Fluid, byte[] Mask, float[] Level, ImageGeometry Grid) Row(float spacingMm = 1)
    {
        var g = new ImageGeometry(20, 1, 1, new Vector3D(spacingMm, 1, 1), Vector3D.Zero);
        var raw = new byte[20];
        var fluid = new float[20];
        var mask = new byte[20];
        var level = new float[20];
        for (var i = 0; i < 20; i++)
        {
            fluid[i] = 100;
        }

        raw[0] = raw[1] = EdemaSegmenter.Interior;
        mask[0] = mask[1] = 1;
        level[0] = level[1] = 50;
        for (var i = 2; i <= 12; i++)
        {
            raw[i] = EdemaSegmenter.Boundary;
        }

        return (raw, fluid, mask, level, g);
    }

    [Fact]
    public void JoinBoundaryChains_ChainOfBoundaryVoxels_JoinsUpToTheMaximumPath()
    {
        var (raw, fluid, mask, level, g) = Row();
        EdemaSegmenter.JoinBoundaryChains(raw, fluid, mask, level, g, maxPathMm: 5);

        // Voxels 2..6 lie 1..5 mm from the lesion along the chain; 7 (6 mm) and beyond stay out.
        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], mask.Select(v => (int)v));
        Assert.Equal(50f, level[6]);
    }

    [Fact]
    public void JoinBoundaryChains_PathCountsMillimetresNotVoxels()
    {
        var (raw, fluid, mask, level, g) = Row(spacingMm: 2.5f);
        EdemaSegmenter.JoinBoundaryChains(raw, fluid, mask, level, g, maxPathMm: 5);

        // 2.5 mm steps: two boundary voxels fit in 5 mm.
        Assert.Equal(4, mask.Count(v => v != 0));
    }

    [Fact]
    public void JoinBoundaryChains_VoxelBelowEdgeLevelOrNotBoundary_BreaksTheChain()
    {
        var (raw, fluid, mask, level, g) = Row();
        fluid[4] = 49;
        raw[9] = EdemaSegmenter.Interior;
        EdemaSegmenter.JoinBoundaryChains(raw, fluid, mask, level, g, maxPathMm: double.PositiveInfinity);

        // 2 and 3 join; 4 is below the lesion's edge level, so nothing beyond it is reached (9 is not boundary anyway).
        Assert.Equal([1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], mask.Select(v => (int)v));
    }

    [Fact]
    public void JoinBoundaryChains_OneStepLimit_IsTheFormerFaceAdjacentJoin()
    {
        var (raw, fluid, mask, level, g) = Row();
        EdemaSegmenter.JoinBoundaryChains(raw, fluid, mask, level, g, maxPathMm: 1);
        Assert.Equal(3, mask.Count(v => v != 0));
    }

    [Fact]
    public void JoinBoundaryChains_SeededAtBoundaryContactsOnly_SameAsSeededFromEveryLesionVoxel()
    {
        // Random lesions (two edge levels) among boundary voxels on an anisotropic grid whose steps make equal paths
        // common (1 + 1 = 2 mm): the search seeded only where a lesion touches the boundary layer gives the same mask
        // and levels as the search seeded from every lesion voxel.
        var g = new ImageGeometry(24, 20, 6, new Vector3D(1, 1, 2), Vector3D.Zero);
        var random = new Random(20261130);
        var joinedSomewhere = 0;
        for (var trial = 0; trial < 20; trial++)
        {
            var n = g.SizeX * g.SizeY * g.SizeZ;
            var raw = new byte[n];
            var fluid = new float[n];
            var mask = new byte[n];
            var level = new float[n];
            for (var i = 0; i < n; i++)
            {
                var u = random.NextDouble();
                raw[i] = u < 0.15 ? EdemaSegmenter.Interior : u < 0.75 ? EdemaSegmenter.Boundary : (byte)0;
                fluid[i] = (float)(40 + (40 * random.NextDouble()));
                if (raw[i] == EdemaSegmenter.Interior)
                {
                    mask[i] = 1;
                    level[i] = random.NextDouble() < 0.5 ? 50 : 65;
                }
            }

            var (mask2, level2) = ((byte[])mask.Clone(), (float[])level.Clone());
            EdemaSegmenter.JoinBoundaryChains(raw, fluid, mask, level, g, maxPathMm: 5);
            EdemaSegmenter.JoinBoundaryChains(raw, fluid, mask2, level2, g, maxPathMm: 5, seedFromEveryLesionVoxel: true);
            Assert.Equal(mask2, mask);
            Assert.Equal(level2, level);
            joinedSomewhere += mask.Count(v => v != 0) - raw.Count(v => v == EdemaSegmenter.Interior);
        }

        Assert.True(joinedSomewhere > 1000, $"only {joinedSomewhere} boundary voxels joined over the trials: the case does not exercise the chains");
    }

    [Fact]
    public void JoinBoundaryChains_EqualPathFromTwoLesions_TakesTheLowerEdgeLevel()
    {
        // Lesions at both ends of a row of boundary voxels (levels 60 and 50): the middle voxel, 3 mm from each, carries 50.
        var g = new ImageGeometry(7, 1, 1, new Vector3D(1, 1, 1), Vector3D.Zero);
        var raw = new byte[7];
        var fluid = new float[7];
        var mask = new byte[7];
        var level = new float[7];
        Array.Fill(fluid, 70f);
        Array.Fill(raw, EdemaSegmenter.Boundary);
        raw[0] = raw[6] = EdemaSegmenter.Interior;
        mask[0] = mask[6] = 1;
        level[0] = 60;
        level[6] = 50;
        EdemaSegmenter.JoinBoundaryChains(raw, fluid, mask, level, g, maxPathMm: 5);
        Assert.All(mask, v => Assert.Equal(1, v));
        Assert.Equal([60f, 60f, 60f, 50f, 50f, 50f, 50f], level);
    }

    [Theory]
    [InlineData(140f, 500f, (int)EdemaSegmenter.Interior)] // 4 SD above the median, T1 normal: edema
    [InlineData(140f, 600f, 0)] // 4 SD, T1 2 SD brighter than normal marrow: vetoed as fat
    [InlineData(158f, 600f, 0)] // 5.8 SD: still within twice the rule's 3 SD margin, vetoed
    [InlineData(162f, 600f, (int)EdemaSegmenter.Interior)] // 6.2 SD: too bright on the fat-suppressed series for fat, kept
    [InlineData(125f, 600f, 0)] // below threshold either way
    public void Threshold_T1BrightVoxel_VetoedUnlessFluidRulesOutFat(float fluidValue, float t1Value, int expected)
    {
        // Normal marrow: fluid median 100, robust SD 10 (robust rule, K 3: threshold 130, veto exemption above 160);
        // T1 median 500, robust SD 50 (veto at 1 SD brighter: above 550).
        var g = new ImageGeometry(2, 1, 1);
        var fluid = new Volume<float>(g);
        var t1 = new Volume<float>(g);
        var bones = new Volume<byte>(g);
        var depth = new Volume<float>(g);
        fluid.Data[0] = fluidValue;
        t1.Data[0] = t1Value;
        fluid.Data[1] = 100;
        t1.Data[1] = 500;
        Array.Fill(bones.Data, (byte)1);
        Array.Fill(depth.Data, 10f);
        var reference = new ReferenceStats("mask", bones, MaskedSample.From(fluid.Data, bones.Data), 100, 93.255, 106.745, 10, 500, 50);
        var options = AnalysisOptions.Default;
        var rule = ThresholdRule.Create(options, reference, hasT1: true);
        Assert.Equal(130, rule.FluidThreshold, 9);

        var raw = EdemaSegmenter.Threshold(fluid, t1, bones, new Volume<byte>(g), depth, reference, rule, rule.FluidThreshold, options);
        Assert.Equal(expected, raw.Data[0]);
        Assert.Equal(0, raw.Data[1]);
    }

    [Fact]
    public void CleanAndRimFilter_OnWorkBox_SameAsOnWholeGrid()
    {
        // A bone (cylinder, slices 0-7 of 10: the box is clamped at the grid's first slice) on an anisotropic grid with
        // noise above threshold here and there, two edematous spheres (one with an enclosed normal voxel: a hole to
        // fill) and a thin ring walling off fatty marrow (a demarcation rim the filter removes).
        var g = new ImageGeometry(72, 64, 10, new Vector3D(0.8, 0.8, 2.5), Vector3D.Zero);
        var labels = new Volume<int>(g);
        var fluid = new Volume<float>(g);
        var t1 = new Volume<float>(g);
        var random = new Random(61);
        for (var k = 0; k < 8; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var at = (int)g.Offset(i, j, k);
                    var r = 0.8 * Math.Sqrt(((i - 40) * (i - 40)) + ((j - 30) * (j - 30)));
                    if (r >= 20)
                    {
                        continue;
                    }

                    labels.Data[at] = 1;
                    var noise = (float)(15 * ((random.NextDouble() + random.NextDouble() + random.NextDouble()) - 1.5) * 2);
                    var ring = r >= 8 && r < 9.6;
                    var sphere = Distance(i, j, k, 21, 30, 4) < 3.5 || Distance(i, j, k, 40, 49, 3) < 3;
                    var hole = i == 21 && j == 30 && k == 4;
                    var edema = (ring || sphere) && !hole;
                    fluid.Data[at] = (edema ? 600 : 100) + noise;
                    t1.Data[at] = (edema ? 450 : 1000) + noise;
                }
            }
        }

        var bones = BoneGeometry.Compute(labels, [1], AnalysisOptions.Default, TestContext.Current.CancellationToken);
        var normal = new Volume<byte>(g);
        for (var i = 0; i < normal.Length; i++)
        {
            normal.Data[i] = (byte)(labels.Data[i] != 0 && fluid.Data[i] < 300 ? 1 : 0);
        }

        var options = AnalysisOptions.Default;
        var reference = new ReferenceStats("estimated", normal, MaskedSample.From(fluid.Data, normal.Data), 100, 90, 110, 15, 1000, 20);
        var rule = ThresholdRule.Create(options, reference, hasT1: true);
        var raw = EdemaSegmenter.Threshold(fluid, t1, bones.Union, EdemaSegmenter.BoundaryLayer(labels), bones.SurfaceDepthMm, reference, rule, rule.FluidThreshold, options);

        var support = new Volume<byte>(g);
        var notes = new List<string>();
        var mask = DemarcationRimFilter.Apply(EdemaSegmenter.Clean(raw, fluid, bones.Union, reference, 300, 1, options, double.NaN, support), support, fluid, t1, bones, reference, notes);

        var box = EdemaSegmenter.WorkBox(bones.Union);
        var boxFluid = box.Crop(fluid);
        var boxBones = box.Crop(bones.Union);
        var boxSupport = new Volume<byte>(boxFluid.Geometry);
        var boxNotes = new List<string>();
        var boxMask = DemarcationRimFilter.Apply(EdemaSegmenter.Clean(box.Crop(raw), boxFluid, boxBones, reference, 300, 1, options, double.NaN, boxSupport), boxSupport, boxFluid, box.Crop(t1), boxBones, box.Crop(bones.SurfaceDepthMm), reference, boxNotes);

        Assert.Equal(new Internal.Bones.VoxelBox(15, 5, 0, 65, 55, 8), box);
        Assert.True(EdemaAnalyzer.Count(mask) > 100);
        Assert.Single(notes);
        Assert.True(EdemaAnalyzer.Count(support) > EdemaAnalyzer.Count(mask) / 2);
        Assert.Equal(mask.Data, EdemaSegmenter.PasteBox(box, boxMask, g).Data);
        Assert.Equal(support.Data, EdemaSegmenter.PasteBox(box, boxSupport, g).Data);
        Assert.Equal(notes, boxNotes);

        static double Distance(int i, int j, int k, int ci, int cj, int ck) =>
            Math.Sqrt((0.64 * (((i - ci) * (i - ci)) + ((j - cj) * (j - cj)))) + (6.25 * (k - ck) * (k - ck)));
    }
}
