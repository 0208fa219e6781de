using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using BmeQuant.Dicom;
using BmeQuant.Dicom.Deidentification;
using BmeQuant.Dicom.Roles;
using BmeQuant.Dicom.Series;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Phantoms.Output;
using BmeQuant.Testing;

namespace BmeQuant.Phantoms.Tests.Output;

/// <summary>The written study folders read back with our own reader: geometry, values, roles, headers, truth files, determinism.</summary>
public class PhantomDicomExporterTests(ITestOutputHelper output)
{
    /// <summary>Geometry goes through DS strings of up to 16 characters: about 1e-10 mm for positions of a few hundred mm.</summary>
    private const double GeometryToleranceMm = 1e-6;

    /// <summary>NIfTI-1 stores the affine in float32: about 4e-5 mm at 400 mm from the origin, summed over three terms.</summary>
    internal const double NiftiToleranceMm = 1e-3;

    [Fact]
    public void Write_SameSeed_SameBytes_DifferentSeed_DifferentUids()
    {
        var spec = WrittenPhantoms.SmallKnee() with { Visits = [WrittenPhantoms.SmallKnee().Visits[0]] };
        var a = TestPaths.NewOutputFolder("determinism-a");
        var b = TestPaths.NewOutputFolder("determinism-b");
        var c = TestPaths.NewOutputFolder("determinism-c");
        PhantomDicomExporter.Write(PhantomGenerator.Generate(spec), a);
        PhantomDicomExporter.Write(PhantomGenerator.Generate(spec), b);
        PhantomDicomExporter.Write(PhantomGenerator.Generate(spec with { Seed = 8 }), c);
        var filesA = RelativeFiles(a);
        var filesB = RelativeFiles(b);
        Assert.Equal(filesA, filesB);
        Assert.Contains(filesA, f => f.EndsWith(".dcm", StringComparison.Ordinal));
        Assert.Contains(filesA, f => f.EndsWith("truth.json", StringComparison.Ordinal));
        Assert.Contains(filesA, f => f.EndsWith(".nii.gz", StringComparison.Ordinal));
        foreach (var f in filesA)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(a, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, f))), $"{f} differs between two runs with the same seed");
        }

        var first = filesA.First(f => f.EndsWith(".dcm", StringComparison.Ordinal));
        var uidA = DicomFile.Open(Path.Combine(a, first)).Dataset.GetString(DicomTag.SOPInstanceUID);
        var uidC = DicomFile.Open(Path.Combine(c, first)).Dataset.GetString(DicomTag.SOPInstanceUID);
        Assert.NotEqual(uidA, uidC);
    }

    [Theory]
    [InlineData(PhantomVendor.Siemens)]
    [InlineData(PhantomVendor.GE)]
    [InlineData(PhantomVendor.Philips)]
    public void Write_ReadBackWithSeriesDiscovery_ReproducesImageAndGeometry(PhantomVendor vendor)
    {
        var (study, folder) = WrittenPhantoms.Get(vendor);
        foreach (var visit in study.Visits)
        {
            var visitFolder = Path.Combine(folder, PhantomDicomExporter.VisitFolderName(visit));
            var discovery = SeriesDiscovery.Discover(visitFolder, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Empty(discovery.Failures);
            Assert.Empty(discovery.Duplicates);
            Assert.Equal(visit.Series.Count, discovery.Series.Count);
            foreach (var series in visit.Series)
            {
                var description = PhantomDicomExporter.SeriesDescription(series, vendor);
                var found = Assert.Single(discovery.Series, s => s.SeriesDescription == description);
                Assert.Null(found.Geometry.Refusal);
                var read = found.ToVolume(cancellationToken: TestContext.Current.CancellationToken).Volume;
                AssertSameGeometry(series.Geometry, read.Geometry);

                // Stored = round(value / slope): the read value is within half a step of the generated one.
                var slope = found.Header.GetValue<double>(DicomTag.RescaleSlope);
                var tolerance = (0.5 * slope * (1 + 1e-9)) + 1e-4;
                var worst = 0.0;
                for (var n = 0; n < read.Length; n++)
                {
                    worst = Math.Max(worst, Math.Abs(read.Data[n] - series.Image.Data[n]));
                }

                output.WriteLine($"{vendor} visit {visit.Index} {description}: slope {slope}, largest difference {worst:G4} (allowed {tolerance:G4})");
                Assert.True(worst <= tolerance, $"{description}: read-back differs by {worst} > {tolerance}");
            }
        }
    }

    [Theory]
    [InlineData(PhantomVendor.Siemens, PhantomSequence.Stir, SeriesRole.Stir)]
    [InlineData(PhantomVendor.GE, PhantomSequence.Stir, SeriesRole.Stir)]
    [InlineData(PhantomVendor.Philips, PhantomSequence.Stir, SeriesRole.Stir)]
    [InlineData(PhantomVendor.Siemens, PhantomSequence.PdFatSat, SeriesRole.PdFatSat)]
    [InlineData(PhantomVendor.GE, PhantomSequence.PdFatSat, SeriesRole.PdFatSat)]
    [InlineData(PhantomVendor.Philips, PhantomSequence.PdFatSat, SeriesRole.PdFatSat)]
    [InlineData(PhantomVendor.Siemens, PhantomSequence.T2FatSat, SeriesRole.T2FatSat)]
    [InlineData(PhantomVendor.GE, PhantomSequence.T2FatSat, SeriesRole.T2FatSat)]
    [InlineData(PhantomVendor.Philips, PhantomSequence.T2FatSat, SeriesRole.T2FatSat)]
    public void Write_VendorHeaders_RoleClassifierPicksT1AndFluidSeries(PhantomVendor vendor, PhantomSequence fluid, SeriesRole expected)
    {
        var (study, folder) = WrittenPhantoms.Get(vendor, fluid, tiny: true);
        var visit = study.Visits[0];
        var discovery = SeriesDiscovery.Discover(Path.Combine(folder, PhantomDicomExporter.VisitFolderName(visit)), cancellationToken: TestContext.Current.CancellationToken);
        var roles = Assert.Single(StudyRoles.FromSeries(discovery.Series));
        Assert.Empty(roles.Missing);
        Assert.Equal(PhantomDicomExporter.SeriesDescription(visit.Series[0], vendor), roles.BestT1!.SeriesDescription);
        Assert.Equal(PhantomDicomExporter.SeriesDescription(visit.Series[1], vendor), roles.BestFluidSensitive!.SeriesDescription);
        foreach (var (series, role) in roles.Series)
        {
            output.WriteLine($"{vendor} {series.SeriesDescription}: {role.Role} {role.Confidence:F2} — {string.Join("; ", role.Evidence)}");
            var want = series == roles.BestT1 ? SeriesRole.T1 : expected;
            Assert.Equal(want, role.Role);

            // Header evidence, not the description alone (a description-only decision has confidence 0.4).
            Assert.True(role.Confidence >= 0.8, $"{series.SeriesDescription}: confidence {role.Confidence}");
        }
    }

    [Fact]
    public void Write_Headers_OnePatientDatedVisitsDeidentifiedUniqueUids()
    {
        var (study, folder) = WrittenPhantoms.Get(PhantomVendor.Siemens);
        var options = new PhantomExportOptions();
        var sopUids = new HashSet<string>(StringComparer.Ordinal);
        var studyUids = new HashSet<string>(StringComparer.Ordinal);
        var seriesUids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var visit in study.Visits)
        {
            var visitFolder = Path.Combine(folder, PhantomDicomExporter.VisitFolderName(visit));
            var files = Directory.GetFiles(visitFolder, "*.dcm", SearchOption.AllDirectories);
            Assert.Equal(visit.Series.Sum(s => s.Geometry.SizeZ), files.Length);
            foreach (var series in visit.Series)
            {
                var ds = DicomFile.Open(Path.Combine(visitFolder, PhantomDicomExporter.SeriesFolderName(series, PhantomVendor.Siemens), "IM0002.dcm")).Dataset;
                Assert.Equal(series.Acquisition.SliceThicknessMm, ds.GetValue<double>(DicomTag.SliceThickness), 9);
                Assert.Equal(series.Acquisition.SpacingBetweenSlicesMm, ds.GetValue<double>(DicomTag.SpacingBetweenSlices), 9);
                Assert.Equal([series.Geometry.Spacing.Y, series.Geometry.Spacing.X], ds.GetValues<double>(DicomTag.PixelSpacing));
                Assert.Equal(series.Geometry.SizeY, ds.GetValue<int>(DicomTag.Rows));
                Assert.Equal(series.Geometry.SizeX, ds.GetValue<int>(DicomTag.Columns));
                var position = series.Geometry.TransformIndexToPhysicalPoint(0, 0, 1);
                var ipp = ds.GetValues<double>(DicomTag.ImagePositionPatient);
                Assert.True((new Vector3D(ipp[0], ipp[1], ipp[2]) - position).Length < GeometryToleranceMm, $"IPP {string.Join('\\', ipp)} vs {position}");
                var iop = ds.GetValues<double>(DicomTag.ImageOrientationPatient);
                Assert.True((new Vector3D(iop[0], iop[1], iop[2]) - series.Geometry.Direction.Column(0)).Length < 1e-9);
                Assert.True((new Vector3D(iop[3], iop[4], iop[5]) - series.Geometry.Direction.Column(1)).Length < 1e-9);
            }

            var expectedDate = options.BaselineDate.AddDays(visit.DayOffset).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
            foreach (var file in files)
            {
                var ds = DicomFile.Open(file).Dataset;
                Assert.Equal(options.PatientId, ds.GetString(DicomTag.PatientID));
                Assert.Equal(expectedDate, ds.GetString(DicomTag.StudyDate));
                Assert.Equal(PhantomDicomExporter.MRImageStorage, ds.GetString(DicomTag.SOPClassUID));
                Assert.Equal("SIEMENS", ds.GetString(DicomTag.Manufacturer));
                var deid = DeidentificationCheck.Check(ds);
                Assert.True(deid.IsDeidentified, "identifying attributes: " + string.Join(", ", deid.IdentifyingAttributes));
                var sop = ds.GetString(DicomTag.SOPInstanceUID);
                Assert.True(sopUids.Add(sop), $"SOPInstanceUID {sop} repeated");
                foreach (var uid in new[] { sop, ds.GetString(DicomTag.StudyInstanceUID), ds.GetString(DicomTag.SeriesInstanceUID), ds.GetString(DicomTag.FrameOfReferenceUID) })
                {
                    Assert.Matches("^(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))*$", uid);
                    Assert.InRange(uid.Length, 1, 64);
                }

                studyUids.Add(visit.Index + "|" + ds.GetString(DicomTag.StudyInstanceUID));
                seriesUids.Add(ds.GetString(DicomTag.SeriesInstanceUID));
            }
        }

        // One StudyInstanceUID per visit, distinct between visits; one SeriesInstanceUID per series.
        Assert.Equal(study.Visits.Count, studyUids.Count);
        Assert.Equal(study.Visits.Count, studyUids.Select(s => s.Split('|')[1]).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(study.Visits.Sum(v => v.Series.Count), seriesUids.Count);
    }

    [Fact]
    public void Write_StirSeries_InversionTimeAndPhilipsPrivateScaleMatchTheImage()
    {
        var (study, folder) = WrittenPhantoms.Get(PhantomVendor.Philips);
        var visit = study.Visits[0];
        var stir = visit.Series[1];
        var seriesFolder = Path.Combine(folder, PhantomDicomExporter.VisitFolderName(visit), PhantomDicomExporter.SeriesFolderName(stir, PhantomVendor.Philips));
        var ds = DicomFile.Open(Path.Combine(seriesFolder, "IM0003.dcm")).Dataset;
        Assert.Equal(stir.Sequence.InversionTimeMs!.Value, ds.GetValue<double>(DicomTag.InversionTime), 6);
        Assert.Contains("IR", ds.GetStrings(DicomTag.ScanningSequence));
        Assert.True(ds.TryGetPrivateTag(0x2005, "Philips MR Imaging DD 001", 0x0E, out var scaleTag), "Philips MR scale slope (2005,xx0E) missing");
        var philipsScale = ds.GetValue<float>(scaleTag);
        var stored = MemoryMarshal.Cast<byte, ushort>(ds.GetElement(DicomTag.PixelData).Data.Span).ToArray();

        // Philips floating-point value = stored / MRScaleSlope must equal the generated image (same precision as the rescale).
        var slope = ds.GetValue<double>(DicomTag.RescaleSlope);
        var slice = stir.Image.Slice(2);
        for (var n = 0; n < slice.Length; n += 7)
        {
            Assert.True(Math.Abs((stored[n] / philipsScale) - slice[n]) <= (0.5 * slope) + 1e-3 * Math.Max(1, slice[n]), $"voxel {n}: {stored[n]} / {philipsScale} vs {slice[n]}");
        }
    }

    [Fact]
    public void Write_TruthFiles_MatchTheInMemoryTruth()
    {
        var (study, folder) = WrittenPhantoms.Get(PhantomVendor.GE);
        foreach (var visit in study.Visits)
        {
            var visitFolder = Path.Combine(folder, PhantomDicomExporter.VisitFolderName(visit));
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(visitFolder, "truth.json")));
            var root = doc.RootElement;
            Assert.Equal(visit.DayOffset, root.GetProperty("dayOffset").GetInt32());
            Assert.Equal(visit.Truth.TotalEdemaVolumeMm3, root.GetProperty("totalEdemaVolumeMm3").GetDouble(), 9);
            var lesion = Assert.Single(root.GetProperty("lesions").EnumerateArray());
            var truth = visit.Truth.Lesions[0];
            Assert.Equal("mfc", lesion.GetProperty("Id").GetString());
            Assert.Equal("Subchondral", lesion.GetProperty("pattern").GetString());
            Assert.Equal(truth.EdemaVolumeMm3, lesion.GetProperty("EdemaVolumeMm3").GetDouble(), 9);
            Assert.Equal(truth.DepthMm, lesion.GetProperty("DepthMm").GetDouble(), 9);
            Assert.True(truth.EdemaVolumeMm3 > 100, $"lesion volume {truth.EdemaVolumeMm3}");
            var peak = lesion.GetProperty("peakSignalBySeries");
            var t1 = visit.Series[0];
            var stir = visit.Series[1];
            var t1Peak = peak.GetProperty(PhantomDicomExporter.SeriesFolderName(t1, PhantomVendor.GE)).GetDouble();
            var stirPeak = peak.GetProperty(PhantomDicomExporter.SeriesFolderName(stir, PhantomVendor.GE)).GetDouble();
            Assert.True(t1Peak < t1.TissueSignals["YellowMarrow"], $"T1: lesion core {t1Peak} must be darker than fatty marrow");
            Assert.True(stirPeak > 2 * stir.TissueSignals["YellowMarrow"], $"STIR: lesion core {stirPeak} must be brighter than fatty marrow");
            var bones = root.GetProperty("bones").EnumerateArray().ToArray();
            Assert.Equal(study.BoneNames.Count, bones.Length);

            foreach (var (series, info) in visit.Series.Zip(root.GetProperty("series").EnumerateArray()))
            {
                Assert.True(info.GetProperty("tissueSignals").GetProperty("Edema").GetDouble() > 0);
                var labels = NiftiReader.Read<byte>(Path.Combine(visitFolder, info.GetProperty("truthBoneLabels").GetString()!));
                var edema = NiftiReader.ReadFloat(Path.Combine(visitFolder, info.GetProperty("truthEdemaFraction").GetString()!));
                AssertSameGeometry(series.Geometry, labels.Geometry, NiftiToleranceMm);
                AssertSameGeometry(series.Geometry, edema.Geometry, NiftiToleranceMm);
                Assert.Equal(series.BoneLabels.Data, labels.Data);
                Assert.Equal(series.EdemaFraction.Data, edema.Data);
                Assert.Contains(series.BoneLabels.Data, l => l == 1);
            }
        }
    }

    internal static void AssertSameGeometry(ImageGeometry expected, ImageGeometry actual, double toleranceMm = GeometryToleranceMm)
    {
        Assert.Equal((expected.SizeX, expected.SizeY, expected.SizeZ), (actual.SizeX, actual.SizeY, actual.SizeZ));
        var a = expected.CornerPoints();
        var b = actual.CornerPoints();
        for (var n = 0; n < 8; n++)
        {
            Assert.True((a[n] - b[n]).Length < toleranceMm, $"corner {n}: expected {a[n]}, read {b[n]} ({(a[n] - b[n]).Length:G3} mm apart)");
        }
    }

    private static string[] RelativeFiles(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToArray();
}
