using BmeQuant.Dicom.Codecs;

namespace BmeQuant.Dicom.Tests.Codecs;

public sealed class CodecFuzzTests
{
    public static TheoryData<string> Syntaxes => new()
    {
        "1.2.840.10008.1.2.5",
        "1.2.840.10008.1.2.4.57",
        "1.2.840.10008.1.2.4.70",
        "1.2.840.10008.1.2.4.50",
        "1.2.840.10008.1.2.4.51",
        "1.2.840.10008.1.2.4.80",
        "1.2.840.10008.1.2.4.81",
    };

    /// <summary>
    /// Seeded mutations of every fixture of one transfer syntax (bit flips, byte overwrites, 0xFF/marker injection,
    /// truncations, length-field inflation): each decode must succeed or throw a DicomCodecException (or, for features
    /// we refuse, UnsupportedTransferSyntaxException); anything else fails, and the whole run must finish in time.
    /// </summary>
    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Syntaxes))]
    public async Task Decode_MutatedFixtures_OnlyTypedErrors(string transferSyntaxUid)
    {
        var fixtures = CodecFixture.All.Where(f => f.TransferSyntaxUid == transferSyntaxUid).ToArray();
        Assert.NotEmpty(fixtures);
        Assert.True(PixelCodecRegistry.TryGet(transferSyntaxUid, out var codec));
        int perFixture = Math.Max(100, 1500 / fixtures.Length);
        var failures = await Task.Run(() =>
        {
            var rng = new Random(transferSyntaxUid.Sum(ch => ch) + 20261129);
            var problems = new List<string>();
            int succeeded = 0;
            foreach (var fixture in fixtures)
            {
                var original = fixture.Compressed;
                var output = new byte[fixture.Info.FrameByteLength];
                for (int i = 0; i < perFixture; i++)
                {
                    var data = Mutate(original, rng, out string what);
                    try
                    {
                        codec.Decode(data, fixture.Info, output);
                        succeeded++;
                    }
                    catch (DicomCodecException)
                    {
                    }
                    catch (UnsupportedTransferSyntaxException)
                    {
                    }
                    catch (Exception ex)
                    {
                        problems.Add($"{fixture.Name} {what}: {ex.GetType().Name}: {ex.Message}");
                    }
                }
            }

            return problems;
        }, TestContext.Current.CancellationToken);

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(10)));
    }

    [Theory]
    [MemberData(nameof(Syntaxes))]
    public void Decode_EveryTruncationOfOneFixture_NeverSucceedsSilentlyWithOtherExceptions(string transferSyntaxUid)
    {
        // Truncation at every length of the smallest fixture: typed error or (when only trailing padding/EOI went) success.
        var fixture = CodecFixture.All.Where(f => f.TransferSyntaxUid == transferSyntaxUid).MinBy(f => f.Compressed.Length)!;
        Assert.True(PixelCodecRegistry.TryGet(transferSyntaxUid, out var codec));
        var data = fixture.Compressed;
        var output = new byte[fixture.Info.FrameByteLength];
        int typed = 0;
        for (int length = 0; length < data.Length; length++)
        {
            try
            {
                codec.Decode(data.AsSpan(0, length), fixture.Info, output);
            }
            catch (DicomCodecException)
            {
                typed++;
            }
        }

        // Losing more than a few trailing bytes (EOI, padding) must be detected.
        Assert.True(typed >= data.Length - 8, $"{fixture.Name}: only {typed} of {data.Length} truncations reported");
    }

    private static byte[] Mutate(byte[] original, Random rng, out string what)
    {
        var data = (byte[])original.Clone();
        switch (rng.Next(6))
        {
            case 0:
                int flips = rng.Next(1, 9);
                for (int k = 0; k < flips; k++)
                {
                    data[rng.Next(data.Length)] ^= (byte)(1 << rng.Next(8));
                }

                what = $"{flips} bit flips";
                return data;
            case 1:
                int at = rng.Next(data.Length);
                data[at] = (byte)rng.Next(256);
                what = $"byte {at} overwritten";
                return data;
            case 2:
                int marker = rng.Next(data.Length - 1);
                data[marker] = 0xFF;
                data[marker + 1] = (byte)rng.Next(0xC0, 0x100);
                what = $"marker injected at {marker}";
                return data;
            case 3:
                int length = rng.Next(data.Length);
                what = $"truncated to {length}";
                return data[..length];
            case 4:
                // Inflate a big-endian 16-bit field in the header area (segment lengths, sizes, counts) or the RLE header.
                int field = rng.Next(Math.Min(data.Length - 1, 200));
                data[field] = 0xFF;
                data[field + 1] = (byte)rng.Next(256);
                what = $"field at {field} inflated";
                return data;
            default:
                int start = rng.Next(data.Length);
                int count = rng.Next(1, 64);
                for (int k = start; k < Math.Min(data.Length, start + count); k++)
                {
                    data[k] = (byte)rng.Next(256);
                }

                what = $"{count} random bytes at {start}";
                return data;
        }
    }
}
