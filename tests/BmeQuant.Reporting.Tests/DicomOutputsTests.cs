using BmeQuant.Dicom;
using BmeQuant.Dicom.Seg;
using BmeQuant.Dicom.Series;
using BmeQuant.Dicom.Sr;
using BmeQuant.Imaging;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;
using BmeQuant.Quantification;
using BmeQuant.Testing;

namespace BmeQuant.Reporting.Tests;

/// <summary>
/// A small knee phantom exported as DICOM, its STIR series read back, analysed (phantom bone labels), and the analysis
/// mapped to SEG + SR: the SEG decodes to exactly the analysis masks on the source grid, the SR carries the findings'
/// numbers with UCUM units, and both reference the source series, instances and each other.
/// </summary>
public sealed class DicomOutputsTests : IClassFixture<DicomOutputsTests.PhantomAnalysis>
{
    private readonly PhantomAnalysis _a;

    public DicomOutputsTests(PhantomAnalysis analysis) => _a = analysis;

    [Fact]
    public void Build_PhantomAnalysis_SegDecodesToExactlyTheEdemaAndBoneMasksOnTheSourceGrid()
    {
        var seg = Segmentation.Read(Reparse(_a.Outputs.Segmentation));
        var grid = _a.Source.Geometry;

        Assert.Equal(SegmentationType.Binary, seg.Type);
        Assert.Equal("Edema", seg.Segments[0].Label);
        Assert.True(seg.Segments[0].Type.Matches(SrCodes.Edema));
        var edema = seg.ToMask(1, grid);
        Assert.Equal(_a.Findings.Masks.Edema.Data.Select(v => v != 0 ? (byte)1 : (byte)0), edema.Data.Select(v => v != 0 ? (byte)1 : (byte)0));
        Assert.True(edema.Data.Count(v => v != 0) > 100, "phantom lesion produced almost no edema: the comparison would be vacuous");

        var bones = _a.Findings.Bones.Where(b => b.Label > 0).OrderBy(b => b.Label).ToArray();
        Assert.Equal(bones.Length + 1, seg.Segments.Count);
        for (var i = 0; i < bones.Length; i++)
        {
            var segment = seg.Segments[i + 1];
            Assert.Equal(bones[i].Name, segment.Label);
            Assert.True(DicomOutputs.BoneCode(bones[i].Name).Bone.Matches(segment.Type), $"segment {segment.Number}: type {segment.Type}");
            var mask = seg.ToMask(segment.Number, grid);
            var expected = _a.Findings.Masks.Bones.Data.Select(v => v == bones[i].Label ? (byte)1 : (byte)0);
            Assert.Equal(expected, mask.Data.Select(v => v != 0 ? (byte)1 : (byte)0));
        }
    }

    [Fact]
    public void Build_PhantomAnalysis_SegFramesOnlyOnNonEmptySlicesAtTheSourceSlicePositions()
    {
        var seg = Segmentation.Read(Reparse(_a.Outputs.Segmentation));
        var g = _a.Source.Geometry;
        var plane = g.SizeX * g.SizeY;
        var edemaSlices = Enumerable.Range(0, g.SizeZ).Where(k => _a.Findings.Masks.Edema.Data.AsSpan(k * plane, plane).ContainsAnyExcept((byte)0)).ToArray();
        var frames = seg.Frames.Where(f => f.SegmentNumber == 1).ToArray();

        Assert.Equal(edemaSlices.Length, frames.Length);
        Assert.True(edemaSlices.Length < g.SizeZ, "edema on every slice: the 'frames only where non-empty' check would be vacuous");
        foreach (var (frame, k) in frames.OrderBy(f => f.Index).Zip(edemaSlices))
        {
            var position = g.TransformIndexToPhysicalPoint(0, 0, k);
            Assert.True((frame.ImagePositionPatient - position).Length < 1e-3, $"frame {frame.Index}: position {frame.ImagePositionPatient} is not slice {k} at {position}");
            Assert.Equal(_a.Source.Slices[k]!.SopInstanceUid, frame.SourceSopInstanceUid);
        }
    }

