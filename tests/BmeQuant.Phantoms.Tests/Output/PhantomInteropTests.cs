using System.Globalization;
using System.Text.Json;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Phantoms.Output;
using BmeQuant.Testing;

namespace BmeQuant.Phantoms.Tests.Output;

/// <summary>
/// The written phantom studies against independent readers: dcmtk's dcmdump (no warnings or errors), pydicom (same
/// header values and pixel sums) and dcm2niix (NIfTI affine within 1e-3 mm of our geometry, same voxel sum). Each test
/// skips, saying why, when its tool is missing.
/// </summary>
public class PhantomInteropTests(ITestOutputHelper output)
{
    /// <summary>The issue's bar for dcm2niix geometry; dcm2niix writes a float32 affine (≈ 4e-5 mm at 400 mm).</summary>
    private const double CornerToleranceMm = 1e-3;

    private const string PydicomScript = """
        import json, sys, warnings
        import pydicom
        import numpy as np
        out = []
        for path in sys.argv[1:]:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                ds = pydicom.dcmread(path)
                pixels = ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
            out.append({
                "path": path,
                "warnings": [str(w.message) for w in caught],
                "patientId": str(ds.PatientID),
                "studyDate": str(ds.StudyDate),
                "manufacturer": str(ds.Manufacturer),
                "seriesDescription": str(ds.SeriesDescription),
                "identityRemoved": str(ds.PatientIdentityRemoved),
                "ipp": [float(v) for v in ds.ImagePositionPatient],
                "iop": [float(v) for v in ds.ImageOrientationPatient],
                "pixelSpacing": [float(v) for v in ds.PixelSpacing],
                "rows": int(ds.Rows),
                "columns": int(ds.Columns),
                "slope": float(ds.RescaleSlope),
                "inversionTime": float(ds.InversionTime) if "InversionTime" in ds else None,
                "pixelSum": float(pixels.sum()),
                "pixelFirstRow": [float(v) for v in pixels[0, :]],
            })
        print(json.dumps(out))
        """;

