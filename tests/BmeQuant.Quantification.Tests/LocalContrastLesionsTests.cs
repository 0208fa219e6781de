using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal;
using BmeQuant.Quantification.Internal.Edema;

namespace BmeQuant.Quantification.Tests;

/// <summary>
/// Local-contrast lesions (<see cref="LocalContrastLesions"/>, added by <see cref="EdemaSegmenter.Clean"/>) on a
/// synthetic marrow block with the real sacroiliac scans' grid (0.6 × 0.6 × 3.3 mm): normal marrow 400 with noise, the
/// reference median 400 and robust SD 70, so the rule's threshold (K 3) is 610.
/// </summary>
public class LocalContrastLesionsTests
{
    private const float NormalMarrow = 400;
    private const double ReferenceSd = 70;
    private const float NoiseSd = 30;

    // A faint lesion (520: 1.7 robust SDs above normal marrow, far below the threshold) 3 mm in radius over three
    // slices, inside a disc of sclerotic bone (250, darker than normal marrow on the fluid series) 6 mm in radius.
    private const float FaintLesion = 520;
    private const float Sclerosis = 250;

    private static readonly ImageGeometry s_grid = new(80, 80, 8, new Vector3D(0.6, 0.6, 3.3), Vector3D.Zero);

    private static (Volume<float> Fluid, Volume<byte> Bones, ReferenceStats Reference) Marrow(Func<int, int, int, float?> signal, int seed)
    {
        var fluid = new Volume<float>(s_grid);
        var bones = new Volume<byte>(s_grid);
        var rng = new Random(seed);
        for (var k = 0; k < s_grid.SizeZ; k++)
        {
            for (var j = 0; j < s_grid.SizeY; j++)
            {
                for (var i = 0; i < s_grid.SizeX; i++)
                {
                    var idx = (int)s_grid.Offset(i, j, k);
                    var inBone = i is >= 3 and < 77 && j is >= 3 and < 77 && k is >= 1 and < 7;
                    bones.Data[idx] = (byte)(inBone ? 1 : 0);

                    // Box-Muller normal noise.
                    var noise = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                    var level = inBone ? signal(i, j, k) ?? NormalMarrow : 100f;
                    fluid.Data[idx] = level + (float)(NoiseSd * noise);
                }
            }
        }

        var reference = new ReferenceStats("mask", bones, MaskedSample.From(fluid.Data, bones.Data), NormalMarrow, NormalMarrow - (0.6745 * ReferenceSd), NormalMarrow + (0.6745 * ReferenceSd), ReferenceSd, null, null);
        return (fluid, bones, reference);
    }

    private static float? InDisc(int i, int j, int k, float lesion, float? surroundings)
    {
        if (k is < 2 or > 4)
        {
            return null;
        }

        var r2 = ((i - 40) * (i - 40)) + ((j - 40) * (j - 40));
        return r2 <= 25 ? lesion : r2 <= 100 ? surroundings : null;
    }

    private static Volume<byte> Clean(Volume<float> fluid, Volume<byte> bones, ReferenceStats reference)
    {
        var options = AnalysisOptions.Default;
        var rule = ThresholdRule.Create(options, reference, hasT1: false);
        Assert.Equal(610, rule.FluidThreshold, 6);
        var raw = EdemaSegmenter.Threshold(fluid, null, bones, new Volume<byte>(s_grid), Depth(), reference, rule, rule.FluidThreshold, options);
        return EdemaSegmenter.Clean(raw, fluid, bones, reference, null, 1, options);
    }

    private static Volume<float> Depth()
    {
        var depth = new Volume<float>(s_grid);
        Array.Fill(depth.Data, 10f);
        return depth;
    }