    [Fact]
    public void Build_PhantomAnalysis_SegAndSrReferenceTheSourceStudySeriesAndEachOther()
    {
        var seg = Segmentation.Read(Reparse(_a.Outputs.Segmentation));
        var sr = MeasurementReport.Read(Reparse(_a.Outputs.Report));

        Assert.Equal(_a.StirStudyUid, seg.StudyInstanceUid);
        Assert.Equal(_a.StirStudyUid, sr.StudyInstanceUid);
        Assert.Equal([_a.StirSeriesUid], seg.ReferencedSeriesInstanceUids);
        Assert.Equal(_a.Source.FrameOfReferenceUid, seg.FrameOfReferenceUid);
        Assert.Contains(seg.SopInstanceUid, sr.EvidenceSopInstanceUids);
        var sourceInstances = _a.Source.Images.Select(i => i.SopInstanceUid).ToHashSet(StringComparer.Ordinal);
        Assert.Subset(sr.EvidenceSopInstanceUids.ToHashSet(StringComparer.Ordinal), sourceInstances.Append(seg.SopInstanceUid).ToHashSet(StringComparer.Ordinal));
        foreach (var group in sr.Groups)
        {
            Assert.Equal(_a.StirSeriesUid, group.SourceSeriesInstanceUid);
            Assert.NotNull(group.Segment);
            Assert.Equal(seg.SopInstanceUid, group.Segment.SopInstanceUid);
            Assert.Equal(1, group.Segment.SegmentNumber);
        }

        var patientId = _a.Source.Header.GetString(DicomTag.PatientID);
        Assert.Equal(_a.Outputs.Report.GetString(DicomTag.PatientID), patientId);
        Assert.Equal(_a.Outputs.Segmentation.GetString(DicomTag.PatientID), patientId);
    }

    [Fact]
    public void Build_PhantomAnalysis_SrNumbersEqualTheFindingsWithUcumUnits()
    {
        var sr = MeasurementReport.Read(Reparse(_a.Outputs.Report));
        var patientId = _a.Source.Header.GetString(DicomTag.PatientID);
        var regions = _a.Findings.Bones.Append(_a.Findings.Total).ToArray();

        Assert.Equal(regions.Length, sr.Groups.Count);
        foreach (var r in regions)
        {
            var group = sr.Groups.Single(g => g.TrackingUid == DicomOutputs.TrackingUid(patientId, r.Name));
            Assert.Equal(DicomOutputs.TrackingIdentifier(patientId, r.Name), group.TrackingIdentifier);
            AssertMeasure(group, SrCodes.Volume, r.EdemaVolumeMm3, SrCodes.CubicMillimeter);
            AssertMeasure(group, SrCodes.RegionVolume, r.RegionVolumeMm3, SrCodes.CubicMillimeter);
            AssertMeasure(group, SrCodes.EdemaPercentOfBone, r.PercentOfRegion, SrCodes.Percent);
            AssertMeasure(group, SrCodes.FociCount, r.Distribution.FociCount, SrCodes.NoUnits);
            if (r != _a.Findings.Total)
            {
                AssertMeasure(group, SrCodes.WormsGrade, r.Grades.Worms, SrCodes.NoUnits);
                AssertMeasure(group, SrCodes.MoaksGrade, r.Grades.Moaks, SrCodes.NoUnits);
            }

            if (r.Signal.EdemaToNormalMarrow is { } ratio && double.IsFinite(ratio))
            {
                AssertMeasure(group, SrCodes.EdemaToNormalMarrowRatio, ratio, SrCodes.Ratio);
            }

            Assert.Null(group.Get(SrCodes.VolumeChange));
        }

        Assert.True(_a.Findings.Total.EdemaVolumeMm3 > 0, "no edema in the phantom analysis");
    }

