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

    [Theory]
    [InlineData("jls_near2_u12", 2)]
    [InlineData("jls_near3_u8", 3)]
    [InlineData("jls_near1_rgb8", 1)]
    public void Decode_NearLossless_EverySampleWithinNearOfOriginal(string name, int near)
    {
        // The near-lossless promise of T.87, checked against the image before compression (not against dcmtk).
        var fixture = CodecFixture.Get(name);
        var decoded = fixture.Decode();
        var original = fixture.Original;
        int worst = 0;
        for (int i = 0; i < decoded.Length / (fixture.BitsAllocated / 8); i++)
        {
            worst = Math.Max(worst, Math.Abs(fixture.Sample(decoded, i) - fixture.Sample(original, i)));
        }

        Assert.InRange(worst, 1, near);
    }

    [Fact]
    public void Decode_JpegStreamUnderJpegLsSyntax_ThrowsCodecException()
    {
        var fixture = CodecFixture.Get("jll_sv1_u16");
        Assert.True(PixelCodecRegistry.TryGet("1.2.840.10008.1.2.4.80", out var codec));
        var ex = Assert.Throws<DicomCodecException>(() => codec.Decode(fixture.Compressed, fixture.Info, new byte[fixture.Info.FrameByteLength]));
        Assert.Contains("expected JPEG-LS", ex.Message, StringComparison.Ordinal);
    }
}
