using BmeQuant.Dicom.Codecs;

namespace BmeQuant.Dicom.Tests;

/// <summary>
/// Every file of the corpus manifest (BMEQUANT_DICOM_CORPUS, default ../shared/testdata/dicom-public): `decode` files
/// decode to pydicom's stored values (SHA-256 of the little-endian array; lossy syntaxes: min/max/mean within 1 %),
/// `no-pixels` files parse, `pixel-error`/`error` files end in a typed <see cref="DicomException"/>.
/// </summary>
public class DicomCorpusTests
{
    private static readonly HashSet<string> s_lossy = new(StringComparer.Ordinal)
    {
        "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.91",
    };

    public static TheoryData<string> Files() => CorpusManifest.Files();

    [Theory]
    [MemberData(nameof(Files))]
    public void Read_CorpusFile_MatchesManifest(string file)
    {
        if (!CorpusManifest.Available)
        {
            Assert.Skip($"DICOM corpus not found at {CorpusManifest.Folder} (set {CorpusManifest.EnvironmentVariable})");
        }

        var entry = CorpusManifest.Entries[file];
        var path = Path.Combine(CorpusManifest.Folder, file);
        switch (entry.Expect)
        {
            case "decode":
                CheckDecode(entry, path);
                break;
            case "no-pixels":
                // Some of these are truncated (rtplan_truncated.dcm): strict reading may refuse them with a typed
                // error; tolerant reading must keep the header that parsed.
                var strict = Record.Exception(() => DicomFile.Open(path));
                Assert.True(strict is null or DicomFormatException, $"unexpected {strict?.GetType().Name}: {strict?.Message}");
                var f = DicomFile.Open(path, new DicomReadOptions { Tolerant = true });
                Assert.True(f.Dataset.Count > 0, "dataset is empty");
                Assert.Null(f.Dataset[DicomTag.PixelData]);
                break;
            default:
                var ex = Record.Exception(() =>
                {
                    var file2 = DicomFile.Open(path);
                    var px = DicomPixelData.Create(file2);
                    PixelDigest.Compute(px);
                });
                Assert.NotNull(ex);
                Assert.IsAssignableFrom<DicomException>(ex);
                break;
        }
    }

    private static void CheckDecode(CorpusEntry entry, string path)
    {
        var file = DicomFile.Open(path);
        if (file.TransferSyntax.IsEncapsulated && !PixelCodecRegistry.TryGet(file.TransferSyntax.Uid, out _))
        {
            Assert.Skip($"no codec registered yet for {file.TransferSyntax.Name} ({file.TransferSyntax.Uid})");
        }

        var px = DicomPixelData.Create(file);
        (string Sha, double Min, double Max, double Mean, long Count) digest;
        try
        {
            digest = PixelDigest.Compute(px);
        }
        catch (UnsupportedTransferSyntaxException ex)
        {
            // The registered codec refuses this syntax (or a feature of it) with a typed error naming the transcoder.
            Assert.Skip($"codec for {file.TransferSyntax.Uid} not available yet: {ex.Message}");
            return;
        }

        var (sha, min, max, mean, count) = digest;
        Assert.Equal(entry.Shape!.Aggregate(1L, (a, b) => a * b), count);
        if (s_lossy.Contains(entry.TransferSyntaxUid ?? string.Empty))
        {
            // Lossy decoders legitimately differ by a few units per pixel: statistics within 1 % of the range.
            var tol = 0.01 * Math.Max(1, entry.Max - entry.Min);
            Assert.InRange(min, entry.Min - tol, entry.Min + tol);
            Assert.InRange(max, entry.Max - tol, entry.Max + tol);
            Assert.InRange(mean, entry.Mean - tol, entry.Mean + tol);
            return;
        }

        Assert.Equal(entry.Min, min);
        Assert.Equal(entry.Max, max);
        Assert.Equal(entry.Mean, mean, 1e-6);
        Assert.Equal(entry.Sha256, sha);
    }
}
