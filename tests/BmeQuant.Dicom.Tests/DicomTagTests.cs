namespace BmeQuant.Dicom.Tests;

public class DicomTagTests
{
    [Fact]
    public void ToString_PatientName_FormatsGroupAndElement()
    {
        Assert.Equal("(0010,0010)", DicomTag.PatientName.ToString());
        Assert.Equal("(7FE0,0010)", DicomTag.PixelData.ToString());
    }

    [Theory]
    [InlineData("(0008,103E)")]
    [InlineData("0008,103E")]
    [InlineData("0008103E")]
    [InlineData("SeriesDescription")]
    public void Parse_AnyNotation_GivesSeriesDescription(string text)
    {
        Assert.Equal(DicomTag.SeriesDescription, DicomTag.Parse(text));
    }

    [Fact]
    public void Parse_Garbage_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => DicomTag.Parse("NoSuchKeywordXyz"));
    }

    [Fact]
    public void Keyword_FromDictionary_MatchesStandard()
    {
        Assert.Equal("Rows", new DicomTag(0x0028, 0x0010).Keyword);
        Assert.Equal("RescaleSlope", new DicomTag(0x0028, 0x1053).Keyword);
        Assert.Equal(DicomVR.DS, DicomDictionary.Lookup(DicomTag.RescaleSlope)!.VR);
        Assert.Equal("2-n", DicomDictionary.Lookup(DicomTag.ImageType)!.VM);
    }

    [Fact]
    public void Keyword_RepeatingGroup_MatchesMask()
    {
        Assert.Equal("OverlayData", new DicomTag(0x6002, 0x3000).Keyword);
        Assert.Equal("OverlayData", new DicomTag(0x6000, 0x3000).Keyword);
        Assert.Equal(string.Empty, new DicomTag(0x6001, 0x3000).Keyword);
    }

    [Fact]
    public void IsPrivate_OddGroup_True()
    {
        Assert.True(new DicomTag(0x2005, 0x100E).IsPrivate);
        Assert.True(new DicomTag(0x2005, 0x0010).IsPrivateCreator);
        Assert.False(DicomTag.PatientName.IsPrivate);
    }

    [Fact]
    public void TransferSyntax_Lookup_KnowsEncodingFacts()
    {
        var be = TransferSyntax.Lookup("1.2.840.10008.1.2.2");
        Assert.True(be.IsBigEndian);
        Assert.True(be.IsExplicitVR);
        Assert.False(TransferSyntax.Lookup("1.2.840.10008.1.2").IsExplicitVR);
        Assert.True(TransferSyntax.Lookup("1.2.840.10008.1.2.1.99").IsDeflated);
        Assert.True(TransferSyntax.Lookup("1.2.840.10008.1.2.4.70").IsEncapsulated);
        Assert.Equal("JPEG 2000 Image Compression (Lossless Only)", TransferSyntax.Jpeg2000Lossless.Name);
    }

    [Fact]
    public void Generate_Uid_IsValidUnderRoot225AndUnique()
    {
        var a = DicomUid.Generate();
        var b = DicomUid.Generate();
        Assert.StartsWith("2.25.", a, StringComparison.Ordinal);
        Assert.True(DicomUid.IsValid(a), a);
        Assert.True(a.Length <= 64);
        Assert.NotEqual(a, b);
        Assert.True(DicomUid.IsValid(DicomUid.ImplementationClassUid));
        Assert.Equal("2.25.0", DicomUid.FromGuid(Guid.Empty));
    }
}
