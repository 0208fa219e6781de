using BmeQuant.Imaging.Kernels;

namespace BmeQuant.Imaging.Tests.Kernels;

public class VoxelConvertTests
{
    private static void AssertBits(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var n = 0; n < expected.Length; n++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[n]) == BitConverter.SingleToInt32Bits(actual[n]), $"index {n}: expected {expected[n]}, got {actual[n]}");
        }
    }

    [Fact]
    public void ToFloat_UInt16_EqualsScalarBitForBit()
    {
        var rng = new Random(1);
        foreach (var len in KernelTestData.Lengths)
        {
            var s = new ushort[len];
            for (var n = 0; n < len; n++)
            {
                s[n] = (ushort)rng.Next(65536);
            }

            var a = new float[len];
            var b = new float[len];
            VoxelConvert.ToFloat(s, a, 0.731f, -12.5f);
            VoxelConvert.ToFloatScalar(s, b, 0.731f, -12.5f);
            AssertBits(b, a);
        }
    }

    [Fact]
    public void ToFloat_Int16_EqualsScalarBitForBit()
    {
        var rng = new Random(2);
        foreach (var len in KernelTestData.Lengths)
        {
            var s = new short[len];
            for (var n = 0; n < len; n++)
            {
                s[n] = (short)rng.Next(-32768, 32768);
            }

            var a = new float[len];
            var b = new float[len];
            VoxelConvert.ToFloat(s, a, 1.5f, 1024f);
            VoxelConvert.ToFloatScalar(s, b, 1.5f, 1024f);
            AssertBits(b, a);
        }
    }

    [Fact]
    public void ToFloat_Byte_EqualsScalarBitForBit()
    {
        var rng = new Random(3);
        foreach (var len in KernelTestData.Lengths)
        {
            var s = new byte[len];
            rng.NextBytes(s);
            var a = new float[len];
            var b = new float[len];
            VoxelConvert.ToFloat(s, a, 0.1f, 3f);
            VoxelConvert.ToFloatScalar(s, b, 0.1f, 3f);
            AssertBits(b, a);
        }
    }

    [Fact]
    public void ToFloat_FloatInPlace_EqualsScalarBitForBit()
    {
        foreach (var len in KernelTestData.Lengths)
        {
            var s = KernelTestData.Floats(len, len);
            var expected = new float[len];
            VoxelConvert.ToFloatScalar(s, expected, 2.5f, -1f);
            VoxelConvert.ToFloat(s, s, 2.5f, -1f);
            AssertBits(expected, s);
        }
    }

    [Fact]
    public void ToFloat_KnownValues_AreSlopeTimesValuePlusIntercept()
    {
        ushort[] s = [0, 1, 65535, 1000, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
        var d = new float[s.Length];
        VoxelConvert.ToFloat(s, d, 2f, 1f);
        Assert.Equal(1f, d[0]);
        Assert.Equal(3f, d[1]);
        Assert.Equal(131071f, d[2]);
        Assert.Equal(2001f, d[3]);
        Assert.Equal(39f, d[^1]);
    }

    [Fact]
    public void ToFloat_ShortDestinationOrShiftedOverlap_Throws()
    {
        Assert.Throws<ArgumentException>(() => VoxelConvert.ToFloat(new ushort[4], new float[3]));
        var buffer = new float[40];
        Assert.Throws<ArgumentException>(() => VoxelConvert.ToFloat(buffer.AsSpan(0, 32), buffer.AsSpan(1, 32)));
    }
}
