using BmeQuant.Dicom.Codecs;

namespace BmeQuant.Dicom.Tests.Codecs;

public sealed class RleCodecTests
{
    public static TheoryData<string> Cases => CodecFixture.Names("1.2.840.10008.1.2.5");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_DcmcrleFixture_EqualsOriginalPixels(string name)
    {
        var fixture = CodecFixture.Get(name);
        fixture.AssertMatches(fixture.Decode());
    }

    [Fact]
    public void Decode_HandMadeSegments_FollowsPackBitsAndByteOrder()
    {
        // 2x2, 16-bit, one sample: segment 1 is the high bytes, segment 2 the low bytes.
        var data = new byte[64 + 2 + 5];
        data[0] = 2;
        data[4] = 64;
        data[8] = 66;
        data[64] = 0xFD; // -3: the next byte 4 times
        data[65] = 0x12;
        data[66] = 0xFF; // -1: the next byte twice
        data[67] = 0x34;
        data[68] = 0x01; // 1: two literal bytes
        data[69] = 0x56;
        data[70] = 0x78;
        var info = new FrameInfo(2, 2, 1, 16, 16, false, 0, "MONOCHROME2");
        var output = new byte[8];
        new RleCodec().Decode(data, info, output);
        Assert.Equal(new byte[] { 0x34, 0x12, 0x34, 0x12, 0x56, 0x12, 0x78, 0x12 }, output);
    }

    [Fact]
    public void Decode_WrongSegmentCount_ThrowsCodecException()
    {
        var fixture = CodecFixture.Get("rle_u8");
        var data = fixture.Compressed;
        data[0] = 3;
        var ex = Assert.Throws<DicomCodecException>(() => new RleCodec().Decode(data, fixture.Info, new byte[fixture.Info.FrameByteLength]));
        Assert.Contains("3 segments", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TruncatedSegment_ThrowsCodecException()
    {
        var fixture = CodecFixture.Get("rle_u12");
        var data = fixture.Compressed;
        Assert.Throws<DicomCodecException>(() => new RleCodec().Decode(data.AsSpan(0, data.Length - 40), fixture.Info, new byte[fixture.Info.FrameByteLength]));
    }
}
