using System.Globalization;
using System.Text.Json;
using BmeQuant.Dicom;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

public class InfoCommandTests
{
    /// <summary>Writes a small regular axial series (<paramref name="slices"/> slices) with our writer; returns the paths.</summary>
    internal static List<string> WriteSeries(string dir, int slices = 5, string description = "t1_tse_ax", bool identifiable = false, int skip = -1)
    {
        Directory.CreateDirectory(dir);
        var paths = new List<string>();
        for (var k = 0; k < slices; k++)
        {
            if (k == skip)
            {
                continue;
            }

            var ds = new DicomDataset();
            ds.Add(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.4");
            ds.Add(DicomTag.SOPInstanceUID, string.Create(CultureInfo.InvariantCulture, $"1.2.826.0.1.3680043.10.2.{k + 1}"));
            ds.Add(DicomTag.StudyInstanceUID, "1.2.826.0.1.3680043.10.2.100");
            ds.Add(DicomTag.SeriesInstanceUID, "1.2.826.0.1.3680043.10.2.200");
            ds.Add(DicomTag.Modality, "MR");
            ds.Add(DicomTag.SeriesDescription, description);
            ds.Add(DicomTag.SeriesNumber, "4");
            ds.Add(DicomTag.PatientID, identifiable ? "MRN12345" : "SUBJ01");
            if (identifiable)
            {
                ds.Add(DicomTag.PatientName, "Doe^Jane");
                ds.Add(DicomTag.PatientBirthDate, "19700101");
            }
            else
            {
                ds.Add(DicomTag.PatientIdentityRemoved, "YES");
            }

            ds.Add(DicomTag.ScanningSequence, "SE");
            ds.Add(DicomTag.RepetitionTime, "500");
            ds.Add(DicomTag.EchoTime, "10");
            ds.Add(DicomTag.InstanceNumber, (k + 1).ToString(CultureInfo.InvariantCulture));
            ds.Add(DicomTag.ImagePositionPatient, "-10", "-20", (2.5 * k).ToString(CultureInfo.InvariantCulture));
            ds.Add(DicomTag.ImageOrientationPatient, "1", "0", "0", "0", "1", "0");
            ds.Add(DicomTag.PixelSpacing, "0.8", "0.8");
            ds.Add<ushort>(DicomTag.SamplesPerPixel, 1);
            ds.Add(DicomTag.PhotometricInterpretation, "MONOCHROME2");
            ds.Add<ushort>(DicomTag.Rows, 4);
            ds.Add<ushort>(DicomTag.Columns, 4);
            ds.Add<ushort>(DicomTag.BitsAllocated, 16);
            ds.Add<ushort>(DicomTag.BitsStored, 16);
            ds.Add<ushort>(DicomTag.HighBit, 15);
            ds.Add<ushort>(DicomTag.PixelRepresentation, 0);
            var bytes = new byte[32];
            for (var i = 0; i < 16; i++)
            {
                bytes[2 * i] = (byte)(k * 16 + i);
            }

            ds.Add(new DicomElement(DicomTag.PixelData, DicomVR.OW, bytes));
            var path = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"img{k:D3}.dcm"));
            DicomWriter.Write(path, new DicomFile(ds));
            paths.Add(path);
        }

        return paths;
    }

    [Fact]
    public void Info_RegularSeries_PrintsTreeAndExitsZero()
    {
        var dir = TestPaths.NewOutputFolder("info-ok");
        WriteSeries(dir);
        var (code, stdout, _) = CliHost.Run("info", dir);
        Assert.Equal(0, code);
        Assert.Contains("Patient SUBJ01", stdout, StringComparison.Ordinal);
        Assert.Contains("role T1", stdout, StringComparison.Ordinal);
        Assert.Contains("axial, 4x4x5", stdout, StringComparison.Ordinal);
        Assert.Contains("missing: no fluid-sensitive", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_Json_ReportsSizeSpacingAndRole()
    {
        var dir = TestPaths.NewOutputFolder("info-json");
        WriteSeries(dir);
        var (code, stdout, _) = CliHost.Run("info", dir, "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var s = Assert.Single(doc.RootElement.GetProperty("series").EnumerateArray());
        Assert.Equal("T1", s.GetProperty("role").GetString());
        Assert.Equal([4, 4, 5], s.GetProperty("size").EnumerateArray().Select(x => x.GetInt32()).ToArray());
        Assert.Equal(2.5, s.GetProperty("spacingMm")[2].GetDouble(), 9);
    }

    [Fact]
    public void Info_EmptyFolder_ExitsNoInput()
    {
        var dir = TestPaths.NewOutputFolder("info-empty");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "hello");
        Assert.Equal(2, CliHost.Run("info", dir).ExitCode);
    }

    [Fact]
    public void Info_TruncatedFile_ExitsCorruptInput()
    {
        var dir = TestPaths.NewOutputFolder("info-corrupt");
        var paths = WriteSeries(dir);
        var bytes = File.ReadAllBytes(paths[2]);
        File.WriteAllBytes(paths[2], bytes[..(bytes.Length - 10)]);
        var (code, stdout, _) = CliHost.Run("info", dir);
        Assert.Equal(4, code);
        Assert.Contains("unreadable:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_MissingSlice_ExitsPartialAndSaysWhy()
    {
        var dir = TestPaths.NewOutputFolder("info-gap");
        WriteSeries(dir, slices: 6, skip: 3);
        var (code, stdout, _) = CliHost.Run("info", dir);
        Assert.Equal(8, code);
        Assert.Contains("REFUSED", stdout, StringComparison.Ordinal);
        Assert.Contains("missing", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_RequireDeidentifiedOnIdentifiableData_Refuses()
    {
        var dir = TestPaths.NewOutputFolder("info-deid");
        WriteSeries(dir, identifiable: true);
        Assert.Equal(0, CliHost.Run("info", dir).ExitCode);
        var (code, stdout, _) = CliHost.Run("info", dir, "--require-deidentified");
        Assert.Equal(8, code);
        Assert.Contains("PatientBirthDate", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("19700101", stdout, StringComparison.Ordinal);
    }
}
