using BmeQuant.Dicom.Codecs;

namespace BmeQuant.Dicom.Tests.Codecs;

public sealed class JpegCodecTests
{
    public static TheoryData<string> LosslessCases => CodecFixture.Names("1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70");

    public static TheoryData<string> DctCases => CodecFixture.Names("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51");

    [Theory]
    [MemberData(nameof(LosslessCases))]
    public void Decode_DcmcjpegLosslessFixture_EqualsOriginalPixels(string name)
    {
        // Lossless: exact, except the point-transform case whose reference is dcmdjpeg's decode (also exact).
        var fixture = CodecFixture.Get(name);
        fixture.AssertMatches(fixture.Decode());
    }

    [Theory]
    [MemberData(nameof(DctCases))]
    public void Decode_DcmcjpegDctFixture_WithinOneOfDcmdjpeg(string name)
    {
        // Reference: dcmdjpeg (libjpeg, integer IDCT, fancy upsampling, no colour conversion). Our float IDCT and the
        // same triangle upsampling may differ by rounding: tolerance +-1 per sample (manifest).
        var fixture = CodecFixture.Get(name);
        fixture.AssertMatches(fixture.Decode());
    }

    [Fact]
    public void Decode_Progressive_ThrowsUnsupportedNamingTheSyntaxAndTranscoder()
    {
        var fixture = CodecFixture.Get("jp_u8_progressive");
        Assert.True(PixelCodecRegistry.TryGet(fixture.TransferSyntaxUid, out var codec));
        var ex = Assert.Throws<UnsupportedTransferSyntaxException>(() => codec.Decode(fixture.Compressed, fixture.Info, new byte[fixture.Info.FrameByteLength]));
        Assert.Equal(fixture.TransferSyntaxUid, ex.TransferSyntaxUid);
        Assert.Contains("dcmdjpeg", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_FrameSizeDiffersFromDataset_ThrowsCodecException()
    {
        var fixture = CodecFixture.Get("jll_sv1_u16");
        var info = fixture.Info with { Rows = fixture.Rows + 1 };
        Assert.True(PixelCodecRegistry.TryGet(fixture.TransferSyntaxUid, out var codec));
        var ex = Assert.Throws<DicomCodecException>(() => codec.Decode(fixture.Compressed, info, new byte[info.FrameByteLength]));
        Assert.Contains("the dataset says", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_YbrFull422_ReportsYbrFullOutput()
    {
        var fixture = CodecFixture.Get("jb_rgb8_422");
        Assert.True(PixelCodecRegistry.TryGet(fixture.TransferSyntaxUid, out var codec));
        Assert.Equal("YBR_FULL_422", fixture.PhotometricInterpretation);
        Assert.Equal("YBR_FULL", codec.OutputPhotometricInterpretation(fixture.Info));
        Assert.Equal(0, codec.OutputPlanarConfiguration(fixture.Info));
    }
}
