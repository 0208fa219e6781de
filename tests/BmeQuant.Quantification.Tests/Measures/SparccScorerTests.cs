using BmeQuant.Imaging;
using BmeQuant.Phantoms;

namespace BmeQuant.Quantification.Tests.Measures;

public class SparccScorerTests(ITestOutputHelper output)
{
    // Phantom anatomy frame (left-limb LPS axes, mm): the left ilium's joint surface point is (50, 12, 25), the
    // sacrum's (47, 15, 25); the joint lines run from z ≈ −5 to 55, so their middle is near z = 25.
    private static EdemaFindings Quadrants() => MeasurePhantoms.Analyze("sij-quadrants", () => MeasurePhantoms.Sacroiliac(
        31,
        new LesionSpec("left-iliac-upper", LesionPattern.Subchondral, "LeftIlium") { OffsetMm = new Vector3D(0, 0, 16), SizeMm = 8, DepthMm = 6 },
        new LesionSpec("right-sacral-lower", LesionPattern.Subchondral, "Sacrum") { OffsetMm = new Vector3D(-94, 0, -16), SizeMm = 8, DepthMm = 6 },
        new LesionSpec("right-iliac-lower", LesionPattern.Subchondral, "RightIlium") { OffsetMm = new Vector3D(0, 0, -16), SizeMm = 8, DepthMm = 6 }), Anatomy.SacroiliacJoint);

    private static EdemaFindings Control() => MeasurePhantoms.Analyze("sij-control", () => MeasurePhantoms.Sacroiliac(32), Anatomy.SacroiliacJoint);

    private static EdemaFindings Extent(double sizeMm) => MeasurePhantoms.Analyze("sij-extent-" + sizeMm, () => MeasurePhantoms.Sacroiliac(
        33,
        new LesionSpec("ilium", LesionPattern.Subchondral, "LeftIlium") { SizeMm = sizeMm, DepthMm = sizeMm },
        new LesionSpec("sacrum", LesionPattern.Subchondral, "Sacrum") { SizeMm = sizeMm * 0.8, DepthMm = sizeMm * 0.6, OffsetMm = new Vector3D(0, 0, -6) }), Anatomy.SacroiliacJoint);

    private void Print(EdemaFindings findings)
    {
        output.WriteLine($"{findings.Sparcc}");
        foreach (var d in findings.Sparcc?.Details ?? [])
        {
            output.WriteLine($"  {d}");
        }

        foreach (var n in findings.Notes)
        {
            output.WriteLine("  note: " + n);
        }
    }

    [Fact]
    public void Score_LesionsInKnownQuadrants_ScoresOnlyThoseQuadrants()
    {
        var findings = Quadrants();
        Print(findings);
        var s = Assert.IsType<SparccScore>(findings.Sparcc);
        var left = s.Details.Where(d => d.Side == "left").ToList();
        var right = s.Details.Where(d => d.Side == "right").ToList();
        Assert.Contains(left, d => d.IliacUpper);
        Assert.DoesNotContain(left, d => d.IliacLower || d.SacralUpper || d.SacralLower);
        Assert.Contains(right, d => d.SacralLower);
        Assert.Contains(right, d => d.IliacLower);
        Assert.DoesNotContain(right, d => d.IliacUpper || d.SacralUpper);
        Assert.Equal(s.QuadrantScore + s.DepthScore + s.IntensityScore, s.Total);
        Assert.Equal(s.Total, s.Details.Sum(d => d.Points));
        Assert.InRange(s.Total, 0, 72);
    }

    [Fact]
    public void Score_LesionAtKnownDepth_DeepOnlyWhereDeeperThan10Mm()
    {
        // Subchondral lesions reach their depth (± their 1.5 mm soft edge) under the joint: 14 mm is deep, 9 and 6 mm are not.
        Assert.Contains(Extent(14).Sparcc!.Details, d => d.Side == "left" && d.Deep);
        Assert.DoesNotContain(Extent(9).Sparcc!.Details, d => d.Deep);
        Assert.DoesNotContain(Quadrants().Sparcc!.Details, d => d.Deep);
    }

    [Fact]
    public void Score_Control_IsZero()
    {
        var findings = Control();
        Print(findings);
        var s = Assert.IsType<SparccScore>(findings.Sparcc);
        Assert.Equal(0, s.Total);
        Assert.Equal(6, s.SlicesScored);
    }

    [Fact]
    public void Score_GrowingLesion_IsMonotone()
    {
        var scores = new[] { 5.0, 9.0, 14.0 }.Select(size =>
        {
            var f = Extent(size);
            Print(f);
            return (size, f.Sparcc!.Total, f.Total.EdemaVolumeMm3);
        }).ToList();
        foreach (var (size, total, volume) in scores)
        {
            output.WriteLine($"size {size} mm: SPARCC {total}, edema {volume:F0} mm³");
        }

        Assert.True(scores[0].Total <= scores[1].Total && scores[1].Total <= scores[2].Total, string.Join(", ", scores));
        Assert.True(scores[0].Total < scores[2].Total, string.Join(", ", scores));
    }
}
