using System.Security.Cryptography;
using System.Text.Json;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests;

/// <summary>One entry of the corpus manifest.json (computed with pydicom 2.3.1 + GDCM).</summary>
internal sealed record CorpusEntry(string File, string Expect, string? TransferSyntaxUid, string? Sha256, double Min, double Max, double Mean, int[]? Shape);

/// <summary>Reads the DICOM corpus folder named by BMEQUANT_DICOM_CORPUS (default ../shared/testdata/dicom-public).</summary>
internal static class CorpusManifest
{
    public const string EnvironmentVariable = "BMEQUANT_DICOM_CORPUS";

    public static string Folder => TestPaths.DataFolder(EnvironmentVariable, "dicom-public");

    public static bool Available => File.Exists(Path.Combine(Folder, "manifest.json"));

    private static readonly Lazy<Dictionary<string, CorpusEntry>> s_entries = new(Load);

    public static IReadOnlyDictionary<string, CorpusEntry> Entries => s_entries.Value;

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        if (!Available)
        {
            data.Add("(corpus absent)");
            return data;
        }

        foreach (var k in Entries.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(k);
        }

        return data;
    }

    private static Dictionary<string, CorpusEntry> Load()
    {
        var result = new Dictionary<string, CorpusEntry>(StringComparer.Ordinal);
        if (!Available)
        {
            return result;
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "manifest.json")));
        foreach (var e in doc.RootElement.GetProperty("files").EnumerateArray())
        {
            var file = e.GetProperty("file").GetString()!;
            string? ts = e.TryGetProperty("transferSyntaxUid", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            string? sha = null;
            double min = 0, max = 0, mean = 0;
            int[]? shape = null;
            if (e.TryGetProperty("pixels", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                sha = p.GetProperty("sha256").GetString();
                min = p.GetProperty("min").GetDouble();
                max = p.GetProperty("max").GetDouble();
                mean = p.GetProperty("mean").GetDouble();
                shape = p.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
            }

            result[file] = new CorpusEntry(file, e.GetProperty("expect").GetString()!, ts, sha, min, max, mean, shape);
        }

        return result;
    }
}

/// <summary>The corpus convention: all frames' stored values, little-endian, (frames, rows, columns, samples), with statistics.</summary>
internal static class PixelDigest
{
    public static (string Sha256, double Min, double Max, double Mean, long Count) Compute(DicomPixelData px)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var frame = new byte[px.FrameSampleCount * px.BytesPerSample];
        double min = double.MaxValue, max = double.MinValue, sum = 0;
        long count = 0;
        var values = new float[px.FrameSampleCount];
        for (var f = 0; f < px.NumberOfFrames; f++)
        {
            px.GetFrameStoredBytes(f, frame);
            sha.AppendData(frame);
            for (var i = 0; i < px.FrameSampleCount; i++)
            {
                var v = Value(px.StoredType, frame, i);
                min = Math.Min(min, v);
                max = Math.Max(max, v);
                sum += v;
            }

            count += px.FrameSampleCount;
        }

        return (Convert.ToHexStringLower(sha.GetHashAndReset()), min, max, sum / count, count);
    }

    private static double Value(PixelStoredType t, byte[] b, int i) => t switch
    {
        PixelStoredType.UInt8 => b[i],
        PixelStoredType.Int8 => (sbyte)b[i],
        PixelStoredType.UInt16 => BitConverter.ToUInt16(b, 2 * i),
        PixelStoredType.Int16 => BitConverter.ToInt16(b, 2 * i),
        PixelStoredType.UInt32 => BitConverter.ToUInt32(b, 4 * i),
        PixelStoredType.Int32 => BitConverter.ToInt32(b, 4 * i),
        PixelStoredType.Float32 => BitConverter.ToSingle(b, 4 * i),
        _ => BitConverter.ToDouble(b, 8 * i),
    };
}
