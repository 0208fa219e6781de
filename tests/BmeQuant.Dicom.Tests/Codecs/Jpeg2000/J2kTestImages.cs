using BmeQuant.Dicom.Codecs;
using BmeQuant.Dicom.Tests.Seg;
using BmeQuant.Testing;

namespace BmeQuant.Dicom.Tests.Codecs.Jpeg2000;

/// <summary>One generated test image: samples (interleaved), its layout, and the OpenJPEG tools that encode and decode it.</summary>
internal sealed record J2kTestImage(int Width, int Height, int Components, int Bits, bool Signed, int[] Samples)
{
    public int BytesPerSample => Bits > 8 ? 2 : 1;

    public FrameInfo Info => new(Height, Width, Components, BytesPerSample * 8, Bits, Signed, 0, Components == 3 ? "RGB" : "MONOCHROME2");

    /// <summary>An MR-like image: dark noisy background, an elliptic body with a smooth bias field, bright and dark blobs and Rician-ish noise.</summary>
    public static J2kTestImage MrLike(int width, int height, int bits, bool signed, int seed, int components = 1)
    {
        var rng = new Random(seed);
        int max = signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        int min = signed ? -(1 << (bits - 1)) : 0;
        double range = max - (double)min;
        var blobs = new (double X, double Y, double R, double A)[6];
        for (int i = 0; i < blobs.Length; i++)
        {
            blobs[i] = (rng.NextDouble() * width, rng.NextDouble() * height, 3 + (rng.NextDouble() * width / 6), (rng.NextDouble() - 0.4) * 0.5);
        }

        var samples = new int[width * height * components];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double dx = (x - (width / 2.0)) / (width * 0.42);
                double dy = (y - (height / 2.0)) / (height * 0.45);
                double body = (dx * dx) + (dy * dy) < 1 ? 0.35 + (0.15 * Math.Sin(x * 0.05) * Math.Cos(y * 0.03)) : 0.02;
                foreach (var b in blobs)
                {
                    double d2 = (((x - b.X) * (x - b.X)) + ((y - b.Y) * (y - b.Y))) / (b.R * b.R);
                    body += b.A * Math.Exp(-d2);
                }

                for (int c = 0; c < components; c++)
                {
                    double v = (body * (1 + (0.2 * c))) + (0.02 * NextGaussian(rng));
                    int s = (int)Math.Round(min + (Math.Clamp(v, 0, 1) * range));
                    if (rng.Next(500) == 0)
                    {
                        s = rng.Next(2) == 0 ? min : max; // a few extreme samples exercise the full range
                    }

                    samples[(((y * width) + x) * components) + c] = s;
                }
            }
        }

        return new J2kTestImage(width, height, components, bits, signed, samples);
    }

    private static double NextGaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Little-endian raw bytes in the frame layout the codec produces (and OpenJPEG's .rawl reads).</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Samples.Length * BytesPerSample];
        for (int i = 0; i < Samples.Length; i++)
        {
            if (BytesPerSample == 1)
            {
                bytes[i] = (byte)Samples[i];
            }
            else
            {
                bytes[2 * i] = (byte)Samples[i];
                bytes[(2 * i) + 1] = (byte)(Samples[i] >> 8);
            }
        }

        return bytes;
    }

    /// <summary>Sample <paramref name="i"/> of a decoded little-endian frame of this layout, sign-extended from <see cref="Bits"/>.</summary>
    public int SampleOf(byte[] frame, int i)
    {
        int raw = BytesPerSample == 1 ? frame[i] : frame[2 * i] | (frame[(2 * i) + 1] << 8);
        if (!Signed)
        {
            return raw;
        }

        int shift = 32 - Bits;
        return (raw << shift) >> shift;
    }

    /// <summary>Planar raw (one plane per component) as OpenJPEG's raw readers and writers use it.</summary>
    private byte[] ToPlanarBytes()
    {
        var bytes = new byte[Samples.Length * BytesPerSample];
        int plane = Width * Height;
        for (int c = 0; c < Components; c++)
        {
            for (int i = 0; i < plane; i++)
            {
                int v = Samples[(i * Components) + c];
                int o = (c * plane) + i;
                if (BytesPerSample == 1)
                {
                    bytes[o] = (byte)v;
                }
                else
                {
                    bytes[2 * o] = (byte)v;
                    bytes[(2 * o) + 1] = (byte)(v >> 8);
                }
            }
        }

        return bytes;
    }

    /// <summary>Encodes with opj_compress and the given options; skips the test when OpenJPEG's tools are absent.</summary>
    public byte[] Compress(string name, params string[] options)
    {
        var folder = TestPaths.NewOutputFolder("j2k-" + name);
        var raw = Path.Combine(folder, "in.rawl");
        var j2k = Path.Combine(folder, "out.j2k");
        File.WriteAllBytes(raw, ToPlanarBytes());
        string format = $"{Width},{Height},{Components},{Bits},{(Signed ? "s" : "u")}";
        var r = ExternalTool.Run("opj_compress", ["-i", raw, "-o", j2k, "-F", format, .. options]);
        if (r is null)
        {
            Assert.Skip("opj_compress (OpenJPEG tools, Debian libopenjp2-tools) is not installed");
        }

        Assert.True(r.Value.Exit == 0 && File.Exists(j2k), $"opj_compress {string.Join(' ', options)} failed: {r.Value.StdOut} {r.Value.StdErr}");
        return File.ReadAllBytes(j2k);
    }

    /// <summary>Decodes a codestream with opj_decompress into interleaved samples of this layout; skips when absent.</summary>
    public int[] DecompressWithOpenJpeg(string name, byte[] codestream)
    {
        var folder = TestPaths.NewOutputFolder("j2k-ref-" + name);
        var j2k = Path.Combine(folder, "in.j2k");
        var raw = Path.Combine(folder, "out.rawl");
        File.WriteAllBytes(j2k, codestream);
        var r = ExternalTool.Run("opj_decompress", "-i", j2k, "-o", raw);
        if (r is null)
        {
            Assert.Skip("opj_decompress (OpenJPEG tools) is not installed");
        }

        Assert.True(r.Value.Exit == 0 && File.Exists(raw), $"opj_decompress failed: {r.Value.StdOut} {r.Value.StdErr}");
        var bytes = File.ReadAllBytes(raw);
        int plane = Width * Height;
        Assert.Equal(plane * Components * BytesPerSample, bytes.Length);
        var samples = new int[plane * Components];
        for (int c = 0; c < Components; c++)
        {
            for (int i = 0; i < plane; i++)
            {
                int o = (c * plane) + i;
                int v = BytesPerSample == 1 ? bytes[o] : bytes[2 * o] | (bytes[(2 * o) + 1] << 8);
                if (Signed)
                {
                    v = BytesPerSample == 1 ? (sbyte)v : (short)v;
                }

                samples[(i * Components) + c] = v;
            }
        }

        return samples;
    }
}
