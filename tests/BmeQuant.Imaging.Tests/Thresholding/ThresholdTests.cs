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
}
