using BmeQuant.Imaging;

namespace BmeQuant.Imaging.Tests;

public class ImageGeometryTests
{
    private static ImageGeometry Oblique() => new(
        7, 5, 3, new Vector3D(0.4, 0.7, 3.3), new Vector3D(-12.5, 40.25, 7), Matrix3D.FromEulerXyz(0.3, -0.2, 1.1));

    [Fact]
    public void IndexToPhysical_RoundTrip_ReturnsIndex()
    {
        var g = Oblique();
        var p = g.TransformIndexToPhysicalPoint(2.5, 4, 1.25);
        var back = g.TransformPhysicalPointToContinuousIndex(p);
        Assert.Equal(2.5, back.X, 10);
        Assert.Equal(4, back.Y, 10);
        Assert.Equal(1.25, back.Z, 10);
    }

    [Fact]
    public void IndexToPhysical_StepAlongK_MovesBySliceSpacingAlongThirdColumn()
    {
        var g = Oblique();
        var step = g.TransformIndexToPhysicalPoint(0, 0, 1) - g.TransformIndexToPhysicalPoint(0, 0, 0);
        Assert.Equal(3.3, step.Length, 10);
        Assert.Equal(1.0, step.Normalized().Dot(g.Direction.Column(2)), 10);
    }

    [Fact]
    public void Constructor_NonOrthonormalDirection_ThrowsNamingColumns()
    {
        var skew = new Matrix3D(1, 0.1, 0, 0, 1, 0, 0, 0, 1);
        var ex = Assert.Throws<ArgumentException>(() => new ImageGeometry(2, 2, 2, new Vector3D(1, 1, 1), Vector3D.Zero, skew));
        Assert.Contains("orthonormal", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-1, 1)]
    [InlineData(1, double.NaN)]
    public void Constructor_BadSizeOrSpacing_Throws(int size, double spacing)
    {
        Assert.ThrowsAny<ArgumentException>(() => new ImageGeometry(size, 2, 2, new Vector3D(spacing, 1, 1), Vector3D.Zero, Matrix3D.Identity));
    }

    [Fact]
    public void IsSameGrid_WithinTolerance_TrueAndOutside_False()
    {
        var g = Oblique();
        Assert.True(g.IsSameGrid(g.WithOrigin(g.Origin + new Vector3D(1e-5, 0, 0)), 1e-3));
        Assert.False(g.IsSameGrid(g.WithOrigin(g.Origin + new Vector3D(0.01, 0, 0)), 1e-3));
        Assert.False(g.IsSameGrid(g.WithSpacing(new Vector3D(0.4, 0.7, 3.31)), 1e-3));
    }

    [Fact]
    public void Volume_Indexer_IsXFastest()
    {
        var v = new Volume<float>(new ImageGeometry(4, 3, 2));
        v[1, 2, 1] = 5;
        Assert.Equal(5, v.Data[1 + (4 * (2 + (3 * 1)))]);
        Assert.Equal(5, v.Row(2, 1)[1]);
        Assert.Equal(5, v.Slice(1)[1 + (4 * 2)]);
    }
}
