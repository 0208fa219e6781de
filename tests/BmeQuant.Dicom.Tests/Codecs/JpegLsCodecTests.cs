using BmeQuant.Dicom.Codecs;

namespace BmeQuant.Dicom.Tests.Codecs;

public sealed class JpegLsCodecTests
{
    public static TheoryData<string> Cases => CodecFixture.Names("1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_DcmcjplsFixture_EqualsReference(string name)
    {
        // Lossless: the original pixels. Near-lossless: dcmdjpls's decode, which a conforming decoder reproduces exactly.
        var fixture = CodecFixture.Get(name);
        fixture.AssertMatches(fixture.Decode());
    }
}
