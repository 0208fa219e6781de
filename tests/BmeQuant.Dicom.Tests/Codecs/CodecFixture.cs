using System.Text.Json;
using BmeQuant.Dicom.Codecs;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests.Codecs;

/// <summary>One case of testdata/codecs/manifest.json (written by testdata/codecs/generate.py).</summary>
internal sealed record CodecFixture(
    string Name,
    string TransferSyntaxUid,
    int Rows,
    int Columns,
    int SamplesPerPixel,
    int BitsAllocated,
    int BitsStored,
    bool Signed,
    int PlanarConfiguration,
    string PhotometricInterpretation,
    int Tolerance,
    string Command)
{
    private static readonly Lazy<IReadOnlyList<CodecFixture>> s_all = new(Load);

    public static string Folder => Path.Combine(TestPaths.RepoRoot, "testdata", "codecs");

    public static IReadOnlyList<CodecFixture> All => s_all.Value;

    public FrameInfo Info => new(Rows, Columns, SamplesPerPixel, BitsAllocated, BitsStored, Signed, PlanarConfiguration, PhotometricInterpretation);

    public byte[] Compressed => File.ReadAllBytes(Path.Combine(Folder, Name + ".bin"));

    public byte[] Expected => File.ReadAllBytes(Path.Combine(Folder, Name + ".raw"));

    /// <summary>The image before lossy compression (lossy cases only).</summary>
    public byte[] Original => File.ReadAllBytes(Path.Combine(Folder, Name + ".orig.raw"));

    /// <summary>Sample <paramref name="index"/> of a little-endian frame of this case.</summary>
    public int Sample(byte[] frame, int index) =>
        BitsAllocated == 8 ? frame[index] : frame[2 * index] | (frame[(2 * index) + 1] << 8);

    public static CodecFixture Get(string name) => All.Single(c => c.Name == name);

    /// <summary>Names of every case whose transfer syntax starts with one of <paramref name="uids"/>.</summary>
    public static TheoryData<string> Names(params string[] uids)
    {
        var data = new TheoryData<string>();
        foreach (var c in All.Where(c => uids.Contains(c.TransferSyntaxUid)))
        {
            data.Add(c.Name);
        }

        return data;
    }

    public byte[] Decode()
    {
        Assert.True(PixelCodecRegistry.TryGet(TransferSyntaxUid, out var codec), "no codec for " + TransferSyntaxUid);
        var output = new byte[Info.FrameByteLength];
        codec.Decode(Compressed, Info, output);
        return output;
    }

    /// <summary>Asserts every sample (masked to BitsStored) is within <see cref="Tolerance"/> of the expected one.</summary>
    public void AssertMatches(byte[] actual)
    {
        var expected = Expected;
        Assert.Equal(expected.Length, actual.Length);
        int mask = (1 << BitsStored) - 1;
        int step = BitsAllocated / 8;
        int worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < expected.Length; i += step)
        {
            int e = step == 1 ? expected[i] : expected[i] | (expected[i + 1] << 8);
            int a = step == 1 ? actual[i] : actual[i] | (actual[i + 1] << 8);
            int d = Math.Abs((e & mask) - (a & mask));
            if (d > worst)
            {
                worst = d;
                worstIndex = i / step;
            }
        }

        Assert.True(worst <= Tolerance, $"{Name}: sample {worstIndex} differs by {worst} (tolerance {Tolerance}).");
    }

    private static IReadOnlyList<CodecFixture> Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "manifest.json")));
        var list = new List<CodecFixture>();
        foreach (var e in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            list.Add(new CodecFixture(
                e.GetProperty("name").GetString()!,
                e.GetProperty("transferSyntaxUid").GetString()!,
                e.GetProperty("rows").GetInt32(),
                e.GetProperty("columns").GetInt32(),
                e.GetProperty("samplesPerPixel").GetInt32(),
                e.GetProperty("bitsAllocated").GetInt32(),
                e.GetProperty("bitsStored").GetInt32(),
                e.GetProperty("signed").GetBoolean(),
                e.GetProperty("planarConfiguration").GetInt32(),
                e.GetProperty("photometricInterpretation").GetString()!,
                e.GetProperty("tolerance").GetInt32(),
                e.GetProperty("command").GetString()!));
        }

        return list;
    }
}
