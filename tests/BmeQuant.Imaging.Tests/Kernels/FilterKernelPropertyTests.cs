using BmeQuant.Imaging.Filters;
using CsCheck;

namespace BmeQuant.Imaging.Tests.Kernels;

/// <summary>Odd volume shapes (1×1×1, 1×N×1, sizes not a multiple of a vector) and special values for the SIMD filters.</summary>
internal static class OddShapes
{
    public static readonly (int Nx, int Ny, int Nz)[] Sizes =
    [
        (1, 1, 1), (1, 9, 1), (9, 1, 1), (1, 1, 9), (2, 3, 1), (11, 3, 2), (17, 5, 3), (33, 2, 2), (35, 1, 4),
    ];

    public static Volume<float> Volume(int nx, int ny, int nz, Gen<float> values, ulong seed)
    {
        var data = values.Array[nx * ny * nz].Generate(new PCG(3, seed), null!, out _);
        return new Volume<float>(new ImageGeometry(nx, ny, nz, new Vector3D(0.7, 0.9, 2.5), Vector3D.Zero), data);
    }
}

/// <summary>Edge cases of <see cref="MedianFilter"/>: odd shapes, extremes and NaN, SIMD and scalar paths against the sorting reference.</summary>
public class MedianFilterPropertyTests
{
    private static readonly (int Rx, int Ry, int Rz)[] s_radii = [(0, 0, 0), (1, 0, 0), (0, 2, 0), (1, 1, 1), (2, 2, 1), (3, 3, 1)];

    [Fact]
    public void ApplyVoxels_OddShapesWithExtremesAndInfinities_EqualSortingReference()
    {
        // No NaN: every other special value has a total order, so the median is defined (±0 compare equal).
        var values = Gen.Frequency((3, Gen.Int[-4, 4].Select(i => (float)i)), (1, Gen.OneOf<float>(PropertyCheck.SpecialFloats.Where(x => !float.IsNaN(x)).ToArray())));
        var seed = 0UL;
        foreach (var (nx, ny, nz) in OddShapes.Sizes)
        {
            var v = OddShapes.Volume(nx, ny, nz, values, seed++);
            foreach (var (rx, ry, rz) in s_radii)
            {
                var reference = MedianFilter.ApplyReference(v, rx, ry, rz);
                var simd = MedianFilter.ApplyVoxels(v, rx, ry, rz);
                var scalar = MedianFilter.ApplyVoxels(v, rx, ry, rz, useSimd: false);
                for (var n = 0; n < v.Length; n++)
                {
                    var what = $"{nx}×{ny}×{nz}, radii {rx},{ry},{rz}, voxel {n}";
                    Assert.True(reference.Data[n] == simd.Data[n], $"{what}: expected {reference.Data[n]:R}, SIMD {simd.Data[n]:R}");
                    Assert.True(reference.Data[n] == scalar.Data[n], $"{what}: expected {reference.Data[n]:R}, scalar {scalar.Data[n]:R}");
                }
            }
        }
    }

