using System.Buffers.Binary;
using BmeQuant.Dicom.Codecs;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests;

public class DicomPixelDataTests
{
    private static DicomDataset Image(int rows, int cols, int bitsAllocated, int bitsStored, bool signed, int samples = 1, string photometric = "MONOCHROME2", int frames = 1)
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.Rows, (ushort)rows);
        ds.Add(DicomTag.Columns, (ushort)cols);
        ds.Add(DicomTag.SamplesPerPixel, (ushort)samples);
        ds.Add(DicomTag.PhotometricInterpretation, photometric);
        ds.Add(DicomTag.BitsAllocated, (ushort)bitsAllocated);
        ds.Add(DicomTag.BitsStored, (ushort)bitsStored);
        ds.Add(DicomTag.HighBit, (ushort)(bitsStored - 1));
        ds.Add(DicomTag.PixelRepresentation, (ushort)(signed ? 1 : 0));
        if (frames > 1)
        {
            ds.Add(DicomTag.NumberOfFrames, frames);
        }

        return ds;
    }

    [Fact]
    public void GetFrameStored_Signed12Bit_SignExtendsAndIgnoresHighBits()
    {
        var ds = Image(1, 5, 16, 12, signed: true);
        ds.Add(DicomTag.PixelData, new ushort[] { 0x0FFF, 0x0800, 0x07FF, 0xF001, 0x0000 });
        var v = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian).GetFrameStored<short>(0);
        Assert.Equal(new short[] { -1, -2048, 2047, 1, 0 }, v);
    }

    [Fact]
    public void GetFrameStored_Unsigned12Bit_MasksHighBits()
    {
        var ds = Image(1, 3, 16, 12, signed: false);
        ds.Add(DicomTag.PixelData, new ushort[] { 0xF123, 0x0FFF, 0x1000 });
        var v = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian).GetFrameStored<ushort>(0);
        Assert.Equal(new ushort[] { 0x123, 0xFFF, 0 }, v);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Normalize16_Vector_MatchesScalarAllLengths(bool signed)
    {
        var rng = new Random(42);
        for (var n = 0; n <= 257; n++)
        {
            var a = new ushort[n];
            for (var i = 0; i < n; i++)
            {
                a[i] = (ushort)rng.Next(0, 65536);
            }

            var b = (ushort[])a.Clone();
            PixelKernels.Normalize16(a, 11, signed);
            PixelKernels.Normalize16Scalar(b, 11, signed);
            Assert.Equal(b, a);
        }
    }

    [Fact]
    public void GetFrameStored_OneBitTwoFrames_UnpacksAcrossByteBoundary()
    {
        var ds = Image(3, 3, 1, 1, signed: false, frames: 2);
        // 18 bits, LSB first: frame 0 = 1,0,1,1,0,0,0,0,1 ; frame 1 = 0,1,1,0,0,0,0,0,1
        bool[] bits = [true, false, true, true, false, false, false, false, true, false, true, true, false, false, false, false, false, true];
        var packed = new byte[4];
        for (var i = 0; i < bits.Length; i++)
        {
            if (bits[i])
            {
                packed[i / 8] |= (byte)(1 << (i % 8));
            }
        }

        ds.Add(DicomTag.PixelData, DicomVR.OW, packed);
        var px = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal(bits[..9].Select(b => b ? (byte)1 : (byte)0).ToArray(), px.GetFrameStored<byte>(0));
        Assert.Equal(bits[9..].Select(b => b ? (byte)1 : (byte)0).ToArray(), px.GetFrameStored<byte>(1));
    }

    [Fact]
    public void GetFrameStored_RgbPlanar_Interleaved()
    {
        var ds = Image(1, 2, 8, 8, false, samples: 3, photometric: "RGB");
        ds.Add(DicomTag.PlanarConfiguration, (ushort)1);
        ds.Add(DicomTag.PixelData, new byte[] { 1, 2, 10, 20, 100, 200 });
        var v = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian).GetFrameStored<byte>(0);
        Assert.Equal(new byte[] { 1, 10, 100, 2, 20, 200 }, v);
    }

    [Fact]
    public void GetFrameStored_YbrFull422_ExpandedToFullResolution()
    {
        var ds = Image(1, 4, 8, 8, false, samples: 3, photometric: "YBR_FULL_422");
        ds.Add(DicomTag.PixelData, new byte[] { 10, 11, 128, 130, 20, 21, 60, 70 });
        var px = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian);
        Assert.Equal("YBR_FULL", px.OutputPhotometricInterpretation);
        Assert.Equal(new byte[] { 10, 128, 130, 11, 128, 130, 20, 60, 70, 21, 60, 70 }, px.GetFrameStored<byte>(0));
    }

    [Fact]
    public void GetFrameModality_PerFrameFunctionalGroups_RescalePerFrame()
    {
        var ds = Image(1, 2, 16, 16, false, frames: 2);
        ds.Add(DicomTag.PixelData, new ushort[] { 10, 20, 10, 20 });
        ds.Add(DicomTag.RescaleSlope, "7");
        DicomDataset Fg(string slope, string intercept)
        {
            var pvt = new DicomDataset();
            pvt.Add(DicomTag.RescaleSlope, slope);
            pvt.Add(DicomTag.RescaleIntercept, intercept);
            var fg = new DicomDataset();
            fg.Add(DicomTag.PixelValueTransformationSequence, pvt);
            return fg;
        }

        ds.Add(DicomTag.PerFrameFunctionalGroupsSequence, Fg("1.5", "-3"), Fg("0.5E1", "100."));
        var px = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian);
        var f0 = new float[2];
        var f1 = new float[2];
        px.GetFrameModality(0, f0);
        px.GetFrameModality(1, f1);
        Assert.Equal(new float[] { 12, 27 }, f0);
        Assert.Equal(new float[] { 150, 200 }, f1);
    }

    [Fact]
    public void GetRescale_PhilipsPrivateScale_NotedNotApplied()
    {
        var ds = Image(1, 1, 16, 16, false);
        ds.Add(DicomTag.PixelData, new ushort[] { 100 });
        ds.Add(DicomTag.RescaleSlope, 2.0);
        ds.Add(new DicomTag(0x2005, 0x0010), DicomVR.LO, "Philips MR Imaging DD 001");
        ds.Add(new DicomTag(0x2005, 0x100E), DicomVR.FL, 0.25f);
        var px = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian);
        var r = px.GetRescale(0);
        Assert.Equal(0.25, r.PhilipsScaleSlope);
        var m = new float[1];
        px.GetFrameModality(0, m);
        Assert.Equal(200f, m[0]);
    }

    [Fact]
    public void Create_BadNumberOfFrames_FormatExceptionNamesValue()
    {
        var ds = Image(2, 2, 16, 16, false);
        ds.Add(DicomTag.NumberOfFrames, "1A");
        ds.Add(DicomTag.PixelData, new ushort[4]);
        var ex = Assert.Throws<DicomFormatException>(() => DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian));
        Assert.Contains("'1A'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetFrameStored_ShortPixelData_FormatException()
    {
        var ds = Image(4, 4, 16, 16, false);
        ds.Add(DicomTag.PixelData, new ushort[15]);
        Assert.Throws<DicomFormatException>(() => DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian).GetFrameStored(0));
    }

    [Fact]
    public void GetFrameStored_NoCodec_UnsupportedNamesSyntax()
    {
        var ts = TransferSyntax.Lookup("1.2.840.10008.1.2.4.100");
        var ds = Image(2, 2, 8, 8, false);
        ds.Add(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, [], [new DicomFragment(new byte[] { 0, 0, 0, 1 })]));
        var ex = Assert.Throws<UnsupportedTransferSyntaxException>(() => DicomPixelData.Create(ds, ts).GetFrameStored(0));
        Assert.Contains("1.2.840.10008.1.2.4.100", ex.Message, StringComparison.Ordinal);
        Assert.Equal("1.2.840.10008.1.2.4.100", ex.TransferSyntaxUid);
    }

    // ---------------------------------------------------------------- encapsulated frames (RLE codec)

    private static byte[] Rle8(byte[] frame)
    {
        // One RLE segment of literal runs (PS3.5 G.3.1): header of 16 uint32 then runs of at most 128 bytes.
        var seg = new List<byte>();
        for (var i = 0; i < frame.Length; i += 128)
        {
            var n = Math.Min(128, frame.Length - i);
            seg.Add((byte)(n - 1));
            seg.AddRange(frame.AsSpan(i, n).ToArray());
        }

        if (seg.Count % 2 == 1)
        {
            seg.Add(0x80);
        }

        var header = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 64);
        return [.. header, .. seg];
    }

    public enum Table
    {
        None,
        Basic,
        Extended,
    }

    [Theory]
    [InlineData(Table.Basic, 1)]
    [InlineData(Table.Basic, 3)]
    [InlineData(Table.Extended, 3)]
    [InlineData(Table.None, 1)]
    [InlineData(Table.None, 2)]
    public void GetFrameStored_EncapsulatedFrames_SplitByTablesAndFragments(Table table, int fragmentsPerFrame)
    {
        if (!PixelCodecRegistry.TryGet(TransferSyntax.RleLossless.Uid, out _))
        {
            Assert.Skip("no RLE codec registered yet");
        }

        const int frames = 4;
        var rng = new Random(7);
        var raw = Enumerable.Range(0, frames).Select(_ => Enumerable.Range(0, 300).Select(_ => (byte)rng.Next(256)).ToArray()).ToArray();
        var fragments = new List<DicomFragment>();
        var offsets = new List<ulong>();
        var lengths = new List<ulong>();
        ulong pos = 0;
        foreach (var f in raw)
        {
            var enc = Rle8(f);
            offsets.Add(pos);
            lengths.Add((ulong)enc.Length);
            var size = (enc.Length / fragmentsPerFrame + 1) & ~1;
            for (var start = 0; start < enc.Length; start += size)
            {
                var part = enc[start..Math.Min(enc.Length, start + size)];
                fragments.Add(new DicomFragment(part));
                pos += 8 + (ulong)part.Length;
            }
        }

        var ds = Image(15, 20, 8, 8, false, frames: frames);
        var bot = table == Table.Basic ? offsets.Select(o => (uint)o).ToArray() : [];
        ds.Add(new DicomFragmentSequence(DicomTag.PixelData, DicomVR.OB, bot, fragments));
        if (table == Table.Extended)
        {
            ds.Add(DicomTag.ExtendedOffsetTable, DicomVR.OV, offsets.ToArray());
            ds.Add(DicomTag.ExtendedOffsetTableLengths, DicomVR.OV, lengths.ToArray());
        }

        // Round trip through the writer and the parser too.
        var file = TestDatasets.FromBytes(TestDatasets.ToBytes(ds, null, TransferSyntax.RleLossless));
        var px = DicomPixelData.Create(file);
        for (var k = frames - 1; k >= 0; k--)
        {
            Assert.Equal(raw[k], px.GetFrameStored<byte>(k));
        }
    }

    [Theory]
    [InlineData(false, 1f, 0f)]
    [InlineData(false, 2.5f, -1024f)]
    [InlineData(true, 0.3f, 17.25f)]
    [InlineData(true, -1f, 0f)]
    public void Rescale16_Vector_MatchesScalarAllLengths(bool signed, float slope, float intercept)
    {
        var rng = new Random(7);
        for (var n = 0; n <= 70; n++)
        {
            var stored = new byte[2 * n];
            rng.NextBytes(stored);
            if (n > 2)
            {
                // The extremes of both interpretations.
                BinaryPrimitives.WriteUInt16LittleEndian(stored, 0xFFFF);
                BinaryPrimitives.WriteUInt16LittleEndian(stored.AsSpan(2), 0x8000);
            }

            var vector = new float[n];
            var scalar = new float[n];
            PixelKernels.Rescale16(stored, signed, slope, intercept, vector);
            PixelKernels.Rescale16Scalar(stored, signed, slope, intercept, scalar);
            Assert.Equal(scalar, vector);
            for (var i = 0; i < n; i++)
            {
                var raw = BinaryPrimitives.ReadUInt16LittleEndian(stored.AsSpan(2 * i));
                float v = signed ? (short)raw : raw;
                Assert.Equal((v * slope) + intercept, scalar[i]);
            }
        }
    }

    [Theory]
    [InlineData(false, 2.5f, -1024f)]
    [InlineData(true, 0.3f, 17.25f)]
    public void Rescale16_InPlaceFromUpperHalf_EqualsSeparateBuffers(bool signed, float slope, float intercept)
    {
        // GetFrameModality reads 16-bit stored values into the upper half of the float destination's bytes and
        // widens them in place: every length (vector blocks + scalar tail) must give the out-of-place result.
        var rng = new Random(11);
        foreach (var n in Enumerable.Range(0, 70).Concat([255, 256, 257, 4099]))
        {
            var stored = new byte[2 * n];
            rng.NextBytes(stored);
            var expected = new float[n];
            PixelKernels.Rescale16Scalar(stored, signed, slope, intercept, expected);

            var inPlace = new float[n];
            var upper = System.Runtime.InteropServices.MemoryMarshal.AsBytes(inPlace.AsSpan()).Slice(2 * n, 2 * n);
            stored.CopyTo(upper);
            PixelKernels.Rescale16(upper, signed, slope, intercept, inPlace);
            Assert.Equal(expected, inPlace);
        }
    }

    [Theory]
    [InlineData(12, false)]
    [InlineData(12, true)]
    [InlineData(16, false)]
    public void GetFrameModality_PixelDataOnDemand_EqualsLoadedRead(int bitsStored, bool signed)
    {
        // 37 x 29 (odd, so the SIMD tail runs), 3 frames, rescale 2 / -1024 from TestDatasets.Mr; high bits set on
        // purpose so masking / sign extension must happen on the on-demand path too.
        var ds = TestDatasets.Mr(29, 37, frames: 3, bitsStored: bitsStored, signed: signed, seed: 11);
        var raw = ((DicomElement)ds[DicomTag.PixelData]!).Data.ToArray();
        for (var i = 1; i < raw.Length; i += 14)
        {
            raw[i] |= 0xF0;
        }

        ds.AddOrUpdate(new DicomElement(DicomTag.PixelData, DicomVR.OW, raw));
        var folder = TestPaths.NewOutputFolder("pixel-on-demand");
        var path = Path.Combine(folder, $"mr{bitsStored}{signed}.dcm");
        new DicomFile(ds).Save(path);

        var loaded = DicomPixelData.Create(DicomFile.Open(path, DicomReadOptions.Default with { DeferValuesLargerThanBytes = long.MaxValue }));
        var onDemandFile = DicomFile.Open(path, DicomReadOptions.PixelDataOnDemand);
        Assert.False(((DicomElement)onDemandFile.Dataset[DicomTag.PixelData]!).IsLoaded);
        var onDemand = DicomPixelData.Create(onDemandFile);
        for (var k = 0; k < 3; k++)
        {
            var a = new float[loaded.FrameSampleCount];
            var b = new float[loaded.FrameSampleCount];
            loaded.GetFrameModality(k, a);
            onDemand.GetFrameModality(k, b);
            Assert.Equal(a, b);

            // Against the definition: stored value (masked / sign-extended to BitsStored) x 2 - 1024.
            var frameBytes = loaded.FrameSampleCount * 2;
            for (var i = 0; i < loaded.FrameSampleCount; i++)
            {
                int word = BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan((k * frameBytes) + (2 * i)));
                var stored = signed ? (word << (32 - bitsStored)) >> (32 - bitsStored) : word & ((1 << bitsStored) - 1);
                Assert.Equal((stored * 2f) - 1024f, b[i]);
            }

            var bytes = new byte[frameBytes];
            onDemand.GetFrameStoredBytes(k, bytes);
            Assert.Equal(loaded.GetFrameStored<ushort>(k), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes).ToArray());
        }
    }

    [Fact]
    public void GetFrameStoredBytes_OnDemandFileTruncatedAfterOpen_FormatExceptionNamesFile()
    {
        var path = Path.Combine(TestPaths.NewOutputFolder("pixel-on-demand-truncated"), "mr.dcm");
        new DicomFile(TestDatasets.Mr(32, 32)).Save(path);
        var px = DicomPixelData.Create(DicomFile.Open(path, DicomReadOptions.PixelDataOnDemand));
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            fs.SetLength(fs.Length - 100);
        }

        var ex = Assert.Throws<DicomFormatException>(() => px.GetFrameStoredBytes(0, new byte[32 * 32 * 2]));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_PixelDataOnDemandDeflated_PixelDataUnavailableTyped()
    {
        // Deflated files cannot be read at an offset: the on-demand option leaves no readable pixel data, with a typed error.
        var path = Path.Combine(TestPaths.NewOutputFolder("pixel-on-demand-deflated"), "mr.dcm");
        new DicomFile(TestDatasets.Mr(8, 8)).Save(path, new DicomWriteOptions { TransferSyntax = TransferSyntax.DeflatedExplicitVRLittleEndian });
        var file = DicomFile.Open(path, DicomReadOptions.PixelDataOnDemand);
        Assert.False(((DicomElement)file.Dataset[DicomTag.PixelData]!).IsAvailable);
        Assert.Throws<DicomException>(() => DicomPixelData.Create(file).GetFrameStored(0));
    }
}
