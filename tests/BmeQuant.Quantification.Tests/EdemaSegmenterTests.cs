using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal;

namespace BmeQuant.Quantification.Tests;

/// <summary>The boundary-chain join of <see cref="EdemaSegmenter"/> on hand-built rows of voxels.</summary>
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
}
