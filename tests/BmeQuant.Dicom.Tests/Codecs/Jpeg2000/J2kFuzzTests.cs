using System.Diagnostics;
using BmeQuant.Dicom.Codecs;
using BmeQuant.Dicom.Codecs.Jpeg2000;

namespace BmeQuant.Dicom.Tests.Codecs.Jpeg2000;

/// <summary>Seeded mutations of valid JPEG 2000 codestreams: every decode ends in success or a DicomCodecException, quickly.</summary>
public sealed class J2kFuzzTests
{
    [Theory(Timeout = 120_000)]
    [InlineData("fuzz-default", "")]
    [InlineData("fuzz-modes", "-M 63 -SOP -EPH -p RPCL -c [32,32]")]
    [InlineData("fuzz-lossy-tiles", "-I -r 10 -t 32,32 -n 3 -p PCRL")]
    public async Task Decode_MutatedCodestreams_OnlyCodecExceptions(string name, string options)
    {
        var image = J2kTestImage.MrLike(64, 48, 12, false, 99);
        var original = image.Compress(name, Jpeg2000CodecTests.Split(options));
        Assert.True(PixelCodecRegistry.TryGet("1.2.840.10008.1.2.4.91", out var codec));
        var info = image.Info;
        var cancel = TestContext.Current.CancellationToken;
        var problems = await Task.Run(() =>
        {
            var rng = new Random(20261129 + name.Length);
            var found = new List<string>();
            var output = new byte[info.FrameByteLength];
            for (int i = 0; i < 500 && !cancel.IsCancellationRequested; i++)
            {
                var data = Mutate(original, rng, out string what);
                var sw = Stopwatch.StartNew();
                try
                {
                    codec.Decode(data, info, output);
                }
                catch (DicomCodecException)
                {
                }
                catch (Exception ex)
                {
                    found.Add($"{what}: {ex.GetType().Name}: {ex.Message}");
                }

                if (sw.Elapsed > TimeSpan.FromSeconds(1))
                {
                    found.Add($"{what}: took {sw.Elapsed.TotalMilliseconds:F0} ms");
                }
            }

            return found;
        }, cancel);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Take(20)));
    }

    private static byte[] Mutate(byte[] original, Random rng, out string what)
    {
        var data = (byte[])original.Clone();
        switch (rng.Next(5))
        {
            case 0:
            {
                int n = 1 + rng.Next(8);
                for (int k = 0; k < n; k++)
                {
                    int at = rng.Next(data.Length);
                    data[at] ^= (byte)(1 << rng.Next(8));
                }

                what = $"{n} bit flips";
                return data;
            }

            case 1:
            {
                int length = rng.Next(data.Length);
                what = $"truncated to {length} bytes";
                return data[..length];
            }

            case 2:
            {
                // Header damage: overwrite one byte among the first 200 (SIZ, COD, QCD, SOT fields).
                int at = rng.Next(Math.Min(200, data.Length));
                data[at] = (byte)rng.Next(256);
                what = $"header byte {at} = {data[at]}";
                return data;
            }

            case 3:
            {
                int at = rng.Next(data.Length - 1);
                data[at] = 0xFF;
                data[at + 1] = (byte)(0x90 + rng.Next(4));
                what = $"marker injected at {at}";
                return data;
            }

            default:
            {
                int at = rng.Next(data.Length);
                int length = rng.Next(1, 64);
                for (int k = at; k < Math.Min(data.Length, at + length); k++)
                {
                    data[k] = (byte)rng.Next(256);
                }

                what = $"{length} random bytes at {at}";
                return data;
            }
        }
    }
}

/// <summary>The wavelet and component transforms: SIMD against the scalar path, and the 5/3 lifting against its forward transform.</summary>
public sealed class J2kWaveletTests
{
    [Fact]
    public void Lift53_ForwardThenInverse_ExactForEveryLengthAndParity()
    {
        var rng = new Random(53);
        for (int n = 1; n <= 40; n++)
        {
            for (int parity = 0; parity < 2; parity++)
            {
                var x = Enumerable.Range(0, n).Select(_ => rng.Next(-40000, 40000)).ToArray();
                var y = Forward53(x, parity);
                J2kWavelet.Lift53(y, parity);
                Assert.Equal(x, y);
            }
        }
    }

    [Fact]
    public void InverseTransforms_SimdAndScalar_Identical()
    {
        var rng = new Random(97);
        foreach (var (w, h, x0, y0) in new[] { (37, 29, 0, 0), (64, 64, 1, 3), (129, 17, 5, 2), (8, 70, 3, 1) })
        {
            var bounds = new List<(int, int, int, int)>();
            for (int r = 3; r >= 0; r--)
            {
                bounds.Insert(0, (Ceil(x0, r), Ceil(y0, r), Ceil(x0 + w, r), Ceil(y0 + h, r)));
            }

            var ints = Enumerable.Range(0, w * h).Select(_ => rng.Next(-5000, 5000)).ToArray();
            var floats = ints.Select(v => v * 0.37f).ToArray();
            var intsScalar = (int[])ints.Clone();
            var floatsScalar = (float[])floats.Clone();
            J2kWavelet.InverseReversible(ints, w, bounds.ToArray());
            J2kWavelet.InverseIrreversible(floats, w, bounds.ToArray());
            try
            {
                J2kWavelet.s_useSimd = false;
                J2kWavelet.InverseReversible(intsScalar, w, bounds.ToArray());
                J2kWavelet.InverseIrreversible(floatsScalar, w, bounds.ToArray());
            }
            finally
            {
                J2kWavelet.s_useSimd = true;
            }

            Assert.Equal(intsScalar, ints);
            Assert.Equal(floatsScalar, floats);
        }
    }

    [Fact]
    public void InverseRct_SimdAndScalar_MatchFormula()
    {
        var rng = new Random(3);
        int n = 1025;
        var y0 = Enumerable.Range(0, n).Select(_ => rng.Next(0, 4096)).ToArray();
        var y1 = Enumerable.Range(0, n).Select(_ => rng.Next(-4096, 4096)).ToArray();
        var y2 = Enumerable.Range(0, n).Select(_ => rng.Next(-4096, 4096)).ToArray();
        var (r, g, b) = ((int[])y0.Clone(), (int[])y1.Clone(), (int[])y2.Clone());
        Jpeg2000Codec.InverseRct(r, g, b);
        for (int i = 0; i < n; i++)
        {
            int gg = y0[i] - ((y1[i] + y2[i]) >> 2);
            Assert.Equal((y2[i] + gg, gg, y1[i] + gg), (r[i], g[i], b[i]));
        }
    }

    private static int Ceil(int v, int r) => (v + (1 << r) - 1) >> r;

    /// <summary>Forward 5/3 (F.4.8.1) on an interleaved line whose first sample has absolute parity <paramref name="parity"/>.</summary>
    private static int[] Forward53(int[] x, int parity)
    {
        int n = x.Length;
        var y = (int[])x.Clone();
        if (n == 1)
        {
            if (parity == 1)
            {
                y[0] *= 2;
            }

            return y;
        }

        int At(int i) => y[i < 0 ? -i : i >= n ? (2 * (n - 1)) - i : i];
        for (int i = 1 - parity; i < n; i += 2)
        {
            y[i] -= (At(i - 1) + At(i + 1)) >> 1;
        }

        for (int i = parity; i < n; i += 2)
        {
            y[i] += (At(i - 1) + At(i + 1) + 2) >> 2;
        }

        return y;
    }
}