    [Fact]
    public void Build_WithPreviousTimepoint_SrCarriesTheVolumeChange()
    {
        var previous = _a.Findings.Bones.Append(_a.Findings.Total).ToDictionary(r => r.Name, r => r.EdemaVolumeMm3 * 0.5 + 10, StringComparer.Ordinal);
        var input = DicomOutputs.FromFindings(_a.Findings, "visit 2", previous);

        var sr = MeasurementReport.Read(Reparse(DicomOutputs.Build(input, _a.Source).Report));

        var total = sr.Groups.Single(g => g.TrackingUid == DicomOutputs.TrackingUid(_a.Source.Header.GetString(DicomTag.PatientID), "total"));
        Assert.Equal("visit 2", total.TimePoint);
        var change = _a.Findings.Total.EdemaVolumeMm3 - previous["total"];
        AssertMeasure(total, SrCodes.VolumeChange, change, SrCodes.CubicMillimeter);
        AssertMeasure(total, SrCodes.VolumeChangePercent, 100 * change / previous["total"], SrCodes.Percent);
    }

    [Fact]
    public void Build_SameAnalysisTwiceAndFromTheWrittenFolder_GivesTheSameSopInstanceUids()
    {
        var again = DicomOutputs.Build(DicomOutputs.FromFindings(_a.Findings), _a.Source);
        var folder = TestPaths.NewOutputFolder("dicom-outputs-folder");
        FindingsWriter.Write(_a.Findings, folder);
        var fromFolder = DicomOutputs.Build(DicomOutputs.ReadAnalysisFolder(folder), _a.Source);

        Assert.Equal(_a.Outputs.SegmentationSopInstanceUid, again.SegmentationSopInstanceUid);
        Assert.Equal(_a.Outputs.ReportSopInstanceUid, again.ReportSopInstanceUid);
        Assert.Equal(_a.Outputs.SegmentationSopInstanceUid, fromFolder.SegmentationSopInstanceUid);
        Assert.Equal(_a.Outputs.ReportSopInstanceUid, fromFolder.ReportSopInstanceUid);
        Assert.NotEqual(_a.Outputs.SegmentationSopInstanceUid, _a.Outputs.ReportSopInstanceUid);
    }

    [Fact]
    public void Build_OneEdemaVoxelMore_GivesNewSopInstanceUids()
    {
        var edema = new Volume<byte>(_a.Findings.Masks.Edema.Geometry);
        _a.Findings.Masks.Edema.Data.CopyTo(edema.Data, 0);
        var off = Array.IndexOf(edema.Data, (byte)0);
        edema.Data[off] = 1;
        var input = DicomOutputs.FromFindings(_a.Findings) with { Edema = edema };

        var changed = DicomOutputs.Build(input, _a.Source);

        Assert.NotEqual(_a.Outputs.SegmentationSopInstanceUid, changed.SegmentationSopInstanceUid);
        Assert.NotEqual(_a.Outputs.ReportSopInstanceUid, changed.ReportSopInstanceUid);
    }

