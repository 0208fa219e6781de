using System.Buffers.Binary;

namespace BmeQuant.Dicom.Tests;

public class DicomWriterTests
{
    [Fact]
    public void Write_ThenRead_ValuesSurvive()
    {
        var ds = TestDatasets.Mr(8, 6, seed: 3);
        var item = new DicomDataset();
        item.Add(DicomTag.ReferencedSOPInstanceUID, "1.2.3.4");
        var nested = new DicomDataset();
        nested.Add(DicomTag.CodeValue, "T-15430");
        item.Add(DicomTag.ConceptNameCodeSequence, nested);
        ds.Add(DicomTag.ReferencedImageSequence, item);
        ds.Add(new DicomTag(0x0029, 0x0010), DicomVR.LO, "ACME 1.0");
        ds.Add(new DicomTag(0x0029, 0x1001), DicomVR.FD, 1.25, -2.5);

        var file = TestDatasets.FromBytes(TestDatasets.ToBytes(ds));
        var back = file.Dataset;
        Assert.Equal(TransferSyntax.ExplicitVRLittleEndian, file.TransferSyntax);
        Assert.Equal("Doe^John", back.GetString(DicomTag.PatientName));
        Assert.Equal([0.5, 0.75], back.GetValues<double>(DicomTag.PixelSpacing));
        Assert.Equal(8, back.GetValue<int>(DicomTag.Rows));
        Assert.Equal("T-15430", back.GetSequence(DicomTag.ReferencedImageSequence).Items[0].GetSequence(DicomTag.ConceptNameCodeSequence).Items[0].GetString(DicomTag.CodeValue));
        Assert.Equal([1.25, -2.5], back.GetValues<double>(new DicomTag(0x0029, 0x1001)));
        Assert.Equal(((DicomElement)ds[DicomTag.PixelData]!).Data.ToArray(), ((DicomElement)back[DicomTag.PixelData]!).Data.ToArray());
        Assert.Equal(ds.GetString(DicomTag.SOPInstanceUID), file.Meta.GetString(DicomTag.MediaStorageSOPInstanceUID));
    }

    [Fact]
    public void Write_ReadThenWriteAgain_BitForBit()
    {
        var first = TestDatasets.ToBytes(TestDatasets.Mr(5, 7, seed: 9));
        var second = TestDatasets.ToBytes(TestDatasets.FromBytes(first).Dataset);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Write_MetaGroupLength_EqualsMetaBytes()
    {
        var bytes = TestDatasets.ToBytes(TestDatasets.Mr(2, 2));
        Assert.Equal("DICM"u8.ToArray(), bytes[128..132]);
        Assert.Equal(0x0002, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(132)));
        var groupLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(132 + 8));
        var afterMeta = 132 + 12 + (int)groupLength;
        Assert.Equal(0x0008, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(afterMeta)));
        var metaGroups = 132 + 12;
        while (metaGroups < afterMeta)
        {
            Assert.Equal(0x0002, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(metaGroups)));
            var vr = System.Text.Encoding.ASCII.GetString(bytes, metaGroups + 4, 2);
            var longLength = vr is "OB" or "UN" or "SQ" or "UT" or "OW";
            metaGroups += longLength ? 12 + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(metaGroups + 8)) : 8 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(metaGroups + 6));
        }

        Assert.Equal(afterMeta, metaGroups);
    }

    [Fact]
    public void Write_OddLengthValues_PaddedToEven()
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.PatientName, "ABC");
        ds.Add(DicomTag.SOPInstanceUID, "1.2.345");
        var bytes = DicomWriter.EncodeDataset(ds);
        // (0008,0018) UI length 8 with NUL padding; (0010,0010) PN length 4 with space padding.
        Assert.Equal(8, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(6)));
        Assert.Equal(0, bytes[8 + 7]);
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(16 + 6)));
        Assert.Equal((byte)' ', bytes[16 + 8 + 3]);
        Assert.Equal("ABC", TestDatasets.FromBytes(TestDatasets.ToBytes(ds)).Dataset.GetString(DicomTag.PatientName));
    }

    [Fact]
    public void Write_Deflated_RoundTripsAndIsSmaller()
    {
        var ds = TestDatasets.Mr(64, 64, seed: 2);
        ds.AddOrUpdate(DicomTag.PixelData, new ushort[64 * 64]);
        var plain = TestDatasets.ToBytes(ds);
        var deflated = TestDatasets.ToBytes(ds, new DicomWriteOptions { TransferSyntax = TransferSyntax.DeflatedExplicitVRLittleEndian });
        Assert.True(deflated.Length < plain.Length / 4, $"{deflated.Length} vs {plain.Length}");
        var back = TestDatasets.FromBytes(deflated);
        Assert.Equal(TransferSyntax.DeflatedExplicitVRLittleEndian, back.TransferSyntax);
        Assert.Equal("STIR cor", back.Dataset.GetString(DicomTag.SeriesDescription));
        Assert.Equal(64 * 64 * 2, ((DicomElement)back.Dataset[DicomTag.PixelData]!).Length);
    }

    [Fact]
    public void Write_DefinedLengthSequence_KeepsDefinedLength()
    {
        var ds = new DicomDataset();
        var item = new DicomDataset { UndefinedLength = false };
        item.Add(DicomTag.CodeValue, "X1");
        ds.Add(new DicomSequence(DicomTag.ConceptNameCodeSequence, item) { UndefinedLength = false });
        var bytes = DicomWriter.EncodeDataset(ds);
        Assert.Equal(8u + 8 + 2, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        var back = TestDatasets.FromBytes(TestDatasets.ToBytes(ds)).Dataset.GetSequence(DicomTag.ConceptNameCodeSequence);
        Assert.False(back.UndefinedLength);
        Assert.Equal("X1", back.Items[0].GetString(DicomTag.CodeValue));
    }

    [Fact]
    public void Save_ToPath_WritesAtomically()
    {
        var dir = BmeQuant.Testing.TestPaths.NewOutputFolder("writer");
        var path = Path.Combine(dir, "a.dcm");
        new DicomFile(TestDatasets.Mr(4, 4)).Save(path);
        Assert.Single(Directory.GetFiles(dir));
        Assert.Equal("MR", DicomFile.Open(path).Dataset.GetString(DicomTag.Modality));
    }
}
