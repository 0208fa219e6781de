using System.Buffers.Binary;
using System.Text;

namespace BmeQuant.Dicom.Tests;

public class DicomParserTests
{
    private static byte[] Implicit(ushort g, ushort e, byte[] value, uint? length = null)
    {
        var b = new byte[8 + value.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(b, g);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), e);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), length ?? (uint)value.Length);
        value.CopyTo(b, 8);
        return b;
    }

    private static byte[] Explicit(ushort g, ushort e, string vr, byte[] value, uint? length = null)
    {
        var isLong = vr is "OB" or "OW" or "SQ" or "UN" or "UT" or "UC" or "UR" or "OF" or "OD" or "OL" or "OV" or "SV" or "UV";
        var b = new byte[(isLong ? 12 : 8) + value.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(b, g);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), e);
        b[4] = (byte)vr[0];
        b[5] = (byte)vr[1];
        if (isLong)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), length ?? (uint)value.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), (ushort)(length ?? (uint)value.Length));
        }

        value.CopyTo(b, isLong ? 12 : 8);
        return b;
    }

    private static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static byte[] Item(byte[] content, bool undefined)
    {
        var head = Implicit(0xFFFE, 0xE000, [], undefined ? 0xFFFFFFFF : (uint)content.Length);
        return undefined ? Cat(head, content, Implicit(0xFFFE, 0xE00D, [])) : Cat(head, content);
    }

    [Fact]
    public void Read_NoPreambleImplicitVR_DetectedAndParsed()
    {
        var bytes = Cat(
            Implicit(0x0008, 0x0060, Ascii("MR")),
            Implicit(0x0010, 0x0010, Ascii("Doe^Jane")),
            Implicit(0x0028, 0x0010, [4, 0]));
        var f = TestDatasets.FromBytes(bytes);
        Assert.False(f.HasMeta);
        Assert.Equal(TransferSyntax.ImplicitVRLittleEndian, f.TransferSyntax);
        Assert.Equal("Doe^Jane", f.Dataset.GetString(DicomTag.PatientName));
        Assert.Equal((ushort)4, f.Dataset.GetValue<ushort>(DicomTag.Rows));
        Assert.Equal(DicomVR.US, f.Dataset[DicomTag.Rows]!.VR);
    }

    [Fact]
    public void Read_NoPreambleExplicitVR_Detected()
    {
        var bytes = Cat(Explicit(0x0008, 0x0060, "CS", Ascii("MR")), Explicit(0x0028, 0x0011, "US", [7, 0]));
        var f = TestDatasets.FromBytes(bytes);
        Assert.Equal(TransferSyntax.ExplicitVRLittleEndian, f.TransferSyntax);
        Assert.Equal(7, f.Dataset.GetValue<int>(DicomTag.Columns));
    }

    [Fact]
    public void Read_ImplicitPrivateUndefinedLength_ParsedAsSequence()
    {
        var inner = Implicit(0x0011, 0x1002, Ascii("abcd"));
        var bytes = Cat(
            Implicit(0x0008, 0x0060, Ascii("MR")),
            Implicit(0x0011, 0x0010, Ascii("PRIV")),
            Implicit(0x0011, 0x1001, [], 0xFFFFFFFF),
            Item(inner, undefined: true),
            Item(inner, undefined: false),
            Implicit(0xFFFE, 0xE0DD, []),
            Implicit(0x0020, 0x0013, Ascii("5 ")));
        var ds = TestDatasets.FromBytes(bytes).Dataset;
        var seq = ds.GetSequence(new DicomTag(0x0011, 0x1001));
        Assert.Equal(2, seq.Items.Count);
        Assert.Equal("abcd", seq.Items[1].GetString(new DicomTag(0x0011, 0x1002)));
        Assert.Equal(5, ds.GetValue<int>(DicomTag.InstanceNumber));
    }

    [Fact]
    public void Read_ExplicitUNHoldingSequence_ReparsedAsImplicit()
    {
        var itemContent = Implicit(0x0008, 0x0100, Ascii("T-1234"));
        var bytes = Cat(
            Explicit(0x0008, 0x0060, "CS", Ascii("MR")),
            Explicit(0x0008, 0x1032, "UN", [], 0xFFFFFFFF),
            Item(itemContent, undefined: true),
            Implicit(0xFFFE, 0xE0DD, []),
            Explicit(0x0009, 0x0010, "LO", Ascii("ACME")),
            Explicit(0x0009, 0x1001, "UN", Item(itemContent, undefined: false)),
            Explicit(0x0018, 0x0050, "UN", Ascii("3.5 ")));
        var ds = TestDatasets.FromBytes(bytes).Dataset;
        var seq = ds.GetSequence(DicomTag.ProcedureCodeSequence);
        Assert.Equal("T-1234", seq.Items[0].GetString(DicomTag.CodeValue));
        var priv = ds.GetSequence(new DicomTag(0x0009, 0x1001));
        Assert.True(priv.WasUN);
        Assert.Equal("T-1234", priv.Items[0].GetString(DicomTag.CodeValue));
        Assert.Equal(DicomVR.DS, ds[DicomTag.SliceThickness]!.VR);
        Assert.Equal(3.5, ds.GetValue<double>(DicomTag.SliceThickness));
    }

    [Fact]
    public void Read_OddLengthAndTrailingBytes_Tolerated()
    {
        var bytes = Cat(Explicit(0x0008, 0x0060, "CS", Ascii("MRI")), Explicit(0x0010, 0x0020, "LO", Ascii("X")), [0, 0, 0]);
        var f = TestDatasets.FromBytes(bytes);
        Assert.Equal("MRI", f.Dataset.GetString(DicomTag.Modality));
        Assert.Equal("X", f.Dataset.GetString(DicomTag.PatientID));
        Assert.Contains(f.Problems, p => p.Message.Contains("trailing", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_HugeLengthInSmallFile_FormatExceptionNotAllocation()
    {
        var bytes = Cat(Explicit(0x0008, 0x0060, "CS", Ascii("MR")), Explicit(0x0009, 0x1000, "OB", new byte[10000], 0xF0000000));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<DicomFormatException>(() => TestDatasets.FromBytes(bytes));
        Assert.Contains("4026531840", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Offset > 0);
        Assert.Throws<DicomFormatException>(() => DicomFile.Read(new NonSeekableStream(new MemoryStream(bytes))));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public void Read_AllocationCap_Enforced()
    {
        var bytes = Cat(Explicit(0x0008, 0x0060, "CS", Ascii("MR")), Explicit(0x0009, 0x1000, "OB", new byte[5000]));
        var ex = Assert.Throws<DicomFormatException>(() => TestDatasets.FromBytes(bytes, new DicomReadOptions { MaxValueLengthBytes = 4096 }));
        Assert.Contains("allocation cap", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NonSeekableHeaderOnly_SkipsPixelData()
    {
        var bytes = TestDatasets.ToBytes(TestDatasets.Mr(32, 32));
        var f = DicomFile.Read(new NonSeekableStream(new MemoryStream(bytes)), DicomReadOptions.HeaderOnly);
        var px = (DicomElement)f.Dataset[DicomTag.PixelData]!;
        Assert.False(px.IsLoaded);
        Assert.Equal(32 * 32 * 2, px.Length);
        Assert.Throws<DicomException>(() => px.Data);
        Assert.Equal("STIR cor", f.Dataset.GetString(DicomTag.SeriesDescription));
    }

    [Fact]
    public void Open_HeaderOnlyFromPath_PixelDataReadableOnDemand()
    {
        var dir = BmeQuant.Testing.TestPaths.NewOutputFolder("lazy");
        var path = Path.Combine(dir, "a.dcm");
        var ds = TestDatasets.Mr(16, 16, frames: 3, seed: 5);
        new DicomFile(ds).Save(path);
        var f = DicomFile.Open(path, DicomReadOptions.HeaderOnly);
        Assert.False(((DicomElement)f.Dataset[DicomTag.PixelData]!).IsLoaded);
        var px = DicomPixelData.Create(f);
        var frame2 = px.GetFrameStored<ushort>(2);
        var all = ds.GetValues<ushort>(DicomTag.PixelData);
        Assert.Equal(all.AsSpan(2 * 256, 256).ToArray(), frame2);
    }

    [Fact]
    public void Open_StopAtTag_StopsBefore()
    {
        var bytes = TestDatasets.ToBytes(TestDatasets.Mr(4, 4));
        var f = TestDatasets.FromBytes(bytes, new DicomReadOptions { StopAtTag = DicomTag.Rows });
        Assert.True(f.StoppedEarly);
        Assert.True(f.Dataset.Contains(DicomTag.PhotometricInterpretation));
        Assert.False(f.Dataset.Contains(DicomTag.Rows));
        Assert.False(f.Dataset.Contains(DicomTag.PixelData));
    }

    [Fact]
    public void Read_Truncated_StrictThrowsTolerantKeepsHeader()
    {
        var bytes = TestDatasets.ToBytes(TestDatasets.Mr(16, 16));
        var cut = bytes[..(bytes.Length - 100)];
        var ex = Assert.Throws<DicomFormatException>(() => TestDatasets.FromBytes(cut));
        Assert.Contains("PixelData", ex.Message, StringComparison.Ordinal);
        var f = TestDatasets.FromBytes(cut, new DicomReadOptions { Tolerant = true });
        Assert.Equal("Doe^John", f.Dataset.GetString(DicomTag.PatientName));
        Assert.NotEmpty(f.Problems);
    }

    [Fact]
    public void Read_DeepNesting_FormatException()
    {
        var content = Implicit(0x0008, 0x0060, Ascii("MR"));
        for (var i = 0; i < 100; i++)
        {
            content = Cat(Implicit(0x0040, 0xA730, [], 0xFFFFFFFF), Item(content, true), Implicit(0xFFFE, 0xE0DD, []));
        }

        var ex = Assert.Throws<DicomFormatException>(() => TestDatasets.FromBytes(content));
        Assert.Contains("nested", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MetaWithoutTransferSyntax_StrictThrows()
    {
        var meta = Explicit(0x0002, 0x0002, "UI", Ascii("1.2.840.10008.5.1.4.1.1.4\0"));
        var bytes = Cat(new byte[128], Ascii("DICM"), meta, Explicit(0x0008, 0x0060, "CS", Ascii("MR")));
        Assert.Throws<DicomFormatException>(() => TestDatasets.FromBytes(bytes));
        var f = TestDatasets.FromBytes(bytes, new DicomReadOptions { Tolerant = true });
        Assert.Equal("MR", f.Dataset.GetString(DicomTag.Modality));
    }
}
