using BmeQuant.Imaging.Filters;

namespace BmeQuant.Imaging.Tests.Filters;

public class BinaryMorphologyTests
{
    public static TheoryData<int, int, int, double, double, double, double, int> Cases() => new()
    {
        // nx, ny, nz, sx, sy, sz, radius mm, seed
        { 23, 19, 7, 0.55, 0.6, 2.5, 2.0, 1 },
        { 17, 21, 13, 1.0, 1.0, 1.0, 2.0, 2 },
        { 31, 9, 11, 0.4, 0.4, 3.0, 1.0, 3 },
        { 13, 15, 17, 0.7, 0.9, 1.1, 3.3, 4 },
        { 29, 27, 5, 0.5, 0.5, 1.0, 1.0, 5 },
        { 11, 11, 11, 1.0, 1.0, 1.0, 0.0, 6 },
        { 19, 17, 15, 1.0, 1.0, 1.0, 4.5, 7 }, // > 48 element rows: the public call takes the distance-transform path
        { 21, 18, 37, 1.0, 0.8, 0.7, 3.9, 8 }, // slice path with several z-chunks, each recomputing its halo
        { 71, 37, 9, 0.45, 0.45, 3.5, 2.0, 9 }, // rows longer than one 256-bit vector, last vector overlapping
        { 45, 33, 12, 0.8, 0.8, 0.8, 2.5, 10 },
        { 40, 20, 6, 0.5, 0.5, 1.0, 1.5, 11 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RadiusOperations_RandomMask_EqualBruteForceDefinition(int nx, int ny, int nz, double sx, double sy, double sz, double radiusMm, int seed)
    {
        var spacing = new Vector3D(sx, sy, sz);
        foreach (var fill in new[] { 0.3, 0.7 })
        {
            var mask = FilterTestData.RandomMask(nx, ny, nz, spacing, seed, fill);
            var element = BruteElement(spacing, radiusMm);
            var dilated = BruteDilate(mask, element);
            var eroded = BruteErode(mask, element);

            Assert.Equal(0, FilterTestData.Differences(dilated, BinaryMorphology.Dilate(mask, radiusMm)));
            Assert.Equal(0, FilterTestData.Differences(eroded, BinaryMorphology.Erode(mask, radiusMm)));
            Assert.Equal(0, FilterTestData.Differences(BruteDilate(eroded, element), BinaryMorphology.Open(mask, radiusMm)));
            Assert.Equal(0, FilterTestData.Differences(BruteErode(dilated, element), BinaryMorphology.Close(mask, radiusMm)));

            // Both internal paths (row decomposition, distance transform) and the explicit-element path agree.
            foreach (var rowsAllowed in new[] { true, false })
            {
                Assert.Equal(0, FilterTestData.Differences(dilated, BinaryMorphology.ApplyRadius(mask, radiusMm, dilate: true, rowsAllowed)));
                Assert.Equal(0, FilterTestData.Differences(eroded, BinaryMorphology.ApplyRadius(mask, radiusMm, dilate: false, rowsAllowed)));
            }

            var se = StructuringElement.Ellipsoid(spacing, radiusMm);
            Assert.Equal(element.Count, se.Offsets.Count);
            Assert.Equal(0, FilterTestData.Differences(dilated, BinaryMorphology.Dilate(mask, se)));
            Assert.Equal(0, FilterTestData.Differences(eroded, BinaryMorphology.Erode(mask, se)));
        }
    }

    [Fact]
    public void Dilate_SingleVoxel_GivesTheEllipsoidExtentInVoxels()
    {
        // 1 mm on 0.4×0.4×3 mm voxels spans ±2, ±2, 0 voxels (STYLE.md's example).
        var g = new ImageGeometry(11, 11, 5, new Vector3D(0.4, 0.4, 3), Vector3D.Zero);
        var mask = new Volume<byte>(g);
        mask[5, 5, 2] = 1;
        var d = BinaryMorphology.Dilate(mask, 1.0);
        Assert.Equal(1, d[7, 5, 2]);
        Assert.Equal(0, d[8, 5, 2]);
        Assert.Equal(1, d[5, 3, 2]);
        Assert.Equal(0, d[5, 5, 1]);
        Assert.Equal(0, d[7, 7, 2]); // (0.8² + 0.8²) = 1.28 > 1
        Assert.Equal(1, d[6, 6, 2]);
        Assert.Equal(StructuringElement.Ellipsoid(g.Spacing, 1.0).Offsets.Count, d.Data.Sum(b => b));
    }

    [Fact]
    public void Erode_FullMask_RemovesTheBorderWithinTheRadius()
    {
        // Background beyond the array (scipy's border_value=0): a full mask loses a rim of radius/spacing voxels.
        var g = new ImageGeometry(12, 10, 6, new Vector3D(0.5, 0.5, 2), Vector3D.Zero);
        var mask = new Volume<byte>(g);
        mask.Span.Fill(1);
        var e = BinaryMorphology.Erode(mask, 1.0);
        for (var k = 0; k < 6; k++)
        {
            for (var j = 0; j < 10; j++)
            {
                for (var i = 0; i < 12; i++)
                {
                    var expected = i >= 2 && i <= 9 && j >= 2 && j <= 7 ? 1 : 0;
                    Assert.Equal(expected, e[i, j, k]);
                }
            }
        }
    }

    [Fact]
    public void Cross6_RandomMask_EqualsBruteForce()
    {
        var mask = FilterTestData.RandomMask(19, 14, 9, new Vector3D(0.55, 0.6, 2.5), 11);
        var element = StructuringElement.Cross6().Offsets.ToList();
        Assert.Equal(7, element.Count);
        Assert.Equal(0, FilterTestData.Differences(BruteDilate(mask, element), BinaryMorphology.Dilate(mask, StructuringElement.Cross6())));
        Assert.Equal(0, FilterTestData.Differences(BruteErode(mask, element), BinaryMorphology.Erode(mask, StructuringElement.Cross6())));
        Assert.Equal(19, StructuringElement.Cross18().Offsets.Count);
        Assert.Equal(27, StructuringElement.Box26().Offsets.Count);
    }

    [Fact]
    public void ElementPath_ScratchFromAGarbagePool_EqualsBruteForce()
    {
        // The element path's 0/1 input copy is a rented buffer: with the pool full of all-ones and 0xCD garbage of
        // that voxel count, a copy that skipped any voxel would add foreground to the dilation or keep it in the erosion.
        var mask = FilterTestData.RandomMask(21, 17, 11, new Vector3D(0.5, 0.7, 2.0), 29);
        var garbage = Enumerable.Range(0, VolumeBufferPool.MaximumPerLength).Select(_ => Volume<byte>.Rent(mask.Geometry)).ToList();
        garbage.ForEach(r => r.Volume.Data.AsSpan().Fill(1));
        garbage[0].Volume.Data.AsSpan().Fill(0xCD);
        garbage.ForEach(r => r.Dispose());
        var element = StructuringElement.Cross18();
        var offsets = element.Offsets.ToList();
        Assert.Equal(0, FilterTestData.Differences(BruteDilate(mask, offsets), BinaryMorphology.Dilate(mask, element)));
        Assert.Equal(0, FilterTestData.Differences(BruteErode(mask, offsets), BinaryMorphology.Erode(mask, element)));
        Assert.Equal(0, FilterTestData.Differences(BruteDilate(BruteErode(mask, offsets), offsets), BinaryMorphology.Open(mask, element)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(101)]
    public void SliceThresholdSweeps_SimdPath_EqualScalarPath(int length)
    {
        // Distances on a coarse grid so many equal the threshold exactly; +∞ where a slice has no site.
        var rng = new Random(length);
        var d = new float[length];
        var start = new byte[length];
        for (var i = 0; i < length; i++)
        {
            d[i] = rng.Next(8) == 0 ? float.PositiveInfinity : rng.Next(20) * 0.25f;
            start[i] = (byte)rng.Next(2);
        }

        foreach (var threshold in new[] { 0f, 2.5f, 4.75f })
        {
            byte[] orSimd = [.. start], orScalar = [.. start], andSimd = [.. start], andScalar = [.. start];
            SliceDistanceMorphology.OrWithin(d, threshold, orSimd, allowSimd: true);
            SliceDistanceMorphology.OrWithin(d, threshold, orScalar, allowSimd: false);
            SliceDistanceMorphology.AndBeyond(d, threshold, andSimd, allowSimd: true);
            SliceDistanceMorphology.AndBeyond(d, threshold, andScalar, allowSimd: false);
            Assert.Equal(orScalar, orSimd);
            Assert.Equal(andScalar, andSimd);
            for (var i = 0; i < length; i++)
            {
                Assert.Equal(start[i] == 1 || d[i] <= threshold ? 1 : 0, orScalar[i]);
                Assert.Equal(start[i] == 1 && d[i] > threshold ? 1 : 0, andScalar[i]);
            }
        }
    }

    [Theory]
    [InlineData(71, 37, 9, 0.45, 0.45, 3.5, 2.0, 21)]
    [InlineData(45, 33, 12, 0.8, 0.8, 0.8, 2.5, 22)]
    [InlineData(19, 17, 15, 0.7, 0.9, 1.1, 3.3, 23)]
    public void RowDecomposition_ScalarPath_EqualsSimdPathAndBruteForce(int nx, int ny, int nz, double sx, double sy, double sz, double radiusMm, int seed)
    {
        var spacing = new Vector3D(sx, sy, sz);
        var rows = RowDecomposedMorphology.Rows(spacing, radiusMm);
        Assert.NotNull(rows);
        var element = BruteElement(spacing, radiusMm);
        foreach (var fill in new[] { 0.2, 0.8 })
        {
            var mask = FilterTestData.RandomMask(nx, ny, nz, spacing, seed, fill);
            foreach (var dilate in new[] { true, false })
            {
                var expected = dilate ? BruteDilate(mask, element) : BruteErode(mask, element);
                var simd = new Volume<byte>(mask.Geometry);
                var scalar = new Volume<byte>(mask.Geometry);
                RowDecomposedMorphology.Apply(mask, rows, dilate, simd, useSimd: true);
                RowDecomposedMorphology.Apply(mask, rows, dilate, scalar, useSimd: false);
                Assert.Equal(0, FilterTestData.Differences(expected, scalar));
                Assert.Equal(0, FilterTestData.Differences(expected, simd));
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    [InlineData(100)]
    [InlineData(257)]
    public void RowDistance_SimdPath_EqualsDefinition(int length)
    {
        var rng = new Random(length);
        var scratch = new byte[RowDecomposedMorphology.ScratchLength(length)];
        foreach (var fill in new[] { 0.05, 0.5, 0.95 })
        {
            var row = new byte[length];
            for (var i = 0; i < length; i++)
            {
                row[i] = rng.NextDouble() < fill ? (byte)(1 + rng.Next(255)) : (byte)0;
            }

            foreach (var cap in new byte[] { 1, 2, 6, 64, 128, 200 })
            {
                foreach (var dilate in new[] { true, false })
                {
                    var simd = new byte[length];
                    var scalar = new byte[length];
                    RowDecomposedMorphology.RowDistance(row, simd, dilate, cap, scratch, useSimd: true);
                    RowDecomposedMorphology.RowDistance(row, scalar, dilate, cap, scratch, useSimd: false);
                    for (var i = 0; i < length; i++)
                    {
                        // Dilation: distance to the nearest foreground; erosion: to the nearest background or the outside.
                        var nearest = dilate ? int.MaxValue : Math.Min(i + 1, length - i);
                        for (var t = 0; t < length; t++)
                        {
                            if ((row[t] != 0) == dilate)
                            {
                                nearest = Math.Min(nearest, Math.Abs(t - i));
                            }
                        }

                        Assert.Equal(Math.Min(nearest, cap), scalar[i]);
                        Assert.Equal(Math.Min(nearest, cap), simd[i]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Dilate_NegativeRadius_Throws()
    {
        var mask = new Volume<byte>(new ImageGeometry(3, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryMorphology.Dilate(mask, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryMorphology.Erode(mask, double.NaN));
    }

    // Independent definition: offsets with √((dx·sx)² + (dy·sy)² + (dz·sz)²) ≤ r, searched over a generous box.
    private static List<(int Dx, int Dy, int Dz)> BruteElement(Vector3D s, double r)
    {
        var list = new List<(int, int, int)>();
        for (var dz = -20; dz <= 20; dz++)
        {
            for (var dy = -20; dy <= 20; dy++)
            {
                for (var dx = -20; dx <= 20; dx++)
                {
                    var d = Math.Sqrt(Math.Pow(dx * s.X, 2) + Math.Pow(dy * s.Y, 2) + Math.Pow(dz * s.Z, 2));
                    if (d <= r + 1e-9)
                    {
                        list.Add((dx, dy, dz));
                    }
                }
            }
        }

        return list;
    }

    private static Volume<byte> BruteDilate(Volume<byte> m, IReadOnlyList<(int Dx, int Dy, int Dz)> element)
    {
        var o = m.CreateLike<byte>();
        for (var k = 0; k < m.SizeZ; k++)
        {
            for (var j = 0; j < m.SizeY; j++)
            {
                for (var i = 0; i < m.SizeX; i++)
                {
                    foreach (var (dx, dy, dz) in element)
                    {
                        if (m.Geometry.Contains(i - dx, j - dy, k - dz) && m[i - dx, j - dy, k - dz] != 0)
                        {
                            o[i, j, k] = 1;
                            break;
                        }
                    }
                }
            }
        }

        return o;
    }

    private static Volume<byte> BruteErode(Volume<byte> m, IReadOnlyList<(int Dx, int Dy, int Dz)> element)
    {
        var o = m.CreateLike<byte>();
        for (var k = 0; k < m.SizeZ; k++)
        {
            for (var j = 0; j < m.SizeY; j++)
            {
                for (var i = 0; i < m.SizeX; i++)
                {
                    var all = true;
                    foreach (var (dx, dy, dz) in element)
                    {
                        if (!m.Geometry.Contains(i + dx, j + dy, k + dz) || m[i + dx, j + dy, k + dz] == 0)
                        {
                            all = false;
                            break;
                        }
                    }

                    o[i, j, k] = all ? (byte)1 : (byte)0;
                }
            }
        }

        return o;
    }
}
