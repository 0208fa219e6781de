using BmeQuant.Imaging.Tests.Kernels;
using BmeQuant.Imaging.Thresholding;

namespace BmeQuant.Imaging.Tests.Thresholding;

public class ThresholdTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Run_AllKinds_EqualScalarPath(int kind)
    {
        foreach (var len in KernelTestData.Lengths)
        {
            var v = KernelTestData.Floats(len, len + 3, 100);
            if (len > 5)
            {
                v[len / 3] = float.NaN;
                v[len / 2] = 20f; // exactly on the threshold
            }

            var a = new byte[len];
            var b = new byte[len];
            Threshold.Run(v, a, 20f, 50f, (Threshold.Kind)kind);
            Threshold.RunScalar(v, b, 20f, 50f, (Threshold.Kind)kind);
            Assert.Equal(b, a);
        }
    }

    [Fact]
    public void AboveAtLeastBand_KnownValues()
    {
        float[] v = [1, 2, 3, float.NaN, 4, 5];
        var d = new byte[6];
        Threshold.Above(v, 3, d);
        Assert.Equal([0, 0, 0, 0, 1, 1], d);
        Threshold.AtLeast(v, 3, d);
        Assert.Equal([0, 0, 1, 0, 1, 1], d);
        Threshold.Band(v, 2, 4, d);
        Assert.Equal([0, 1, 1, 0, 1, 0], d);
    }

    [Fact]
    public void Above_Volume_EqualsSpanKernelOnEverySlice()
    {
        var g = new ImageGeometry(67, 65, 63);
        var v = new Volume<float>(g, KernelTestData.Floats((int)g.VoxelCount, 5));
        var expected = new byte[v.Length];
        Threshold.RunScalar(v.Data, expected, 100, 0, Threshold.Kind.Above);
        Assert.Equal(expected, Threshold.Above(v, 100).Data);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void IntoDestination_OddSizedParallelVolume_EqualsScalarPathAndAllocatingEntry(int kind)
    {
        // 101×97×61 = 597,617 voxels: parallel blocks, a block length that is no multiple of a vector, a scalar tail.
        var g = new ImageGeometry(101, 97, 61);
        var v = new Volume<float>(g, KernelTestData.Floats((int)g.VoxelCount, 17 + kind, 100));
        v.Data[1234] = float.NaN;
        v.Data[4321] = 20f;
        v.Data[v.Length - 1] = 50f;
        var expected = new byte[v.Length];
        Threshold.RunScalar(v.Data, expected, 20f, 50f, (Threshold.Kind)kind);
        var into = new Volume<byte>(g);
        into.Data.AsSpan().Fill(7); // stale content must be overwritten everywhere
        Volume<byte> allocated;
        switch ((Threshold.Kind)kind)
        {
            case Threshold.Kind.Above:
                Threshold.Above(v, 20f, into);
                allocated = Threshold.Above(v, 20f);
                break;
            case Threshold.Kind.AtLeast:
                Threshold.AtLeast(v, 20f, into);
                allocated = Threshold.AtLeast(v, 20f);
                break;
            default:
                Threshold.Band(v, 20f, 50f, into);
                allocated = Threshold.Band(v, 20f, 50f);
                break;
        }

        Assert.Equal(expected, into.Data);
        Assert.Equal(expected, allocated.Data);
        Assert.Contains((byte)1, expected);
        Assert.Contains((byte)0, expected);
    }

    [Fact]
    public void IntoDestination_WrongVoxelCount_ThrowsNamingBothSizes()
    {
        var v = new Volume<float>(new ImageGeometry(5, 4, 3));
        var wrong = new Volume<byte>(new ImageGeometry(5, 4, 2));
        var e = Assert.Throws<ArgumentException>(() => Threshold.Above(v, 1f, wrong));
        Assert.Contains("40", e.Message, StringComparison.Ordinal);
        Assert.Contains("60", e.Message, StringComparison.Ordinal);
    }
}
