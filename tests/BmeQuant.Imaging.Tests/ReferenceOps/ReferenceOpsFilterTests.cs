using System.Text.Json;
using BmeQuant.Imaging.Filters;

namespace BmeQuant.Imaging.Tests.ReferenceOps;

/// <summary>
/// Runs every filter case of the reference-ops corpus (scipy.ndimage outputs) through BmeQuant's filters with the
/// parameters and tolerances its json states. Ops outside <see cref="ReferenceCase.FilterOps"/> belong to another harness.
/// </summary>
public class ReferenceOpsFilterTests
{
    public static TheoryData<string> Cases() => ReferenceCase.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_MatchesScipyWithinStatedTolerance(string name)
    {
        var c = ReferenceCase.Load(name);
        if (!ReferenceCase.FilterOps.Contains(c.Op))
        {
            return;
        }

        switch (c.Op)
        {
            case "gaussian":
                CheckGaussian(c);
                break;
            case "median":
                CheckMedian(c);
                break;
            case "dilate" or "erode" or "open" or "close":
                CheckMorphology(c);
                break;
            case "fill_holes":
                AssertExact(c, HoleFilling.Fill(c.ReadArray<byte>("inputs", "mask")), c.ReadArray<byte>("outputs", "result"));
                break;
            case "connected_components":
                CheckLabels(c);
                break;
            case "distance_transform":
                CheckDistance(c);
                break;
            case "resample":
                CheckResample(c);
                break;
            default:
                Assert.Fail($"{name}.json: filter op '{c.Op}' has no check in this harness.");
                break;
        }
    }

    private static void CheckGaussian(ReferenceCase c)
    {
        var input = c.ReadArray<float>("inputs", "volume");
        var expected = c.ReadArray<float>("outputs", "result");
        var sigma = c.Params.GetProperty("sigma_mm").GetDouble();
        var truncate = c.Params.TryGetProperty("truncate_sigmas", out var t) ? t.GetDouble() : 4.0;
        Assert.Equal("replicate", c.Params.GetProperty("border").GetString());
        var tol = c.Tolerance.GetProperty("max_abs_relative_to_range").GetDouble();

        var actual = GaussianFilter.Apply(input, sigma, truncate);
        AssertClose(c, actual.Data, expected.Data, tol * Range(expected.Data), null);
    }

    private static void CheckMedian(ReferenceCase c)
    {
        var input = c.ReadArray<float>("inputs", "volume");
        var size = c.Params.GetProperty("size_voxels");
        Assert.Equal("replicate", c.Params.GetProperty("border").GetString());

        // size_voxels lists the window per axis (x, y, z; all equal here); radius = (size − 1) / 2.
        var actual = MedianFilter.ApplyVoxels(input, (size[0].GetInt32() - 1) / 2, (size[1].GetInt32() - 1) / 2, (size[2].GetInt32() - 1) / 2);
        AssertExact(c, actual, c.ReadArray<float>("outputs", "result"));
    }

    private static void CheckMorphology(ReferenceCase c)
    {
        var mask = c.ReadArray<byte>("inputs", "mask");
        var expected = c.ReadArray<byte>("outputs", "result");
        Volume<byte> actual;
        if (c.Params.TryGetProperty("radius_mm", out var r))
        {
            var radius = r.GetDouble();
            actual = c.Op switch
            {
                "dilate" => BinaryMorphology.Dilate(mask, radius),
                "erode" => BinaryMorphology.Erode(mask, radius),
                "open" => BinaryMorphology.Open(mask, radius),
                _ => BinaryMorphology.Close(mask, radius),
            };
        }
        else
        {
            var element = c.Params.GetProperty("structuring_element").GetString() switch
            {
                "6-neighbour cross" => StructuringElement.Cross6(),
                var other => throw new InvalidOperationException($"{c.Name}.json: unknown structuring_element '{other}'."),
            };
            Assert.Equal(0, c.Params.GetProperty("outside").GetInt32());
            actual = c.Op switch
            {
                "dilate" => BinaryMorphology.Dilate(mask, element),
                "erode" => BinaryMorphology.Erode(mask, element),
                "open" => BinaryMorphology.Open(mask, element),
                _ => BinaryMorphology.Close(mask, element),
            };
        }

        AssertExact(c, actual, expected);
    }

