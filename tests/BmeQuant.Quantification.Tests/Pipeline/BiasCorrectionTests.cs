using System.Globalization;

namespace BmeQuant.Quantification.Tests.Pipeline;

/// <summary>Bias-field correction before the reference (<see cref="AnalysisOptions.CorrectBiasField"/>).</summary>
public class BiasCorrectionTests(ITestOutputHelper output)
{
    /// <summary>
    /// Smooth fields of exp(±1.2) across the field of view on the STIR and exp(±0.96) on the T1 (over the bones about
    /// 0.6–1.6). The volume error the bias causes (against the same study without bias) must shrink to under half with
    /// correction; the errors against the truth are printed too (the unbiased study's own error, about 11 %, comes
    /// from partial volume, not from the bias).
    /// </summary>
    [Fact]
    public void Analyze_StrongCoilBias_CorrectionReducesVolumeError()
    {
        const double strength = 1.2;
        var study = PipelinePhantoms.Aligned;
        var clean = PipelinePhantoms.Input(study);
        var truth = PipelinePhantoms.TruthVolumeMm3(study);
        var biased = new StudyInput(PipelinePhantoms.WithGradientBias(clean.FluidSensitive, 1, 0.6, strength), PipelinePhantoms.WithGradientBias(clean.T1!, -0.4, 1, 0.8 * strength))
        {
            BoneLabels = clean.BoneLabels,
            LabelNames = clean.LabelNames,
            Anatomy = clean.Anatomy,
        };

        var reference = EdemaAnalyzer.Analyze(clean, AnalysisOptions.Default, TestContext.Current.CancellationToken).Total.EdemaVolumeMm3;
        var without = EdemaAnalyzer.Analyze(biased, AnalysisOptions.Default with { CorrectBiasField = false }, TestContext.Current.CancellationToken);
        var with = EdemaAnalyzer.Analyze(biased, AnalysisOptions.Default with { CorrectBiasField = true }, TestContext.Current.CancellationToken);

        var errWithout = Math.Abs(without.Total.EdemaVolumeMm3 - truth) / truth;
        var errWith = Math.Abs(with.Total.EdemaVolumeMm3 - truth) / truth;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"truth {truth:F0} mm³; no bias {reference:F0} mm³ (error {Math.Abs(reference - truth) / truth:P1}); coil bias strength {strength} without correction {without.Total.EdemaVolumeMm3:F0} mm³ (error {errWithout:P1}); with correction {with.Total.EdemaVolumeMm3:F0} mm³ (error {errWith:P1})"));
        foreach (var note in with.Notes.Where(n => n.Contains("Bias field", StringComparison.Ordinal)))
        {
            output.WriteLine(note);
        }

        Assert.Contains(with.Notes, n => n.StartsWith("Bias field of the fluid-sensitive series", StringComparison.Ordinal));
        Assert.Contains(without.Notes, n => n.StartsWith("No bias-field correction", StringComparison.Ordinal));
        var biasErrorWithout = Math.Abs(without.Total.EdemaVolumeMm3 - reference) / reference;
        var biasErrorWith = Math.Abs(with.Total.EdemaVolumeMm3 - reference) / reference;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"error caused by the bias (vs the unbiased study): without correction {biasErrorWithout:P1}, with correction {biasErrorWith:P1}"));
        Assert.True(biasErrorWithout >= 0.03, string.Create(CultureInfo.InvariantCulture, $"the bias must change the uncorrected volume noticeably (else the test shows nothing); changed it by {biasErrorWithout:P1}"));
        Assert.True(biasErrorWith <= 0.5 * biasErrorWithout, string.Create(CultureInfo.InvariantCulture, $"volume error from the bias with correction {biasErrorWith:P1} should be under half of the error without {biasErrorWithout:P1}"));
        Assert.True(errWith < errWithout, string.Create(CultureInfo.InvariantCulture, $"volume error vs truth with correction {errWith:P1} should be below the error without {errWithout:P1}"));
    }
}
