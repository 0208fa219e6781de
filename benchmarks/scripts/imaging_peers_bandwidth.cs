#:project ../../src/BmeQuant.Imaging/BmeQuant.Imaging.csproj
#:property Nullable=enable
#:property AssemblyName=ImagingPeersBandwidth
#:property PublishAot=false
#:property TieredCompilation=false

// Load-robust bandwidth probe for the x > t argument in benchmarks/BmeQuant.Benchmarks/Imaging/RESULTS.md: estimates the
// time of one unpreempted pass over the kernel-benchmark volumes (same formula as KernelBenchmarkData.Intensity) for
//   read-only sum   TensorPrimitives.Sum over the input: the floor of any single pass (it only reads the 4 bytes/voxel)
//   x > t into      Threshold.Above(span, 1500, mask): the library's kernel (reads 4, writes 1 byte per voxel)
//   copy            Span.CopyTo into a float array
// on two threads (one half of the volume each, released together by a spinning flag per chunk pair) and on one.
// Each pass walks the volume in chunks of 2 MB of floats per thread; after PASSES passes the minimum time of each chunk
// is kept and the minima are summed. On a loaded machine a chunk pair that ran without preemption in some pass gives
// the quiet time; a pass whose helper thread never ran alongside shows as an absurd row (re-run, or raise PASSES).
// benchmarks/scripts/imaging_peers_bandwidth.py does the same chunking for numpy's np.greater(v, t, out=) on one thread.
//
//   dotnet run -c Release --file benchmarks/scripts/imaging_peers_bandwidth.cs -- [PASSES=25] [SIZE ...]   (default: the three issue-3 sizes)
using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using BmeQuant.Imaging.Thresholding;

var passes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 25;
var sizes = args.Length > 1 ? args[1..] : ["320x320x30", "512x512x40", "384x384x200"];
var sink = 0f;
foreach (var size in sizes)
{
    var d = size.Split('x').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    var v = Intensity(d[0], d[1], d[2]);
    var len = v.Length;
    var mask = new byte[len];
    var output = new float[len];
    Console.WriteLine($"{size}: {len} voxels, input {len * 4 / 1e6:F1} MB; sum of per-chunk minima over {passes} passes");
    foreach (var threads in new[] { 2, 1 })
    {
        Row("read-only sum (floor)", threads, (s, n) => sink += TensorPrimitives.Sum<float>(v.AsSpan(s, n)), len * 4.0);
        Row("x > t into", threads, (s, n) => Threshold.Above(v.AsSpan(s, n), 1500f, mask.AsSpan(s, n)), len * 5.0);
        Row("copy", threads, (s, n) => v.AsSpan(s, n).CopyTo(output.AsSpan(s, n)), len * 8.0);
    }

    void Row(string name, int threads, Action<int, int> work, double bytes)
    {
        var ms = Chunked(len, 1 << 19, threads, passes, work);
        Console.WriteLine($"  {name,-24} {threads} thread{(threads > 1 ? "s" : " ")} {ms,9:F3} ms {bytes / ms / 1e6,7:F1} GB/s");
    }
}

GC.KeepAlive(sink);

static double Chunked(int length, int chunk, int threads, int passes, Action<int, int> work)
{
    var half = threads == 1 ? length : length / 2;
    var chunks = (half + chunk - 1) / chunk;
    var best = new double[chunks];
    Array.Fill(best, double.MaxValue);
    var go = 0;
    var done = 0;
    Thread? helper = null;
    if (threads == 2)
    {
        helper = new Thread(() =>
        {
            for (var ticket = 1; ticket <= passes * chunks; ticket++)
            {
                while (Volatile.Read(ref go) < ticket)
                {
                    Thread.SpinWait(1);
                }

                var start = half + (((ticket - 1) % chunks) * chunk);
                var n = Math.Min(chunk, length - start);
                if (n > 0)
                {
                    work(start, n);
                }

                Interlocked.Increment(ref done);
            }
        })
        { IsBackground = true };
        helper.Start();
    }

    for (var ticket = 1; ticket <= passes * chunks; ticket++)
    {
        var c = (ticket - 1) % chunks;
        var t0 = Stopwatch.GetTimestamp();
        Volatile.Write(ref go, ticket);
        var start = c * chunk;
        work(start, Math.Min(chunk, half - start));
        while (threads == 2 && Volatile.Read(ref done) < ticket)
        {
            Thread.SpinWait(1);
        }

        best[c] = Math.Min(best[c], Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }

    helper?.Join();
    return best.Sum();
}

static float[] Intensity(int nx, int ny, int nz)
{
    var v = new float[nx * ny * nz];
    Parallel.For(0, nz, k =>
    {
        for (var j = 0; j < ny; j++)
        {
            for (var i = 0; i < nx; i++)
            {
                var hash = ((i * 73856093L) ^ (j * 19349663L) ^ (k * 83492791L)) & 0xFFFFF;
                var smooth = 1000 + (400 * Math.Sin(0.07 * i) * Math.Cos(0.05 * j)) + (30.0 * k);
                v[i + (nx * (j + (ny * k)))] = (float)(smooth + ((hash % 1024) / 4.0));
            }
        }
    });
    return v;
}
