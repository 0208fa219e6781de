using System.Runtime.InteropServices;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests;

/// <summary>Ownership of the pooled large values of a <see cref="DicomFile"/> (returned to the pool by Dispose).</summary>
public class DicomFileTests
{
    // 256 x 256 16-bit = 128 KiB of Pixel Data: above PooledValue.MinPooledBytes, so a default read pools it.
    private const int Size = 256;

    private static string WriteMr(string dir, string name, int seed, int frames = 1)
    {
        var path = Path.Combine(dir, name);
        new DicomFile(TestDatasets.Mr(Size, Size, frames, bitsStored: 12, seed: seed)).Save(path);
        return path;
    }

    private static ushort[] Expected(int seed, int frame, int frames = 1)
    {
        var all = TestDatasets.Mr(Size, Size, frames, bitsStored: 12, seed: seed).GetValues<ushort>(DicomTag.PixelData);
        return all.AsSpan(frame * Size * Size, Size * Size).ToArray();
    }

    [Fact]
    public void Dispose_PooledPixelData_EarlierReferencesThrowInsteadOfReadingTheNextFile()
    {
        var dir = TestPaths.NewOutputFolder("dicomfile-dispose");
        var a = WriteMr(dir, "a.dcm", seed: 1);
        var b = WriteMr(dir, "b.dcm", seed: 2);

        var fileA = DicomFile.Open(a);
        var elementA = Assert.IsType<DicomElement>(fileA.Dataset[DicomTag.PixelData]);
        Assert.Equal(2L * Size * Size, elementA.Length);
        var memoryA = elementA.Data;
        Assert.Equal(2 * Size * Size, memoryA.Length);
        Assert.False(MemoryMarshal.TryGetArray(memoryA, out _), "the pooled array must not be reachable from the element's memory");
        var pixelsA = DicomPixelData.Create(fileA);
        Assert.Equal(Expected(1, 0), pixelsA.GetFrameStored<ushort>(0));

        fileA.Dispose();

        // The next file rents the array A returned (same size class, same thread): A's references must not see it.
        using var fileB = DicomFile.Open(b);
        Assert.Equal(Expected(2, 0), DicomPixelData.Create(fileB).GetFrameStored<ushort>(0));
        Assert.Throws<ObjectDisposedException>(() => memoryA.Span[0]);
        Assert.Throws<ObjectDisposedException>(() => elementA.Data.Span[0]);
        Assert.Throws<ObjectDisposedException>(() => pixelsA.GetFrameStored<ushort>(0));
        Assert.Throws<ObjectDisposedException>(() => DicomPixelData.Create(fileA).GetFrameModality(0, new float[Size * Size]));

        // Small values are ordinary arrays: still readable after Dispose; a second Dispose is harmless.
        Assert.Equal("Doe^John", fileA.Dataset.GetString(DicomTag.PatientName));
        fileA.Dispose();
        Assert.Equal(Expected(2, 0), DicomPixelData.Create(fileB).GetFrameStored<ushort>(0));
    }

    [Fact]
    public void Open_ManyFilesDisposedInTurn_EachReadsItsOwnPixels()
    {
        // Reuse of the same pooled arrays across files (and frames of multi-frame files) never mixes their bytes.
        var dir = TestPaths.NewOutputFolder("dicomfile-reuse");
        var paths = Enumerable.Range(0, 6).Select(i => WriteMr(dir, $"f{i}.dcm", seed: 10 + i, frames: 1 + (i % 3))).ToArray();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < paths.Length; i++)
            {
                using var file = DicomFile.Open(paths[i]);
                var px = DicomPixelData.Create(file);
                Assert.Equal(1 + (i % 3), px.NumberOfFrames);
                var last = px.NumberOfFrames - 1;
                Assert.Equal(Expected(10 + i, last, px.NumberOfFrames), px.GetFrameStored<ushort>(last));
            }
        }
    }

    [Fact]
    public void Read_NonSeekableStream_ValuesNotPooledAndReadableAfterDispose()
    {
        var bytes = TestDatasets.ToBytes(TestDatasets.Mr(Size, Size, bitsStored: 12, seed: 3));
        var file = DicomFile.Read(new NonSeekableStream(new MemoryStream(bytes, false)));
        var px = DicomPixelData.Create(file);
        file.Dispose();
        Assert.Equal(Expected(3, 0), px.GetFrameStored<ushort>(0));
    }

    [Fact]
    public void Read_ValueAbovePoolLimit_OwnArrayReadableAfterDispose()
    {
        // 2900 x 2900 x 2 bytes = 16.8 MB > PooledValue.MaxPooledBytes: allocated for the file, not rented (the pool
        // would keep such an array alive), so it stays readable after Dispose.
        var ds = TestDatasets.Mr(2900, 2900, bitsStored: 12, seed: 5);
        var expected = ds.GetValues<ushort>(DicomTag.PixelData);
        var file = DicomFile.Read(new MemoryStream(TestDatasets.ToBytes(ds), false));
        Assert.True(DicomPixelData.Create(file).FrameSampleCount * 2 > PooledValue.MaxPooledBytes);
        file.Dispose();
        Assert.Equal(expected, DicomPixelData.Create(file).GetFrameStored<ushort>(0));
    }

    [Fact]
    public void Read_ErrorAfterPooledValue_TypedErrorAndLaterReadsDecodeTheirOwnPixels()
    {
        // After the pooled Pixel Data: (7FF0,0010) OB with undefined length, which only SQ, UN and Pixel Data may have.
        var bytes = TestDatasets.ToBytes(TestDatasets.Mr(Size, Size, bitsStored: 12, seed: 4));
        byte[] bad = [.. bytes, 0xF0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        var ex = Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(bad, false)));
        Assert.Contains("undefined length", ex.Message, StringComparison.Ordinal);

        // Tolerant: the pixels before the error are kept (pooled) and readable until Dispose.
        var tolerant = DicomFile.Read(new MemoryStream(bad, false), new DicomReadOptions { Tolerant = true });
        var px = DicomPixelData.Create(tolerant);
        Assert.Equal(Expected(4, 0), px.GetFrameStored<ushort>(0));
        tolerant.Dispose();
        Assert.Throws<ObjectDisposedException>(() => px.GetFrameStored<ushort>(0));

        using var file = DicomFile.Read(new MemoryStream(bytes, false));
        Assert.Equal(Expected(4, 0), DicomPixelData.Create(file).GetFrameStored<ushort>(0));
    }
}
