using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal.Bones;

namespace BmeQuant.Quantification.Tests.Bones;

/// <summary>
/// The lumbar bodies above a labelled sacrum on a synthetic spine (1 mm voxels, identity direction: index X is
/// patient left, Z superior). Sacrum labelled at Z 0–19 with unlabelled marrow of its own above it (Z 20–29, no disc
/// between); an 8 mm disc; L5 (Z 38–62) whose lower half is edematous (T1 below the marrow band, fluid-sensitive
/// bright); another disc; L4 (Z 71–95); a marrow-level block beside L5, off the midline; muscle elsewhere.
/// </summary>
public class VertebraFinderTests
{
    private const int Sacrum = 1;

    // Soft tissue T1 500 / fluid 300, fat T1 1500 / fluid 500, T1-led: marrow T1 700–1200, fluid < 550.
    private static readonly TissueLevels s_levels = new(250, 500, 300, 1500, 500) { T1Led = true };

    [Fact]
    public void Find_StackedBodiesAboveTheSacrum_SacrumTopJoinedBodiesChainedWithTheirEdemaAndOffMidlineBlockLeft()
    {
        var (fluid, t1, labels) = Spine(withMarrowAbove: true);
        var found = VertebraFinder.Find(fluid, t1, labels, Sacrum, s_levels);
        Assert.NotNull(found.SacrumParts);
        Assert.Equal(2, found.Vertebrae.Count);
        var g = labels.Geometry;
        var (top, l5, edema, l4, disc, side) = (0, 0, 0, 0, 0, 0);
        var (topFound, l5Found, edemaFound, l4Found, discFound, sideFound, misplaced) = (0, 0, 0, 0, 0, 0, 0);
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var at = (int)g.Offset(i, j, k);
                    var inTop = found.SacrumParts.Data[at] != 0;
                    var inL5 = found.Vertebrae[0].Data[at] != 0;
                    var inL4 = found.Vertebrae[1].Data[at] != 0;
                    switch (Part(i, j, k))
                    {
                        case "top":
                            top++;
                            topFound += inTop ? 1 : 0;
                            misplaced += inL5 || inL4 ? 1 : 0;
                            break;
                        case "edema":
                            edema++;
                            edemaFound += inL5 ? 1 : 0;
                            misplaced += inTop || inL4 ? 1 : 0;
                            break;
                        case "L5":
                            l5++;
                            l5Found += inL5 ? 1 : 0;
                            misplaced += inTop || inL4 ? 1 : 0;
                            break;
                        case "L4":
                            l4++;
                            l4Found += inL4 ? 1 : 0;
                            misplaced += inTop || inL5 ? 1 : 0;
                            break;
                        case "disc":
                            disc++;
                            discFound += inTop || inL5 || inL4 ? 1 : 0;
                            break;
                        case "side":
                            side++;
                            sideFound += inTop || inL5 || inL4 ? 1 : 0;
                            break;
                        default:
                            misplaced += inTop || inL5 || inL4 ? 1 : 0;
                            break;
                    }
                }
            }
        }

        Assert.True(topFound >= 0.95 * top, $"{topFound} of {top} voxels of the sacrum's top found");
        Assert.True(l5Found >= 0.95 * l5, $"{l5Found} of {l5} L5 marrow voxels found");
        Assert.True(edemaFound >= 0.95 * edema, $"{edemaFound} of {edema} L5 edema voxels found");
        Assert.True(l4Found >= 0.95 * l4, $"{l4Found} of {l4} L4 voxels found");
        Assert.True(disc > 0 && side > 0);
        Assert.Equal(0, discFound);
        Assert.Equal(0, sideFound);
        Assert.Equal(0, misplaced);
    }

    [Fact]
    public void Find_OnlyMuscleAboveTheSacrum_FindsNothing()
    {
        var (fluid, t1, labels) = Spine(withMarrowAbove: false);
        var found = VertebraFinder.Find(fluid, t1, labels, Sacrum, s_levels);
        Assert.Null(found.SacrumParts);
        Assert.Empty(found.Vertebrae);
    }

    [Fact]
    public void Find_BodyBeyondTheDiscGap_NotChained()
    {
        // L5 moved up so that its marrow starts 25 mm above the sacrum's top (> DiscGapMm): neither it nor L4 is taken.
        var (fluid, t1, labels) = Spine(withMarrowAbove: true, shiftMm: 17);
        var found = VertebraFinder.Find(fluid, t1, labels, Sacrum, s_levels);
        Assert.NotNull(found.SacrumParts);
        Assert.Empty(found.Vertebrae);
    }

    /// <summary>Which part of the synthetic spine voxel (i, j, k) belongs to (shift: the bodies moved up).</summary>
    private static string Part(int i, int j, int k, int shift = 0)
    {
        var midline = i is >= 30 and <= 69 && j is >= 2 and <= 17;
        return (midline, k - shift) switch
        {
            (true, _) when k < 20 => "sacrum",
            (true, _) when k < 30 => "top",
            (true, < 38) => "disc",
            (true, < 50) => "edema",
            (true, < 63) => "L5",
            (true, < 71) => "disc",
            (true, < 96) => "L4",
            (false, >= 38 and < 63) when i is >= 0 and <= 25 && j is >= 2 and <= 17 => "side",
            _ => "muscle",
        };
    }

    private static (Volume<float> Fluid, Volume<float> T1, Volume<int> Labels) Spine(bool withMarrowAbove, int shiftMm = 0)
    {
        var g = new ImageGeometry(100, 20, 130, 1, 1, 1);
        var t1 = new Volume<float>(g);
        var fluid = new Volume<float>(g);
        var labels = new Volume<int>(g);
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var at = (int)g.Offset(i, j, k);
                    var part = Part(i, j, k, shiftMm);
                    if (part == "sacrum")
                    {
                        labels.Data[at] = Sacrum;
                    }

                    (t1.Data[at], fluid.Data[at]) = part switch
                    {
                        "sacrum" => (900f, 400f),
                        "top" or "L5" or "L4" or "side" when withMarrowAbove => (900f, 400f),
                        "edema" when withMarrowAbove => (650f, 800f),
                        _ => (500f, 300f),
                    };
                }
            }
        }

        return (fluid, t1, labels);
    }
}