    [Fact]
    public void Dcmdump_WrittenStudy_NoWarningsOrErrors()
    {
        var dcmdump = ExternalTool.Find("dcmdump");
        if (dcmdump is null)
        {
            Assert.Skip("dcmdump (dcmtk) is not installed");
        }

        foreach (var vendor in new[] { PhantomVendor.Siemens, PhantomVendor.GE, PhantomVendor.Philips })
        {
            var (_, folder) = WrittenPhantoms.Get(vendor);
            var files = Directory.GetFiles(folder, "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
            Assert.NotEmpty(files);
            var (code, stdout, stderr) = ExternalTool.Run(dcmdump, ["-M", .. files]);
            Assert.True(code == 0, $"dcmdump exit code {code}: {stderr}");
            Assert.True(stderr.Trim().Length == 0, $"dcmdump wrote to stderr for {vendor}: {stderr}");
            var complaints = stdout.Split('\n').Where(l => l.StartsWith("W:", StringComparison.Ordinal) || l.StartsWith("E:", StringComparison.Ordinal)).ToArray();
            Assert.True(complaints.Length == 0, $"dcmdump complained for {vendor}: {string.Join(Environment.NewLine, complaints)}");
            Assert.Contains("(0012,0062) CS [YES]", stdout, StringComparison.Ordinal);
            Assert.Contains("=MRImageStorage", stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(PhantomVendor.Siemens)]
    [InlineData(PhantomVendor.Philips)]
    public void Pydicom_WrittenStudy_ReadsSameHeadersAndPixels(PhantomVendor vendor)
    {
        var python = ExternalTool.PythonWithPydicom();
        if (python is null)
        {
            Assert.Skip("python3 with pydicom and numpy is not installed");
        }

        var (study, folder) = WrittenPhantoms.Get(vendor);
        var options = new PhantomExportOptions { Vendor = vendor };
        foreach (var visit in study.Visits)
        {
            var visitFolder = Path.Combine(folder, PhantomDicomExporter.VisitFolderName(visit));
            foreach (var series in visit.Series)
            {
                var seriesFolder = Path.Combine(visitFolder, PhantomDicomExporter.SeriesFolderName(series, vendor));
                var files = Directory.GetFiles(seriesFolder, "*.dcm").Order(StringComparer.Ordinal).ToArray();
                var (code, stdout, stderr) = ExternalTool.Run(python, ["-c", PydicomScript, .. files]);
                Assert.True(code == 0, $"pydicom failed ({code}): {stderr}");
                using var doc = JsonDocument.Parse(stdout);
                var entries = doc.RootElement.EnumerateArray().ToArray();
                Assert.Equal(series.Geometry.SizeZ, entries.Length);
                var g = series.Geometry;
                foreach (var e in entries)
                {
                    var k = int.Parse(Path.GetFileNameWithoutExtension(e.GetProperty("path").GetString()!)[2..], CultureInfo.InvariantCulture) - 1;
                    Assert.Empty(e.GetProperty("warnings").EnumerateArray());
                    Assert.Equal(options.PatientId, e.GetProperty("patientId").GetString());
                    Assert.Equal(options.BaselineDate.AddDays(visit.DayOffset).ToString("yyyyMMdd", CultureInfo.InvariantCulture), e.GetProperty("studyDate").GetString());
                    Assert.Equal("YES", e.GetProperty("identityRemoved").GetString());
                    Assert.Equal(PhantomDicomExporter.SeriesDescription(series, vendor), e.GetProperty("seriesDescription").GetString());
                    Assert.Equal(g.SizeY, e.GetProperty("rows").GetInt32());
                    Assert.Equal(g.SizeX, e.GetProperty("columns").GetInt32());
                    var ipp = Vec(e.GetProperty("ipp"), 0);
                    Assert.True((ipp - g.TransformIndexToPhysicalPoint(0, 0, k)).Length < 1e-6, $"slice {k}: pydicom IPP {ipp}");
                    Assert.True((Vec(e.GetProperty("iop"), 0) - g.Direction.Column(0)).Length < 1e-9);
                    Assert.True((Vec(e.GetProperty("iop"), 3) - g.Direction.Column(1)).Length < 1e-9);
                    var spacing = e.GetProperty("pixelSpacing").EnumerateArray().Select(x => x.GetDouble()).ToArray();
                    Assert.Equal([g.Spacing.Y, g.Spacing.X], spacing);
                    if (series.Sequence.InversionTimeMs is { } ti)
                    {
                        Assert.Equal(ti, e.GetProperty("inversionTime").GetDouble(), 9);
                    }
                    else
                    {
                        Assert.Equal(JsonValueKind.Null, e.GetProperty("inversionTime").ValueKind);
                    }

                    // Every voxel is within half a stored step of the generated value, so the slice sums are too.
                    var slope = e.GetProperty("slope").GetDouble();
                    var slice = series.Image.Slice(k);
                    var sum = 0.0;
                    foreach (var v in slice)
                    {
                        sum += v;
                    }

                    Assert.True(Math.Abs(e.GetProperty("pixelSum").GetDouble() - sum) <= 0.5 * slope * slice.Length, $"slice {k}: pydicom sum {e.GetProperty("pixelSum").GetDouble()} vs {sum}");
                    var row = e.GetProperty("pixelFirstRow").EnumerateArray().Select(x => x.GetDouble()).ToArray();
                    Assert.Equal(g.SizeX, row.Length);
                    for (var i = 0; i < row.Length; i++)
                    {
                        Assert.True(Math.Abs(row[i] - slice[i]) <= (0.5 * slope) + 1e-4, $"slice {k} voxel ({i}, 0): pydicom {row[i]} vs {slice[i]}");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(PhantomVendor.Siemens)]
    [InlineData(PhantomVendor.GE)]
    [InlineData(PhantomVendor.Philips)]
    public void Dcm2niix_EachSeries_AffineMatchesOurGeometry(PhantomVendor vendor)
    {
        var dcm2niix = ExternalTool.Find("dcm2niix");
        if (dcm2niix is null)
        {
            Assert.Skip("dcm2niix is not installed");
        }

        var (study, folder) = WrittenPhantoms.Get(vendor);
        foreach (var visit in study.Visits)
        {
            foreach (var series in visit.Series)
            {
                var seriesFolder = Path.Combine(folder, PhantomDicomExporter.VisitFolderName(visit), PhantomDicomExporter.SeriesFolderName(series, vendor));
                var outDir = TestPaths.NewOutputFolder("dcm2niix-phantom");
                var (code, stdout, stderr) = ExternalTool.Run(dcm2niix, ["-z", "n", "-b", "n", "-f", "series", "-o", outDir, seriesFolder]);
                Assert.True(code == 0, $"dcm2niix exit code {code}: {stdout} {stderr}");
                var nii = Assert.Single(Directory.GetFiles(outDir, "*.nii"));
                var volume = NiftiReader.ReadFloat(nii);
                var ours = series.Geometry;
                var theirs = volume.Geometry;
                var worst = WorstCornerDistance(ours.CornerPoints(), theirs.CornerPoints());
                output.WriteLine($"{vendor} visit {visit.Index} {series.Sequence.Sequence}: dcm2niix size {theirs.SizeX}×{theirs.SizeY}×{theirs.SizeZ}, worst corner {worst:G3} mm");
                Assert.True(worst <= CornerToleranceMm, $"{nii}: a dcm2niix corner is {worst} mm from ours");
                Assert.Equal(
                    new[] { ours.SizeX, ours.SizeY, ours.SizeZ }.Order(),
                    new[] { theirs.SizeX, theirs.SizeY, theirs.SizeZ }.Order());
                // NIfTI pixdim is float32: relative precision ≈ 6e-8 per axis.
                Assert.InRange(theirs.VoxelVolumeMm3 / ours.VoxelVolumeMm3, 1 - 1e-5, 1 + 1e-5);

                // Voxel order may differ (dcm2niix flips rows); the sum may not. Philips goes through its private scale.
                double expected = 0, actual = 0, slope = double.Epsilon;
                foreach (var v in series.Image.Data)
                {
                    expected += v;
                    slope = Math.Max(slope, v / 4000.0);
                }

                foreach (var v in volume.Data)
                {
                    actual += v;
                }

                Assert.True(Math.Abs(actual - expected) <= 0.5 * slope * volume.Length, $"{vendor} {series.Sequence.Sequence}: dcm2niix voxel sum {actual} vs ours {expected}");
            }
        }
    }

    private static double WorstCornerDistance(Vector3D[] ours, Vector3D[] theirs) =>
        theirs.Max(t => ours.Min(o => (o - t).Length));

    private static Vector3D Vec(JsonElement array, int start)
    {
        var v = array.EnumerateArray().Skip(start).Take(3).Select(x => x.GetDouble()).ToArray();
        return new Vector3D(v[0], v[1], v[2]);
    }
}
