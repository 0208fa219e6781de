using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal.Bones;

namespace BmeQuant.Quantification.Tests.Bones;

/// <summary>
/// The sacrum between two labelled ilia on a synthetic sacroiliac slab (0.6 × 0.6 × 3.3 mm voxels, identity
/// direction: index X is patient left): marrow block next to the joints with a fatty foramen, a marrow-level
/// distractor between the ilia far from the joints, muscle elsewhere.
/// </summary>
public class SacrumFinderTests
{
    private const int RightIlium = 3;
    private const int LeftIlium = 2;
    private const int Sacrum = 1;

    // Soft tissue T1 500 / fluid 300, fat T1 1500 / fluid 500, T1-led: marrow T1 700–1200, fluid < 550, fat > 1200.
    private static readonly TissueLevels s_levels = new(250, 500, 300, 1500, 500) { T1Led = true };

    [Fact]
    public void Find_MarrowBlockAtTheJoints_FoundWithItsForamenAndWithoutTheFarDistractor()
    {
        var (fluid, t1, labels) = Slab();
        var sacrum = SacrumFinder.Find(fluid, t1, labels, RightIlium, LeftIlium, s_levels);
        Assert.NotNull(sacrum);
        int block = 0, blockFound = 0, foramen = 0, foramenFound = 0, distractorFound = 0, elsewhere = 0;
        var g = labels.Geometry;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var found = sacrum.Data[g.Offset(i, j, k)] != 0;
                    if (InForamen(i, j))
                    {
                        foramen++;
                        foramenFound += found ? 1 : 0;
                    }
                    else if (InBlock(i, j))
                    {
                        block++;
                        blockFound += found ? 1 : 0;
                    }
                    else if (InDistractor(i, j))
                    {
                        distractorFound += found ? 1 : 0;
                    }
                    else
                    {
                        elsewhere += found ? 1 : 0;
                    }
                }
            }
        }

        Assert.True(blockFound >= 0.95 * block, $"{blockFound} of {block} block voxels found");
        Assert.Equal(foramen, foramenFound);
        Assert.Equal(0, distractorFound);
        Assert.Equal(0, elsewhere);
    }

    [Fact]
    public void Find_RightIliumLabelledOnlyAsALateralStrip_ItsMedialMarrowGoesBackToItNotToTheSacrum()
    {
        // The right ilium's marrow spans i < 15 but only i < 4 is labelled (the general rule kept a lateral strip):
        // the medial part i 4..14 lies between the ilia's centroids, touches the strip without a joint and stays on the
        // right of the midline; the sacrum block (i 17..62, behind the joint line) crosses the midline.
        var (fluid, t1, labels) = Slab(rightLabelledEnd: 4);
        var sacrum = SacrumFinder.Find(fluid, t1, labels, RightIlium, LeftIlium, s_levels, out var iliaMarrow);
        Assert.NotNull(sacrum);
        Assert.NotNull(iliaMarrow);
        int medial = 0, medialAsSacrum = 0, medialAsRight = 0, block = 0, blockFound = 0, asLeft = 0;
        var g = labels.Geometry;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var at = g.Offset(i, j, k);
                    asLeft += iliaMarrow.Data[at] == LeftIlium ? 1 : 0;
                    if (i is >= 4 and < 15 && j < 55)
                    {
                        medial++;
                        medialAsSacrum += sacrum.Data[at] != 0 ? 1 : 0;
                        medialAsRight += iliaMarrow.Data[at] == RightIlium ? 1 : 0;
                    }
                    else if (InBlock(i, j) && !InForamen(i, j))
                    {
                        block++;
                        blockFound += sacrum.Data[at] != 0 ? 1 : 0;
                        Assert.Equal(0, iliaMarrow.Data[at]);
                    }
                }
            }
        }

        Assert.Equal(0, medialAsSacrum);
        Assert.True(medialAsRight >= 0.9 * medial, $"{medialAsRight} of {medial} medial ilium voxels given back to the right ilium");
        Assert.True(blockFound >= 0.95 * block, $"{blockFound} of {block} block voxels found");
        Assert.Equal(0, asLeft);
    }

    [Fact]
    public void Find_NoMarrowBetweenTheIlia_ReturnsNull()
    {
        var (fluid, t1, labels) = Slab();
        Array.Fill(t1.Data, 500f);
        Assert.Null(SacrumFinder.Find(fluid, t1, labels, RightIlium, LeftIlium, s_levels));
    }

    [Fact]
    public void JoinJointGaps_NarrowGapOfMarrowOrEdema_SplitBetweenNeighboursFatAndWideGapsLeft()
    {
        // Ilia i < 15 and i >= 65 in rows 10–54. Rows 10–19: sacrum i 20..59, a 5-voxel (3 mm) gap to each ilium at an
        // edema level on T1. Rows 20–29: the same with fat in the gaps; rows 30–44 fat between the ilia. Rows 45–54:
        // sacrum i 36..43, gaps of 21 voxels (12.6 mm + one voxel > 10 mm) at the edema level.
        var g = new ImageGeometry(80, 60, 4, 0.6, 0.6, 3.3);
        var labels = new Volume<int>(g);
        var t1 = new Volume<float>(g);
        Array.Fill(t1.Data, 600f);
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 10; j < 55; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var at = g.Offset(i, j, k);
                    labels.Data[at] = i < 15 ? RightIlium : i >= 65 ? LeftIlium
                        : j < 30 ? (i >= 20 && i < 60 ? Sacrum : 0)
                        : j >= 45 && i >= 36 && i < 44 ? Sacrum : 0;
                    if (j >= 20 && j < 45 && labels.Data[at] == 0)
                    {
                        t1.Data[at] = 1500f;
                    }
                }
            }
        }

        var before = labels.Clone();
        var added = SacrumFinder.JoinJointGaps(t1, labels, Sacrum, RightIlium, LeftIlium, s_levels);
        // Row 20, first of the fat rows, is a transition on the 3×3 median: its gap voxels next to a bone may join.
        Assert.InRange(added, 2 * 5 * 10 * g.SizeZ, (2 * 5 * 10 * g.SizeZ) + (4 * g.SizeZ));
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                if (j == 20)
                {
                    continue;
                }

                for (var i = 0; i < g.SizeX; i++)
                {
                    var at = g.Offset(i, j, k);
                    var expected = before.Data[at];
                    if (expected == 0 && j >= 10 && j < 20)
                    {
                        // The nearer neighbour within the slice (a tie goes to the sacrum).
                        expected = i is >= 15 and <= 16 ? RightIlium : i is >= 17 and < 20 ? Sacrum : i is >= 60 and <= 62 ? Sacrum : i is >= 63 and < 65 ? LeftIlium : 0;
                    }

                    Assert.True(expected == labels.Data[at], $"voxel ({i}, {j}, {k}): label {labels.Data[at]}, expected {expected}");
                }
            }
        }
    }

    private static bool InBlock(int i, int j) => i >= 17 && i < 63 && j >= 25 && j < 50;

    private static bool InForamen(int i, int j) => i >= 36 && i < 42 && j >= 34 && j < 40;

    private static bool InDistractor(int i, int j) => i >= 30 && i < 50 && j >= 3 && j < 18;

    /// <summary>
    /// 80 × 60 × 6 voxels: ilia i &lt; 15 (right) and i ≥ 65 (left), rows 0–54, behind a one-voxel dark joint line;
    /// marrow block i 17..62, rows 25–49, with a fatty foramen; a marrow-level distractor i 30..49, rows 3–17 (9 mm
    /// from the ilia); muscle elsewhere.
    /// </summary>
    private static (Volume<float> Fluid, Volume<float> T1, Volume<int> Labels) Slab(int rightLabelledEnd = 15)
    {
        var g = new ImageGeometry(80, 60, 6, 0.6, 0.6, 3.3);
        var fluid = new Volume<float>(g);
        var t1 = new Volume<float>(g);
        var labels = new Volume<int>(g);
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var at = g.Offset(i, j, k);
                    var ilium = j < 55 && (i < 15 || i >= 65);
                    labels.Data[at] = !ilium || i < 15 && i >= rightLabelledEnd ? 0 : i < 15 ? RightIlium : LeftIlium;
                    (t1.Data[at], fluid.Data[at]) = ilium ? (900f, 400f)
                        : InForamen(i, j) ? (1500f, 500f)
                        : InBlock(i, j) || InDistractor(i, j) ? (900f, 400f)
                        : j < 55 && (i is 15 or 16 or 63 or 64) ? (200f, 100f)
                        : (500f, 300f);
                }
            }
        }

        return (fluid, t1, labels);
    }
}
