using System.Buffers.Binary;

namespace BmeQuant.Dicom.Tests;

/// <summary>
/// Seeded mutations (bit flips, truncations, inflated length fields, deep nesting) of small corpus files and of files we
/// write: every read and pixel decode ends in success or a typed <see cref="DicomException"/>, under the allocation cap.
/// </summary>
public class DicomRobustnessTests
{
    private const int Mutations = 10_000;
    private const long CapBytes = 8L << 20;

    private static List<(string Name, byte[] Bytes)> Seeds()
    {
        var seeds = new List<(string, byte[])>
        {
            ("ours-explicit", TestDatasets.ToBytes(TestDatasets.Mr(16, 16, frames: 2, bitsStored: 12, signed: true))),
            ("ours-deflated", TestDatasets.ToBytes(TestDatasets.Mr(8, 8), new DicomWriteOptions { TransferSyntax = TransferSyntax.DeflatedExplicitVRLittleEndian })),

            // 128 KiB of Pixel Data: read into a pooled array (returned when the file is disposed).
            ("ours-pooled", TestDatasets.ToBytes(TestDatasets.Mr(256, 256, bitsStored: 12))),
        };
        if (CorpusManifest.Available)
        {
            foreach (var e in CorpusManifest.Entries.Values)
            {
                var path = Path.Combine(CorpusManifest.Folder, e.File);
                var info = new FileInfo(path);
                if (info.Exists && info.Length < 48 * 1024)
                {
                    seeds.Add((e.File, File.ReadAllBytes(path)));
                }
            }
        }

        return seeds;
    }

    [Fact]
    public void Read_SeededMutations_SuccessOrTypedError()
    {
        var seeds = Seeds();
        var rng = new Random(20261129);
        var options = new DicomReadOptions { MaxValueLengthBytes = CapBytes };
        var tolerant = options with { Tolerant = true };
        var failures = new List<string>();
        for (var m = 0; m < Mutations; m++)
        {
            var (name, original) = seeds[rng.Next(seeds.Count)];
            var bytes = Mutate(original, rng, out var kind);
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                // Disposed: pooled values go back and are reused by the next mutations (use after return would show here).
                using var file = DicomFile.Read(new MemoryStream(bytes, false), (m & 1) == 0 ? options : tolerant);
                if (file.Dataset.Contains(DicomTag.PixelData))
                {
                    var px = DicomPixelData.Create(file);
                    if ((long)px.FrameSampleCount * px.BytesPerSample <= CapBytes)
                    {
                        _ = px.GetFrameStored(rng.Next(px.NumberOfFrames));
                    }
                }

                _ = DicomJson.Serialize(file.Dataset);
            }
            catch (DicomException)
            {
            }
            catch (Exception ex)
            {
                failures.Add($"mutation {m} ({kind}) of {name}: {ex.GetType().Name}: {ex.Message}");
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated > 4 * CapBytes + (16L << 20))
            {
                failures.Add($"mutation {m} ({kind}) of {name}: allocated {allocated} bytes");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(20)));
    }

    private static byte[] Mutate(byte[] original, Random rng, out string kind)
    {
        var b = (byte[])original.Clone();
        switch (rng.Next(5))
        {
            case 0:
                kind = "bit flips";
                for (var i = rng.Next(1, 8); i > 0; i--)
                {
                    var p = rng.Next(b.Length);
                    b[p] ^= (byte)(1 << rng.Next(8));
                }

                return b;
            case 1:
                kind = "truncation";
                return b[..rng.Next(b.Length)];
            case 2:
                kind = "inflated length";
                for (var i = rng.Next(1, 3); i > 0; i--)
                {
                    var p = rng.Next(Math.Max(1, b.Length - 4));
                    uint[] lies = [0xFFFFFFFF, 0xFFFFFFF0, 0x7FFFFFFF, (uint)rng.Next(), (uint)(b.Length - p + rng.Next(-8, 8))];
                    BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(p), lies[rng.Next(lies.Length)]);
                }

                return b;
            case 3:
                kind = "deep nesting";
                var nest = new List<byte>();
                var depth = rng.Next(10, 200);
                for (var i = 0; i < depth; i++)
                {
                    nest.AddRange([0x40, 0x00, 0x30, 0xA7, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
                }

                var at = rng.Next(b.Length);
                return [.. b.AsSpan(0, at), .. nest, .. b.AsSpan(at)];
            default:
                kind = "byte overwrite run";
                var start = rng.Next(b.Length);
                var len = Math.Min(b.Length - start, rng.Next(1, 64));
                rng.NextBytes(b.AsSpan(start, len));
                return b;
        }
    }
}
