using System.Globalization;
using BmeQuant.Imaging.Kernels;
using BmeQuant.Imaging.Statistics;
using BmeQuant.Imaging.Thresholding;

namespace BmeQuant.Imaging.Tests.ReferenceOps;

/// <summary>
/// The statistics cases of the reference-ops corpus (Otsu, percentiles, label statistics) against numpy / scipy /
/// scikit-image, each within the tolerance its JSON states.
/// </summary>
public class ReferenceOpsStatisticsTests
{
    public static TheoryData<string> Cases() => ReferenceCase.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_MatchesReference(string name)
    {
        var c = ReferenceCase.Load(name);
        if (!ReferenceCase.StatisticsOps.Contains(c.Op))
        {
            return; // a filter case: ReferenceOpsFilterTests checks it
        }

        switch (c.Op)
        {
            case "otsu":
                Otsu(c);
                break;
            case "percentile" or "percentiles":
                Percentile(c);
                break;
            default:
                LabelStats(c);
                break;
        }
    }

    private static Volume<float> ReadFloatInput(ReferenceCase c, string key)
    {
        var dtype = c.Root.GetProperty("inputs").GetProperty(key).GetProperty("dtype").GetString();
        switch (dtype)
        {
            case "uint16":
                var u = c.ReadArray<ushort>("inputs", key);
                var f = u.CreateLike<float>();
                VoxelConvert.ToFloat(u.Data, f.Data);
                return f;
            case "float32":
                return c.ReadArray<float>("inputs", key);
            default:
                throw new InvalidOperationException($"{c.Name}: input dtype {dtype} not handled by this harness.");
        }
    }

    private static void Otsu(ReferenceCase c)
    {
        var v = ReadFloatInput(c, "volume");
        var bins = c.Params.GetProperty("bins").GetInt32();
        var expected = c.Root.GetProperty("outputs").GetProperty("threshold").GetDouble();
        var tolerance = c.Tolerance.GetProperty("abs").GetDouble();
        var actual = BmeQuant.Imaging.Thresholding.Otsu.Compute(v, bins);
        Assert.True(Math.Abs(actual - expected) <= tolerance, $"{c.Name}: Otsu {actual} vs skimage {expected} (tolerance {tolerance})");
    }

    private static void Percentile(ReferenceCase c)
    {
        var v = ReadFloatInput(c, "volume");
        var relative = c.Tolerance.GetProperty("relative").GetDouble();
        var outputs = c.Root.GetProperty("outputs").GetProperty("percentiles");
        var entries = outputs.EnumerateObject().ToArray();
        Assert.NotEmpty(entries);
        var percents = entries.Select(e => double.Parse(e.Name, CultureInfo.InvariantCulture)).ToArray();
        var actual = Percentiles.Compute(v.Data, percents);
        for (var q = 0; q < entries.Length; q++)
        {
            var expected = entries[q].Value.GetDouble();
            Assert.True(Math.Abs(actual[q] - expected) <= relative * Math.Abs(expected), $"{c.Name}: p{entries[q].Name} = {actual[q]} vs numpy {expected}");
        }
    }

    private static void LabelStats(ReferenceCase c)
    {
        var v = ReadFloatInput(c, "volume");
        var mask = c.ReadArray<byte>("inputs", "mask");
        var labels = LabelSixConnected(mask);
        var relative = c.Tolerance.GetProperty("relative").GetDouble();
        var outputs = c.Root.GetProperty("outputs");
        var means = outputs.GetProperty("mean").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var sds = outputs.GetProperty("sd").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var result = LabelStatistics.Compute(v, labels);
        Assert.Equal(means.Length, result.Count);
        for (var l = 0; l < means.Length; l++)
        {
            Assert.Equal(l + 1, result[l].Label);
            Assert.True(Math.Abs(result[l].Mean - means[l]) <= relative * Math.Abs(means[l]), $"{c.Name}: label {l + 1} mean {result[l].Mean} vs scipy {means[l]}");
            Assert.True(Math.Abs(result[l].StandardDeviation - sds[l]) <= relative * Math.Abs(sds[l]), $"{c.Name}: label {l + 1} SD {result[l].StandardDeviation} vs scipy {sds[l]}");
        }
    }

    /// <summary>6-connected components numbered in raster order of their first voxel (x fastest), as scipy.ndimage.label does.</summary>
    private static Volume<int> LabelSixConnected(Volume<byte> mask)
    {
        int nx = mask.SizeX, ny = mask.SizeY, nz = mask.SizeZ;
        var labels = mask.CreateLike<int>();
        var queue = new Queue<int>();
        var next = 0;
        for (var start = 0; start < mask.Length; start++)
        {
            if (mask.Data[start] == 0 || labels.Data[start] != 0)
            {
                continue;
            }

            labels.Data[start] = ++next;
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                var p = queue.Dequeue();
                int x = p % nx, y = p / nx % ny, z = p / (nx * ny);
                Span<(int X, int Y, int Z)> nb = [(x - 1, y, z), (x + 1, y, z), (x, y - 1, z), (x, y + 1, z), (x, y, z - 1), (x, y, z + 1)];
                foreach (var (qx, qy, qz) in nb)
                {
                    if ((uint)qx < (uint)nx && (uint)qy < (uint)ny && (uint)qz < (uint)nz)
                    {
                        var q = qx + (nx * (qy + (ny * qz)));
                        if (mask.Data[q] != 0 && labels.Data[q] == 0)
                        {
                            labels.Data[q] = next;
                            queue.Enqueue(q);
                        }
                    }
                }
            }
        }

        return labels;
    }
}
