using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using BmeQuant.Imaging.IO;
using BmeQuant.Testing;

namespace BmeQuant.Imaging.Tests.IO;

public class NiftiWriterTests
{
    /// <summary>Oblique, anisotropic grids, right- and left-handed (a left-handed one needs qfac = −1).</summary>
    public static TheoryData<int> Geometries() => [0, 1, 2, 3, 4, 5];

    internal static ImageGeometry Oblique(int seed)
    {
        var rng = new Random(seed);
        var rotation = Matrix3D.FromEulerXyz(rng.NextDouble() * 6 - 3, rng.NextDouble() * 3 - 1.5, rng.NextDouble() * 6 - 3);
        if (seed % 2 == 1)
        {
            rotation = Matrix3D.FromColumns(rotation.Column(0), rotation.Column(1), -rotation.Column(2));
        }

        if (seed == 4)
        {
            rotation = Matrix3D.Identity;
        }

        var spacing = new Vector3D(0.3 + rng.NextDouble(), 0.3 + rng.NextDouble(), 1 + (3 * rng.NextDouble()));
        var origin = new Vector3D((rng.NextDouble() * 300) - 150, (rng.NextDouble() * 300) - 150, (rng.NextDouble() * 300) - 150);
        return new ImageGeometry(7 + seed, 5 + (2 * seed), 3 + seed, spacing, origin, rotation);
    }

    private static Volume<T> Random<T>(ImageGeometry g, int seed)
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        var rng = new Random(seed);
        var v = new Volume<T>(g);
        var lo = double.CreateSaturating(T.MinValue);
        var hi = double.CreateSaturating(T.MaxValue);
        lo = Math.Max(lo, -1e6);
        hi = Math.Min(hi, 1e6);
        for (var n = 0; n < v.Length; n++)
        {
            var x = lo + (rng.NextDouble() * (hi - lo));
            v.Span[n] = typeof(T) == typeof(float) || typeof(T) == typeof(double) ? T.CreateSaturating(x) : T.CreateSaturating(Math.Round(x));
        }

