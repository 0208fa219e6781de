using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using BmeQuant.Imaging.IO;
using BmeQuant.Testing;

namespace BmeQuant.Imaging.Tests.IO;

public class NiftiReaderTests
{
    private static string Corpus => TestPaths.DataFolder("BMEQUANT_NIFTI_CORPUS", "nifti");

    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        var manifest = Path.Combine(Corpus, "manifest.json");
        if (File.Exists(manifest))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
            foreach (var f in doc.RootElement.GetProperty("files").EnumerateArray())
            {
                data.Add(f.GetProperty("file").GetString()!);
            }
        }

        if (data.Count == 0)
        {
            data.Add("(corpus absent)");
        }

        return data;
    }

    private static JsonElement Entry(string file)
    {
        var manifest = Path.Combine(Corpus, "manifest.json");
        if (!File.Exists(manifest))
        {
            Assert.Skip($"NIfTI corpus not found at {Corpus} (set BMEQUANT_NIFTI_CORPUS)");
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
        return doc.RootElement.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("file").GetString() == file).Clone();
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void ReadHeader_CorpusFile_GeometryMatchesNibabelAffine(string file)
    {
        var entry = Entry(file);
        var header = NiftiReader.ReadHeader(Path.Combine(Corpus, file));

        Assert.Equal(entry.GetProperty("nifti_version").GetInt32(), header.Version);
        var shape = entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal(shape, header.Dimensions.Take(shape.Length));
        var affine = entry.GetProperty("affine_ras");
        double A(int r, int c) => affine[r][c].GetDouble();

        // Every corner voxel centre must land where nibabel's affine puts it (RAS → LPS negates x and y).
        // The affine is stored as float32: 1e-4 mm covers its rounding and our orthonormalisation.
        var g = header.Geometry;
        foreach (var i in new[] { 0, g.SizeX - 1 })
        {
            foreach (var j in new[] { 0, g.SizeY - 1 })
            {
                foreach (var k in new[] { 0, g.SizeZ - 1 })
                {
                    var ras = new double[3];
                    for (var r = 0; r < 3; r++)
                    {
                        ras[r] = (A(r, 0) * i) + (A(r, 1) * j) + (A(r, 2) * k) + A(r, 3);
                    }

                    var p = g.TransformIndexToPhysicalPoint(i, j, k);
                    Assert.Equal(-ras[0], p.X, 1e-4);
                    Assert.Equal(-ras[1], p.Y, 1e-4);
                    Assert.Equal(ras[2], p.Z, 1e-4);
                }
            }
        }

        var zooms = entry.GetProperty("zooms");
        Assert.Equal(zooms[0].GetDouble(), g.Spacing.X, 1e-5);
        Assert.Equal(zooms[1].GetDouble(), g.Spacing.Y, 1e-5);
        Assert.Equal(zooms[2].GetDouble(), g.Spacing.Z, 1e-5);
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void ReadSeries_CorpusFile_ValuesMatchNibabelDigest(string file)
    {
        var entry = Entry(file);
        var volumes = NiftiReader.ReadSeries<double>(Path.Combine(Corpus, file));
        var expected = entry.GetProperty("scaled");

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        long count = 0;
        var buffer = new byte[8];
        foreach (var v in volumes)
        {
            foreach (var x in v.Span)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(buffer, x);
                sha.AppendData(buffer);
                min = Math.Min(min, x);
                max = Math.Max(max, x);
                sum += x;
                count++;
            }
        }

        Assert.Equal(expected.GetProperty("min").GetDouble(), min);
        Assert.Equal(expected.GetProperty("max").GetDouble(), max);
        Assert.Equal(expected.GetProperty("mean").GetDouble(), sum / count, 1e-9 * Math.Max(1, Math.Abs(sum / count)));
        Assert.Equal(expected.GetProperty("sha256_float64_le_x_fastest").GetString(), Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    [Fact]
    public void Read_FourDimensionalFile_RefusesNamingVolumeCount()
    {
        var path = Path.Combine(Corpus, "example4d.nii.gz");
        if (!File.Exists(path))
        {
            Assert.Skip($"NIfTI corpus not found at {Corpus} (set BMEQUANT_NIFTI_CORPUS)");
        }

        var ex = Assert.Throws<ImageFormatException>(() => NiftiReader.ReadFloat(path));
        Assert.Contains("example4d.nii.gz", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2 volumes", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, NiftiReader.ReadSeries<float>(path).Count);
    }

    [Fact]
    public void ReadFloat_BigEndianInt16_MatchesReadSeriesDouble()
    {
        var path = Path.Combine(Corpus, "anatomical.nii");
        if (!File.Exists(path))
        {
            Assert.Skip($"NIfTI corpus not found at {Corpus} (set BMEQUANT_NIFTI_CORPUS)");
        }

        var header = NiftiReader.ReadHeader(path);
        Assert.True(header.IsBigEndian);
        var f = NiftiReader.ReadFloat(path);
        var s = NiftiReader.Read<short>(path);
        for (var n = 0; n < f.Length; n++)
        {
            Assert.Equal(s.Span[n], f.Span[n]);
        }
    }
}
