using BmeQuant.Imaging.Tests.Kernels;
using BmeQuant.Imaging.Thresholding;

namespace BmeQuant.Imaging.Tests;

// Each test uses its own voxel count: the pool is process-wide and test classes run in parallel.
public class RentedVolumeTests
{
    [Fact]
    public void Rent_AfterDispose_ReusesTheBufferOfThatVoxelCount()
    {
        var g = new ImageGeometry(13, 11, 7);
        byte[] first;
        using (var a = Volume<byte>.Rent(g))
        {
            first = a.Volume.Data;
            Assert.Equal(g.VoxelCount, a.Volume.Length);
            Assert.Same(g, a.Volume.Geometry);
        }

        using var b = Volume<byte>.Rent(g);
        Assert.Same(first, b.Volume.Data);

        // Another voxel count never gets that buffer.
        using var c = Volume<byte>.Rent(new ImageGeometry(13, 11, 8));
        Assert.NotSame(first, c.Volume.Data);
        Assert.Equal(13 * 11 * 8, c.Volume.Length);
    }

    [Fact]
    public void Volume_AfterDispose_ThrowsAndDisposeTwiceReturnsOnce()
    {
        var g = new ImageGeometry(17, 3, 5);
        var rented = Volume<float>.Rent(g);
        var buffer = rented.Volume.Data;
        rented.Dispose();
        rented.Dispose();
        Assert.Throws<ObjectDisposedException>(() => rented.Volume);

        // Returned once: two renters get two different buffers.
        using var x = Volume<float>.Rent(g);
        using var y = Volume<float>.Rent(g);
        Assert.NotSame(x.Volume.Data, y.Volume.Data);
        Assert.True(ReferenceEquals(buffer, x.Volume.Data) || ReferenceEquals(buffer, y.Volume.Data));
    }

    [Fact]
    public void Dispose_MoreBuffersThanThePerLengthLimit_KeepsOnlyTheLimit()
    {
        var g = new ImageGeometry(19, 5, 3);
        var count = VolumeBufferPool.MaximumPerLength + 2;
        var first = Enumerable.Range(0, count).Select(_ => Volume<short>.Rent(g)).ToList();
        var buffers = first.Select(r => r.Volume.Data).ToList();
        first.ForEach(r => r.Dispose());
        var second = Enumerable.Range(0, count).Select(_ => Volume<short>.Rent(g)).ToList();
        var reused = second.Count(r => buffers.Any(b => ReferenceEquals(b, r.Volume.Data)));
        Assert.Equal(VolumeBufferPool.MaximumPerLength, reused);
        Assert.Equal(count, second.Select(r => r.Volume.Data).Distinct().Count());
        second.ForEach(r => r.Dispose());
    }

    [Fact]
    public void RentDispose_ConcurrentRenters_NeverShareABuffer()
    {
        // Each renter stamps the whole buffer with its own id and checks it is intact before returning it: two
        // renters handed the same buffer at once would overwrite each other's stamp.
        var g = new ImageGeometry(23, 9, 5);
        var failures = 0;
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 4 }, id =>
        {
            using var r = Volume<int>.Rent(g);
            var data = r.Volume.Data;
            data.AsSpan().Fill(id);
            Thread.SpinWait(200);
            if (data.AsSpan().ContainsAnyExcept(id))
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void ThresholdInto_RentedMaskFromAGarbagePool_EqualsScalarPath(int kind)
    {
        // 103×89×61 voxels (parallel blocks, scalar tail). The pool is first filled with garbage (0xCD and 1s) so a
        // kernel that skipped any voxel would leave a stale value behind.
        var g = new ImageGeometry(103, 89, 61 + kind);
        var garbage = Enumerable.Range(0, VolumeBufferPool.MaximumPerLength).Select(_ => Volume<byte>.Rent(g)).ToList();
        var stale = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        foreach (var r in garbage)
        {
            var d = r.Volume.Data;
            d.AsSpan().Fill(0xCD);
            d.AsSpan(0, d.Length / 3).Fill(1);
            _ = stale.Add(d);
        }

        garbage.ForEach(r => r.Dispose());

        var v = new Volume<float>(g, KernelTestData.Floats((int)g.VoxelCount, 41 + kind, 100));
        v.Data[777] = float.NaN;
        v.Data[v.Length - 1] = 20f;
        var expected = new byte[v.Length];
        Threshold.RunScalar(v.Data, expected, 20f, 50f, (Threshold.Kind)kind);

        using var mask = Volume<byte>.Rent(g);
        Assert.Contains(mask.Volume.Data, stale);
        Assert.Contains((byte)0xCD, mask.Volume.Data);
        switch ((Threshold.Kind)kind)
        {
            case Threshold.Kind.Above:
                Threshold.Above(v, 20f, mask.Volume);
                break;
            case Threshold.Kind.AtLeast:
                Threshold.AtLeast(v, 20f, mask.Volume);
                break;
            default:
                Threshold.Band(v, 20f, 50f, mask.Volume);
                break;
        }

        Assert.Equal(expected, mask.Volume.Data);
        Assert.Contains((byte)0, expected);
        Assert.Contains((byte)1, expected);
    }
}
