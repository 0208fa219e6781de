using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal;
using BmeQuant.Quantification.Internal.Edema;

namespace BmeQuant.Quantification.Tests;

/// <summary>
/// The edema-fraction map: lesion voxels at their fraction under the partial-volume model, and the bones' boundary-layer
/// voxels next to a lesion at <see cref="EdemaFraction.BoundaryLayerWeight"/> of theirs (their signal also holds what lies
/// outside the bone).
/// </summary>
public class EdemaFractionTests
{
    private const double Normal = 100;
    private static readonly FullEdemaSignal s_full = new(600, "t1-fat-loss", "test");

    /// <summary>
    /// A 10 × 10 × 6 bone (label 1) on a 12 × 12 × 8 grid, every voxel at fraction 0.6 (fluid 400); a lesion (support) of
    /// 3 × 3 × 2 interior voxels touching the bone's top face layer at z = 1 through the voxels above it.
    /// </summary>
    private static (Volume<float> Fluid, Volume<byte> Edema, Volume<byte> Support, Volume<byte> Boundary) Build()
    {
        var g = new ImageGeometry(12, 12, 8, new Vector3D(1, 1, 2), Vector3D.Zero);
        var labels = new Volume<int>(g);
        var fluid = new Volume<float>(g);
        var support = new Volume<byte>(g);
        for (var k = 0; k < 8; k++)
        {
            for (var j = 0; j < 12; j++)
            {
                for (var i = 0; i < 12; i++)
                {
                    var at = i + (12 * j) + (144 * k);
                    labels.Data[at] = i is >= 1 and <= 10 && j is >= 1 and <= 10 && k is >= 1 and <= 6 ? 1 : 0;
                    fluid.Data[at] = (float)(Normal + (0.6 * (s_full.Fluid - Normal)));
                    support.Data[at] = (byte)(i is >= 4 and <= 6 && j is >= 4 and <= 6 && k is 2 or 3 ? 1 : 0);
                }
            }
        }

        return (fluid, new Volume<byte>(g), support, EdemaSegmenter.BoundaryLayer(labels));
    }

    [Fact]
    public void Map_WithoutBoundaryLayer_OnlyLesionVoxelsCarryTheirFraction()
    {
        var (fluid, edema, support, _) = Build();

        var map = EdemaFraction.Map(fluid, edema, support, s_full, Normal);

        Assert.Equal(18 * 0.6, map.Data.Sum(v => (double)v), 4);
        Assert.Equal(0.6f, map[5, 5, 2], 5);
        Assert.Equal(0f, map[5, 5, 1]);
    }

    [Fact]
    public void Map_BoundaryLayerVoxelsNextToALesion_CountWithHalfTheirFraction()
    {
        var (fluid, edema, support, boundary) = Build();

        var map = EdemaFraction.Map(fluid, edema, support, s_full, Normal, boundary);

        // The nine boundary voxels of the top face layer (z = 1) under the lesion touch it through a face: half of 0.6.
        Assert.Equal(EdemaFraction.BoundaryLayerWeight * 0.6f, map[5, 5, 1], 5);
        Assert.Equal(EdemaFraction.BoundaryLayerWeight * 0.6f, map[4, 6, 1], 5);

        // Diagonal to the lesion only, interior non-lesion marrow beside it, and outside the bone: nothing.
        Assert.Equal(0f, map[3, 5, 1]);
        Assert.Equal(0f, map[3, 5, 2]);
        Assert.Equal(0f, map[5, 5, 0]);

        // Lesion voxels keep their own fraction; the sum is theirs plus half of the nine boundary voxels'.
        Assert.Equal(0.6f, map[5, 5, 2], 5);
        Assert.Equal((18 * 0.6) + (9 * EdemaFraction.BoundaryLayerWeight * 0.6), map.Data.Sum(v => (double)v), 4);
    }

    [Fact]
    public void Map_BoundaryVoxelInTheEdemaMask_KeepsItsWholeFraction()
    {
        // A boundary voxel the segmentation joined to the lesion (in the edema mask) is a lesion voxel: counted whole.
        var (fluid, edema, support, boundary) = Build();
        edema[5, 5, 1] = 1;

        var map = EdemaFraction.Map(fluid, edema, support, s_full, Normal, boundary);

        Assert.Equal(0.6f, map[5, 5, 1], 5);
        Assert.Equal(EdemaFraction.BoundaryLayerWeight * 0.6f, map[4, 5, 1], 5);
    }
}
