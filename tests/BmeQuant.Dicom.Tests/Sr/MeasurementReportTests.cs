using System.Text.Json;
using BmeQuant.Dicom.Seg;
using BmeQuant.Dicom.Sr;
using BmeQuant.Dicom.Tests.Seg;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests.Sr;

public class MeasurementReportTests
{
    private static readonly CodedConcept s_femur = new("71341001", "SCT", "Bone structure of femur");
    private static readonly CodedConcept s_tibia = new("12611008", "SCT", "Bone structure of tibia");

    private static (SourceImageSet Source, MeasurementGroup[] Groups, string Path) WriteReport()
    {
        var source = SegTestData.Source(SegTestData.ObliqueGrid());
        const string SegSeries = "1.2.826.0.1.3680043.8.498.20";
        const string SegSop = "1.2.826.0.1.3680043.8.498.21";
        MeasurementGroup Group(string bone, CodedConcept site, double volume, double percent, double? change) => new()
        {
            TrackingIdentifier = $"PAT-001/{bone}/edema",
            TrackingUid = DeterministicUid.From("PAT-001", bone, "edema"),
            Finding = SrCodes.Edema,
            FindingSite = site,
            Segment = new SegmentReference(SegSeries, SegSop, 1),
            SourceSeriesInstanceUid = source.SeriesInstanceUid,
            TimePoint = "baseline",
            Measurements =
            [
                new Measurement(SrCodes.Volume, volume, SrCodes.CubicMillimeter),
                new Measurement(SrCodes.EdemaPercentOfBone, percent, SrCodes.Percent),
                new Measurement(SrCodes.MoaksGrade, 2, SrCodes.NoUnits),
                .. change is { } c ? new[] { new Measurement(SrCodes.VolumeChange, c, SrCodes.CubicMillimeter) } : [],
            ],
        };
        var groups = new[] { Group("femur", s_femur, 1234.5678, 12.25, -250.125), Group("tibia", s_tibia, 0.001, 1e-5, null) };
        var path = Path.Combine(TestPaths.NewOutputFolder("sr"), "sr.dcm");
        MeasurementReport.Write(path, source, groups, new MeasurementReportOptions { SoftwareVersion = "1.2.3" });
        return (source, groups, path);
    }

    [Fact]
    public void Write_Tid1500_ReadsBackGroupsAndValues()
    {
        var (source, groups, path) = WriteReport();
        var report = MeasurementReport.Open(path);
        Assert.Equal(source.StudyInstanceUid, report.StudyInstanceUid);
        Assert.Equal(groups.Length, report.Groups.Count);
        for (var i = 0; i < groups.Length; i++)
        {
            var (expected, actual) = (groups[i], report.Groups[i]);
            Assert.Equal(expected.TrackingIdentifier, actual.TrackingIdentifier);
            Assert.Equal(expected.TrackingUid, actual.TrackingUid);
            Assert.True(actual.FindingSite!.Matches(expected.FindingSite!));
            Assert.Equal(expected.Segment!.SopInstanceUid, actual.Segment!.SopInstanceUid);
            Assert.Equal(expected.Segment.SegmentNumber, actual.Segment.SegmentNumber);
            Assert.Equal(source.SeriesInstanceUid, actual.SourceSeriesInstanceUid);
            Assert.Equal(expected.Measurements.Count, actual.Measurements.Count);
            foreach (var m in expected.Measurements)
            {
                // DS holds 16 characters: relative precision better than 1e-9 for these magnitudes.
                var back = actual.Get(m.Concept);
                Assert.NotNull(back);
                Assert.Equal(m.Value, back.Value, Math.Abs(m.Value) * 1e-9);
                Assert.True(actual.Measurements.First(x => x.Concept.Matches(m.Concept)).Units.Matches(m.Units));
            }
        }

        // Evidence lists every source image and the segmentation.
        Assert.Contains("1.2.826.0.1.3680043.8.498.21", report.EvidenceSopInstanceUids);
        Assert.All(source.Images, i => Assert.Contains(i.SopInstanceUid, report.EvidenceSopInstanceUids));
    }

    [Fact]
    public void DeterministicUid_SameParts_SameUid_DifferentParts_DifferentUid()
    {
        var a = DeterministicUid.From("PAT-001", "femur", "edema");
        Assert.Equal(a, DeterministicUid.From("PAT-001", "femur", "edema"));
        Assert.NotEqual(a, DeterministicUid.From("PAT-001", "tibia", "edema"));
        Assert.NotEqual(a, DeterministicUid.From("PAT-001femur", "edema"));
        Assert.True(DicomUid.IsValid(a), a);
    }

    [Fact]
    public void Dsrdump_Report_NoWarningsOrErrors()
    {
        var (_, _, path) = WriteReport();
        var dump = ExternalTool.RunDcmtkClean("dsrdump", path);
        Assert.Contains("Imaging Measurement Report", dump, StringComparison.Ordinal);
        Assert.Contains("PAT-001/femur/edema", dump, StringComparison.Ordinal);
    }

    [Fact]
    public void Dcmdump_Report_NoWarningsOrErrors()
    {
        var (_, _, path) = WriteReport();
        ExternalTool.RunDcmtkClean("dcmdump", "-dc", path);
    }

    [Fact]
    public void Pydicom_Report_SameGroupsAndVolumes()
    {
        var (_, groups, path) = WriteReport();
        const string Script = """
            import sys, json, pydicom
            ds = pydicom.dcmread(sys.argv[1])
            out = []
            for c in ds.ContentSequence:
                if c.ConceptNameCodeSequence[0].CodeValue != "126010":
                    continue
                for g in c.ContentSequence:
                    rec = {}
                    for i in g.ContentSequence:
                        code = i.ConceptNameCodeSequence[0].CodeValue
                        if i.ValueType == "TEXT" and code == "112039":
                            rec["id"] = i.TextValue
                        if i.ValueType == "NUM" and code == "118565006":
                            rec["volume"] = float(i.MeasuredValueSequence[0].NumericValue)
                            rec["units"] = i.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0].CodeValue
                    out.append(rec)
            print(json.dumps({"title": ds.ConceptNameCodeSequence[0].CodeMeaning, "template": ds.ContentTemplateSequence[0].TemplateIdentifier, "groups": out}))
            """;
        using var doc = JsonDocument.Parse(ExternalTool.RunPydicom(Script, path));
        var root = doc.RootElement;
        Assert.Equal("Imaging Measurement Report", root.GetProperty("title").GetString());
        Assert.Equal("1500", root.GetProperty("template").GetString());
        var back = root.GetProperty("groups").EnumerateArray().ToArray();
        Assert.Equal(groups.Length, back.Length);
        for (var i = 0; i < groups.Length; i++)
        {
            Assert.Equal(groups[i].TrackingIdentifier, back[i].GetProperty("id").GetString());
            var v = groups[i].Get(SrCodes.Volume)!.Value;
            Assert.Equal(v, back[i].GetProperty("volume").GetDouble(), v * 1e-9);
            Assert.Equal("mm3", back[i].GetProperty("units").GetString());
        }
    }
}
