using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using BmeQuant.Dicom.Codecs;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests.Codecs;

/// <summary>
/// Runs the codecs alone (no Part 10 parser) on the compressed single-frame files of the public corpus
/// (BMEQUANT_DICOM_CORPUS, default ../shared/testdata/dicom-public) and compares with pydicom+GDCM's manifest.
/// </summary>
public sealed class CodecCorpusTests
{
    private static readonly string[] s_lossy = ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.91"];

    [Fact]
    public void Decode_CorpusCompressedFrames_MatchManifest()
    {
        var folder = TestPaths.DataFolder("BMEQUANT_DICOM_CORPUS", "dicom-public");
        var manifestPath = Path.Combine(folder, "manifest.json");
        if (!File.Exists(manifestPath))
        {
            Assert.Skip($"DICOM corpus not found at {folder} (set BMEQUANT_DICOM_CORPUS)");
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(manifestPath));
        var problems = new List<string>();
        int decoded = 0;
        foreach (var e in doc.RootElement.GetProperty("files").EnumerateArray())
        {
            if (!e.TryGetProperty("transferSyntaxUid", out var tsElement) || tsElement.ValueKind != JsonValueKind.String ||
                e.GetProperty("expect").GetString() != "decode")
            {
                continue;
            }

            string ts = tsElement.GetString()!;
            if (!PixelCodecRegistry.TryGet(ts, out var codec))
            {
                continue;
            }

            int frames = e.TryGetProperty("numberOfFrames", out var nf) && nf.ValueKind == JsonValueKind.Number ? nf.GetInt32() : 1;
            string file = e.GetProperty("file").GetString()!;
            var fragments = TestEncapsulation.ReadFragments(File.ReadAllBytes(Path.Combine(folder, file)));
            if (frames != 1 || fragments is null)
            {
                continue; // multi-frame splitting is the parser's job
            }

            var info = new FrameInfo(
                e.GetProperty("rows").GetInt32(),
                e.GetProperty("columns").GetInt32(),
                e.GetProperty("samplesPerPixel").GetInt32(),
                e.GetProperty("bitsAllocated").GetInt32(),
                e.GetProperty("bitsStored").GetInt32(),
                e.GetProperty("pixelRepresentation").GetInt32() == 1,
                0,
                e.GetProperty("photometricInterpretation").GetString()!);
            var output = new byte[info.FrameByteLength];
            try
            {
                codec.Decode(fragments, info, output);
            }
            catch (DicomException ex)
            {
                problems.Add($"{file}: {ex.Message}");
                continue;
            }

            decoded++;
            SignExtend(output, info);
            var pixels = e.GetProperty("pixels");
            if (s_lossy.Contains(ts))
            {
                // Lossy: min, max and mean within 1 % of the range (the corpus README's rule).
                var (min, max, mean) = Statistics(output, info);
                double range = Math.Max(1, pixels.GetProperty("max").GetDouble() - pixels.GetProperty("min").GetDouble());
                if (Math.Abs(min - pixels.GetProperty("min").GetDouble()) > 0.01 * range ||
                    Math.Abs(max - pixels.GetProperty("max").GetDouble()) > 0.01 * range ||
                    Math.Abs(mean - pixels.GetProperty("mean").GetDouble()) > 0.01 * range)
                {
                    problems.Add($"{file}: min/max/mean {min}/{max}/{mean:F3}, manifest {pixels.GetProperty("min")}/{pixels.GetProperty("max")}/{pixels.GetProperty("mean")}");
                }
            }
            else
            {
                string sha = Convert.ToHexStringLower(SHA256.HashData(output));
                if (sha != pixels.GetProperty("sha256").GetString())
                {
                    var (min, max, mean) = Statistics(output, info);
                    problems.Add($"{file} ({ts}): SHA-256 differs; min/max/mean {min}/{max}/{mean:F3}, manifest {pixels.GetProperty("min")}/{pixels.GetProperty("max")}/{pixels.GetProperty("mean")}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(decoded > 0, "no compressed single-frame file in the corpus");
        TestContext.Current.SendDiagnosticMessage($"decoded {decoded} corpus frames");
    }

    /// <summary>Stored values as pydicom gives them: signed samples with BitsStored &lt; BitsAllocated sign-extended.</summary>
    private static void SignExtend(byte[] output, FrameInfo info)
    {
        if (!info.IsSigned || info.BitsAllocated != 16 || info.BitsStored == 16)
        {
            return;
        }

        int shift = 32 - info.BitsStored;
        for (int i = 0; i < output.Length; i += 2)
        {
            int v = BinaryPrimitives.ReadUInt16LittleEndian(output.AsSpan(i));
            BinaryPrimitives.WriteInt16LittleEndian(output.AsSpan(i), (short)((v << shift) >> shift));
        }
    }

    private static (double Min, double Max, double Mean) Statistics(byte[] output, FrameInfo info)
    {
        double min = double.MaxValue;
        double max = double.MinValue;
        double sum = 0;
        int n = 0;
        for (int i = 0; i < output.Length; i += info.BitsAllocated / 8, n++)
        {
            double v = info.BitsAllocated == 8
                ? output[i]
                : info.IsSigned ? BinaryPrimitives.ReadInt16LittleEndian(output.AsSpan(i)) : BinaryPrimitives.ReadUInt16LittleEndian(output.AsSpan(i));
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
        }

        return (min, max, sum / n);
    }
}

/// <summary>Test-only: the fragments of the last encapsulated Pixel Data element of a Part 10 file, concatenated.</summary>
internal static class TestEncapsulation
{
    public static byte[]? ReadFragments(byte[] file)
    {
        // (7FE0,0010) with undefined length, explicit VR ("OB" + 2 reserved bytes) or implicit VR.
        for (int i = file.Length - 12; i >= 0; i--)
        {
            if (file[i] != 0xE0 || file[i + 1] != 0x7F || file[i + 2] != 0x10 || file[i + 3] != 0x00)
            {
                continue;
            }

            int p;
            if (file[i + 4] == (byte)'O' && BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(i + 8)) == 0xFFFFFFFF)
            {
                p = i + 12;
            }
            else if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(i + 4)) == 0xFFFFFFFF)
            {
                p = i + 8;
            }
            else
            {
                continue;
            }

            var result = new List<byte>();
            bool first = true;
            while (p + 8 <= file.Length)
            {
                uint tag = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(p));
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(p + 4));
                p += 8;
                if (tag == 0xE0DDFFFE)
                {
                    return [.. result];
                }

                if (tag != 0xE000FFFE || length < 0 || p + length > file.Length)
                {
                    return null;
                }

                if (!first)
                {
                    result.AddRange(file.AsSpan(p, length));
                }

                first = false; // the first item is the Basic Offset Table
                p += length;
            }

            return null;
        }

        return null;
    }
}
