using System.Globalization;
using BmeQuant.Imaging;

namespace BmeQuant.Dicom.Tests.Series;

/// <summary>Writes small synthetic MR series with our own writer. Pixel (x, y) of slice k holds 100·k + x + 3·y (stored).</summary>
internal sealed class SyntheticSeries
{
    public int Columns { get; init; } = 8;

    public int Rows { get; init; } = 6;

    public int Slices { get; init; } = 10;

    public double SpacingMm { get; init; } = 3.0;

    public Vector3D Row { get; init; } = new(1, 0, 0);

    public Vector3D Column { get; init; } = new(0, 1, 0);

    public Vector3D Origin { get; init; } = new(-12.5, -30.25, 40);

    public string SeriesUid { get; init; } = "1.2.826.0.1.3680043.10.1.1";

    public string StudyUid { get; init; } = "1.2.826.0.1.3680043.10.1.2";

    public string Description { get; init; } = "t1_tse_cor";

    /// <summary>Per-slice extra offset along the normal (jitter, gaps); null for none.</summary>
    public Func<int, double>? NormalOffset { get; init; }

    /// <summary>Per-slice in-plane shift (tilt/shear) along the column cosine in mm; null for none.</summary>
    public Func<int, double>? ShearMm { get; init; }

    public double RescaleSlope { get; init; } = 1;

    public double RescaleIntercept { get; init; }

    public int? EchoNumber { get; init; }

    public double EchoTimeMs { get; init; } = 12;

    public string ImageType { get; init; } = "ORIGINAL\\PRIMARY\\M";

    public Vector3D Normal => Row.Cross(Column);

    public Vector3D PositionOf(int k) =>
        Origin + (Normal * ((k * SpacingMm) + (NormalOffset?.Invoke(k) ?? 0))) + (Column * (ShearMm?.Invoke(k) ?? 0));

    public string SopUid(int k) => string.Create(CultureInfo.InvariantCulture, $"{SeriesUid}.{EchoNumber ?? 0}.{k + 1}");

    /// <summary>Builds slice <paramref name="k"/> as a dataset.</summary>
    public DicomDataset Slice(int k, int instanceNumber)
    {
        var p = PositionOf(k);
        var ds = new DicomDataset();
        ds.Add(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.4");
        ds.Add(DicomTag.SOPInstanceUID, SopUid(k));
        ds.Add(DicomTag.StudyInstanceUID, StudyUid);
        ds.Add(DicomTag.SeriesInstanceUID, SeriesUid);
        ds.Add(DicomTag.Modality, "MR");
        ds.Add(DicomTag.Manufacturer, "SIEMENS");
        ds.Add(DicomTag.PatientID, "SYNTH01");
        ds.Add(DicomTag.SeriesDescription, Description);
        ds.Add(DicomTag.ImageType, ImageType.Split('\\'));
        ds.Add(DicomTag.SeriesNumber, "3");
        ds.Add(DicomTag.InstanceNumber, instanceNumber.ToString(CultureInfo.InvariantCulture));
        ds.Add(DicomTag.ScanningSequence, "SE");
        ds.Add(DicomTag.RepetitionTime, "550");
        ds.Add(DicomTag.EchoTime, EchoTimeMs.ToString("R", CultureInfo.InvariantCulture));
        if (EchoNumber is { } e)
        {
            ds.Add(DicomTag.EchoNumbers, e.ToString(CultureInfo.InvariantCulture));
        }

        ds.Add(DicomTag.ImagePositionPatient, Ds(p.X), Ds(p.Y), Ds(p.Z));
        ds.Add(DicomTag.ImageOrientationPatient, Ds(Row.X), Ds(Row.Y), Ds(Row.Z), Ds(Column.X), Ds(Column.Y), Ds(Column.Z));
        ds.Add(DicomTag.PixelSpacing, "0.5", "0.75");
        ds.Add(DicomTag.SliceThickness, "2");
        ds.Add(DicomTag.RescaleSlope, Ds(RescaleSlope));
        ds.Add(DicomTag.RescaleIntercept, Ds(RescaleIntercept));
        ds.Add<ushort>(DicomTag.SamplesPerPixel, 1);
        ds.Add(DicomTag.PhotometricInterpretation, "MONOCHROME2");
        ds.Add<ushort>(DicomTag.Rows, (ushort)Rows);
        ds.Add<ushort>(DicomTag.Columns, (ushort)Columns);
        ds.Add<ushort>(DicomTag.BitsAllocated, 16);
        ds.Add<ushort>(DicomTag.BitsStored, 16);
        ds.Add<ushort>(DicomTag.HighBit, 15);
        ds.Add<ushort>(DicomTag.PixelRepresentation, 0);
        var bytes = new byte[Rows * Columns * 2];
        for (var y = 0; y < Rows; y++)
        {
            for (var x = 0; x < Columns; x++)
            {
                var v = (ushort)((100 * k) + x + (3 * y));
                bytes[2 * (x + (y * Columns))] = (byte)v;
                bytes[(2 * (x + (y * Columns))) + 1] = (byte)(v >> 8);
            }
        }

        ds.Add(new DicomElement(DicomTag.PixelData, DicomVR.OW, bytes));
        return ds;
    }

    /// <summary>Writes slices <paramref name="indices"/> (default all) into <paramref name="folder"/>; returns the paths by slice index.</summary>
    public Dictionary<int, string> Write(string folder, IEnumerable<int>? indices = null, bool shuffleNames = false, bool reverseInstanceNumbers = false, string prefix = "IM")
    {
        Directory.CreateDirectory(folder);
        var list = (indices ?? Enumerable.Range(0, Slices)).ToList();
        var names = Enumerable.Range(0, list.Count).ToList();
        if (shuffleNames)
        {
            var rng = new Random(1234);
            names = [.. names.OrderBy(_ => rng.Next())];
        }

        var paths = new Dictionary<int, string>();
        for (var n = 0; n < list.Count; n++)
        {
            var k = list[n];
            var instance = reverseInstanceNumbers ? Slices - k : k + 1;
            var path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{prefix}{names[n]:D4}"));
            DicomWriter.Write(path, new DicomFile(Slice(k, instance)));
            paths[k] = path;
        }

        return paths;
    }

    private static string Ds(double v) => DicomValueCodec.FormatDecimalString(v);
}
