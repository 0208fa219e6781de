using System.Text.Json;
using BmeQuant.Dicom.Seg;
using BmeQuant.Imaging;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests.Seg;

public class SegmentationTests
{
    private static (SourceImageSet Source, SegmentMask[] Segments, string Path) WriteBinary()
    {
        var g = SegTestData.ObliqueGrid();
        var source = SegTestData.Source(g);
        var segments = new[]
        {
            new SegmentMask(SegTestData.Segment(1, "Edema"), SegTestData.Blob(g, 1, 2, 5)),
            new SegmentMask(SegTestData.Segment(2, "Femur"), SegTestData.Blob(g, 2, 0, 10)),
            new SegmentMask(SegTestData.Segment(5, "Tibia"), SegTestData.Blob(g, 3, 7, 7)),
        };
        var path = System.IO.Path.Combine(TestPaths.NewOutputFolder("seg"), "seg.dcm");
        SegmentationWriter.Write(path, source, segments, new SegmentationOptions { SoftwareVersion = "1.2.3" });
        return (source, segments, path);
    }

    [Fact]
    public void Write_BinaryOnObliqueGrid_ReadsBackIdenticalMasks()
    {
        var (source, segments, path) = WriteBinary();
        var seg = Segmentation.Open(path);
        Assert.Equal(SegmentationType.Binary, seg.Type);
        Assert.Equal([1, 2, 5], seg.Segments.Select(s => s.Number));
        foreach (var s in segments)
        {
            var back = seg.ToMask(s.Segment.Number, source.Geometry);
            Assert.Equal(s.Mask.Data, back.Data);
        }
    }

    [Fact]
    public void Write_Binary_FramesOnlyWhereMaskNonEmptyWithSourceReferences()
    {
        var (source, segments, path) = WriteBinary();
        var seg = Segmentation.Open(path);

        // 4 + 11 + 1 slices hold voxels of the three blobs.
        var expected = segments.Sum(s => Enumerable.Range(0, source.Geometry.SizeZ).Count(k => s.Mask.Slice(k).ContainsAnyExcept((byte)0)));
        Assert.Equal(expected, seg.Frames.Count);
        foreach (var f in seg.Frames)
        {
            var k = (int)Math.Round(source.Geometry.TransformPhysicalPointToContinuousIndex(f.ImagePositionPatient).Z);
            Assert.Equal(source.Slices[k]!.SopInstanceUid, f.SourceSopInstanceUid);
        }

        Assert.Equal([source.SeriesInstanceUid], seg.ReferencedSeriesInstanceUids);
        Assert.Equal(source.StudyInstanceUid, seg.StudyInstanceUid);
        Assert.Equal(source.FrameOfReferenceUid, seg.FrameOfReferenceUid);
    }

    [Fact]
    public void Write_Fractional_ReadsBackSameBytes()
    {
        var g = SegTestData.ObliqueGrid();
        var source = SegTestData.Source(g);
        var mask = SegTestData.Blob(g, 9, 3, 8, value: 0);
        var path = System.IO.Path.Combine(TestPaths.NewOutputFolder("segf"), "seg.dcm");
        SegmentationWriter.Write(path, source, [new SegmentMask(SegTestData.Segment(1, "Edema"), mask)], new SegmentationOptions { Type = SegmentationType.Fractional });
        var seg = Segmentation.Open(path);
        Assert.Equal(SegmentationType.Fractional, seg.Type);
        Assert.Equal(mask.Data, seg.ToMask(1, g).Data);
    }

    [Fact]
    public void Write_AllMasksEmpty_OneEmptyFrame()
    {
        var g = SegTestData.ObliqueGrid();
        var ds = SegmentationWriter.Build(SegTestData.Source(g), [new SegmentMask(SegTestData.Segment(1, "Edema"), new Volume<byte>(g))]);
        var seg = Segmentation.Read(ds);
        Assert.Single(seg.Frames);
        Assert.DoesNotContain(seg.ToMask(1, g).Data, v => v != 0);
    }

    [Fact]
    public void Build_MaskOnOtherGrid_Throws()
    {
        var g = SegTestData.ObliqueGrid();
        var other = g.WithSpacing(new Vector3D(1, 1, 1));
        Assert.Throws<ArgumentException>(() => SegmentationWriter.Build(SegTestData.Source(g), [new SegmentMask(SegTestData.Segment(1, "E"), new Volume<byte>(other))]));
    }

    [Fact]
    public void ToMask_GridShiftedHalfSlice_ThrowsNamingTheFrame()
    {
        var (source, _, path) = WriteBinary();
        var g = source.Geometry;
        var shifted = g.WithOrigin(g.TransformIndexToPhysicalPoint(0, 0, 0.5));
        var ex = Assert.Throws<DicomFormatException>(() => Segmentation.Open(path).ToMask(2, shifted));
        Assert.Contains("frame", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dcmdump_Segmentation_NoWarningsOrErrors()
    {
        var (_, _, path) = WriteBinary();
        var dump = ExternalTool.RunDcmtkClean("dcmdump", "-dc", path);
        Assert.Contains("Segmentation", dump, StringComparison.Ordinal);
    }

    [Fact]
    public void Pydicom_Segmentation_SameFramesSegmentsAndPixels()
    {
        var (source, segments, path) = WriteBinary();
        const string Script = """
            import sys, json, pydicom
            ds = pydicom.dcmread(sys.argv[1])
            a = ds.pixel_array
            frames = []
            for f, item in enumerate(ds.PerFrameFunctionalGroupsSequence):
                frames.append({"seg": int(item.SegmentIdentificationSequence[0].ReferencedSegmentNumber),
                               "pos": [float(x) for x in item.PlanePositionSequence[0].ImagePositionPatient],
                               "sum": int(a[f].sum())})
            print(json.dumps({"n": int(ds.NumberOfFrames), "shape": list(a.shape),
                              "labels": [s.SegmentLabel for s in ds.SegmentSequence],
                              "type": ds.SegmentSequence[0].SegmentedPropertyTypeCodeSequence[0].CodeValue,
                              "frames": frames}))
            """;
        using var doc = JsonDocument.Parse(ExternalTool.RunPydicom(Script, path));
        var root = doc.RootElement;
        var g = source.Geometry;
        var n = root.GetProperty("n").GetInt32();
        Assert.Equal([n, g.SizeY, g.SizeX], root.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal(["Edema", "Femur", "Tibia"], root.GetProperty("labels").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal("79654002", root.GetProperty("type").GetString());
        foreach (var f in root.GetProperty("frames").EnumerateArray())
        {
            var pos = f.GetProperty("pos").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            var k = (int)Math.Round(g.TransformPhysicalPointToContinuousIndex(new Vector3D(pos[0], pos[1], pos[2])).Z);
            var mask = segments.Single(s => s.Segment.Number == f.GetProperty("seg").GetInt32()).Mask;
            var expectedSum = 0;
            foreach (var v in mask.Slice(k))
            {
                expectedSum += v;
            }

            Assert.Equal(expectedSum, f.GetProperty("sum").GetInt32());
        }
    }
}
