using BmeQuant.Quantification.Internal;

namespace BmeQuant.Quantification.Tests;

/// <summary>
/// The pattern rule on the distribution numbers measured on full-grid phantom cases (128 matrix, articular surface
/// reach 10 mm; <c>BMEQUANT_FULL_VALIDATION=1</c>): for every joint and pattern the cases nearest a cut, including those
/// the former rule (diffuse from 0.9 × the inscribed radius, any lesion with articular contact subchondral, subcortical
/// by the p95 surface depth ≤ 7 mm) called wrongly once the articular surface took the 10 mm reach ("was ..."). Columns:
/// volume mm³, % of bone, subchondral fraction, subcortical fraction, p95 articular depth mm, foci, largest share, p95
/// depth below the bone surface mm, the bone's inscribed radius mm.
/// </summary>
public class PatternClassifierTests
{
    [Theory]
    [InlineData(23510, 12.2, 0.25, 0.01, 17.3, 2, 1.00, 17.3, 22.1, "diffuse")] // hip diffuse seed 133 (was subchondral)
    [InlineData(23328, 12.1, 0.25, 0.01, 17.6, 1, 1.00, 17.4, 22.4, "diffuse")] // hip diffuse seed 135 (was subchondral)
    [InlineData(25525, 13.1, 0.24, 0.01, 18.0, 7, 0.99, 17.6, 22.1, "diffuse")] // hip diffuse seed 134 (seven foci, one dominant)
    [InlineData(5463, 22.4, 0.42, 0.00, 10.5, 1, 1.00, 11.5, 13.1, "diffuse")] // ankle diffuse seed 157 (was subchondral)
    [InlineData(20099, 10.0, 0.09, 0.24, 23.4, 3, 1.00, 13.8, 26.4, "diffuse")] // knee diffuse seed 111 (three foci, one dominant)
    [InlineData(28845, 9.3, 0.14, 0.00, 25.5, 1, 1.00, 23.8, 25.7, "diffuse")] // sacroiliac diffuse seed 181
    [InlineData(2249, 9.2, 0.10, 0.16, 11.2, 2, 0.85, 11.6, 12.6, "patchy-multifocal")] // ankle multifocal seed 166 (was subchondral)
    [InlineData(2211, 9.1, 0.12, 0.14, 10.6, 2, 0.84, 11.6, 12.5, "patchy-multifocal")] // ankle multifocal seed 170 (was subchondral)
    [InlineData(2037, 1.0, 0.00, 0.06, 24.6, 2, 0.89, 13.3, 26.8, "patchy-multifocal")] // knee multifocal seed 119 (largest focus 0.89)
    [InlineData(2025, 1.0, 0.00, 0.00, 19.3, 2, 0.89, 20.6, 22.5, "patchy-multifocal")] // hip multifocal seed 144
    [InlineData(1470, 0.5, 0.00, 0.00, 29.2, 2, 0.87, 23.6, 25.9, "patchy-multifocal")] // sacroiliac multifocal seed 190
    [InlineData(1314, 0.7, 0.37, 0.40, 24.7, 4, 0.35, 7.7, 27.1, "subcortical")] // knee subcortical seed 117 (was patchy-multifocal)
    [InlineData(819, 0.3, 0.63, 0.14, 44.2, 2, 0.70, 6.8, 25.9, "subcortical")] // sacroiliac subcortical seed 188
    [InlineData(1286, 0.7, 0.98, 0.00, 5.0, 3, 0.59, 5.6, 22.1, "subcortical")] // hip subcortical seed 137
    [InlineData(1532, 6.3, 0.63, 0.27, 8.0, 2, 0.61, 5.9, 13.1, "subcortical")] // ankle subcortical seed 164
    [InlineData(3230, 13.2, 0.70, 0.00, 7.8, 1, 1.00, 8.5, 12.6, "subchondral")] // ankle subchondral seed 150 (deepest subchondral relative to its bone)
    [InlineData(2388, 1.2, 0.58, 0.04, 8.5, 1, 1.00, 8.8, 26.8, "subchondral")] // knee subchondral seed 103 (was patchy-multifocal at the 6 mm surface)
    [InlineData(3088, 1.6, 0.67, 0.00, 8.1, 1, 1.00, 9.5, 22.3, "subchondral")] // hip subchondral seed 128
    [InlineData(3602, 1.1, 0.47, 0.00, 8.5, 1, 1.00, 10.2, 25.7, "subchondral")] // sacroiliac subchondral seed 173 (least articular contact)
    public void Classify_MeasuredPhantomFeatures_GivesThePhantomsPattern(double mm3, double percent, double sub, double cort, double p95, int foci, double largest, double surfaceP95, double inscribed, string expected)
    {
        var (pattern, evidence) = PatternClassifier.Classify(mm3, percent, sub, cort, p95, foci, largest, AnalysisOptions.Default, surfaceP95, inscribed);
        Assert.True(pattern == expected, $"{pattern} (expected {expected}): {evidence}");
    }

    [Theory]
    [InlineData(0.85, "patchy-multifocal")] // several foci away from the surface
    [InlineData(0.97, "subchondral")] // the same numbers with one lesion dominant: it rests against the joint
    public void Classify_AnkleMultifocalNumbers_DominanceDecidesBetweenPatchyAndSubchondral(double largest, string expected)
    {
        // Ankle multifocal seed 166's contact (10 % of its edema within 5 mm of the articular surface, 16 % within 5 mm
        // of other cortex) at a subchondral depth (p95 8 mm of a 12.6 mm inscribed radius): several foci none of which
        // dominates are patchy; only a dominant lesion with that contact is subchondral.
        var (pattern, evidence) = PatternClassifier.Classify(2249, 9.2, 0.10, 0.16, 8.0, 2, largest, AnalysisOptions.Default, 11.6, 12.6);
        Assert.True(pattern == expected, $"{pattern} (expected {expected}): {evidence}");
    }

    [Theory]
    [InlineData(7.8, "subchondral")] // the lesion stays within the subchondral centimetre
    [InlineData(10.5, "diffuse")] // it reaches beyond it (and beyond 0.7 × the radius)
    public void Classify_ThinBone_DiffuseOnlyBeyondTheSubchondralZone(double p95, string expected)
    {
        // Ankle subchondral seed 150's numbers in a bone 16 mm thick (inscribed radius 8 mm): 0.7 × the radius is
        // 5.6 mm, which a subchondral lesion passes; diffuse needs a p95 depth of 9.5 mm as well.
        var (pattern, evidence) = PatternClassifier.Classify(3230, 13.2, 0.70, 0.00, p95, 1, 1.00, AnalysisOptions.Default, 8.0, 8.0);
        Assert.True(pattern == expected, $"{pattern} (expected {expected}): {evidence}");
    }
}