    [Fact]
    public void ApplyVoxels_NaNVoxels_PropagateToTheirWindowsOnly()
    {
        // The documented promise: a window holding NaN gives NaN (regression: the sorting network's native min/max and
        // its +∞ padding turned such windows into +∞ or an arbitrary neighbour); the others are exact.
        var values = Gen.Frequency((5, Gen.Float[-10f, 10f]), (1, Gen.Const(float.NaN)));
        var seed = 100UL;
        foreach (var (nx, ny, nz) in OddShapes.Sizes)
        {
            var v = OddShapes.Volume(nx, ny, nz, values, seed++);
            foreach (var (rx, ry, rz) in s_radii)
            {
                var simd = MedianFilter.ApplyVoxels(v, rx, ry, rz);
                var scalar = MedianFilter.ApplyVoxels(v, rx, ry, rz, useSimd: false);
                var reference = MedianFilter.ApplyReference(v, rx, ry, rz);
                for (var k = 0; k < nz; k++)
                {
                    for (var j = 0; j < ny; j++)
                    {
                        for (var i = 0; i < nx; i++)
                        {
                            if (WindowHasNaN(v, i, j, k, rx, ry, rz))
                            {
                                Assert.True(float.IsNaN(simd[i, j, k]) && float.IsNaN(scalar[i, j, k]) && float.IsNaN(reference[i, j, k]), $"{nx}×{ny}×{nz} radii {rx},{ry},{rz} at {i},{j},{k}: SIMD {simd[i, j, k]}, scalar {scalar[i, j, k]}");
                                continue;
                            }

                            Assert.Equal(reference[i, j, k], simd[i, j, k]);
                            Assert.Equal(reference[i, j, k], scalar[i, j, k]);
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void ApplyVoxels_AllNaN_GivesNaN()
    {
        var v = new Volume<float>(new ImageGeometry(19, 3, 2));
        v.Span.Fill(float.NaN);
        Assert.All(MedianFilter.ApplyVoxels(v, 1, 1, 1).Data, x => Assert.True(float.IsNaN(x)));
        Assert.All(MedianFilter.ApplyVoxels(v, 3, 3, 1).Data, x => Assert.True(float.IsNaN(x)));
    }

    [Fact]
    public void ApplyVoxels_NegativeRadius_ThrowsArgumentOutOfRangeException()
    {
        var v = new Volume<float>(new ImageGeometry(3, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => MedianFilter.ApplyVoxels(v, 1, -1, 0));
    }

    private static bool WindowHasNaN(Volume<float> v, int i, int j, int k, int rx, int ry, int rz)
    {
        for (var dz = -rz; dz <= rz; dz++)
        {
            for (var dy = -ry; dy <= ry; dy++)
            {
                for (var dx = -rx; dx <= rx; dx++)
                {
                    if (float.IsNaN(v[Math.Clamp(i + dx, 0, v.SizeX - 1), Math.Clamp(j + dy, 0, v.SizeY - 1), Math.Clamp(k + dz, 0, v.SizeZ - 1)]))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}

/// <summary>Edge cases of the Lanczos-3 kernel: SIMD interior path against the double scalar path.</summary>
public class LanczosPropertyTests
{
    private static readonly Gen<(double X, double Y, double Z, int Snap)> s_position =
        Gen.Select(Gen.Double[0, 1], Gen.Double[0, 1], Gen.Double[0, 1], Gen.Int[0, 3]);

    [Fact]
    public void Evaluate_InfinityOrNaNOutsideTheTaps_SimdStaysFiniteAsScalar()
    {
        // Regression: the 8-lane row load reads two voxels past the six taps (weight 0), and at a grid position all but
        // one tap weigh 0; 0·∞ made the SIMD result NaN where the scalar path (which skips zero weights) was finite.
        const int nx = 16, ny = 9, nz = 9;
        PropertyCheck.ForAll(
            Gen.Select(s_position, Gen.OneOf(float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.MaxValue)),
            t =>
            {
                var ((fx, fy, fz, snap), poison) = t;
                var data = OddShapes.Volume(nx, ny, nz, Gen.Float[-1000f, 1000f], 7).Data;

                // Interior position; snap = 0 puts x on a grid position.
                double x = 5 + (snap == 0 ? 0 : fx), y = 4 + fy, z = 4 + fz;
                var f = (int)Math.Floor(x);

                // Poison the two voxels after the taps (f + 4, f + 5) on every row, and at a grid position also the
                // taps beside it (f − 2 .. f − 1, f + 1 .. f + 3), all of weight 0.
                for (var k = 0; k < nz; k++)
                {
                    for (var j = 0; j < ny; j++)
                    {
                        var row = (k * nx * ny) + (j * nx);
                        data[row + f + 4] = poison;
                        data[row + f + 5] = poison;
                        if (snap == 0)
                        {
                            foreach (var d in new[] { -2, -1, 1, 2, 3 })
                            {
                                data[row + f + d] = poison;
                            }
                        }
                    }
                }

                var scalar = Lanczos.Evaluate(data, nx, ny, nz, x, y, z, allowSimd: false);
                var simd = Lanczos.Evaluate(data, nx, ny, nz, x, y, z);
                Assert.True(float.IsFinite(scalar), $"scalar {scalar} at ({x}, {y}, {z})");
                Assert.True(Math.Abs(simd - scalar) <= 1e-4f * 1000f, $"at ({x:R}, {y:R}, {z:R}) poison {poison}: SIMD {simd:R}, scalar {scalar:R}");
            },
            cases: 60);
    }

    [Fact]
    public void Evaluate_RandomInteriorAndEdgePositions_SimdMatchesScalarWithinFloatRounding()
    {
        foreach (var (nx, ny, nz) in OddShapes.Sizes.Concat([(12, 8, 7), (9, 9, 9)]))
        {
            var data = OddShapes.Volume(nx, ny, nz, Gen.Float[-1000f, 1000f], (ulong)(nx + ny + nz)).Data;
            PropertyCheck.ForAll(
                Gen.Select(Gen.Double[-1, nx], Gen.Double[-1, ny], Gen.Double[-1, nz]),
                t =>
                {
                    var (x, y, z) = t;
                    var scalar = Lanczos.Evaluate(data, nx, ny, nz, x, y, z, allowSimd: false);
                    var simd = Lanczos.Evaluate(data, nx, ny, nz, x, y, z);

                    // Float accumulation of ≤ 216 terms of |w·v| ≤ ~1.3³·1000: well under 0.1.
                    Assert.True(Math.Abs(simd - scalar) <= 0.1f, $"{nx}×{ny}×{nz} at ({x:R}, {y:R}, {z:R}): SIMD {simd:R}, scalar {scalar:R}");
                },
                cases: 25,
                firstSeed: (ulong)(nx * 1000));
        }
    }

    [Fact]
    public void Evaluate_SingleVoxelAndSingleRow_ReturnTheSamples()
    {
        Assert.Equal(4.5f, Lanczos.Evaluate([4.5f], 1, 1, 1, 0.3, -2, 7));
        var row = new[] { 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f };
        for (var i = 0; i < row.Length; i++)
        {
            Assert.Equal(row[i], Lanczos.Evaluate(row, 1, row.Length, 1, 0, i, 0));
            Assert.Equal(row[i], Lanczos.Evaluate(row, row.Length, 1, 1, i, 0, 0));
        }
    }
}

/// <summary>Odd shapes for the binary morphology paths (row-decomposed, slice distance, offsets) and the distance transform.</summary>
public class MorphologyPropertyTests
{
    private static Volume<byte> Mask(int nx, int ny, int nz, Vector3D spacing, ulong seed, int onePercent)
    {
        var data = Gen.Int[0, 99].Select(r => r < onePercent ? (byte)(1 + (r % 3)) : (byte)0).Array[nx * ny * nz].Generate(new PCG(5, seed), null!, out _);
        return new Volume<byte>(new ImageGeometry(nx, ny, nz, spacing, Vector3D.Zero), data);
    }

    private static readonly Vector3D[] s_spacings = [new(1, 1, 1), new(0.4, 0.4, 3), new(0.7, 1.1, 2)];

    [Fact]
    public void DilateErode_OddShapes_RadiusPathsEqualEllipsoidOffsets()
    {
        var seed = 0UL;
        foreach (var (nx, ny, nz) in OddShapes.Sizes.Concat([(65, 3, 2), (31, 33, 1)]))
        {
            foreach (var spacing in s_spacings)
            {
                foreach (var fill in new[] { 0, 10, 60, 100 })
                {
                    var mask = Mask(nx, ny, nz, spacing, seed++, fill);
                    foreach (var radius in new[] { 0.5, 1.0, 2.2, 3.0 })
                    {
                        var element = StructuringElement.Ellipsoid(spacing, radius);
                        var what = $"{nx}×{ny}×{nz}, spacing {spacing}, fill {fill} %, radius {radius} mm";
                        var dilated = BinaryMorphology.Dilate(mask, element).Data;
                        var eroded = BinaryMorphology.Erode(mask, element).Data;
                        Assert.True(dilated.SequenceEqual(BinaryMorphology.Dilate(mask, radius).Data), what + " dilate (default path)");
                        Assert.True(eroded.SequenceEqual(BinaryMorphology.Erode(mask, radius).Data), what + " erode (default path)");
                        Assert.True(dilated.SequenceEqual(BinaryMorphology.ApplyRadius(mask, radius, dilate: true, allowRowDecomposition: false).Data), what + " dilate (slice distance)");
                        Assert.True(eroded.SequenceEqual(BinaryMorphology.ApplyRadius(mask, radius, dilate: false, allowRowDecomposition: false).Data), what + " erode (slice distance)");
                        var output = new Volume<byte>(mask.Geometry);
                        SliceDistanceMorphology.Apply(mask, radius, dilate: true, output, allowSimd: false);
                        Assert.True(dilated.SequenceEqual(output.Data), what + " dilate (slice distance, scalar)");
                        SliceDistanceMorphology.Apply(mask, radius, dilate: false, output, allowSimd: false);
                        Assert.True(eroded.SequenceEqual(output.Data), what + " erode (slice distance, scalar)");
                        var rows = RowDecomposedMorphology.Rows(spacing, radius);
                        if (rows is not null)
                        {
                            RowDecomposedMorphology.Apply(mask, rows, dilate: true, output, useSimd: false);
                            Assert.True(dilated.SequenceEqual(output.Data), what + " dilate (rows, scalar)");
                            RowDecomposedMorphology.Apply(mask, rows, dilate: false, output, useSimd: false);
                            Assert.True(eroded.SequenceEqual(output.Data), what + " erode (rows, scalar)");
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void OrWithinAndBeyond_AllLengthsAndInfinities_MatchScalarRule()
    {
        foreach (var length in PropertyCheck.Lengths)
        {
            PropertyCheck.ForAll(
                Gen.Select(
                    Gen.Frequency((3, Gen.Float[0f, 20f]), (1, Gen.OneOf(0f, float.PositiveInfinity, float.MaxValue, float.Epsilon))).Array[length],
                    Gen.Byte[0, 1].Array[length],
                    Gen.OneOf(0f, 1f, 4.5f, float.MaxValue)),
                t =>
                {
                    var (d, start, threshold) = t;
                    var or = (byte[])start.Clone();
                    var and = (byte[])start.Clone();
                    SliceDistanceMorphology.OrWithin(d, threshold, or, allowSimd: true);
                    SliceDistanceMorphology.AndBeyond(d, threshold, and, allowSimd: true);
                    for (var n = 0; n < length; n++)
                    {
                        Assert.Equal(d[n] <= threshold ? 1 : start[n], or[n]);
                        Assert.Equal(d[n] <= threshold ? 0 : start[n], and[n]);
                    }
                },
                cases: 2,
                firstSeed: (ulong)length * 16);
        }
    }

    [Fact]
    public void DistanceTransform_OddShapes_EqualsBruteForce()
    {
        var seed = 500UL;
        foreach (var (nx, ny, nz) in OddShapes.Sizes)
        {
            foreach (var spacing in s_spacings)
            {
                foreach (var fill in new[] { 0, 15, 70, 100 })
                {
                    var mask = Mask(nx, ny, nz, spacing, seed++, fill);
                    var inside = DistanceTransform.InsideMm(mask);
                    var outside = DistanceTransform.OutsideMm(mask);
                    var signed = DistanceTransform.SignedMm(mask);
                    for (var n = 0; n < mask.Length; n++)
                    {
                        var fg = mask.Data[n] != 0;
                        var toOther = BruteForce(mask, n, wantForeground: !fg, spacing);
                        var what = $"{nx}×{ny}×{nz}, spacing {spacing}, fill {fill} %, voxel {n}";
                        var expectedInside = fg ? toOther : 0f;
                        var expectedOutside = fg ? 0f : toOther;
                        Assert.True(Close(expectedInside, inside.Data[n]), $"{what}: inside expected {expectedInside}, got {inside.Data[n]}");
                        Assert.True(Close(expectedOutside, outside.Data[n]), $"{what}: outside expected {expectedOutside}, got {outside.Data[n]}");
                        Assert.True(Close(fg ? -toOther : toOther, signed.Data[n]), $"{what}: signed expected {(fg ? -toOther : toOther)}, got {signed.Data[n]}");
                    }
                }
            }
        }
    }

    private static bool Close(float expected, float actual) =>
        expected == actual || Math.Abs(expected - actual) <= 1e-6f * Math.Abs(expected);

    private static float BruteForce(Volume<byte> mask, int at, bool wantForeground, Vector3D spacing)
    {
        int nx = mask.SizeX, ny = mask.SizeY;
        int ai = at % nx, aj = at / nx % ny, ak = at / (nx * ny);
        var best = double.PositiveInfinity;
        for (var n = 0; n < mask.Length; n++)
        {
            if ((mask.Data[n] != 0) != wantForeground)
            {
                continue;
            }

            double dx = ((n % nx) - ai) * spacing.X, dy = ((n / nx % ny) - aj) * spacing.Y, dz = ((n / (nx * ny)) - ak) * spacing.Z;
            best = Math.Min(best, (dx * dx) + (dy * dy) + (dz * dz));
        }

        return (float)Math.Sqrt(best);
    }
}
