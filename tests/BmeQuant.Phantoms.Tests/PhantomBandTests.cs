using BmeQuant.Imaging;
using BmeQuant.Phantoms.Geometry;

namespace BmeQuant.Phantoms.Tests;

/// <summary>
/// The subchondral low-signal band is rendered as truth.json states it (issue 5: exact truth, "band size"): a noise-free
/// 0.25 mm sagittal rendering through the band centre, minus the same rendering without the band, gives the band fraction
/// of every pixel (cortex, marrow and the other tissues cancel); its thickness along the surface normal and its length
/// along the (flat) tibial plateau are read from the fraction profiles.
/// </summary>
public class PhantomBandTests
{
    private const double PixelMm = 0.25;
    private const int Size = 121;

    private readonly ITestOutputHelper _output;

    public PhantomBandTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData("Tibia", 5.0, 20.0, true)]
    [InlineData("Tibia", 6.0, 18.0, true)]
    [InlineData("Femur", 3.0, 25.0, false)]
    public void Generate_SubchondralBandNoiseFree_ThicknessAndLengthMatchTruth(string bone, double thicknessMm, double lengthMm, bool flatSurface)
    {
        var lesion = new LesionSpec("band", LesionPattern.Subchondral, bone) { SizeMm = 16, DepthMm = 12, PeakFraction = 0, BandThicknessMm = thicknessMm, BandLengthMm = lengthMm };
        var (withBand, truth) = Render(bone, thicknessMm, lesion);
        var (without, _) = Render(bone, thicknessMm, null);
        var band = withBand.TissueSignals["FractureBand"];
        var marrow = withBand.TissueSignals["YellowMarrow"];

        // Band fraction per pixel: the only difference between the two renderings is marrow replaced by band.
        var fraction = new double[Size * Size];
        for (var n = 0; n < fraction.Length; n++)
        {
            fraction[n] = (without.Image.Data[n] - withBand.Image.Data[n]) / (marrow - band);
        }

        // Sagittal grid: i runs along +Y (anterior-posterior, along the plateau), j along −Z (the articular normal of both
        // bones is ±Z); the band centre is the middle pixel.
        var mid = Size / 2;
        var normalProfile = Enumerable.Range(0, Size).Select(j => fraction[mid + (Size * j)]).ToArray();
        var thicknessIntegral = normalProfile.Sum() * PixelMm;
        var thicknessHalf = HalfMaximumExtent(normalProfile);
        _output.WriteLine($"{bone}: truth thickness {truth.BandThicknessMm} mm, rendered ∫f {thicknessIntegral:F3} mm, extent f ≥ 0.5 {thicknessHalf:F3} mm");
        Assert.Equal(thicknessMm, truth.BandThicknessMm);
        Assert.Equal(lengthMm, truth.BandLengthMm);
        Assert.InRange(thicknessIntegral, truth.BandThicknessMm - 0.25, truth.BandThicknessMm + 0.25);
        Assert.InRange(thicknessHalf, truth.BandThicknessMm - 0.25, truth.BandThicknessMm + 0.25);
        Assert.All(fraction, f => Assert.InRange(f, -1e-3, 1 + 1e-3));

        if (flatSurface)
        {
            var lateralProfile = Enumerable.Range(0, Size).Select(i => fraction[i + (Size * mid)]).ToArray();
            var lengthIntegral = lateralProfile.Sum() * PixelMm;
            var lengthHalf = HalfMaximumExtent(lateralProfile);
            _output.WriteLine($"{bone}: truth length {truth.BandLengthMm} mm, rendered ∫f {lengthIntegral:F3} mm, extent f ≥ 0.5 {lengthHalf:F3} mm");
            Assert.InRange(lengthIntegral, truth.BandLengthMm - 1, truth.BandLengthMm + 1);
            Assert.InRange(lengthHalf, truth.BandLengthMm - 1, truth.BandLengthMm + 1);
        }
    }

    /// <summary>One T1 sagittal slice (0.25 mm pixels and thickness) centred on the band's middle, noise and bias off.</summary>
    private static (PhantomSeries Series, LesionTruth Truth) Render(string bone, double thickness, LesionSpec? lesion)
    {
        var model = AnatomyLibrary.Get(PhantomAnatomy.Knee);
        var b = model.Bones[model.BoneIndex(bone)];
        var centre = b.SurfacePoint - (b.ArticularDirection * (LesionField.BandTopMm + (0.5 * thickness)));
        var grid = PhantomGeneratorTests.Grid(PhantomSequence.T1SpinEcho, SliceOrientation.Sagittal, Size, PixelMm, 1, PixelMm, 0, centre);
        var probe = lesion ?? new LesionSpec("probe", LesionPattern.Subchondral, bone) { SizeMm = 1, PeakFraction = 0 };
        var spec = PhantomGeneratorTests.Small(PhantomAnatomy.Knee, [probe], grid) with
        {
            AddNoise = false,
            BiasFieldAmplitude = 0,
            MotionMm = 0,
            Supersampling = 4,
            TruthStepMm = 1,
        };
        var visit = PhantomGenerator.Generate(spec).Visits[0];
        return (visit.Series[0], visit.Truth.Lesions[0]);
    }

    /// <summary>Length of the run where the profile is at least 0.5, its ends interpolated linearly between pixel centres.</summary>
    private static double HalfMaximumExtent(double[] profile)
    {
        var peak = Array.IndexOf(profile, profile.Max());
        Assert.True(profile[peak] >= 0.5, $"band fraction peaks at {profile[peak]:F3}");
        var lo = peak;
        while (lo > 0 && profile[lo - 1] >= 0.5)
        {
            lo--;
        }

        var hi = peak;
        while (hi < profile.Length - 1 && profile[hi + 1] >= 0.5)
        {
            hi++;
        }

        Assert.True(lo > 0 && hi < profile.Length - 1, "the band reaches the edge of the rendered field");
        var start = lo - ((profile[lo] - 0.5) / (profile[lo] - profile[lo - 1]));
        var end = hi + ((profile[hi] - 0.5) / (profile[hi] - profile[hi + 1]));
        return (end - start) * PixelMm;
    }
}
