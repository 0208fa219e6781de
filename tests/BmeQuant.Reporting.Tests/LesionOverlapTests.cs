using BmeQuant.Imaging;
using BmeQuant.Imaging.Registration;
using BmeQuant.Reporting;

namespace BmeQuant.Reporting.Tests;

/// <summary>
/// Two textured "bones" on a 1 mm grid. Between the timepoints one bone moves on its own (as a flexed knee's patella
/// would) while its edema stays where it was in the bone; in the other bone the edema moves from one end to the other.
/// </summary>
public class LesionOverlapTests
{
    private static readonly Vector3D s_boneA = new(-15, 0, 0);
    private static readonly Vector3D s_boneB = new(15, 0, 0);
    private static readonly Vector3D s_halfSize = new(10, 12, 8);
    private static readonly Vector3D s_boneBShift = new(0, 3, 2);

    private static ImageGeometry Grid => new(64, 48, 32, new Vector3D(1, 1, 1), new Vector3D(-31.5, -23.5, -15.5));

    private static bool InBox(Vector3D local, Vector3D lo, Vector3D hi) =>
        local.X >= lo.X && local.X <= hi.X && local.Y >= lo.Y && local.Y <= hi.Y && local.Z >= lo.Z && local.Z <= hi.Z;

    private static double Texture(Vector3D l) =>
        Math.Sin(l.X / 2.1) * Math.Cos(l.Y / 1.7) + (0.6 * Math.Sin((l.Z / 1.9) + (l.X / 3.3))) + (0.4 * Math.Cos((l.Y / 2.7) - (l.Z / 1.3)));

