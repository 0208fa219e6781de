using BmeQuant.Dicom.Codecs;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests.Codecs.Jpeg2000;

/// <summary>
/// The managed JPEG 2000 decoder against OpenJPEG: images encoded by opj_compress with many parameter sets must decode
/// exactly to the original samples (reversible) or within a small tolerance of opj_decompress (irreversible), and the
/// corpus files must decode exactly to their uncompressed twins.
/// </summary>
public sealed class Jpeg2000CodecTests
{
    private const string Lossless = "1.2.840.10008.1.2.4.90";
    private const string Lossy = "1.2.840.10008.1.2.4.91";

    /// <summary>Reversible cases: name, width, height, bits, signed, components, opj_compress options.</summary>
    public static TheoryData<string, int, int, int, bool, int, string> LosslessCases => new()
    {
        { "mr12-default", 256, 192, 12, false, 1, "" },
        { "u16-3levels", 128, 128, 16, false, 1, "-n 4" },
        { "s16", 128, 96, 16, true, 1, "" },
        { "s12", 96, 128, 12, true, 1, "-n 3" },
        { "u8", 100, 80, 8, false, 1, "" },
        { "cb16-rlcp", 128, 128, 12, false, 1, "-b 16,16 -p RLCP" },
        { "cb64x16", 128, 128, 12, false, 1, "-b 64,16" },
        { "tiles-rpcl", 250, 180, 12, false, 1, "-t 100,70 -p RPCL" },
        { "precincts-pcrl", 256, 256, 12, false, 1, "-c [64,64],[32,32] -p PCRL" },
        { "cprl-sop-eph", 160, 120, 16, false, 1, "-p CPRL -SOP -EPH -c [32,32]" },
        { "all-modes", 128, 128, 12, false, 1, "-M 63" },
        { "bypass", 128, 128, 16, false, 1, "-M 1" },
        { "causal-reset", 128, 128, 12, false, 1, "-M 10" },
        { "layers", 128, 128, 12, false, 1, "-r 40,10,1" },
        { "rgb-rct", 96, 80, 8, false, 3, "" },
        { "offsets", 101, 77, 12, false, 1, "-d 3,5 -T 1,2 -t 40,40" },
        { "odd-5levels", 67, 45, 12, false, 1, "-n 6" },
        { "tileparts", 200, 150, 12, false, 1, "-t 64,64 -TP R" },
        // POC sets that opj_decompress itself round-trips (some, e.g. T1=0,0,1,3,2,CPRL/T1=0,0,1,7,3,LRCP, it does not).
        { "poc-cprl-rlcp", 128, 128, 12, false, 3, "-POC T1=0,0,1,6,2,CPRL/T1=0,2,1,6,3,RLCP" },
        { "poc-rpcl-pcrl", 128, 128, 12, false, 3, "-POC T1=0,0,1,2,3,RPCL/T1=2,0,1,6,3,PCRL -c [32,32]" },
    };

    /// <summary>
    /// Irreversible (and truncated reversible) cases: name, width, height, bits, signed, components, options, tolerance.
    /// Both decoders run the 9/7 lifting in 32-bit floats with different operation orders; measured worst differences
    /// were 1 for 8/12-bit images and 3 for a 16-bit one (mean about 0.2), so 2 and 4 leave a little margin.
    /// </summary>
    public static TheoryData<string, int, int, int, bool, int, string, int> LossyCases => new()
    {
        { "mr12-97", 256, 192, 12, false, 1, "-I -r 10", 2 },
        { "s16-97", 128, 128, 16, true, 1, "-I -r 8", 4 },
        { "u8-97-layers", 128, 96, 8, false, 1, "-I -r 40,20,5", 2 },
        { "rgb-ict", 96, 80, 8, false, 3, "-I -r 12", 2 },
        { "tiles-97-rpcl", 200, 150, 12, false, 1, "-I -r 10 -t 64,64 -p RPCL", 2 },
        { "53-truncated", 128, 128, 12, false, 1, "-r 20", 2 },
    };

    [Theory]
    [MemberData(nameof(LosslessCases))]
    public void Decode_ReversibleOpenJpegStream_ExactOriginal(string name, int width, int height, int bits, bool signed, int components, string options)
    {
        var image = J2kTestImage.MrLike(width, height, bits, signed, name.Sum(ch => ch), components);
        var codestream = image.Compress(name, Split(options));
        var decoded = Decode(Lossless, codestream, image.Info);
        AssertWithin(image, image.Samples, decoded, 0, name);
    }

    [Theory]
    [MemberData(nameof(LossyCases))]
    public void Decode_IrreversibleOpenJpegStream_WithinToleranceOfOpenJpeg(string name, int width, int height, int bits, bool signed, int components, string options, int tolerance)
    {
        var image = J2kTestImage.MrLike(width, height, bits, signed, 4242, components);
        var codestream = image.Compress(name, Split(options));
        var reference = image.DecompressWithOpenJpeg(name, codestream);
        var decoded = Decode(Lossy, codestream, image.Info);
        AssertWithin(image, reference, decoded, tolerance, name);
    }

