using BmeQuant.Imaging.BiasField;

namespace BmeQuant.Imaging.Tests.BiasField;

public class BiasFieldCorrectionTests
{
    private const double NoiseSigma = 2;

    // 200 × 160 × 90 mm, anisotropic voxels.
    private static readonly ImageGeometry s_geometry = new(100, 80, 30, new Vector3D(2, 2, 3), new Vector3D(-99, -79, -43.5));
    private static readonly Lazy<BiasFieldPhantom> s_phantom = new(() => BiasFieldPhantom.Create(s_geometry, NoiseSigma, seed: 1));
    private static readonly Lazy<BiasFieldCorrectionResult> s_result = new(() => BiasFieldCorrection.Correct(s_phantom.Value.Image, s_phantom.Value.Mask()));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Correct_KnownSmoothField_CoefficientOfVariationPerTissueDrops(int tissue)
    {
        var phantom = s_phantom.Value;
        var before = CoefficientOfVariation(phantom.Image, phantom.Labels, tissue);
        var after = CoefficientOfVariation(s_result.Value.Corrected, phantom.Labels, tissue);

        // Noise alone gives CV = σ / intensity (0.02, 0.011, 0.033); the field adds 0.08–0.13 before correction.
        // A correction must remove most of the field's share: the after-CV must come within 30 % of the noise floor.
        var noiseFloor = NoiseSigma / BiasFieldPhantom.TissueIntensity[tissue];
        Assert.True(after < 1.3 * noiseFloor, $"tissue {tissue}: CV {before:F4} → {after:F4}, noise floor {noiseFloor:F4}");
        Assert.True(after < 0.6 * before, $"tissue {tissue}: CV {before:F4} → {after:F4}");
    }

    [Fact]
    public void Correct_KnownSmoothField_EstimatedFieldCorrelatesWithTruth()
    {
        var phantom = s_phantom.Value;
        var field = s_result.Value.Field;
        double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
        var n = 0;
        for (var v = 0; v < field.Length; v++)
        {
            if (phantom.Labels.Data[v] == 0)
            {
                continue;
            }

            double a = field.Data[v], b = phantom.TrueField.Data[v];
            sa += a;
            sb += b;
            saa += a * a;
            sbb += b * b;
            sab += a * b;
            n++;
        }

        var correlation = (sab - (sa * sb / n)) / Math.Sqrt((saa - (sa * sa / n)) * (sbb - (sb * sb / n)));
        Assert.True(correlation > 0.9, $"field correlation {correlation:F4}");
    }

    [Fact]
    public void Correct_Result_FieldHasUnitGeometricMeanInMaskAndCorrectedIsImageOverField()
    {
        var phantom = s_phantom.Value;
        var result = s_result.Value;
        double sumLog = 0;
        var n = 0;
        for (var v = 0; v < result.Field.Length; v++)
        {
            if (phantom.Labels.Data[v] != 0)
            {
                sumLog += Math.Log(result.Field.Data[v]);
                n++;
            }

            Assert.Equal(phantom.Image.Data[v] / result.Field.Data[v], result.Corrected.Data[v], 1e-3f);
        }

        Assert.Equal(0, sumLog / n, 1e-4);
        Assert.Equal(3, result.IterationsPerLevel.Count);
    }

    [Fact]
    public void Correct_UniformImageWithoutField_ReturnsFlatField()
    {
        var phantom = BiasFieldPhantom.Create(s_geometry, 0, seed: 2);
        var flat = phantom.Image.Clone();
        for (var v = 0; v < flat.Length; v++)
        {
            var label = phantom.Labels.Data[v];
            flat.Data[v] = BiasFieldPhantom.TissueIntensity[label];
        }

        var result = BiasFieldCorrection.Correct(flat, phantom.Mask());

        var (min, max) = (float.MaxValue, float.MinValue);
        for (var v = 0; v < flat.Length; v++)
        {
            if (phantom.Labels.Data[v] != 0)
            {
                min = Math.Min(min, result.Field.Data[v]);
                max = Math.Max(max, result.Field.Data[v]);
            }
        }

        // A piecewise-constant image has no field to remove; what is estimated must stay within ±3 %.
        Assert.InRange(min, 0.97f, 1.0f);
        Assert.InRange(max, 1.0f, 1.03f);
    }

    [Fact]
    public void Correct_MaskOnDifferentGrid_ThrowsImageFormatException()
    {
        var image = new Volume<float>(new ImageGeometry(8, 8, 8));
        var mask = new Volume<byte>(new ImageGeometry(8, 8, 9));
        var ex = Assert.Throws<ImageFormatException>(() => BiasFieldCorrection.Correct(image, mask));
        Assert.Contains("differs", ex.Message, StringComparison.Ordinal);
    }

    private static double CoefficientOfVariation(Volume<float> image, Volume<byte> labels, int tissue)
    {
        double s = 0, s2 = 0;
        var n = 0;
        for (var v = 0; v < image.Length; v++)
        {
            if (labels.Data[v] == tissue)
            {
                double x = image.Data[v];
                s += x;
                s2 += x * x;
                n++;
            }
        }

        var mean = s / n;
        return Math.Sqrt((s2 / n) - (mean * mean)) / mean;
    }
}
