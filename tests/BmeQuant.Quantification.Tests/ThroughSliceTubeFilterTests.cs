using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal.Edema;

namespace BmeQuant.Quantification.Tests;

/// <summary>
/// Tubes across the slices (sacral foramina with nerve roots and vessels, the joint's synovial recess) are not
/// sacroiliac edema; subchondral lesions along the joint, as bright, are. A small semi-coronal sacroiliac volume
/// (0.6 × 0.6 × 3.3 mm voxels, sacrum and ilium side by side, the joint between them in-plane) holds both: first the
/// filter alone on a mask, then the whole analysis, where the tube is edema to the rule and only the filter removes it.
/// </summary>
public class ThroughSliceTubeFilterTests
{
    private const float MarrowFluid = 100f;
    private const float MarrowT1 = 1000f;
    private const float EdemaFluid = 320f;
    private const float EdemaT1 = 500f;

    // Sacrum x 8..44, joint 45..49, ilium 50..88; bones y 8..88 on slices 1..10 of 12.
    private static readonly ImageGeometry s_grid = new(96, 96, 12, new Vector3D(0.6, 0.6, 3.3), Vector3D.Zero);

    /// <summary>Subchondral lesion in the sacrum against the joint: 8 × 31 voxels (4.8 × 18.6 mm) on slices 4..6.</summary>
    private static bool InLesion(int i, int j, int k) => i is >= 37 and <= 44 && j is >= 30 and <= 60 && k is >= 4 and <= 6;

    /// <summary>A tube deep in the sacrum's marrow: 3 × 3 voxels (1.8 mm) on slices 2..9 (26.4 mm).</summary>
    private static bool InTube(int i, int j, int k) => i is >= 20 and <= 22 && j is >= 70 and <= 72 && k is >= 2 and <= 9;

    private static Volume<byte> Mask(bool withTube)
    {
        var mask = new Volume<byte>(s_grid);
        Fill(mask, (i, j, k) => InLesion(i, j, k) || (withTube && InTube(i, j, k)));
        return mask;
    }

    private static void Fill(Volume<byte> v, Func<int, int, int, bool> inside)
    {
        for (var k = 0; k < s_grid.SizeZ; k++)
        {
            for (var j = 0; j < s_grid.SizeY; j++)
            {
                for (var i = 0; i < s_grid.SizeX; i++)
                {
                    if (inside(i, j, k))
                    {
                        v.Data[s_grid.Offset(i, j, k)] = 1;
                    }
                }
            }
        }
    }

    [Fact]
    public void Apply_TubeAcrossSlicesBesideSubchondralLesion_RemovesOnlyTheTubeFromMaskAndSupport()
    {
        var mask = Mask(withTube: true);
        var support = new Volume<byte>(s_grid);
        Array.Copy(mask.Data, support.Data, mask.Length);
        var expected = Mask(withTube: false);
        var notes = new List<string>();

        ThroughSliceTubeFilter.Apply(mask, support, Anatomy.SacroiliacJoint, notes);

        Assert.Equal(expected.Data, mask.Data);
        Assert.Equal(expected.Data, support.Data);
        var note = Assert.Single(notes);
        Assert.Contains("tubular", note, StringComparison.Ordinal);

        // 72 voxels of 0.6 × 0.6 × 3.3 mm = 86 mm³, 26 mm long.
        Assert.Contains("(86 mm³, up to 26 mm long", note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Anatomy.Knee)]
    [InlineData(Anatomy.Unknown)]
    public void Apply_OtherAnatomy_LeavesTheMaskAlone(Anatomy anatomy)
    {
        var mask = Mask(withTube: true);
        var before = (byte[])mask.Data.Clone();
        var notes = new List<string>();

        ThroughSliceTubeFilter.Apply(mask, null, anatomy, notes);

        Assert.Equal(before, mask.Data);
        Assert.Empty(notes);
    }

    [Fact]
    public void Find_LengthToWidth_TubeAtTheRatioShortTubeAndTwoSliceSpotNot()
    {
        // Width: 3 × 3 voxels → diagonal √2 · 1.8 = 2.55 mm; a tube needs ≥ 3 × 2.55 = 7.6 mm = 3 slices (9.9 mm).
        var threeSlices = new Volume<byte>(s_grid);
        Fill(threeSlices, (i, j, k) => i is >= 20 and <= 22 && j is >= 20 and <= 22 && k is >= 3 and <= 5);
        var twoSlices = new Volume<byte>(s_grid);
        Fill(twoSlices, (i, j, k) => i is >= 20 and <= 22 && j is >= 20 and <= 22 && k is >= 3 and <= 4);

        // Wider: 5 × 5 voxels → 4.24 mm; 3 slices (9.9 mm) are under 3 × 4.24 = 12.7 mm: not a tube.
        var wide = new Volume<byte>(s_grid);
        Fill(wide, (i, j, k) => i is >= 20 and <= 24 && j is >= 20 and <= 24 && k is >= 3 and <= 5);

        var tube = Assert.Single(ThroughSliceTubeFilter.Find(threeSlices, out _)).Value;
        Assert.Equal(9.9, tube.LengthMm, 9);
        Assert.Equal(Math.Sqrt(2) * 1.8, tube.WidthMm, 9);
        Assert.Empty(ThroughSliceTubeFilter.Find(twoSlices, out _));
        Assert.Empty(ThroughSliceTubeFilter.Find(wide, out _));
    }