    [Fact]
    public void Decode_CorpusMrSmallLossless_EqualsUncompressedTwin()
    {
        var folder = Path.Combine(TestPaths.DataFolder("BMEQUANT_DICOM_CORPUS", "dicom-public"), "pydicom", "src", "pydicom", "data", "test_files");
        var compressed = Path.Combine(folder, "MR_small_jp2klossless.dcm");
        var plain = Path.Combine(folder, "MR_small.dcm");
        if (!File.Exists(compressed) || !File.Exists(plain))
        {
            Assert.Skip($"pydicom test files not found under {folder} (set BMEQUANT_DICOM_CORPUS)");
        }

        var expected = DicomPixelData.Create(DicomFile.Open(plain)).GetFrameStored<short>(0);
        var actual = DicomPixelData.Create(DicomFile.Open(compressed)).GetFrameStored<short>(0);
        Assert.Equal(64 * 64, actual.Length);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Decode_CorpusLossyFile_WithinOneOfOpenJpeg()
    {
        var path = Path.Combine(TestPaths.DataFolder("BMEQUANT_DICOM_CORPUS", "dicom-public"), "pydicom", "src", "pydicom", "data", "test_files", "JPEG2000.dcm");
        if (!File.Exists(path))
        {
            Assert.Skip($"{path} not found (set BMEQUANT_DICOM_CORPUS)");
        }

        var fragments = TestEncapsulation.ReadFragments(File.ReadAllBytes(path));
        Assert.NotNull(fragments);
        var image = new J2kTestImage(256, 1024, 1, 16, true, []);
        var reference = image.DecompressWithOpenJpeg("corpus-jpeg2000", fragments);
        var decoded = Decode(Lossy, fragments, new FrameInfo(1024, 256, 1, 16, 16, true, 0, "MONOCHROME2"));
        AssertWithin(image, reference, decoded, 1, "JPEG2000.dcm");
    }

    [Fact]
    public void Decode_JP2Wrapper_SameAsCodestream()
    {
        var image = J2kTestImage.MrLike(64, 48, 12, false, 7);
        var folder = TestPaths.NewOutputFolder("j2k-jp2");
        var raw = Path.Combine(folder, "in.rawl");
        File.WriteAllBytes(raw, image.ToBytes());
        var jp2 = Path.Combine(folder, "out.jp2");
        var r = Seg.ExternalTool.Run("opj_compress", "-i", raw, "-o", jp2, "-F", "64,48,1,12,u");
        if (r is null)
        {
            Assert.Skip("opj_compress is not installed");
        }

        Assert.Equal(0, r.Value.Exit);
        var decoded = Decode(Lossless, File.ReadAllBytes(jp2), image.Info);
        AssertWithin(image, image.Samples, decoded, 0, "jp2");
    }

    [Fact]
    public void Decode_NotACodestream_CodecExceptionNamesMarker()
    {
        Assert.True(PixelCodecRegistry.TryGet(Lossless, out var codec));
        var info = new FrameInfo(4, 4, 1, 8, 8, false, 0, "MONOCHROME2");
        var ex = Assert.Throws<DicomCodecException>(() => codec.Decode(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0 }, info, new byte[16]));
        Assert.Contains("SOC", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_SizeDisagreesWithDataset_CodecExceptionNamesBoth()
    {
        var image = J2kTestImage.MrLike(32, 32, 8, false, 3);
        var codestream = image.Compress("size-mismatch");
        Assert.True(PixelCodecRegistry.TryGet(Lossless, out var codec));
        var info = new FrameInfo(32, 64, 1, 8, 8, false, 0, "MONOCHROME2");
        var ex = Assert.Throws<DicomCodecException>(() => codec.Decode(codestream, info, new byte[info.FrameByteLength]));
        Assert.Contains("32x32", ex.Message, StringComparison.Ordinal);
        Assert.Contains("64x32", ex.Message, StringComparison.Ordinal);
    }

    internal static string[] Split(string options) => options.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    internal static byte[] Decode(string uid, byte[] codestream, FrameInfo info)
    {
        Assert.True(PixelCodecRegistry.TryGet(uid, out var codec));
        var output = new byte[info.FrameByteLength];
        codec.Decode(codestream, info, output);
        return output;
    }

    private static void AssertWithin(J2kTestImage image, int[] expected, byte[] decoded, int tolerance, string name)
    {
        int worst = 0;
        int worstIndex = -1;
        long sumAbs = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            int d = Math.Abs(image.SampleOf(decoded, i) - expected[i]);
            sumAbs += d;
            if (d > worst)
            {
                worst = d;
                worstIndex = i;
            }
        }

        TestContext.Current.SendDiagnosticMessage($"{name}: max |difference| {worst}, mean {(double)sumAbs / expected.Length:F4}");
        Assert.True(worst <= tolerance,
            $"{name}: sample {worstIndex} (x {worstIndex / image.Components % image.Width}, y {worstIndex / image.Components / image.Width}) is {(worstIndex >= 0 ? image.SampleOf(decoded, worstIndex) : 0)}, " +
            $"expected {(worstIndex >= 0 ? expected[worstIndex] : 0)} (tolerance {tolerance}); mean |difference| {(double)sumAbs / expected.Length:F4}.");
    }
}
