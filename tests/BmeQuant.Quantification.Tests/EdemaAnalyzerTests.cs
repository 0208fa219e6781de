using System.Text.Json;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Testing;

namespace BmeQuant.Quantification.Tests;

public class EdemaAnalyzerTests
{
    private static readonly Vector3D s_lesion = new(8, 8, 4);

    [Theory]
    [InlineData(EdemaRule.Robust)]
    [InlineData(EdemaRule.Q3Iqr)]
    [InlineData(EdemaRule.MeanSd)]
    public void Analyze_SyntheticLesion_DiceAtLeast085AndVolumeWithin10Percent(EdemaRule rule)
    {
        var study = SyntheticStudy.Create(s_lesion, noiseSd: 10, seed: 1);
        var findings = EdemaAnalyzer.Analyze(study.Input(), AnalysisOptions.Default with { Rule = rule }, TestContext.Current.CancellationToken);

        var dice = ReaderAgreement.Dice(findings.Masks.Edema, study.Truth);
        Assert.True(dice >= 0.85, $"{rule}: Dice {dice:F3} < 0.85");
        var error = Math.Abs(findings.Total.EdemaVolumeMm3 - study.TruthVolumeMm3) / study.TruthVolumeMm3;
        Assert.True(error <= 0.10, $"{rule}: volume {findings.Total.EdemaVolumeMm3:F0} mm³ vs truth {study.TruthVolumeMm3:F0} mm³ ({error:P1})");
        Assert.Equal(findings.Total.EdemaVolumeMm3 / 1000, findings.Total.EdemaVolumeMilliliters, 9);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Analyze_EdemaFreeControl_FindsLessThan02Milliliters(int seed)
    {
        var study = SyntheticStudy.Create(null, noiseSd: 10, seed: seed);
        var findings = EdemaAnalyzer.Analyze(study.Input(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(findings.Total.EdemaVolumeMilliliters < 0.2, $"False edema {findings.Total.EdemaVolumeMilliliters:F3} mL on a control.");
    }

    [Fact]
    public void Analyze_RegeneratedNoise_VolumeCoefficientOfVariationAtMost5Percent()
    {
        var volumes = Enumerable.Range(10, 5)
            .Select(seed => EdemaAnalyzer.Analyze(SyntheticStudy.Create(s_lesion, 10, seed).Input(), cancellationToken: TestContext.Current.CancellationToken).Total.EdemaVolumeMm3)
            .ToArray();
        var mean = volumes.Average();
        var sd = Math.Sqrt(volumes.Sum(v => (v - mean) * (v - mean)) / (volumes.Length - 1));
        Assert.True(sd / mean <= 0.05, $"CV {sd / mean:P2} over volumes {string.Join(", ", volumes.Select(v => v.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");
    }

    [Fact]
    public void Analyze_LesionAgainstJoint_IsSubchondralInTheRightBoneWithDepthsFromTheArticularSurface()
    {
        var study = SyntheticStudy.Create(s_lesion, noiseSd: 5, seed: 4);
        var findings = EdemaAnalyzer.Analyze(study.Input(), cancellationToken: TestContext.Current.CancellationToken);

        var tibia = Assert.Single(findings.Bones, b => b.Name == "tibia");
        var femur = Assert.Single(findings.Bones, b => b.Name == "femur");
        Assert.Equal(0, femur.EdemaVolumeMm3);
        Assert.Equal("subchondral", tibia.Distribution.Pattern);
        Assert.Equal("articular surface", tibia.Distribution.DepthReference);
        Assert.Equal(1, tibia.Distribution.FociCount);

        // Lesion spans 0..8 mm below the articular surface voxels (centre 4 mm deep, z semi-axis 4 mm, 1 mm voxels).
        Assert.InRange(tibia.Distribution.MaxDepthMm, 7, 9);
        Assert.True(tibia.Distribution.SubchondralFraction > 0.5, $"Subchondral fraction {tibia.Distribution.SubchondralFraction:F2}");
        Assert.Equal(tibia.EdemaVolumeMm3, tibia.Distribution.DepthBands.Sum(b => b.VolumeMm3), 6);
        Assert.Equal(0, tibia.Distribution.DepthBands[2].VolumeMm3);

        // Ratios from the constructed signal levels: fluid 300 vs 100, T1 500 vs 1000 (smoothing blurs edges a little).
        Assert.InRange(tibia.Signal.EdemaToNormalMarrow!.Value, 2.6, 3.1);
        Assert.InRange(tibia.Signal.T1EdemaToNormalMarrow!.Value, 0.48, 0.6);
        Assert.InRange(tibia.PercentOfRegion, 100.0 * study.TruthVolumeMm3 / tibia.RegionVolumeMm3 * 0.9, 100.0 * study.TruthVolumeMm3 / tibia.RegionVolumeMm3 * 1.1);
        Assert.Equal(1, tibia.Grades.Worms);
    }

    [Fact]
    public void Analyze_ThresholdSensitivity_VolumeShrinksAsThresholdRises()
    {
        var study = SyntheticStudy.Create(s_lesion, noiseSd: 30, seed: 5);
        var s = EdemaAnalyzer.Analyze(study.Input(), cancellationToken: TestContext.Current.CancellationToken).Sensitivity;
        Assert.True(s.VolumeAtLowerThresholdMm3 >= s.VolumeMm3 && s.VolumeMm3 >= s.VolumeAtHigherThresholdMm3, $"{s}");
        Assert.True(s.VolumeAtLowerThresholdMm3 > s.VolumeAtHigherThresholdMm3, "A ±10 % threshold change on noisy data must change the volume.");
    }

    [Fact]
    public void Analyze_GivenReferenceMask_UsesItsStatistics()
    {
        var study = SyntheticStudy.Create(s_lesion, noiseSd: 10, seed: 6);
        var reference = study.Labels.CreateLike<byte>();
        for (var k = 25; k < 30; k++)
        {
            for (var j = 20; j < 40; j++)
            {
                for (var i = 20; i < 40; i++)
                {
                    reference[i, j, k] = 1;
                }
            }
        }

        var findings = EdemaAnalyzer.Analyze(study.Input() with { ReferenceMask = reference, ReferenceMaskSource = "ref.nii.gz" }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("mask", findings.Reference.Source);
        Assert.Equal("given: ref.nii.gz", findings.Inputs.ReferenceMask);
        Assert.Equal(2000, findings.Reference.VolumeMm3, 6);
        Assert.InRange(findings.Reference.FluidMedian, 97, 103);
        Assert.True(ReaderAgreement.Dice(findings.Masks.Edema, study.Truth) >= 0.85);
    }

    [Fact]
    public void Analyze_T1OnAnotherGrid_IsResampledThroughPatientGeometry()
    {
        var study = SyntheticStudy.Create(s_lesion, noiseSd: 5, seed: 7);

        // T1 on a grid shifted by half a voxel in x and y: same anatomy, different sampling.
        var g = study.T1.Geometry;
        var shifted = new Volume<float>(g.WithOrigin(g.Origin + new Vector3D(0.5, 0.5, 0)));
        for (var k = 0; k < g.SizeZ; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    shifted[i, j, k] = study.T1[Math.Min(i + 1, g.SizeX - 1), Math.Min(j + 1, g.SizeY - 1), k] * 0.5f + (study.T1[i, j, k] * 0.5f);
                }
            }
        }

        var input = new StudyInput(study.Fluid, shifted) { BoneLabels = study.Labels, Anatomy = Anatomy.Knee };
        var findings = EdemaAnalyzer.Analyze(input, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("geometry", findings.Alignment.Method);
        Assert.True(ReaderAgreement.Dice(findings.Masks.Edema, study.Truth) >= 0.85);
    }

    [Fact]
    public void Analyze_EmptyLabelMap_ThrowsQuantificationExceptionNamingTheSeries()
    {
        var study = SyntheticStudy.Create(null, 5, 1);
        var input = new StudyInput(study.Fluid, study.T1)
        {
            BoneLabels = study.Labels.CreateLike<int>(),
            FluidSensitiveSeries = new SeriesProvenance("1.2.3", "STIR", "stir.nii.gz"),
        };
        var ex = Assert.Throws<QuantificationException>(() => EdemaAnalyzer.Analyze(input, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("stir.nii.gz", ex.Message, StringComparison.Ordinal);
        Assert.Contains("No bone voxel", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_NegativeMinimumLesion_ThrowsNamingTheOption()
    {
        var study = SyntheticStudy.Create(null, 5, 1);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => EdemaAnalyzer.Analyze(study.Input(), AnalysisOptions.Default with { MinimumLesionVolumeMm3 = -1 }, TestContext.Current.CancellationToken));
        Assert.Contains(nameof(AnalysisOptions.MinimumLesionVolumeMm3), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Findings_JsonCarriesSchemaParametersAndInputsAndMasksRoundTrip()
    {
        var study = SyntheticStudy.Create(s_lesion, 10, 8);
        var input = study.Input() with
        {
            FluidSensitiveSeries = new SeriesProvenance("1.2.826.0.1.3680043.2.1125.1", "STIR_COR", "stir.nii.gz"),
            T1Series = new SeriesProvenance("1.2.826.0.1.3680043.2.1125.2", "T1_COR", "t1.nii.gz"),
        };
        var options = AnalysisOptions.Default with { MinimumLesionVolumeMm3 = 42 };
        var findings = EdemaAnalyzer.Analyze(input, options, TestContext.Current.CancellationToken);
        var dir = TestPaths.NewOutputFolder("findings");

        var written = FindingsWriter.Write(findings, dir);

        Assert.All(written, p => Assert.True(File.Exists(p), p));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "findings.json")));
        var root = doc.RootElement;
        Assert.Equal(EdemaFindings.CurrentSchemaVersion, root.GetProperty("schemaVersion").GetString());
        Assert.Equal(42, root.GetProperty("options").GetProperty("minimumLesionVolumeMm3").GetDouble());
        Assert.Equal("robust", root.GetProperty("options").GetProperty("rule").GetString());
        Assert.Equal("1.2.826.0.1.3680043.2.1125.1", root.GetProperty("inputs").GetProperty("fluidSensitive").GetProperty("seriesInstanceUid").GetString());
        Assert.Equal("1.2.826.0.1.3680043.2.1125.2", root.GetProperty("inputs").GetProperty("t1").GetProperty("seriesInstanceUid").GetString());
        Assert.Equal(findings.Total.EdemaVolumeMm3, root.GetProperty("total").GetProperty("edemaVolumeMm3").GetDouble(), 9);
        Assert.Equal(findings.Total.EdemaVolumeMilliliters, root.GetProperty("total").GetProperty("edemaVolumeMilliliters").GetDouble(), 9);
        Assert.False(root.TryGetProperty("masks", out _));

        var edema = NiftiReader.ReadMask(Path.Combine(dir, "edema.nii.gz"));
        Assert.True(edema.Geometry.IsSameGrid(study.Fluid.Geometry, 1e-4));
        Assert.Equal(findings.Masks.Edema.Data, edema.Data);
        Assert.Contains("Edema:", FindingsWriter.Summary(findings), StringComparison.Ordinal);
    }
}

public class GradingTests
{
    [Theory]
    [InlineData(0.0, 0.0, 0, 0)]
    [InlineData(10.0, 1.0, 1, 1)]
    [InlineData(24.9, 1.0, 1, 1)]
    [InlineData(25.0, 1.0, 2, 1)]
    [InlineData(33.0, 1.0, 2, 2)]
    [InlineData(50.0, 1.0, 2, 2)]
    [InlineData(50.1, 1.0, 3, 2)]
    [InlineData(66.0, 1.0, 3, 2)]
    [InlineData(66.1, 1.0, 3, 3)]
    public void Grade_PercentOfRegion_FollowsPublishedCutPoints(double percent, double volumeMm3, int worms, int moaks)
    {
        var g = Internal.Grading.Grade(percent, volumeMm3, AnalysisOptions.Default);
        Assert.Equal(worms, g.Worms);
        Assert.Equal(moaks, g.Moaks);
        Assert.Equal(moaks, g.Berlin);
    }
}
