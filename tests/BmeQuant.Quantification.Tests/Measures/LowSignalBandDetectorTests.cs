using BmeQuant.Imaging;
using BmeQuant.Phantoms;

namespace BmeQuant.Quantification.Tests.Measures;

public class LowSignalBandDetectorTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, (Func<PhantomSpec> Spec, Anatomy Anatomy)> s_phantoms = new()
    {
        ["knee-a"] = (() => MeasurePhantoms.Knee(
            21,
            new LesionSpec("f", LesionPattern.Subchondral, "Femur") { SizeMm = 16, DepthMm = 12, BandThicknessMm = 2, BandLengthMm = 10 },
            new LesionSpec("t", LesionPattern.Subchondral, "Tibia") { SizeMm = 16, DepthMm = 12, BandThicknessMm = 5, BandLengthMm = 20 }), Anatomy.Knee),
        ["knee-b"] = (() => MeasurePhantoms.Knee(
            22,
            new LesionSpec("f", LesionPattern.Subchondral, "Femur") { SizeMm = 16, DepthMm = 12, BandThicknessMm = 3, BandLengthMm = 25 },
            new LesionSpec("t", LesionPattern.Subchondral, "Tibia") { SizeMm = 16, DepthMm = 12, BandThicknessMm = 6, BandLengthMm = 18 }), Anatomy.Knee),
        ["hip"] = (() => MeasurePhantoms.Hip(6, new LesionSpec("f", LesionPattern.Subchondral, "Femur") { SizeMm = 14, DepthMm = 10, BandThicknessMm = 4, BandLengthMm = 20 }), Anatomy.Hip),
        ["sij"] = (() => MeasurePhantoms.Sacroiliac(8, new LesionSpec("s", LesionPattern.Subchondral, "LeftIlium") { SizeMm = 14, DepthMm = 10, BandThicknessMm = 3, BandLengthMm = 16 }), Anatomy.SacroiliacJoint),
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<PhantomStudy>> s_rendered = new();

    private static EdemaFindings KneeControl() => MeasurePhantoms.Analyze("knee-control", () => MeasurePhantoms.Knee(
        23,
        new LesionSpec("f", LesionPattern.Subchondral, "Femur") { SizeMm = 16, DepthMm = 12 },
        new LesionSpec("t", LesionPattern.Subchondral, "Tibia") { SizeMm = 14, DepthMm = 10 }), Anatomy.Knee);

    // The bar: thickness within 1 mm and length within 3 mm of the phantom's band. The truth is the band the
    // phantom renders (RenderedBandTruth), which since the phantom places bands along the true surface normal is the
    // specified one. Measured 2026-11-30 (thickness / length error against the rendered band): knee-a femur +0.4 / −1.8,
    // tibia +0.3 / −0.2, knee-b femur +0.4 / −0.8, tibia +0.4 / −1.2, hip +0.3 / −1.6, SIJ +0.4 / −0.1 mm. With the
    // maximum over slices instead of the upper quartile the knee-b femur read +1.4 mm (one rim slice cuts the band
    // tangentially on the condyle); before the out-of-plane tilt correction it read +1.5 mm.
    private const double ThicknessToleranceMm = 1.0;
    private const double LengthToleranceMm = 3.0;

    [Theory]
    [InlineData("knee-a", "Femur", 2, 10)]
    [InlineData("knee-a", "Tibia", 5, 20)]
    [InlineData("knee-b", "Femur", 3, 25)]
    [InlineData("knee-b", "Tibia", 6, 18)]
    [InlineData("hip", "Femur", 4, 20)]
    [InlineData("sij", "LeftIlium", 3, 16)]
    public void Detect_PhantomBand_ThicknessWithin1MmAndLengthWithin3MmOfRenderedBand(string phantom, string bone, double specThicknessMm, double specLengthMm)
    {
        var (spec, anatomy) = s_phantoms[phantom];
        var findings = MeasurePhantoms.Analyze(phantom, spec, anatomy);
        var rendered = s_rendered.GetOrAdd(phantom, _ => new Lazy<PhantomStudy>(() => RenderedBandTruth.Render(spec()))).Value;
        var (thicknessMm, lengthMm) = RenderedBandTruth.Measure(rendered, bone);
        foreach (var b in findings.LowSignalBands)
        {
            output.WriteLine($"{b}");
        }

        var band = Assert.Single(findings.LowSignalBands, b => b.Bone == bone);
        output.WriteLine($"{phantom} {bone}: thickness {band.ThicknessMm:F2} mm (rendered {thicknessMm:F2}, spec {specThicknessMm}), length {band.LengthMm:F2} mm (rendered {lengthMm:F2}, spec {specLengthMm})");
        Assert.InRange(band.ThicknessMm, thicknessMm - ThicknessToleranceMm, thicknessMm + ThicknessToleranceMm);
        Assert.InRange(band.LengthMm, lengthMm - LengthToleranceMm, lengthMm + LengthToleranceMm);
        if (anatomy == Anatomy.Hip)
        {
            Assert.Equal(band.ThicknessMm >= 4, band.ThicknessFlag);
            Assert.False(band.LengthFlag);
        }
        else
        {
            Assert.Equal(band.ThicknessMm > 4, band.ThicknessFlag);
            Assert.Equal(band.LengthMm > 14, band.LengthFlag);
        }
    }

    [Fact]
    public void UpperQuartile_SliceThicknesses_InterpolatesBetweenOrderStatistics()
    {
        // One wide rim slice among four must not set the thickness on its own; order of slices does not matter.
        Assert.Equal(3.37, Internal.LowSignalBandDetector.UpperQuartile([4.35, 2.73, 2.65, 3.04]), 2);
        Assert.Equal(3.25, Internal.LowSignalBandDetector.UpperQuartile([4.0, 1.0, 3.0, 2.0]), 10);
        Assert.Equal(2.5, Internal.LowSignalBandDetector.UpperQuartile([2.5]), 10);
        Assert.Equal(0, Internal.LowSignalBandDetector.UpperQuartile([]));
    }

    [Fact]
    public void InPlaneCosine_SurfaceTiltedOutOfSlice_IsCosineOfTilt()
    {
        // Depth rising along a direction tilted 60° out of the slice plane (x in-plane, z through-plane).
        var g = new ImageGeometry(9, 9, 9, new Vector3D(0.5, 0.5, 3), Vector3D.Zero, Matrix3D.Identity);
        var depth = new float[g.SizeX * g.SizeY * g.SizeZ];
        var angle = Math.PI / 3;
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    depth[i + (9 * (j + (9 * k)))] = (float)((i * 0.5 * Math.Cos(angle)) + (k * 3 * Math.Sin(angle)));
                }
            }
        }

        Assert.Equal(0.5, Internal.LowSignalBandDetector.InPlaneCosine(depth, g, 4 + (9 * (4 + (9 * 4)))), 3);
        Assert.Equal(1.0, Internal.LowSignalBandDetector.InPlaneCosine(new float[depth.Length], g, 40), 3);
    }

    [Theory]
    [InlineData(Anatomy.Knee, "Femur", 3.9, 13.9, false, false)]
    [InlineData(Anatomy.Knee, "Femur", 4.0, 14.0, false, false)]
    [InlineData(Anatomy.Knee, "Tibia", 4.1, 14.1, true, true)]
    [InlineData(Anatomy.Hip, "Femur", 3.9, 30, false, false)]
    [InlineData(Anatomy.Hip, "femoral head", 4.0, 30, true, false)]
    [InlineData(Anatomy.Hip, "Acetabulum", 4.0, 14.1, false, true)]
    [InlineData(Anatomy.Ankle, "Talus", 4.5, 10, true, false)]
    public void Evaluate_EitherSideOfThresholds_FlagsAsPublished(Anatomy anatomy, string bone, double thicknessMm, double lengthMm, bool thicknessFlag, bool lengthFlag)
    {
        var (t, l) = Internal.Measures.BandFlags.Evaluate(anatomy, bone, thicknessMm, lengthMm, AnalysisOptions.Default);
        Assert.Equal(thicknessFlag, t);
        Assert.Equal(lengthFlag, l);
    }

    [Fact]
    public void Evaluate_ConfiguredThresholds_AreUsed()
    {
        var options = AnalysisOptions.Default with { BandThicknessFlagMm = 2, BandLengthFlagMm = 8, FemoralHeadBandThicknessFlagMm = 3 };
        Assert.Equal((true, true), Internal.Measures.BandFlags.Evaluate(Anatomy.Knee, "Femur", 2.5, 9, options));
        Assert.Equal((true, false), Internal.Measures.BandFlags.Evaluate(Anatomy.Hip, "Femur", 3, 9, options));
    }

    [Fact]
    public void Detect_KneePhantomWithoutBand_ReportsNone()
    {
        var findings = KneeControl();
        Assert.True(findings.Bones.Single(b => b.Name == "Femur").EdemaVolumeMm3 > 500, "The control must hold edema for the test to mean anything.");
        Assert.Empty(findings.LowSignalBands);
    }
}