    /// <summary>Renders one timepoint: bone B displaced by <paramref name="shiftB"/>; bone A's edema at local x in [edemaAFrom, edemaAFrom + 6].</summary>
    private static TimepointImages Render(Vector3D shiftB, double edemaAFrom, int seed)
    {
        var g = Grid;
        var stir = new Volume<float>(g);
        var edema = new Volume<byte>(g);
        var labels = new Volume<int>(g);
        var rng = new Random(seed);
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var p = g.TransformIndexToPhysicalPoint(i, j, k);
                    var value = 40.0;
                    var la = p - s_boneA;
                    var lb = p - (s_boneB + shiftB);
                    if (InBox(la, -s_halfSize, s_halfSize))
                    {
                        labels[i, j, k] = 1;
                        value = 100 + (30 * Texture(la));
                        if (InBox(la, new Vector3D(edemaAFrom, -6, -4), new Vector3D(edemaAFrom + 6, 6, 4)))
                        {
                            edema[i, j, k] = 1;
                            value += 150;
                        }
                    }
                    else if (InBox(lb, -s_halfSize, s_halfSize))
                    {
                        labels[i, j, k] = 2;
                        value = 100 + (30 * Texture(lb + new Vector3D(7, 3, 1)));
                        if (InBox(lb, new Vector3D(-5, -6, -4), new Vector3D(5, 6, 4)))
                        {
                            edema[i, j, k] = 1;
                            value += 150;
                        }
                    }

                    stir[i, j, k] = (float)(value + (rng.NextDouble() * 4));
                }
            }
        }

        return new TimepointImages(stir, null, edema, labels, new Dictionary<int, string> { [1] = "bone A", [2] = "bone B" });
    }

    private static TimepointMeasures Measures(string label, double day, TimepointImages images)
    {
        var voxel = images.Edema.Geometry.VoxelVolumeMm3;
        double Volume(int label) => Enumerable.Range(0, images.Edema.Length).Count(n => images.Edema.Data[n] != 0 && images.BoneLabels!.Data[n] == label) * voxel;
        var a = Volume(1);
        var b = Volume(2);
        return new TimepointMeasures
        {
            Label = label,
            DayOffset = day,
            Regions = [new RegionMeasure("bone A", a, 21 * 25 * 17, null, "subchondral", 1), new RegionMeasure("bone B", b, 21 * 25 * 17, null, "diffuse", 1)],
            TotalEdemaVolumeMm3 = a + b,
            Images = images,
        };
    }

    [Fact]
    public void Compare_BoneMovedOnItsOwn_PerBoneRegistrationKeepsItsEdemaInPlace()
    {
        var t0 = Measures("t0", 0, Render(Vector3D.Zero, -8, 1));
        var t1 = Measures("t1", 40, Render(s_boneBShift, -8, 2));
        var c = TimepointComparer.Compare([t0, t1]);
        var b = c.BaselineToLatest.Overlaps.Single(o => o.Name == "bone B");
        Assert.Equal("per-bone rigid registration", b.Alignment);
        Assert.InRange(b.ShiftMm!.Value, s_boneBShift.Length - 0.6, s_boneBShift.Length + 0.6);
        Assert.True(b.Dice > 0.9, $"bone B Dice after per-bone registration {b.Dice:0.000}");

        // The same edema compared through patient geometry alone overlaps much less: the registration is what matters.
        var unaligned = LesionOverlapAnalyzer.Count(t0.Images!.Edema, t0.Images.BoneLabels, 2, t1.Images!.Edema, t1.Images.BoneLabels, 2, RigidTransform.Identity);
        var unalignedDice = 2.0 * unaligned.Persisting / ((2 * unaligned.Persisting) + unaligned.Resolved + unaligned.New);
        Assert.True(unalignedDice < 0.75, $"unaligned Dice {unalignedDice:0.000}");

        var a = c.BaselineToLatest.Overlaps.Single(o => o.Name == "bone A");
        Assert.True(a.ShiftMm < 0.5, $"bone A did not move but registered shift is {a.ShiftMm:0.00} mm");
        Assert.True(a.Dice > 0.95);
        Assert.Empty(c.BaselineToLatest.Migrations);
        Assert.Equal(ChangeStatus.Stable, c.OverallStatus);

        var total = c.BaselineToLatest.Overlaps.Single(o => o.Name == "total");
        Assert.Equal(a.PersistingMm3 + b.PersistingMm3, total.PersistingMm3, 6);
    }

    [Fact]
    public void Compare_EdemaMovesWithinOneBone_ReportsMigrationInsideThatBone()
    {
        var t0 = Measures("t0", 0, Render(Vector3D.Zero, -8, 3));
        var t1 = Measures("t1", 60, Render(Vector3D.Zero, 2, 4));
        var c = TimepointComparer.Compare([t0, t1]);
        var a = c.BaselineToLatest.Overlaps.Single(o => o.Name == "bone A");
        Assert.True(a.Dice < 0.05, $"bone A Dice {a.Dice:0.000}");
        Assert.Equal(a.EarlierMm3, a.ResolvedMm3, 6);
        var migration = Assert.Single(c.BaselineToLatest.Migrations);
        Assert.Equal("bone A", migration.From);
        Assert.StartsWith("bone A", migration.To, StringComparison.Ordinal);
        Assert.Equal(ChangeStatus.Migrated, c.OverallStatus);
        Assert.Contains("edema_overlap_dice_from_baseline", ReportWriters.ToCsv(c), StringComparison.Ordinal);
        Assert.Contains("Where the edema went", HtmlReport.Render(c), StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_WithoutBoneLabels_UsesPatientGeometryForTheWholeImage()
    {
        var full0 = Render(Vector3D.Zero, -8, 5);
        var full1 = Render(Vector3D.Zero, -8, 6);
        var t0 = Measures("t0", 0, full0) with { Images = full0 with { BoneLabels = null, BoneNames = null } };
        var t1 = Measures("t1", 30, full1) with { Images = full1 with { BoneLabels = null, BoneNames = null } };
        var o = Assert.Single(TimepointComparer.Compare([t0, t1]).BaselineToLatest.Overlaps);
        Assert.Equal("total", o.Name);
        Assert.Equal("patient geometry", o.Alignment);
        Assert.Equal(1.0, o.Dice!.Value, 6);
    }
}
