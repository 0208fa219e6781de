using BmeQuant.Dicom;

namespace BmeQuant.Benchmarks.Dicom;

/// <summary>
/// Generates the benchmark series with our writer (seeded): 200 slices of 384×384 16-bit MR, uncompressed.
/// Written once to benchmarks/BmeQuant.Benchmarks/bin/.../dicom-bench/ and reused by the pydicom script
/// (benchmarks/scripts/dicom_pydicom.py), which reads the same files.
/// </summary>
internal static class DicomBenchmarkData
{
    public const int Slices = 200;
    public const int Size = 384;

    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "dicom-bench", "uncompressed");

    public static string[] EnsureSeries()
    {
        Directory.CreateDirectory(Folder);
        var files = Enumerable.Range(0, Slices).Select(i => Path.Combine(Folder, $"IM{i:D4}.dcm")).ToArray();
        if (files.All(File.Exists))
        {
            return files;
        }

        var rng = new Random(384);
        var study = DicomUid.Generate();
        var series = DicomUid.Generate();
        for (var i = 0; i < Slices; i++)
        {
            var ds = new DicomDataset();
            ds.Add(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.4");
            ds.Add(DicomTag.SOPInstanceUID, DicomUid.Generate());
            ds.Add(DicomTag.StudyInstanceUID, study);
            ds.Add(DicomTag.SeriesInstanceUID, series);
            ds.Add(DicomTag.Modality, "MR");
            ds.Add(DicomTag.PatientName, "Bench^Mark");
            ds.Add(DicomTag.SeriesDescription, "STIR cor bench");
            ds.Add(DicomTag.InstanceNumber, i + 1);
            ds.Add(DicomTag.ImagePositionPatient, -96.0, -96.0, i * 3.0);
            ds.Add(DicomTag.ImageOrientationPatient, 1.0, 0, 0, 0, 1.0, 0);
            ds.Add(DicomTag.PixelSpacing, 0.5, 0.5);
            ds.Add(DicomTag.SliceThickness, 3.0);
            ds.Add(DicomTag.SamplesPerPixel, (ushort)1);
            ds.Add(DicomTag.PhotometricInterpretation, "MONOCHROME2");
            ds.Add(DicomTag.Rows, (ushort)Size);
            ds.Add(DicomTag.Columns, (ushort)Size);
            ds.Add(DicomTag.BitsAllocated, (ushort)16);
            ds.Add(DicomTag.BitsStored, (ushort)12);
            ds.Add(DicomTag.HighBit, (ushort)11);
            ds.Add(DicomTag.PixelRepresentation, (ushort)0);
            ds.Add(DicomTag.RescaleIntercept, 0.0);
            ds.Add(DicomTag.RescaleSlope, 1.0);
            var px = new ushort[Size * Size];
            for (var k = 0; k < px.Length; k++)
            {
                px[k] = (ushort)rng.Next(0, 4096);
            }

            ds.Add(DicomTag.PixelData, px);
            new DicomFile(ds).Save(files[i]);
        }

        return files;
    }
}
