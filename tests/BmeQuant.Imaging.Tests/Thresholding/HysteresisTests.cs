using BmeQuant.Imaging.Thresholding;

namespace BmeQuant.Imaging.Tests.Thresholding;

public class HysteresisTests
{
    [Fact]
    public void Apply_WeakRegionTouchingStrongVoxel_KeptOtherWeakRegionDropped()
    {
        var v = new Volume<float>(new ImageGeometry(8, 3, 3));
        // Region A: a weak run x = 0..3 on row (1, 1) with one strong voxel; region B: weak run x = 6..7, no strong voxel.
        for (var i = 0; i <= 3; i++)
        {
            v[i, 1, 1] = 5;
        }

        v[2, 1, 1] = 20;
        v[6, 1, 1] = 5;
        v[7, 1, 1] = 5;
        var m = Hysteresis.Apply(v, 1, 10);
        Assert.Equal(4, m.Data.Count(b => b == 1));
        Assert.Equal(1, m[0, 1, 1]);
        Assert.Equal(0, m[6, 1, 1]);
    }

    [Fact]
    public void Apply_DiagonalNeighbour_DependsOnConnectivity()
    {
        var v = new Volume<float>(new ImageGeometry(3, 3, 3));
        v[0, 0, 0] = 20; // strong
        v[1, 1, 0] = 5;  // edge neighbour (18-connected)
        v[2, 2, 2] = 5;  // corner neighbour of (1,1,0)? no: (1,1,0)→(2,2,1) would be; this one is two steps away in z
        v[2, 2, 1] = 5;  // corner neighbour of (1,1,0)
        Assert.Equal(1, Hysteresis.Apply(v, 1, 10, 6).Data.Count(b => b == 1));
        Assert.Equal(2, Hysteresis.Apply(v, 1, 10, 18).Data.Count(b => b == 1));
        Assert.Equal(4, Hysteresis.Apply(v, 1, 10, 26).Data.Count(b => b == 1));
    }

    [Theory]
    [InlineData(6)]
    [InlineData(18)]
    [InlineData(26)]
    public void Apply_RandomVolume_EqualsBreadthFirstReference(int connectivity)
    {
        // Smooth blobs plus noise so components of many shapes and sizes touch the high threshold or not.
        var rng = new Random(connectivity);
        var v = new Volume<float>(new ImageGeometry(37, 29, 11));
        for (var k = 0; k < 11; k++)
        {
            for (var j = 0; j < 29; j++)
            {
                for (var i = 0; i < 37; i++)
                {
                    v[i, j, k] = (float)((Math.Sin(0.5 * i) * Math.Cos(0.4 * j) * Math.Sin((0.7 * k) + 1)) + (0.6 * rng.NextDouble()));
                }
            }
        }

        foreach (var (low, high) in new[] { (0.3f, 0.9f), (0.5f, 0.6f), (0.1f, 1.2f) })
        {
            var expected = Hysteresis.ApplyFlood(v, low, high, connectivity);
            var actual = Hysteresis.Apply(v, low, high, connectivity);
            Assert.Equal(expected.Data, actual.Data);
            Assert.Contains((byte)1, actual.Data);
        }
    }

    [Fact]
    public void Apply_BadArguments_Refused()
    {
        var v = new Volume<float>(new ImageGeometry(2, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hysteresis.Apply(v, 5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hysteresis.Apply(v, 1, 5, 8));
    }
}
