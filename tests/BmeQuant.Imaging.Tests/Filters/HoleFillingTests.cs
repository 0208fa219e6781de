using BmeQuant.Imaging.Filters;

namespace BmeQuant.Imaging.Tests.Filters;

public class HoleFillingTests
{
    [Fact]
    public void Fill_HollowBox_FillsTheCavityOnly()
    {
        var mask = new Volume<byte>(new ImageGeometry(12, 11, 9));
        Shell(mask, 2, 2, 2, 9, 8, 7);
        var filled = HoleFilling.Fill(mask);
        for (var k = 0; k < 9; k++)
        {
            for (var j = 0; j < 11; j++)
            {
                for (var i = 0; i < 12; i++)
                {
                    var inBox = i >= 2 && i <= 9 && j >= 2 && j <= 8 && k >= 2 && k <= 7;
                    Assert.Equal(inBox ? 1 : 0, filled[i, j, k]);
                }
            }
        }
    }

    [Fact]
    public void Fill_TubeOpenAtBothEnds_IsNotFilledIn3DButIsPerSlice()
    {
        // A square tube along z through the whole volume: its inside reaches the z faces, so it is no 3-D hole,
        // but it is a 2-D hole in every slice.
        var mask = new Volume<byte>(new ImageGeometry(10, 10, 6));
        for (var k = 0; k < 6; k++)
        {
            for (var j = 2; j <= 7; j++)
            {
                for (var i = 2; i <= 7; i++)
                {
                    mask[i, j, k] = i == 2 || i == 7 || j == 2 || j == 7 ? (byte)1 : (byte)0;
                }
            }
        }

        Assert.Equal(0, FilterTestData.Differences(mask, HoleFilling.Fill(mask)));
        var perSlice = HoleFilling.FillPerSlice(mask);
        Assert.Equal(6 * 36, perSlice.Data.Count(v => v != 0));
        Assert.Equal(1, perSlice[4, 4, 0]);
    }

    [Fact]
    public void Fill_DiagonalGapInShell_StillAHoleFor6ConnectedBackground()
    {
        // Background connects through faces only: a cavity that touches the outside only at a corner stays a hole.
        var mask = new Volume<byte>(new ImageGeometry(5, 5, 5));
        mask.Span.Fill(1);
        mask[2, 2, 2] = 0;
        Assert.Equal(125, HoleFilling.Fill(mask).Data.Count(v => v != 0));
        mask[1, 1, 1] = 0;
        mask[0, 0, 0] = 0; // the corner voxel is outside-connected; [1,1,1] touches it diagonally only
        var filled = HoleFilling.Fill(mask);
        Assert.Equal(0, filled[0, 0, 0]);
        Assert.Equal(1, filled[1, 1, 1]);
        Assert.Equal(1, filled[2, 2, 2]);
    }

    private static void Shell(Volume<byte> m, int x0, int y0, int z0, int x1, int y1, int z1)
    {
        for (var k = z0; k <= z1; k++)
        {
            for (var j = y0; j <= y1; j++)
            {
                for (var i = x0; i <= x1; i++)
                {
                    if (i == x0 || i == x1 || j == y0 || j == y1 || k == z0 || k == z1)
                    {
                        m[i, j, k] = 1;
                    }
                }
            }
        }
    }
}
