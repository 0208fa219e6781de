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

    [Fact]
    public void Decode_PointTransform2_DropsExactlyTheTwoLowBits()
    {
        // dcmcjpeg +pt 2 codes sample >> 2; the decoder must return (sample >> 2) << 2 of the original image.
        var fixture = CodecFixture.Get("jll_pt2_u12");
        var decoded = fixture.Decode();
        var original = fixture.Original;
        for (int i = 0; i < fixture.Rows * fixture.Columns; i++)
        {
            Assert.Equal(fixture.Sample(original, i) & ~3, fixture.Sample(decoded, i));
        }
    }

    [Theory]
    [InlineData("jb_u8", 47.0)]
    [InlineData("jb_u8_edges", 28.0)]
    [InlineData("je_u12", 23.0)]
    [InlineData("je_u12_edges", 51.0)]
    public void Decode_LossyMonochrome_PsnrAgainstOriginalAboveFloor(string name, double minimumPsnrDb)
    {
        // Independent of dcmdjpeg: the decode must be close to the image before compression. dcmdjpeg's own decodes
        // measure 50.2, 30.8, 26.0 and 54.4 dB against the originals (generate.py's files); the floors are about 3 dB
        // below, far above what a wrong IDCT, quantisation table or zig-zag order gives.
        var fixture = CodecFixture.Get(name);
        var decoded = fixture.Decode();
        var original = fixture.Original;
        double sum = 0;
        int n = fixture.Rows * fixture.Columns;
        for (int i = 0; i < n; i++)
        {
            double d = fixture.Sample(decoded, i) - fixture.Sample(original, i);
            sum += d * d;
        }

        double peak = (1 << fixture.BitsStored) - 1;
        double psnr = 10 * Math.Log10(peak * peak / Math.Max(sum / n, 1e-12));
        Assert.True(psnr > minimumPsnrDb, $"{name}: PSNR {psnr:F1} dB");
    }

    [Theory]
    [InlineData(1, 0, 0, 12, 1)]
    [InlineData(2, 0, 7, 16, 1)]
    [InlineData(3, 0, 64, 8, 1)]
    [InlineData(4, 0, 37, 16, 1)]
    [InlineData(5, 1, 50, 12, 1)]
    [InlineData(6, 0, 33, 14, 1)]
    [InlineData(7, 3, 25, 16, 1)]
    [InlineData(1, 0, 11, 2, 1)]
    [InlineData(4, 0, 33, 8, 3)]
    [InlineData(7, 2, 0, 10, 3)]
    public void Decode_OwnEncoderWithRestartMarkers_RoundTrips(int predictor, int pointTransform, int restartInterval, int precision, int components)
    {
        // dcmcjpeg cannot write restart markers; this test-only encoder (TestJpegLosslessEncoder) does, with intervals
        // that end mid-row (7, 11, 25, 37, 50), on whole rows (33 = width, 64) and none (0), and with long Huffman codes.
        const int width = 33;
        const int height = 19;
        var rng = new Random(1234 + predictor);
        var samples = new ushort[width * height * components];
        for (int i = 0; i < samples.Length; i++)
        {
            int x = i / components % width;
            int v = (x * 397 / width) + rng.Next(0, 1 << Math.Min(precision, 6)) + ((x / 5 % 2) << (precision - 1));
            samples[i] = (ushort)((v % (1 << precision)) >> pointTransform << pointTransform);
        }

        samples[0] = (ushort)((1 << precision) - 1 >> pointTransform << pointTransform);
        var encoded = TestJpegLosslessEncoder.Encode(samples, width, height, components, precision, predictor, pointTransform, restartInterval, interleaved: components == 1 || predictor != 7);
        int bitsAllocated = precision > 8 ? 16 : 8;
        var info = new FrameInfo(height, width, components, bitsAllocated, precision, false, 0, components == 1 ? "MONOCHROME2" : "RGB");
        var output = new byte[info.FrameByteLength];
        Assert.True(PixelCodecRegistry.TryGet("1.2.840.10008.1.2.4.57", out var codec));
        codec.Decode(encoded, info, output);
        for (int i = 0; i < samples.Length; i++)
        {
            int actual = bitsAllocated == 8 ? output[i] : output[2 * i] | (output[(2 * i) + 1] << 8);
            Assert.True(samples[i] == actual, $"sample {i}: expected {samples[i]}, decoded {actual}");
        }
    }
}
