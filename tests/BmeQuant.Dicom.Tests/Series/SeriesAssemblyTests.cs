using BmeQuant.Dicom.Series;
using BmeQuant.Imaging;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests.Series;

/// <summary>Synthetic series written with our writer: ordering, gaps, jitter, tilt, mixed content, duplicates, truncation.</summary>
public class SeriesAssemblyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Stored value of slice k at (x, y), as SyntheticSeries writes it.</summary>
    private static float Stored(int k, int x, int y) => (100 * k) + x + (3 * y);

    [Fact]
    public void ToVolume_ShuffledNamesAndReversedInstanceNumbers_SortsByPositionAlongNormal()
    {
        var dir = TestPaths.NewOutputFolder("shuffled");
        var syn = new SyntheticSeries { Row = new Vector3D(0, 1, 0), Column = new Vector3D(0, 0, -1), RescaleSlope = 2, RescaleIntercept = -5 };
        syn.Write(dir, shuffleNames: true, reverseInstanceNumbers: true);

        var series = Assert.Single(SeriesDiscovery.Discover(dir, cancellationToken: Ct).Series);
        var sv = series.ToVolume(cancellationToken: Ct);
        var v = sv.Volume;
        Assert.Equal((8, 6, 10), (v.SizeX, v.SizeY, v.SizeZ));
        Assert.Equal(0.75, v.Geometry.Spacing.X, 12);
        Assert.Equal(0.5, v.Geometry.Spacing.Y, 12);
        Assert.Equal(3.0, v.Geometry.Spacing.Z, 9);
        for (var k = 0; k < 10; k++)
        {
            // Voxel (x, y, k) is stored value × 2 − 5 of the slice written at position k.
            Assert.Equal((Stored(k, 5, 4) * 2) - 5, v[5, 4, k]);
            Assert.True((v.Geometry.TransformIndexToPhysicalPoint(0, 0, k) - syn.PositionOf(k)).Length < 1e-6);
            Assert.Equal(k, sv.SliceIndexBySopInstanceUid[syn.SopUid(k)]);
        }

        // Direction columns: row cosine, column cosine, normal.
        Assert.Equal(syn.Row, v.Geometry.Direction.Column(0));
        Assert.Equal(syn.Column, v.Geometry.Direction.Column(1));
        Assert.True((v.Geometry.Direction.Column(2) - syn.Normal).Length < 1e-12);
    }

    [Fact]
    public void Geometry_MissingMiddleSlice_StrictRefusesNamingTheGap()
    {
        var dir = TestPaths.NewOutputFolder("missing");
        var syn = new SyntheticSeries();
        syn.Write(dir, Enumerable.Range(0, 10).Where(k => k != 5));

        var series = Assert.Single(SeriesDiscovery.Discover(dir, cancellationToken: Ct).Series);
        var refusal = series.Geometry.Refusal;
        Assert.NotNull(refusal);
        Assert.Equal("missing-slices", refusal.Problem);
        Assert.Contains("1 slice(s) missing", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(syn.SeriesUid, refusal.Message, StringComparison.Ordinal);
        Assert.Throws<InconsistentSeriesException>(() => series.ToVolume(cancellationToken: Ct));
    }

    [Fact]
    public void ToVolume_MissingMiddleSliceWithResample_InterpolatesTheGap()
    {
        var dir = TestPaths.NewOutputFolder("missing-resample");
        var syn = new SyntheticSeries();
        syn.Write(dir, Enumerable.Range(0, 10).Where(k => k != 5));

        var series = Assert.Single(SeriesDiscovery.Discover(dir, cancellationToken: Ct).Series);
        var sv = series.ToVolume(new SeriesAssemblyOptions { Policy = GeometryPolicy.Resample }, Ct);
        Assert.Equal(10, sv.Volume.SizeZ);
        Assert.NotNull(sv.GeometryReport.Resampling);
        Assert.Equal(Stored(4, 2, 1), sv.Volume[2, 1, 4]);
        Assert.Equal(0.5 * (Stored(4, 2, 1) + Stored(6, 2, 1)), sv.Volume[2, 1, 5], 3);
        Assert.True(sv.Provenance[5].Interpolated);
        Assert.Equal(Stored(6, 2, 1), sv.Volume[2, 1, 6]);
    }

    [Fact]
    public void Geometry_JitterOf1e5Mm_IsRegular()
    {
        var dir = TestPaths.NewOutputFolder("jitter");
        var syn = new SyntheticSeries { NormalOffset = k => k % 2 == 0 ? 1e-5 : -1e-5 };
        syn.Write(dir);

        var series = Assert.Single(SeriesDiscovery.Discover(dir, cancellationToken: Ct).Series);
        Assert.Null(series.Geometry.Refusal);
        Assert.Empty(series.Geometry.Problems);
        Assert.Equal(3.0, series.Geometry.Geometry!.Spacing.Z, 4);
    }

    [Fact]
    public void Geometry_IrregularSpacing_StrictRefuses()
    {
        var dir = TestPaths.NewOutputFolder("irregular");
        var syn = new SyntheticSeries { NormalOffset = k => k >= 6 ? 0.6 : 0 };
        syn.Write(dir);

        var refusal = Assert.Single(SeriesDiscovery.Discover(dir, cancellationToken: Ct).Series).Geometry.Refusal;
        Assert.NotNull(refusal);
        Assert.Equal("irregular-spacing", refusal.Problem);
    }

    [Fact]
    public void Geometry_TiltedStack_StrictRefusesAndResampleShiftsSlices()
    {
        var dir = TestPaths.NewOutputFolder("tilt");
        var tiltDegrees = 10.0;
        var syn = new SyntheticSeries { ShearMm = k => k * 3.0 * Math.Tan(tiltDegrees * Math.PI / 180) };
        syn.Write(dir);

        var series = Assert.Single(SeriesDiscovery.Discover(dir, cancellationToken: Ct).Series);
        Assert.Equal("gantry-tilt", series.Geometry.Refusal?.Problem);

        var resampled = series.AnalyzeGeometry(new SeriesAssemblyOptions { Policy = GeometryPolicy.Resample });
        Assert.Null(resampled.Refusal);
        Assert.Equal(tiltDegrees, resampled.TiltDegrees, 6);
        var sv = series.ToVolume(new SeriesAssemblyOptions { Policy = GeometryPolicy.Resample }, Ct);

        // Slice 2 is shifted by 2·3·tan(10°) = 1.058 mm = 2.116 rows (0.5 mm rows) back onto the normal: sample it
        // where the original row y + shift lands, interpolated linearly along y (values are linear in y).
        var shiftRows = 2 * 3.0 * Math.Tan(tiltDegrees * Math.PI / 180) / 0.5;
        var expected = Stored(2, 3, 0) + (3 * (4 - shiftRows));
        Assert.Equal(expected, sv.Volume[3, 4, 2], 3);
    }

    [Fact]
    public void Discover_LocalizerMixedIntoSeries_SplitIntoItsOwnStack()
    {
        var dir = TestPaths.NewOutputFolder("localizer");
        new SyntheticSeries().Write(dir);
        var loc = new SyntheticSeries { Slices = 1, Row = new Vector3D(0, 1, 0), Column = new Vector3D(0, 0, -1), Rows = 4, Columns = 4, ImageType = "ORIGINAL\\PRIMARY\\LOCALIZER", EchoNumber = 9 };
        loc.Write(dir, prefix: "LOC");

        var series = SeriesDiscovery.Discover(dir, cancellationToken: Ct).Series;
        Assert.Equal(2, series.Count);
        var main = Assert.Single(series, s => s.Slices.Count == 10);
        Assert.Null(main.Geometry.Refusal);
        var single = Assert.Single(series, s => s.Slices.Count == 1);
        Assert.Contains("sagittal", single.SplitDescription, StringComparison.Ordinal);
        Assert.Contains(single.Geometry.Problems, p => p.Contains("single-slice", StringComparison.Ordinal));
    }

    [Fact]
    public void Discover_TwoEchoesInOneSeries_TwoStacks()
    {
        var dir = TestPaths.NewOutputFolder("echoes");
        new SyntheticSeries { EchoNumber = 1, EchoTimeMs = 12 }.Write(dir, prefix: "E1");
        new SyntheticSeries { EchoNumber = 2, EchoTimeMs = 80 }.Write(dir, prefix: "E2");

        var series = SeriesDiscovery.Discover(dir, cancellationToken: Ct).Series;
        Assert.Equal(2, series.Count);
        Assert.All(series, s => Assert.Equal(10, s.Slices.Count));
        Assert.All(series, s => Assert.Null(s.Geometry.Refusal));
        Assert.Contains(series, s => s.SplitDescription!.Contains("TE 80", StringComparison.Ordinal));
    }

    [Fact]
    public void Discover_DuplicateFiles_ReportedAndDropped()
    {
        var dir = TestPaths.NewOutputFolder("dupes");
        var paths = new SyntheticSeries().Write(dir);
        File.Copy(paths[3], Path.Combine(dir, "copy-of-3"));
        File.Copy(paths[7], Path.Combine(dir, "copy-of-7"));

        var result = SeriesDiscovery.Discover(dir, cancellationToken: Ct);
        Assert.Equal(2, result.Duplicates.Count);
        var series = Assert.Single(result.Series);
        Assert.Equal(10, series.Slices.Count);
        Assert.Null(series.Geometry.Refusal);
    }

    [Fact]
    public void Discover_TruncatedFileMidSeries_ReportedWithTypedErrorAndSeriesRefused()
    {
        var dir = TestPaths.NewOutputFolder("truncated");
        var paths = new SyntheticSeries().Write(dir);
        var bytes = File.ReadAllBytes(paths[4]);
        File.WriteAllBytes(paths[4], bytes[..(bytes.Length - 20)]);
        File.WriteAllText(Path.Combine(dir, "README.txt"), "not dicom");

        var result = SeriesDiscovery.Discover(dir, cancellationToken: Ct);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(paths[4], failure.FilePath);
        Assert.IsType<DicomFormatException>(failure.Error, exactMatch: false);
        Assert.Single(result.NotDicomFiles);
        var series = Assert.Single(result.Series);
        Assert.Equal("missing-slices", series.Geometry.Refusal?.Problem);

        // One open per file (sniff + header through the same handle): every file's bytes counted once, readable or not.
        var files = Directory.GetFiles(dir);
        Assert.Equal(files.Length, result.FilesScanned);
        Assert.Equal(files.Sum(f => new FileInfo(f).Length), result.BytesScanned);
    }

    [Fact]
    public void Discover_DirectoryLinkLoop_EndsAndFindsSeriesOnce()
    {
        var dir = TestPaths.NewOutputFolder("loop");
        new SyntheticSeries().Write(Path.Combine(dir, "a"));
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(dir, "a", "back"), dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            Assert.Skip("symbolic links not available: " + ex.Message);
        }

        var result = SeriesDiscovery.Discover(dir, cancellationToken: Ct);
        var series = Assert.Single(result.Series);
        Assert.Equal(10, series.Slices.Count);
        Assert.Equal(10, result.FilesScanned);
    }

    [Fact]
    public void Discover_EmptyFolder_FindsNoDicom()
    {
        var dir = TestPaths.NewOutputFolder("empty");
        var result = SeriesDiscovery.Discover(dir, cancellationToken: Ct);
        Assert.False(result.FoundDicom);
        Assert.Empty(result.Series);
    }

    [Fact]
    public void ToVolume_DeflatedFiles_SameVolumeAsExplicitLittleEndian()
    {
        // Deflated files cannot be read at an offset: the assembler must fall back from the on-demand pixel read to a
        // whole-file read and still give the same modality values.
        var plain = TestPaths.NewOutputFolder("assembly-plain");
        var deflated = TestPaths.NewOutputFolder("assembly-deflated");
        var syn = new SyntheticSeries { RescaleSlope = 2.5, RescaleIntercept = -7 };
        syn.Write(plain);
        foreach (var f in Directory.GetFiles(plain))
        {
            DicomFile.Open(f).Save(Path.Combine(deflated, Path.GetFileName(f)), new DicomWriteOptions { TransferSyntax = TransferSyntax.DeflatedExplicitVRLittleEndian });
        }

        var expected = Assert.Single(SeriesDiscovery.Discover(plain, cancellationToken: Ct).Series).ToVolume(cancellationToken: Ct).Volume;
        var actual = Assert.Single(SeriesDiscovery.Discover(deflated, cancellationToken: Ct).Series).ToVolume(cancellationToken: Ct).Volume;
        Assert.Equal((expected.SizeX, expected.SizeY, expected.SizeZ), (actual.SizeX, actual.SizeY, actual.SizeZ));
        Assert.Equal(expected.Data, actual.Data);
        Assert.Equal((Stored(4, 2, 1) * 2.5f) - 7f, actual[2, 1, 4]);
    }
}