    private static void CheckLabels(ReferenceCase c)
    {
        var mask = c.ReadArray<byte>("inputs", "mask");
        var expected = c.ReadArray<int>("outputs", "labels");
        var connectivity = (Connectivity)c.Params.GetProperty("connectivity").GetInt32();
        var result = ConnectedComponents.Label(mask, connectivity);
        var outputs = c.Root.GetProperty("outputs");
        Assert.Equal(outputs.GetProperty("count").GetInt32(), result.Count);

        // Identical up to renumbering: the label pairs (ours, theirs) form a bijection that keeps background.
        var ourToTheirs = new Dictionary<int, int>();
        var theirsToOur = new Dictionary<int, int>();
        for (var n = 0; n < expected.Length; n++)
        {
            int a = result.Labels.Data[n], b = expected.Data[n];
            Assert.True((a == 0) == (b == 0), $"{c.Name}: voxel {n} background mismatch (ours {a}, scipy {b}).");
            if (ourToTheirs.TryGetValue(a, out var mapped))
            {
                Assert.True(mapped == b, $"{c.Name}: our label {a} covers scipy labels {mapped} and {b} (voxel {n}).");
            }
            else
            {
                ourToTheirs[a] = b;
            }

            if (theirsToOur.TryGetValue(b, out var back))
            {
                Assert.True(back == a, $"{c.Name}: scipy label {b} is split into our labels {back} and {a} (voxel {n}).");
            }
            else
            {
                theirsToOur[b] = a;
            }
        }

        // Sizes in voxels, per scipy label (sizes_voxels[n] is scipy label n + 1).
        var sizes = outputs.GetProperty("sizes_voxels").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        foreach (var comp in result.Components)
        {
            var theirs = ourToTheirs[comp.Label];
            Assert.Equal(sizes[theirs - 1], comp.VoxelCount);
            Assert.Equal(comp.VoxelCount * mask.Geometry.VoxelVolumeMm3, comp.VolumeMm3, 9);
        }
    }

    private static void CheckDistance(ReferenceCase c)
    {
        var mask = c.ReadArray<byte>("inputs", "mask");
        var expected = c.ReadArray<float>("outputs", "result");
        var tol = c.Tolerance.GetProperty("abs_mm").GetDouble();
        AssertClose(c, DistanceTransform.InsideMm(mask).Data, expected.Data, tol, null);
    }

    private static void CheckResample(ReferenceCase c)
    {
        var inputs = c.Root.GetProperty("inputs");
        var outputs = c.Root.GetProperty("outputs");
        var raw = c.ReadArray<float>("inputs", "volume");
        var source = new Volume<float>(ReferenceCase.ReadGeometry(inputs.GetProperty("input_geometry"), raw.SizeX, raw.SizeY, raw.SizeZ), raw.Data);
        var expected = c.ReadArray<float>("outputs", "result");
        var where = c.ReadArray<byte>("outputs", "compare_where");
        var target = ReferenceCase.ReadGeometry(outputs.GetProperty("output_geometry"), expected.SizeX, expected.SizeY, expected.SizeZ);
        var interpolation = c.Params.GetProperty("interpolation").GetString() switch
        {
            "trilinear" => Interpolation.Linear,
            "nearest" => Interpolation.Nearest,
            var other => throw new InvalidOperationException($"{c.Name}.json: unknown interpolation '{other}'."),
        };
        var outside = (float)c.Params.GetProperty("outside").GetDouble();
        var tol = c.Tolerance.GetProperty("abs_relative_to_range").GetDouble();
        var actual = Resampler.Resample(source, target, interpolation, outside);
        Assert.True(where.Data.Count(v => v != 0) > where.Length / 4, $"{c.Name}: compare_where selects too few voxels to mean anything.");
        AssertClose(c, actual.Data, expected.Data, tol * Range(raw.Data), where.Data);
    }

    private static float Range(float[] v) => v.Max() - v.Min();

    private static void AssertExact<T>(ReferenceCase c, Volume<T> actual, Volume<T> expected)
        where T : unmanaged, IEquatable<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        var mismatches = 0;
        var first = -1;
        for (var n = 0; n < expected.Length; n++)
        {
            if (!actual.Data[n].Equals(expected.Data[n]))
            {
                mismatches++;
                first = first < 0 ? n : first;
            }
        }

        Assert.True(mismatches == 0, $"{c.Name}: {mismatches} voxels differ; first at linear index {first} (x {first % actual.SizeX}, y {first / actual.SizeX % actual.SizeY}, z {first / (actual.SizeX * actual.SizeY)}): ours {(first >= 0 ? actual.Data[first] : default)}, scipy {(first >= 0 ? expected.Data[first] : default)}.");
    }

    private static void AssertClose(ReferenceCase c, float[] actual, float[] expected, double tolerance, byte[]? where)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        var worstAt = -1;
        for (var n = 0; n < expected.Length; n++)
        {
            if (where is not null && where[n] == 0)
            {
                continue;
            }

            var d = Math.Abs((double)actual[n] - expected[n]);
            if (!(d <= worst))
            {
                worst = d;
                worstAt = n;
            }
        }

        Assert.True(worst <= tolerance, $"{c.Name}: max |difference| {worst:G6} at linear index {worstAt} exceeds {tolerance:G6} (ours {actual[Math.Max(worstAt, 0)]}, scipy {expected[Math.Max(worstAt, 0)]}).");
    }
}
