namespace BmeQuant.Dicom.Tests;

/// <summary>Small datasets built with the public builder API.</summary>
internal static class TestDatasets
{
    public static DicomDataset Mr(int rows, int columns, int frames = 1, int bitsStored = 16, bool signed = false, int seed = 1)
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.SOPClassUID, "1.2.840.10008.5.1.4.1.1.4");
        ds.Add(DicomTag.SOPInstanceUID, DicomUid.Generate());
        ds.Add(DicomTag.StudyInstanceUID, DicomUid.Generate());
        ds.Add(DicomTag.SeriesInstanceUID, DicomUid.Generate());
        ds.Add(DicomTag.Modality, "MR");
        ds.Add(DicomTag.PatientName, "Doe^John");
        ds.Add(DicomTag.PatientID, "BMEQ-001");
        ds.Add(DicomTag.SeriesDescription, "STIR cor");
        ds.Add(DicomTag.PixelSpacing, 0.5, 0.75);
        ds.Add(DicomTag.SliceThickness, 3.3);
        ds.Add(DicomTag.ImagePositionPatient, -100.0, -120.5, 30.25);
        ds.Add(DicomTag.ImageOrientationPatient, 1.0, 0, 0, 0, 1.0, 0);
        ds.Add(DicomTag.SamplesPerPixel, (ushort)1);
        ds.Add(DicomTag.PhotometricInterpretation, "MONOCHROME2");
        ds.Add(DicomTag.Rows, (ushort)rows);
        ds.Add(DicomTag.Columns, (ushort)columns);
        if (frames > 1)
        {
            ds.Add(DicomTag.NumberOfFrames, frames);
        }

        ds.Add(DicomTag.BitsAllocated, (ushort)16);
        ds.Add(DicomTag.BitsStored, (ushort)bitsStored);
        ds.Add(DicomTag.HighBit, (ushort)(bitsStored - 1));
        ds.Add(DicomTag.PixelRepresentation, (ushort)(signed ? 1 : 0));
        ds.Add(DicomTag.RescaleIntercept, -1024.0);
        ds.Add(DicomTag.RescaleSlope, 2.0);
        var rng = new Random(seed);
        var pixels = new ushort[rows * columns * frames];
        var max = (1 << Math.Min(bitsStored, 15)) - 1;
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (ushort)rng.Next(0, max);
        }

        ds.Add(DicomTag.PixelData, pixels);
        return ds;
    }

    public static byte[] ToBytes(DicomDataset ds, DicomWriteOptions? options = null, TransferSyntax? syntax = null)
    {
        using var ms = new MemoryStream();
        new DicomFile(ds, syntax).Save(ms, options);
        return ms.ToArray();
    }

    public static DicomFile FromBytes(byte[] bytes, DicomReadOptions? options = null) =>
        DicomFile.Read(new MemoryStream(bytes, false), options);
}

/// <summary>A read-only, non-seekable stream wrapper.</summary>
internal sealed class NonSeekableStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 7919));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
