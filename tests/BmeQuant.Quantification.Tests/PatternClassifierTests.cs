using BmeQuant.Quantification.Internal;

namespace BmeQuant.Quantification.Tests;

/// <summary>
/// The pattern rule on the distribution numbers measured on full-grid phantom cases (128 matrix; one row per joint and
/// pattern that the former rule confused, plus the nearest neighbours it must keep apart). Columns: volume mm³,
/// % of bone, subchondral fraction, subcortical fraction, p95 articular depth mm, foci, largest share, p95 depth
/// below the bone surface mm, the bone's inscribed radius mm.
/// </summary>
public class PatternClassifierTests
{
    [Theory]
    [InlineData(24360, 12.1, 0.02, 0.26, 39.2, 1, 1.00, 15.8, 26.5, "diffuse")] // knee diffuse seed 106 (was patchy-multifocal)
    [InlineData(28845, 9.3, 0.12, 0.01, 25.5, 1, 1.00, 23.8, 25.7, "diffuse")] // sacroiliac diffuse seed 181 (was patchy-multifocal)
    [InlineData(4928, 20.2, 0.26, 0.16, 13.2, 1, 1.00, 11.4, 12.9, "diffuse")] // ankle diffuse seed 155 (was subchondral)
    [InlineData(1205, 0.6, 0.86, 0.07, 6.7, 3, 0.62, 5.6, 22.1, "subcortical")] // hip subcortical seed 137 (was subchondral)
    [InlineData(702, 0.2, 0.74, 0.09, 44.2, 2, 0.83, 6.8, 25.9, "subcortical")] // sacroiliac subcortical seed 188 (was diffuse)
    [InlineData(1314, 0.7, 0.12, 0.61, 29.6, 4, 0.35, 7.7, 27.1, "subcortical")] // knee subcortical seed 117
    [InlineData(3049, 12.5, 0.32, 0.31, 9.8, 1, 1.00, 8.2, 12.6, "subchondral")] // ankle subchondral seed 149
    [InlineData(3068, 1.6, 0.65, 0.00, 8.1, 1, 1.00, 9.1, 22.5, "subchondral")] // hip subchondral seed 124
    [InlineData(2388, 1.2, 0.13, 0.40, 11.8, 1, 1.00, 8.8, 26.8, "subchondral")] // knee subchondral seed 103, true depth (was patchy-multifocal)
    [InlineData(2512, 1.2, 0.149, 0.38, 11.2, 1, 1.00, 8.7, 27.1, "subchondral")] // knee subchondral seed 104, true depth (was patchy-multifocal)
    [InlineData(2011, 1.0, 0.00, 0.04, 27.6, 2, 0.85, 15.4, 27.1, "patchy-multifocal")] // knee multifocal seed 120
    [InlineData(2158, 8.9, 0.00, 0.22, 16.2, 2, 0.82, 11.5, 12.9, "patchy-multifocal")] // ankle multifocal seed 168
    [InlineData(1470, 0.5, 0.00, 0.00, 29.4, 2, 0.87, 23.6, 25.9, "patchy-multifocal")] // sacroiliac multifocal seed 190
    public void Classify_MeasuredPhantomFeatures_GivesThePhantomsPattern(double mm3, double percent, double sub, double cort, double p95, int foci, double largest, double surfaceP95, double inscribed, string expected)
    {
        var (pattern, evidence) = PatternClassifier.Classify(mm3, percent, sub, cort, p95, foci, largest, AnalysisOptions.Default, surfaceP95, inscribed);
        Assert.True(pattern == expected, $"{pattern} (expected {expected}): {evidence}");
    }
}
