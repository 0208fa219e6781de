using System.Globalization;
using System.Text.Json;
using BmeQuant.Dicom.Codecs;

namespace BmeQuant.Dicom.Tests;

/// <summary>Files we write against dcmtk and pydicom (skipped with the reason when a tool is missing).</summary>
public class DicomInteropTests
{
    private static (int Exit, string StdOut, string StdErr)? Run(string exe, params string[] args) => Seg.ExternalTool.Run(exe, args);

    private static string WriteSample(string name, out DicomDataset ds, DicomWriteOptions? options = null)
    {
        var dir = BmeQuant.Testing.TestPaths.NewOutputFolder("interop");
        var path = Path.Combine(dir, name);
        ds = TestDatasets.Mr(24, 20, frames: 1, bitsStored: 12, seed: 11);
        var item = new DicomDataset();
        item.Add(DicomTag.CodeValue, "113691");
        item.Add(DicomTag.CodingSchemeDesignator, "DCM");
        item.Add(DicomTag.CodeMeaning, "IHE Standard");
        ds.Add(DicomTag.ProcedureCodeSequence, item);
        ds.Add(DicomTag.StudyDate, "20261129");
        ds.Add(DicomTag.InstanceNumber, 7);
        new DicomFile(ds).Save(path, options);
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Dcmdump_OurFile_NoWarningsOrErrors(bool deflated)
    {
        var path = WriteSample("dump.dcm", out _, deflated ? new DicomWriteOptions { TransferSyntax = TransferSyntax.DeflatedExplicitVRLittleEndian } : null);
        var r = Run("dcmdump", "-dc", path);
        if (r is null)
        {
            Assert.Skip("dcmdump (dcmtk) is not installed");
        }

        var (exit, so, se) = r.Value;
        Assert.True(exit == 0, se);
        Assert.DoesNotContain("W: ", so + se, StringComparison.Ordinal);
        Assert.DoesNotContain("E: ", so + se, StringComparison.Ordinal);
        Assert.Contains("Doe^John", so, StringComparison.Ordinal);
        Assert.Contains("113691", so, StringComparison.Ordinal);
    }

    [Fact]
    public void Pydicom_OurFile_SameValues()
    {
        var path = WriteSample("py.dcm", out var ds);
        const string Script = """
            import sys, json, pydicom
            ds = pydicom.dcmread(sys.argv[1])
            a = ds.pixel_array
            print(json.dumps({"name": str(ds.PatientName), "spacing": [float(x) for x in ds.PixelSpacing],
                              "rows": int(ds.Rows), "inst": int(ds.InstanceNumber), "code": ds.ProcedureCodeSequence[0].CodeValue,
                              "sum": int(a.astype("int64").sum()), "shape": list(a.shape), "tsuid": str(ds.file_meta.TransferSyntaxUID)}))
            """;
        var r = Run("/usr/bin/python3", "-c", Script, path);
        if (r is null || r.Value.StdErr.Contains("No module named", StringComparison.Ordinal))
        {
            Assert.Skip("python3 with pydicom is not installed");
        }

        Assert.True(r.Value.Exit == 0, r.Value.StdErr);
        using var doc = JsonDocument.Parse(r.Value.StdOut);
        var root = doc.RootElement;
        Assert.Equal("Doe^John", root.GetProperty("name").GetString());
        Assert.Equal([0.5, 0.75], root.GetProperty("spacing").EnumerateArray().Select(x => x.GetDouble()).ToArray());
        Assert.Equal(24, root.GetProperty("rows").GetInt32());
        Assert.Equal(7, root.GetProperty("inst").GetInt32());
        Assert.Equal("113691", root.GetProperty("code").GetString());
        Assert.Equal("1.2.840.10008.1.2.1", root.GetProperty("tsuid").GetString());
        var expectedSum = ds.GetValues<ushort>(DicomTag.PixelData).Sum(v => (long)(v & 0x0FFF));
        Assert.Equal(expectedSum, root.GetProperty("sum").GetInt64());
    }

    [Theory]
    [InlineData("dcmcrle", "1.2.840.10008.1.2.5")]
    [InlineData("dcmcjpeg", "1.2.840.10008.1.2.4.70")]
    [InlineData("dcmcjpls", "1.2.840.10008.1.2.4.80")]
    public void Dcmtk_CompressedFromOurFile_DecodesToOurPixels(string tool, string expectedSyntax)
    {
        if (!PixelCodecRegistry.TryGet(expectedSyntax, out _))
        {
            Assert.Skip($"no codec registered yet for {expectedSyntax}");
        }

        var path = WriteSample("plain.dcm", out var ds);
        var outPath = Path.Combine(Path.GetDirectoryName(path)!, tool + ".dcm");
        var r = Run(tool, path, outPath);
        if (r is null)
        {
            Assert.Skip($"{tool} (dcmtk) is not installed");
        }

        Assert.True(r.Value.Exit == 0, r.Value.StdErr);
        var file = DicomFile.Open(outPath);
        Assert.Equal(expectedSyntax, file.TransferSyntax.Uid);
        var decoded = DicomPixelData.Create(file).GetFrameStored<ushort>(0);
        var original = DicomPixelData.Create(ds, TransferSyntax.ExplicitVRLittleEndian).GetFrameStored<ushort>(0);
        Assert.Equal(original, decoded);
        _ = CultureInfo.InvariantCulture;
    }
}