    [Fact]
    public void Find_ObliqueTubeWidensNoSlice_StillATube()
    {
        // A tube that moves one voxel per slice in x: each slice's cross-section stays 3 × 3 voxels.
        var oblique = new Volume<byte>(s_grid);
        Fill(oblique, (i, j, k) => k is >= 1 and <= 8 && i >= 20 + k && i <= 22 + k && j is >= 40 and <= 42);

        var tube = Assert.Single(ThroughSliceTubeFilter.Find(oblique, out _)).Value;
        Assert.Equal(8 * 3.3, tube.LengthMm, 9);
        Assert.Equal(Math.Sqrt(2) * 1.8, tube.WidthMm, 9);
    }

    [Fact]
    public void Analyze_SacroiliacStudyWithBrightTube_EdemaKeepsTheLesionWithoutTheTube()
    {
        var (fluid, t1, labels) = Study();
        var lesion = Mask(withTube: false);
        var tube = new Volume<byte>(s_grid);
        Fill(tube, InTube);

        var sij = EdemaAnalyzer.Analyze(Input(Anatomy.SacroiliacJoint), cancellationToken: TestContext.Current.CancellationToken);
        var knee = EdemaAnalyzer.Analyze(Input(Anatomy.Knee), cancellationToken: TestContext.Current.CancellationToken);

        // Without the filter (another anatomy) the rule finds the tube: it is as bright as the lesion.
        Assert.Equal(EdemaAnalyzer.Count(tube), Overlap(knee.Masks.Edema, tube));
        Assert.Equal(0, Overlap(sij.Masks.Edema, tube));
        Assert.True(ReaderAgreement.Dice(sij.Masks.Edema, lesion) >= 0.9, "the subchondral lesion is kept");
        Assert.Contains(sij.Notes, n => n.Contains("tubular", StringComparison.Ordinal));
        Assert.DoesNotContain(knee.Notes, n => n.Contains("tubular", StringComparison.Ordinal));

        StudyInput Input(Anatomy anatomy) => new(fluid, t1) { BoneLabels = labels, Anatomy = anatomy };
    }

    private static int Overlap(Volume<byte> a, Volume<byte> b)
    {
        var n = 0;
        for (var i = 0; i < a.Length; i++)
        {
            n += a.Data[i] != 0 && b.Data[i] != 0 ? 1 : 0;
        }

        return n;
    }

    /// <summary>Fatty marrow (T1 bright, fluid dark), joint fluid between the bones, soft tissue around; noise from a fixed seed.</summary>
    private static (Volume<float> Fluid, Volume<float> T1, Volume<int> Labels) Study()
    {
        var fluid = new Volume<float>(s_grid);
        var t1 = new Volume<float>(s_grid);
        var labels = new Volume<int>(s_grid);
        var rng = new Random(61);
        for (var k = 0; k < s_grid.SizeZ; k++)
        {
            for (var j = 0; j < s_grid.SizeY; j++)
            {
                for (var i = 0; i < s_grid.SizeX; i++)
                {
                    var at = (int)s_grid.Offset(i, j, k);
                    var inBones = j is >= 8 and <= 88 && k is >= 1 and <= 10;
                    var label = inBones && i is >= 8 and <= 44 ? 1 : inBones && i is >= 50 and <= 88 ? 2 : 0;
                    float f, t;
                    if (label == 0)
                    {
                        (f, t) = inBones && i is >= 45 and <= 49 ? (600f, 300f) : (160f, 420f);
                    }
                    else if (InLesion(i, j, k) || InTube(i, j, k))
                    {
                        (f, t) = (EdemaFluid, EdemaT1);
                    }
                    else
                    {
                        (f, t) = (MarrowFluid, MarrowT1);
                    }

                    labels.Data[at] = label;
                    fluid.Data[at] = f + (float)(8 * Gaussian(rng));
                    t1.Data[at] = t + (float)(8 * Gaussian(rng));
                }
            }
        }

        return (fluid, t1, labels);
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