    private static int CountInDisc(Volume<byte> mask, int radius2)
    {
        var n = 0;
        for (var k = 2; k <= 4; k++)
        {
            for (var j = 0; j < s_grid.SizeY; j++)
            {
                for (var i = 0; i < s_grid.SizeX; i++)
                {
                    if (mask.Data[(int)s_grid.Offset(i, j, k)] != 0 && ((i - 40) * (i - 40)) + ((j - 40) * (j - 40)) <= radius2)
                    {
                        n++;
                    }
                }
            }
        }

        return n;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Clean_FaintLesionInDarkerSurroundings_Found(int seed)
    {
        var (fluid, bones, reference) = Marrow((i, j, k) => InDisc(i, j, k, FaintLesion, Sclerosis), seed);
        var mask = Clean(fluid, bones, reference);

        // 243 voxels in the lesion's disc (81 per slice): most are found, nothing outside the lesion's disc.
        var lesion = CountInDisc(mask, 25);
        var total = mask.Data.Count(v => v != 0);
        Assert.True(lesion >= 180, $"faint lesion in sclerotic bone: {lesion} of 243 voxels found (the global threshold alone finds none)");
        Assert.True(total - lesion <= 10, $"{total - lesion} voxels found outside the lesion");
    }

    [Fact]
    public void Clean_FaintLesionInNormalMarrow_NotFound()
    {
        // The same faint lesion in normal marrow: brighter than its surroundings, but the surroundings are normal marrow,
        // against which the global threshold decides.
        var (fluid, bones, reference) = Marrow((i, j, k) => InDisc(i, j, k, FaintLesion, null), 1);
        Assert.Equal(0, Clean(fluid, bones, reference).Data.Count(v => v != 0));
    }

    [Fact]
    public void Find_LesionInTheRawBoundaryLayer_NotFound()
    {
        // The faint lesion in sclerotic bone, but its voxels are the raw decision's boundary layer (a bone's face against
        // a touching bone: partial volume with cartilage and joint fluid, as an ankle phantom's bright strip between two
        // bones was, which the analysis took for a 1.3 mL lesion): boundary voxels never seed a lesion. The same volume
        // with an empty raw decision is found (the control).
        var (fluid, bones, reference) = Marrow((i, j, k) => InDisc(i, j, k, FaintLesion, Sclerosis), 1);
        Assert.NotNull(LocalContrastLesions.Find(new Volume<byte>(s_grid), fluid, bones, reference, 1, 30, null, LocalContrastRule.Default));
        var raw = new Volume<byte>(s_grid);
        for (var k = 2; k <= 4; k++)
        {
            for (var j = 0; j < s_grid.SizeY; j++)
            {
                for (var i = 0; i < s_grid.SizeX; i++)
                {
                    if (((i - 40) * (i - 40)) + ((j - 40) * (j - 40)) <= 25)
                    {
                        raw.Data[(int)s_grid.Offset(i, j, k)] = EdemaSegmenter.Boundary;
                    }
                }
            }
        }

        Assert.Null(LocalContrastLesions.Find(raw, fluid, bones, reference, 1, 30, null, LocalContrastRule.Default));
    }

    [Fact]
    public void Find_UniformlyBrighterSlab_NotFound()
    {
        // Half the bone (x ≥ 40) as bright as the faint lesion: a slab brighter than normal marrow but not than its own
        // surroundings.
        var (fluid, bones, reference) = Marrow((i, j, k) => i >= 40 ? FaintLesion : null, 4);
        Assert.Null(LocalContrastLesions.Find(new Volume<byte>(s_grid), fluid, bones, reference, 1, 30, null, LocalContrastRule.Default));
    }

    [Fact]
    public void Find_DarkToBrightRamp_NotFound()
    {
        // Marrow rising linearly across the bone from sclerotic (250) to faint-lesion level (550): every voxel is about
        // its neighbourhood's level.
        var (fluid, bones, reference) = Marrow((i, j, k) => 250f + (300f * (i - 3) / 73f), 5);
        Assert.Null(LocalContrastLesions.Find(new Volume<byte>(s_grid), fluid, bones, reference, 1, 30, null, LocalContrastRule.Default));
    }

    [Fact]
    public void Find_LesionDarkerThanMuscle_NotFound()
    {
        // Haematopoietic marrow is darker than muscle: the faint lesion is dropped when muscle is brighter than its peak.
        var (fluid, bones, reference) = Marrow((i, j, k) => InDisc(i, j, k, FaintLesion, Sclerosis), 1);
        Assert.NotNull(LocalContrastLesions.Find(new Volume<byte>(s_grid), fluid, bones, reference, 1, 30, 500, LocalContrastRule.Default));
        Assert.Null(LocalContrastLesions.Find(new Volume<byte>(s_grid), fluid, bones, reference, 1, 30, 700, LocalContrastRule.Default));
    }

    [Fact]
    public void LocalBackground_EqualsBruteForceMean()
    {
        // Random marrow, bones and raw decisions on an odd grid: the box sums equal the mean over each voxel's square.
        var g = new ImageGeometry(37, 29, 3, new Vector3D(0.7, 0.5, 3), Vector3D.Zero);
        var rng = new Random(11);
        var fluid = new Volume<float>(g);
        var bones = new Volume<byte>(g);
        var raw = new Volume<byte>(g);
        for (var i = 0; i < fluid.Length; i++)
        {
            fluid.Data[i] = (float)(rng.NextDouble() * 1000);
            bones.Data[i] = (byte)(rng.NextDouble() < 0.7 ? 1 : 0);
            raw.Data[i] = (byte)(rng.NextDouble() < 0.1 ? 1 : 0);
        }

        var background = LocalContrastLesions.LocalBackground(raw, fluid, bones, 2.0);
        int hx = 3, hy = 4; // round(2.0 / 0.7), round(2.0 / 0.5)
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    double sum = 0;
                    var count = 0;
                    for (var y = Math.Max(0, j - hy); y <= Math.Min(g.SizeY - 1, j + hy); y++)
                    {
                        for (var x = Math.Max(0, i - hx); x <= Math.Min(g.SizeX - 1, i + hx); x++)
                        {
                            var n = (int)g.Offset(x, y, k);
                            if (bones.Data[n] != 0 && raw.Data[n] == 0)
                            {
                                sum += fluid.Data[n];
                                count++;
                            }
                        }
                    }

                    var got = background.Data[(int)g.Offset(i, j, k)];
                    if (count == 0)
                    {
                        Assert.True(float.IsNaN(got));
                    }
                    else
                    {
                        Assert.Equal(sum / count, got, 0.05);
                    }
                }
            }
        }
    }
}
