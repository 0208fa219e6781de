using BmeQuant.Dicom.Seg;
using BmeQuant.Dicom.Sr;
using BmeQuant.Imaging;

namespace BmeQuant.Dicom.Tests.Seg;

/// <summary>A source series on an oblique grid (rows and columns not multiples of 8) and masks on it.</summary>
internal static class SegTestData
{
    public const string MrSopClass = "1.2.840.10008.5.1.4.1.1.4";

    public static ImageGeometry ObliqueGrid()
    {
        // Rotate 20° about z then 10° about x: an oblique axial stack.
        double a = 20 * Math.PI / 180, b = 10 * Math.PI / 180;
        var rz = new Matrix3D(Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a), 0, 0, 0, 1);
        var rx = new Matrix3D(1, 0, 0, 0, Math.Cos(b), -Math.Sin(b), 0, Math.Sin(b), Math.Cos(b));
        var d = Multiply(rx, rz);
        return new ImageGeometry(29, 37, 11, new Vector3D(0.7, 0.55, 3.3), new Vector3D(-101.25, 33.5, -12.75), d);
    }

    public static SourceImageSet Source(ImageGeometry g, string studyUid = "1.2.826.0.1.3680043.8.498.1", string seriesUid = "1.2.826.0.1.3680043.8.498.2")
    {
        var header = new DicomDataset();
        header.Add(DicomTag.SpecificCharacterSet, "ISO_IR 192");
        header.Add(DicomTag.PatientName, "Test^Patient");
        header.Add(DicomTag.PatientID, "PAT-001");
        header.Add(DicomTag.PatientBirthDate, "19700101");
        header.Add(DicomTag.PatientSex, "F");
        header.Add(DicomTag.StudyInstanceUID, studyUid);
        header.Add(DicomTag.SeriesInstanceUID, seriesUid);
        header.Add(DicomTag.FrameOfReferenceUID, "1.2.826.0.1.3680043.8.498.3");
        header.Add(DicomTag.StudyDate, "20260101");
        header.Add(DicomTag.StudyTime, "101010");
        header.Add(DicomTag.AccessionNumber, "ACC1");
        var slices = Enumerable.Range(0, g.SizeZ)
            .Select(k => (SourceImage?)new SourceImage(MrSopClass, DeterministicUid.From("test-source", seriesUid, k.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .ToArray();
        return new SourceImageSet(g, slices, header);
    }

    /// <summary>A random blob mask (fixed seed) restricted to slices [fromK, toK].</summary>
    public static Volume<byte> Blob(ImageGeometry g, int seed, int fromK, int toK, byte value = 1)
    {
        var rng = new Random(seed);
        var v = new Volume<byte>(g);
        double cx = rng.Next(5, g.SizeX - 5), cy = rng.Next(5, g.SizeY - 5), r = 4 + rng.Next(5);
        for (var k = fromK; k <= toK; k++)
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    var d = Math.Sqrt(((i - cx) * (i - cx)) + ((j - cy) * (j - cy)));
                    if (d < r + rng.NextDouble())
                    {
                        v[i, j, k] = value == 0 ? (byte)rng.Next(1, 256) : value;
                    }
                }
            }
        }

        return v;
    }

    public static SegmentDescription Segment(int number, string label) => new()
    {
        Number = number,
        Label = label,
        Category = new CodedConcept("49755003", "SCT", "Morphologically Altered Structure"),
        Type = new CodedConcept("79654002", "SCT", "Edema"),
        AnatomicRegion = new CodedConcept("71341001", "SCT", "Bone structure of femur"),
        AlgorithmName = "BmeQuant test",
        RecommendedDisplayRgb = 0xFF8000,
    };

    private static Matrix3D Multiply(Matrix3D x, Matrix3D y)
    {
        var c = new double[9];
        for (var r = 0; r < 3; r++)
        {
            for (var col = 0; col < 3; col++)
            {
                c[(r * 3) + col] = (x[r, 0] * y[0, col]) + (x[r, 1] * y[1, col]) + (x[r, 2] * y[2, col]);
            }
        }

        return new Matrix3D(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]);
    }
}
