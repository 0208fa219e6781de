using System.Globalization;
using BmeQuant.Dicom;

namespace BmeQuant.Benchmarks.Series;

/// <summary>
/// Generates the benchmark folders once (seeded) under $TMPDIR/bmequant-bench-series: <c>discovery-5000</c> (5,000
/// single-frame 64×64 MR files in 25 series of 200 slices, nested two levels) and <c>assembly-200</c> (one 200-slice
/// 256×256 series). benchmarks/scripts/series_peers.sh --set synthetic reads the same folders with pydicom+numpy and dcm2niix.
/// </summary>
internal static class SeriesBenchmarkData
{
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), "bmequant-bench-series");

    public static string DiscoveryFolder => Path.Combine(Root, "discovery-5000");

    public static string AssemblyFolder => Path.Combine(Root, "assembly-200");

    public static void EnsureDiscovery() => Ensure(DiscoveryFolder, 25, 200, 64);

    public static void EnsureAssembly() => Ensure(AssemblyFolder, 1, 200, 256);

    private static void Ensure(string folder, int seriesCount, int slices, int size)
    {
        var marker = Path.Combine(folder, ".complete");
        if (File.Exists(marker))
        {
            return;
        }

        var rng = new Random(20261129);
        for (var s = 0; s < seriesCount; s++)
        {
            var dir = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"study{s / 5}"), string.Create(CultureInfo.InvariantCulture, $"series{s}"));
            Directory.CreateDirectory(dir);
            for (var k = 0; k < slices; k++)
            {
                var ds = new DicomDataset();
                ds.Add(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.4");
                ds.Add(DicomTag.SOPInstanceUID, string.Create(CultureInfo.InvariantCulture, $"1.2.826.0.1.3680043.10.9.{s}.{k + 1}"));
                ds.Add(DicomTag.StudyInstanceUID, string.Create(CultureInfo.InvariantCulture, $"1.2.826.0.1.3680043.10.9.{s / 5}"));
                ds.Add(DicomTag.SeriesInstanceUID, string.Create(CultureInfo.InvariantCulture, $"1.2.826.0.1.3680043.10.9.{s}.0"));
                ds.Add(DicomTag.Modality, "MR");
                ds.Add(DicomTag.SeriesDescription, "bench");
                ds.Add(DicomTag.InstanceNumber, (k + 1).ToString(CultureInfo.InvariantCulture));
                ds.Add(DicomTag.ImagePositionPatient, "-100", "-100", (1.5 * k).ToString(CultureInfo.InvariantCulture));
                ds.Add(DicomTag.ImageOrientationPatient, "1", "0", "0", "0", "1", "0");
                ds.Add(DicomTag.PixelSpacing, "0.8", "0.8");
                ds.Add(DicomTag.RescaleSlope, "1");
                ds.Add(DicomTag.RescaleIntercept, "0");
                ds.Add<ushort>(DicomTag.SamplesPerPixel, 1);
                ds.Add(DicomTag.PhotometricInterpretation, "MONOCHROME2");
                ds.Add<ushort>(DicomTag.Rows, (ushort)size);
                ds.Add<ushort>(DicomTag.Columns, (ushort)size);
                ds.Add<ushort>(DicomTag.BitsAllocated, 16);
                ds.Add<ushort>(DicomTag.BitsStored, 12);
                ds.Add<ushort>(DicomTag.HighBit, 11);
                ds.Add<ushort>(DicomTag.PixelRepresentation, 0);
                var bytes = new byte[size * size * 2];
                rng.NextBytes(bytes);
                for (var i = 1; i < bytes.Length; i += 2)
                {
                    bytes[i] &= 0x0F;
                }

                ds.Add(new DicomElement(DicomTag.PixelData, DicomVR.OW, bytes));
                DicomWriter.Write(Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"{rng.Next():X8}.dcm")), new DicomFile(ds));
            }
        }

        File.WriteAllText(marker, "ok");
    }
}
