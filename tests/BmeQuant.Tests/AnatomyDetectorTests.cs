using BmeQuant.Loading;
using BmeQuant.Quantification;

namespace BmeQuant.Tests;

public class AnatomyDetectorTests
{
    [Theory]
    [InlineData("KNEE", Anatomy.Knee)]
    [InlineData("HIP", Anatomy.Hip)]
    [InlineData("ANKLE", Anatomy.Ankle)]
    [InlineData("FOOT", Anatomy.Ankle)]
    [InlineData("SIJ", Anatomy.SacroiliacJoint)]
    [InlineData("SACROILIAC_JOINT", Anatomy.SacroiliacJoint)]
    public void Detect_BodyPartExamined_GivesTheJoint(string bodyPart, Anatomy expected)
    {
        var (anatomy, evidence) = AnatomyDetector.Detect([bodyPart], []);
        Assert.Equal(expected, anatomy);
        Assert.Contains("BodyPartExamined", evidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("t1_tse_sag_knie", Anatomy.Knee)]
    [InlineData("MR Hüfte links", Anatomy.Hip)]
    [InlineData("stir_cor_ISG", Anatomy.SacroiliacJoint)]
    [InlineData("Sag STIR ankle", Anatomy.Ankle)]
    public void Detect_DescriptionKeywords_GiveTheJointWhenBodyPartIsMissing(string description, Anatomy expected)
    {
        var (anatomy, _) = AnatomyDetector.Detect([string.Empty, null], [("SeriesDescription", description)]);
        Assert.Equal(expected, anatomy);
    }

    [Fact]
    public void Detect_BodyPartWinsOverDescriptions()
    {
        var (anatomy, _) = AnatomyDetector.Detect(["KNEE"], [("StudyDescription", "MR HIP")]);
        Assert.Equal(Anatomy.Knee, anatomy);
    }

    [Fact]
    public void Detect_ConflictingDescriptions_GiveUnknownAndSaySo()
    {
        var (anatomy, evidence) = AnatomyDetector.Detect(["PELVIS"], [("StudyDescription", "MR HIP"), ("SeriesDescription", "stir SIJ")]);
        Assert.Equal(Anatomy.Unknown, anatomy);
        Assert.Contains("conflicting", evidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SHIP")]
    [InlineData("t2_tse_tra_chip")]
    [InlineData("localizer")]
    public void Detect_KeywordsInsideOtherWords_DoNotMatch(string description)
    {
        var (anatomy, _) = AnatomyDetector.Detect([], [("SeriesDescription", description)]);
        Assert.Equal(Anatomy.Unknown, anatomy);
    }
}
