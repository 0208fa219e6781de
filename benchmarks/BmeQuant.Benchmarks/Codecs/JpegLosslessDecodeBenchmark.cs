using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BmeQuant.Dicom.Codecs;

namespace BmeQuant.Benchmarks.Codecs;

/// <summary>
/// JPEG Lossless (SV1) decode of a series of frames. The frames come from the folder named by BMEQUANT_CODEC_BENCH
/// (written by benchmarks/scripts/codec_dcmdjpeg.sh: frame_NNN.jpg codestreams + frames.json, 384x384 16-bit by default);
/// without it, from the JPEG Lossless fixtures in testdata/codecs.
/// </summary>
[MemoryDiagnoser]
public class JpegLosslessDecodeBenchmark
{
    private readonly List<byte[]> _frames = [];
    private FrameInfo _info = new(1, 1, 1, 16, 16, false, 0, "MONOCHROME2");
    private IPixelCodec _codec = null!;
    private byte[][] _outputs = [];

    [GlobalSetup]
    public void Setup()
    {
        if (!PixelCodecRegistry.TryGet("1.2.840.10008.1.2.4.70", out _codec))
        {
            throw new InvalidOperationException("no JPEG Lossless codec registered");
        }

        var folder = Environment.GetEnvironmentVariable("BMEQUANT_CODEC_BENCH");
        if (!string.IsNullOrEmpty(folder) && File.Exists(Path.Combine(folder, "frames.json")))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "frames.json")));
            var r = doc.RootElement;
            _info = new FrameInfo(r.GetProperty("rows").GetInt32(), r.GetProperty("columns").GetInt32(), 1,
                r.GetProperty("bitsAllocated").GetInt32(), r.GetProperty("bitsStored").GetInt32(), false, 0, "MONOCHROME2");
            foreach (var path in Directory.GetFiles(folder, "frame_*.jpg").Order(StringComparer.Ordinal))
            {
                _frames.Add(File.ReadAllBytes(path));
            }
        }
        else
        {
            var dir = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(dir, "BmeQuant.sln")))
            {
                dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("set BMEQUANT_CODEC_BENCH (run benchmarks/scripts/codec_dcmdjpeg.sh)");
            }

            // 48x64 16-bit SV1 fixture, repeated to a 200-frame series.
            _info = new FrameInfo(48, 64, 1, 16, 16, false, 0, "MONOCHROME2");
            var bytes = File.ReadAllBytes(Path.Combine(dir, "testdata", "codecs", "jll_sv1_u16.bin"));
            for (int i = 0; i < 200; i++)
            {
                _frames.Add(bytes);
            }
        }

        _outputs = [.. _frames.Select(_ => new byte[_info.FrameByteLength])];
    }

    /// <summary>Frames decoded one after the other on one thread (what dcmdjpeg does).</summary>
    [Benchmark(Baseline = true)]
    public void DecodeSeriesSequential()
    {
        for (int i = 0; i < _frames.Count; i++)
        {
            _codec.Decode(_frames[i], _info, _outputs[i]);
        }
    }

    /// <summary>Frames decoded in parallel, one frame per work item.</summary>
    [Benchmark]
    public void DecodeSeriesParallel() =>
        Parallel.For(0, _frames.Count, i => _codec.Decode(_frames[i], _info, _outputs[i]));
}
