using System.Text.Json;
using BmeQuant.Dicom;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

public class DumpCommandTests
{
    private static string WriteSample()
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.4");
        ds.Add(DicomTag.SOPInstanceUID, DicomUid.Generate());
        ds.Add(DicomTag.Modality, "MR");
        ds.Add(DicomTag.PatientName, "Doe^John");
        ds.Add(DicomTag.PixelSpacing, 0.5, 0.75);
        var item = new DicomDataset();
        item.Add(DicomTag.CodeValue, "113691");
        ds.Add(DicomTag.ProcedureCodeSequence, item);
        ds.Add(DicomTag.SamplesPerPixel, (ushort)1);
        ds.Add(DicomTag.PhotometricInterpretation, "MONOCHROME2");
        ds.Add(DicomTag.Rows, (ushort)2);
        ds.Add(DicomTag.Columns, (ushort)3);
        ds.Add(DicomTag.BitsAllocated, (ushort)16);
        ds.Add(DicomTag.BitsStored, (ushort)16);
        ds.Add(DicomTag.HighBit, (ushort)15);
        ds.Add(DicomTag.PixelRepresentation, (ushort)0);
        ds.Add(DicomTag.PixelData, new ushort[] { 1, 2, 3, 4, 5, 9 });
        var path = Path.Combine(TestPaths.NewOutputFolder("dump"), "a.dcm");
        new DicomFile(ds).Save(path);
        return path;
    }

    [Fact]
    public void Dump_File_PrintsTagsValuesAndNestedItems()
    {
        var (code, stdout, _) = CliHost.Run("dump", WriteSample());
        Assert.Equal(0, code);
        Assert.Contains("(0010,0010) PN [Doe^John]", stdout, StringComparison.Ordinal);
        Assert.Contains("PatientName", stdout, StringComparison.Ordinal);
        Assert.Contains("(0028,0030) DS [0.5\\0.75]", stdout, StringComparison.Ordinal);
        Assert.Contains("    (0008,0100) SH [113691]", stdout, StringComparison.Ordinal);
        Assert.Contains("1.2.840.10008.1.2.1", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Dump_Json_IsDicomJsonModel()
    {
        var (code, stdout, _) = CliHost.Run("dump", WriteSample(), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var name = doc.RootElement.GetProperty("00100010");
        Assert.Equal("PN", name.GetProperty("vr").GetString());
        Assert.Equal("Doe^John", name.GetProperty("Value")[0].GetProperty("Alphabetic").GetString());
        Assert.Equal(0.75, doc.RootElement.GetProperty("00280030").GetProperty("Value")[1].GetDouble());
        Assert.Equal("113691", doc.RootElement.GetProperty("00081032").GetProperty("Value")[0].GetProperty("00080100").GetProperty("Value")[0].GetString());
    }

    [Fact]
    public void Dump_Pixels_PrintsShapeStatisticsAndDigest()
    {
        var (code, stdout, _) = CliHost.Run("dump", WriteSample(), "--pixels");
        Assert.Equal(0, code);
        Assert.Contains("# shape (1, 2, 3, 1) uint16", stdout, StringComparison.Ordinal);
        Assert.Contains("# min 1 max 9 mean 4", stdout, StringComparison.Ordinal);
        // SHA-256 of the little-endian uint16 array 1,2,3,4,5,9.
        byte[] le = [1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 9, 0];
        Assert.Contains("# sha256 " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(le)), stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Dump_MissingFile_ExitCode4WithPath()
    {
        var path = Path.Combine(TestPaths.NewOutputFolder("dump"), "nope.dcm");
        var (code, _, stderr) = CliHost.Run("dump", path);
        Assert.Equal(4, code);
        Assert.Contains(path, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Dump_CorruptFile_ExitCode4WithPath()
    {
        var path = WriteSample();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 5)]);
        var (code, _, stderr) = CliHost.Run("dump", path);
        Assert.Equal(4, code);
        Assert.Contains(path, stderr, StringComparison.Ordinal);
    }
}