    [Fact]
    public void Build_MaskOnAnotherGrid_ThrowsNamingTheMask()
    {
        var g = _a.Source.Geometry;
        var shifted = new ImageGeometry(g.SizeX, g.SizeY, g.SizeZ, g.Spacing, g.Origin + new Vector3D(1, 0, 0), g.Direction);
        var input = DicomOutputs.FromFindings(_a.Findings) with { Edema = new Volume<byte>(shifted) };

        var ex = Assert.Throws<BmeQuantException>(() => DicomOutputs.Build(input, _a.Source));

        Assert.Contains("edema mask", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_PhantomAnalysis_FilesReadBackAsTheSameObjects()
    {
        var folder = TestPaths.NewOutputFolder("dicom-outputs-write");

        var files = _a.Outputs.Write(folder);

        Assert.Equal(2, files.Count);
        Assert.Equal(_a.Outputs.SegmentationSopInstanceUid, Segmentation.Open(files[0]).SopInstanceUid);
        Assert.Equal(_a.Outputs.ReportSopInstanceUid, MeasurementReport.Open(files[1]).SopInstanceUid);
    }

    private static void AssertMeasure(MeasurementGroup group, CodedConcept concept, double expected, CodedConcept units)
    {
        var m = group.Measurements.SingleOrDefault(x => x.Concept.Matches(concept));
        Assert.True(m is not null, $"{group.TrackingIdentifier}: no {concept.Meaning}");
        Assert.True(m.Units.Matches(units), $"{group.TrackingIdentifier} {concept.Meaning}: units {m.Units} instead of {units}");
        Assert.True(Math.Abs(m.Value - expected) <= 1e-9 + (1e-12 * Math.Abs(expected)) || Math.Abs(m.Value - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"{group.TrackingIdentifier} {concept.Meaning}: {m.Value} instead of {expected}");
    }

    /// <summary>Writes and re-reads a dataset, so tests see what a file holds (not the in-memory object).</summary>
    private static DicomDataset Reparse(DicomDataset ds)
    {
        var path = Path.Combine(TestPaths.NewOutputFolder("dicom-outputs-reparse"), "x.dcm");
        DicomWriter.Write(path, ds);
        return DicomFile.Open(path).Dataset;
    }

    /// <summary>The phantom (96×96 knee, one visit, subchondral lesion) exported, read back and analysed once per class.</summary>
    public sealed class PhantomAnalysis
    {
        public PhantomAnalysis()
        {
            var acquisitions = PhantomPresets.DefaultAcquisitions(PhantomAnatomy.Knee)
                .Select(a => a with { Columns = 96, Rows = 96, PixelSpacingMm = a.PixelSpacingMm * 8 / 3 })
                .ToArray();
            var spec = new PhantomSpec(PhantomAnatomy.Knee, acquisitions, [new VisitSpec(0, [PhantomPresets.DefaultLesion(PhantomAnatomy.Knee, LesionPattern.Subchondral)])]) { Seed = 31 };
            var study = PhantomGenerator.Generate(spec);
            var options = new PhantomExportOptions();
            var folder = PhantomDicomExporter.Write(study, TestPaths.NewOutputFolder("dicom-outputs-phantom"), options).Single();
            var stir = study.Visits[0].Series.Single(s => s.Sequence.Sequence == PhantomSequence.Stir);
            var stirFolder = Path.Combine(folder, PhantomDicomExporter.SeriesFolderName(stir, options.Vendor));
            var series = SeriesDiscovery.Discover(stirFolder).Series.Single();
            var volume = series.ToVolume();
            StirSeriesUid = series.SeriesInstanceUid;
            StirStudyUid = series.StudyInstanceUid;
            var g = volume.Volume.Geometry;
            if (!g.IsSameGrid(stir.Geometry, 0.05))
            {
                throw new InvalidOperationException($"The exported STIR series reads back on {g}, not the phantom grid {stir.Geometry}.");
            }

            var labels = new Volume<int>(g);
            for (var n = 0; n < labels.Length; n++)
            {
                labels.Data[n] = stir.BoneLabels.Data[n];
            }

            var input = new StudyInput(volume.Volume, null)
            {
                BoneLabels = labels,
                LabelNames = study.BoneNames.Select((name, i) => (Label: i + 1, Name: name)).ToDictionary(x => x.Label, x => x.Name),
                BoneLabelsSource = "phantom bone labels",
                Anatomy = Anatomy.Knee,
                FluidSensitiveSeries = new SeriesProvenance(series.SeriesInstanceUid, series.SeriesDescription, "phantom"),
            };
            Findings = EdemaAnalyzer.Analyze(input);
            Source = SourceImageSet.FromSeriesVolume(volume);
            Outputs = DicomOutputs.Build(DicomOutputs.FromFindings(Findings), Source);
        }

        public string StirSeriesUid { get; }

        public string StirStudyUid { get; }

        public EdemaFindings Findings { get; }

        public SourceImageSet Source { get; }

        public DicomOutputSet Outputs { get; }
    }
}