        return v;
    }

    internal static void AssertSameGrid(ImageGeometry expected, ImageGeometry actual)
    {
        // float32 storage of the affine: 1e-4 mm relative to coordinates of a few hundred mm.
        Assert.Equal((expected.SizeX, expected.SizeY, expected.SizeZ), (actual.SizeX, actual.SizeY, actual.SizeZ));
        Assert.True(expected.IsSameGrid(actual, 1e-4 * 300), $"expected {expected}\nactual   {actual}");
        Assert.True(expected.Direction.MaxAbsDifference(actual.Direction) < 1e-6, $"direction: expected {expected}\nactual {actual}");
        Assert.Equal(expected.Spacing.X, actual.Spacing.X, 1e-6);
        Assert.Equal(expected.Spacing.Y, actual.Spacing.Y, 1e-6);
        Assert.Equal(expected.Spacing.Z, actual.Spacing.Z, 1e-6);
    }

    private static void RoundTrip<T>(int seed, string extension)
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        var g = Oblique(seed);
        var v = Random<T>(g, seed);
        var path = Path.Combine(TestPaths.NewOutputFolder("nifti-roundtrip"), "v" + extension);
        NiftiWriter.Write(v, path);
        var back = NiftiReader.Read<T>(path);
        AssertSameGrid(g, back.Geometry);
        Assert.Equal(v.Data, back.Data);
        Assert.Equal(NiftiXformCode.ScannerAnatomical, NiftiReader.ReadHeader(path).SFormCode);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Write_ObliqueGeometry_RoundTripsAllTypes(int seed)
    {
        RoundTrip<byte>(seed, ".nii");
        RoundTrip<sbyte>(seed, ".nii.gz");
        RoundTrip<short>(seed, ".nii");
        RoundTrip<ushort>(seed, ".nii.gz");
        RoundTrip<int>(seed, ".nii");
        RoundTrip<uint>(seed, ".nii");
        RoundTrip<long>(seed, ".nii.gz");
        RoundTrip<float>(seed, ".nii.gz");
        RoundTrip<double>(seed, ".nii");
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Read_SformCodeZero_QformGivesSameGrid(int seed)
    {
        var g = Oblique(seed);
        var path = Path.Combine(TestPaths.NewOutputFolder("nifti-qform"), "q.nii");
        NiftiWriter.Write(new Volume<byte>(g), path);
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(254), 0); // sform_code = 0: the reader must use the quaternion
        File.WriteAllBytes(path, bytes);

        var header = NiftiReader.ReadHeader(path);
        Assert.Equal("qform", header.GeometrySource);
        AssertSameGrid(g, header.Geometry);
    }

    [Fact]
    public void Read_NoTransformCodes_FallsBackToPixdim()
    {
        var g = new ImageGeometry(4, 3, 2, new Vector3D(0.5, 0.7, 3), new Vector3D(10, 20, 30), Matrix3D.FromEulerXyz(0.3, 0.2, 0.1));
        var path = Path.Combine(TestPaths.NewOutputFolder("nifti-pixdim"), "p.nii");
        NiftiWriter.Write(new Volume<float>(g), path);
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(252), 0);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(254), 0);
        File.WriteAllBytes(path, bytes);

        var header = NiftiReader.ReadHeader(path);
        Assert.Equal("pixdim", header.GeometrySource);
        Assert.Equal(Vector3D.Zero, header.Geometry.Origin);
        Assert.Equal(0.5, header.Geometry.Spacing.X, 1e-6);
        Assert.Equal(3, header.Geometry.Spacing.Z, 1e-6);
    }

    private static string WithScaling(Volume<short> v, float slope, float inter)
    {
        var path = Path.Combine(TestPaths.NewOutputFolder("nifti-scale"), "s.nii");
        NiftiWriter.Write(v, path);
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(112), slope);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(116), inter);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void ReadFloat_SlopeAndIntercept_AppliedToEveryVoxel()
    {
        var v = Random<short>(new ImageGeometry(9, 7, 5), 11);
        var path = WithScaling(v, 2.5f, -7f);
        var f = NiftiReader.ReadFloat(path);
        var d = NiftiReader.Read<double>(path);
        for (var n = 0; n < v.Length; n++)
        {
            Assert.Equal((v.Span[n] * 2.5f) - 7f, f.Span[n]);
            Assert.Equal((v.Span[n] * 2.5) - 7, d.Span[n]);
        }
    }

    [Fact]
    public void ReadLabels_IntegralScaling_Applied_FractionalScaling_Refused()
    {
        var v = new Volume<short>(new ImageGeometry(3, 3, 3));
        v.Span.Fill(3);
        Assert.All(NiftiReader.ReadLabels(WithScaling(v, 2, 1)).Data, x => Assert.Equal(7, x));
        var ex = Assert.Throws<ImageFormatException>(() => NiftiReader.ReadLabels(WithScaling(v, 0.5f, 0)));
        Assert.Contains("1.5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ValueOutOfTargetRange_ThrowsNamingVoxel()
    {
        var v = new Volume<short>(new ImageGeometry(3, 3, 3));
        v[1, 0, 0] = -5;
        var path = Path.Combine(TestPaths.NewOutputFolder("nifti-range"), "r.nii");
        NiftiWriter.Write(v, path);
        var ex = Assert.Throws<ImageFormatException>(() => NiftiReader.Read<byte>(path));
        Assert.Contains("voxel 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("-5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadMask_NonZeroValues_BecomeOne()
    {
        var v = new Volume<float>(new ImageGeometry(4, 4, 4));
        v[1, 2, 3] = 0.25f;
        v[0, 0, 0] = -3;
        v[3, 3, 3] = float.NaN;
        var path = Path.Combine(TestPaths.NewOutputFolder("nifti-mask"), "m.nii.gz");
        NiftiWriter.Write(v, path);
        var m = NiftiReader.ReadMask(path);
        Assert.Equal(2, m.Data.Count(b => b == 1));
        Assert.Equal(1, m[1, 2, 3]);
        Assert.Equal(1, m[0, 0, 0]);
    }

    [Fact]
    public void Read_TruncatedData_ThrowsNamingFileAndOffset()
    {
        var v = new Volume<float>(new ImageGeometry(8, 8, 8));
        var path = Path.Combine(TestPaths.NewOutputFolder("nifti-trunc"), "t.nii");
        NiftiWriter.Write(v, path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..1000]);
        var ex = Assert.Throws<ImageFormatException>(() => NiftiReader.ReadFloat(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated at byte 1000", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ending at byte 2400", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedGzip_ThrowsImageFormatException()
    {
        var v = new Volume<float>(new ImageGeometry(8, 8, 8));
        var raw = Path.Combine(TestPaths.NewOutputFolder("nifti-truncgz"), "t.nii");
        NiftiWriter.Write(v, raw);
        var bytes = File.ReadAllBytes(raw);
        var path = raw + ".gz";
        using (var f = File.Create(path))
        using (var gz = new GZipStream(f, CompressionLevel.Fastest))
        {
            gz.Write(bytes.AsSpan(0, 1200));
        }

        var ex = Assert.Throws<ImageFormatException>(() => NiftiReader.ReadFloat(path));
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "999", "sizeof_hdr")]
    [InlineData(40, "0", "dim[0]")]
    [InlineData(42, "-4", "dim[1]")]
    [InlineData(70, "17", "datatype")]
    public void ReadHeader_BadField_ThrowsNamingField(int offset, string value, string field)
    {
        var path = Path.Combine(TestPaths.NewOutputFolder("nifti-bad"), "b.nii");
        NiftiWriter.Write(new Volume<byte>(new ImageGeometry(2, 2, 2)), path);
        var bytes = File.ReadAllBytes(path);
        var n = int.Parse(value, CultureInfo.InvariantCulture);
        if (offset == 0)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), n);
        }
        else
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(offset), (short)n);
        }

        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<ImageFormatException>(() => NiftiReader.ReadHeader(path));
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        Assert.Contains(value, ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ExistingTarget_ReplacedAtomicallyWithoutTempFilesLeft()
    {
        var folder = TestPaths.NewOutputFolder("nifti-atomic");
        var path = Path.Combine(folder, "a.nii.gz");
        NiftiWriter.Write(new Volume<byte>(new ImageGeometry(2, 2, 2)), path);
        var v = new Volume<byte>(new ImageGeometry(3, 3, 3));
        v.Span.Fill(9);
        NiftiWriter.Write(v, path);
        Assert.Equal(["a.nii.gz"], Directory.GetFiles(folder).Select(Path.GetFileName));
        Assert.All(NiftiReader.Read<byte>(path).Data, x => Assert.Equal(9, x));
    }

    [Fact]
    public void Write_ReadsBackInNibabel_SameAffineAndValues()
    {
        var reason = NiftiTestSupport.NibabelMissingReason();
        if (reason is not null)
        {
            Assert.Skip(reason);
        }

        const string Script = """
            import sys, hashlib, numpy as np, nibabel as nib
            for p in sys.argv[1:]:
                img = nib.load(p)
                a = img.affine
                d = np.asarray(img.dataobj)
                sha = hashlib.sha256(np.asarray(d, dtype='<f8').ravel(order='F').tobytes()).hexdigest()
                q = img.get_qform()
                print(p, img.header.get_data_dtype().str, *img.shape, *(a[:3, :].ravel()), *(q[:3, :].ravel()), int(img.header['sform_code']), int(img.header['qform_code']), sha)
            """;
        var folder = TestPaths.NewOutputFolder("nifti-nibabel");
        var expected = new Dictionary<string, (ImageGeometry G, byte[] Sha, string Dtype)>();
        for (var seed = 0; seed < 6; seed++)
        {
            var g = Oblique(seed);
            var path = Path.Combine(folder, $"s{seed}" + (seed % 2 == 0 ? ".nii.gz" : ".nii"));
            byte[] sha;
            string dtype;
            if (seed % 3 == 0)
            {
                var v = Random<float>(g, seed);
                NiftiWriter.Write(v, path, NiftiXformCode.AlignedAnatomical);
                sha = Sha(v.Data.Select(x => (double)x));
                dtype = "<f4";
            }
            else if (seed % 3 == 1)
            {
                var v = Random<short>(g, seed);
                NiftiWriter.Write(v, path);
                sha = Sha(v.Data.Select(x => (double)x));
                dtype = "<i2";
            }
            else
            {
                var v = Random<byte>(g, seed);
                NiftiWriter.Write(v, path);
                sha = Sha(v.Data.Select(x => (double)x));
                dtype = "|u1";
            }

            expected[path] = (g, sha, dtype);
        }

        var (code, stdout, stderr) = NiftiTestSupport.Run(Script, expected.Keys);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Count, lines.Length);
        foreach (var line in lines)
        {
            var f = line.Split(' ');
            var (g, sha, dtype) = expected[f[0]];
            Assert.Equal(dtype, f[1]);
            Assert.Equal([g.SizeX, g.SizeY, g.SizeZ], f[2..5].Select(s => int.Parse(s, CultureInfo.InvariantCulture)));
            var sform = f[5..17].Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var qform = f[17..29].Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            foreach (var affine in new[] { sform, qform })
            {
                foreach (var (i, j, k) in new[] { (0, 0, 0), (g.SizeX - 1, 0, 0), (0, g.SizeY - 1, 0), (0, 0, g.SizeZ - 1), (g.SizeX - 1, g.SizeY - 1, g.SizeZ - 1) })
                {
                    var p = g.TransformIndexToPhysicalPoint(i, j, k);
                    double Ras(int r) => (affine[4 * r] * i) + (affine[(4 * r) + 1] * j) + (affine[(4 * r) + 2] * k) + affine[(4 * r) + 3];
                    Assert.Equal(-p.X, Ras(0), 1e-3);
                    Assert.Equal(-p.Y, Ras(1), 1e-3);
                    Assert.Equal(p.Z, Ras(2), 1e-3);
                }
            }

            Assert.Equal(Convert.ToHexStringLower(sha), f[^1]);
        }
    }

    private static byte[] Sha(IEnumerable<double> values)
    {
        var list = values.ToArray();
        var bytes = new byte[list.Length * 8];
        for (var n = 0; n < list.Length; n++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * n), list[n]);
        }

        return System.Security.Cryptography.SHA256.HashData(bytes);
    }
}
