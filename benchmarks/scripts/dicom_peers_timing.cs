#:project ../../src/BmeQuant.Dicom/BmeQuant.Dicom.csproj
#:property Nullable=enable
#:property AssemblyName=DicomPeersTiming
#:property PublishAot=false
#:property TieredCompilation=false

// Times BmeQuant's DICOM reader on every .dcm file of FOLDER (non-recursive), best of REPEATS after one warm-up pass,
// each stage as wall seconds and CPU seconds of this process (user + sys, all threads; robust to a loaded machine):
//   header     DicomFile.Open(HeaderOnly) of every file
//   full       DicomFile.Open (default: Pixel Data loaded into a pooled array, returned by Dispose) + GetFrameStored(0)
//              of every file (a new array per file, as pydicom's pixel_array)
//   ondemand   DicomFile.Open(PixelDataOnDemand) + GetFrameStoredBytes(0) into one reused buffer (pixels read from the
//              file straight into it)
//   volume     SeriesDiscovery.Discover(FOLDER) + ToVolume() of its first series (modality values, Volume<float>)
// Prints one line: "bmequant<TAB>files<TAB>" then wall<TAB>cpu for each stage in that order, then a checksum.
// Used by dicom_peers.sh.
// Like for like with the pydicom side: process start-up, imports and JIT are excluded on both sides (one warm-up pass;
// built like the bmequant CLI, without tiered compilation, so the warm-up leaves fully optimised code and no
// re-compilation lands in the timed runs). CPU seconds come from clock_gettime(CLOCK_PROCESS_CPUTIME_ID) on Linux
// (nanosecond accounting, all threads; Process.TotalProcessorTime elsewhere), as Python's time.process_time().
using System.Diagnostics;
using System.Runtime.InteropServices;
using BmeQuant.Dicom;
using BmeQuant.Dicom.Series;

var folder = args[0];
int repeats = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
var files = Directory.GetFiles(folder, "*.dcm").Order(StringComparer.Ordinal).ToArray();
byte[] frame = [];

long Headers()
{
    long n = 0;
    foreach (var f in files)
    {
        n += DicomFile.Open(f, DicomReadOptions.HeaderOnly).Dataset.GetString(DicomTag.SeriesInstanceUID)?.Length ?? 0;
    }

    return n;
}

long Full()
{
    long n = 0;
    foreach (var f in files)
    {
        // Disposed when done (as pydicom's dataset is freed): its pooled Pixel Data array is reused by the next file.
        using var file = DicomFile.Open(f);
        var stored = DicomPixelData.Create(file).GetFrameStored(0);
        n += Convert.ToInt64(stored.GetValue(stored.Length / 2), System.Globalization.CultureInfo.InvariantCulture);
    }

    return n;
}

long OnDemand()
{
    long n = 0;
    foreach (var f in files)
    {
        using var file = DicomFile.Open(f, DicomReadOptions.PixelDataOnDemand);
        var px = DicomPixelData.Create(file);
        var length = px.FrameSampleCount * px.BytesPerSample;
        if (frame.Length != length)
        {
            frame = new byte[length];
        }

        px.GetFrameStoredBytes(0, frame);
        n += px.BytesPerSample == 2 ? MemoryMarshal.Cast<byte, ushort>(frame)[px.FrameSampleCount / 2] : frame[length / 2];
    }

    return n;
}

long Volume()
{
    var series = SeriesDiscovery.Discover(folder).Series;
    if (series.Count == 0 || series[0].Geometry.Refusal is not null)
    {
        return -1;
    }

    var v = series[0].ToVolume().Volume;
    return (long)v.Data[v.Data.Length / 2];
}

(double Wall, double Cpu) Best(Func<long> run, out long checksum)
{
    checksum = run(); // warm-up (JIT, page cache)
    double wall = double.MaxValue, cpu = double.MaxValue;
    for (int i = 0; i < repeats; i++)
    {
        var cpu0 = ProcessCpu.Seconds();
        var sw = Stopwatch.StartNew();
        checksum = run();
        wall = Math.Min(wall, sw.Elapsed.TotalSeconds);
        cpu = Math.Min(cpu, ProcessCpu.Seconds() - cpu0);
    }

    return (wall, cpu);
}

var header = Best(Headers, out _);
var full = Best(Full, out long sum);
var onDemand = Best(OnDemand, out long sum2);
var volume = Best(Volume, out _);
if (sum != sum2)
{
    Console.Error.WriteLine($"checksums differ: full {sum}, on demand {sum2}");
    return 1;
}

Console.WriteLine(FormattableString.Invariant(
    $"bmequant\t{files.Length}\t{header.Wall:F6}\t{header.Cpu:F6}\t{full.Wall:F6}\t{full.Cpu:F6}\t{onDemand.Wall:F6}\t{onDemand.Cpu:F6}\t{volume.Wall:F6}\t{volume.Cpu:F6}\t{sum}"));
return 0;

/// <summary>CPU seconds of this process (all threads).</summary>
internal static partial class ProcessCpu
{
    public static double Seconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(2 /* CLOCK_PROCESS_CPUTIME_ID */, out var ts) == 0)
        {
            return ts.Seconds + (ts.Nanoseconds * 1e-9);
        }

        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec ts);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
