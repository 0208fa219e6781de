#:property Nullable=enable
#:property AssemblyName=DicomLohFloor
#:property PublishAot=false
#:property TieredCompilation=false

// The floor under dicom_peers.sh's "full" row with default GC settings: what one fresh 384x384 16-bit frame array
// per file (295 KB, the caller's array GetFrameStored returns, as pydicom's pixel_array) costs by itself, without any
// DICOM reading. Arrays of 85,000 bytes or more go to the large object heap; its freed pages are returned to the kernel
// after each gen2 collection, so each new array faults in all of its pages again (~70 per array).
//   dotnet run -c Release --file benchmarks/scripts/dicom_loh_floor.cs [files=200] [repeats=5]
// Prints CPU seconds per `files` arrays (best of `repeats`, after a warm-up), minor page faults and gen2 collections, for
//   fresh   GC.AllocateUninitializedArray<ushort> (what GetFrameStored does for uncompressed frames) + fill
//   pooled  ArrayPool<ushort>.Shared rent + fill + return (what a pooled buffer costs)
// Run it with DOTNET_GCLOHThreshold=0x100000 to see the same arrays in gen0 (no faults).
using System.Buffers;
using System.Diagnostics;
using System.Globalization;

int files = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
int repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
const int Samples = 384 * 384;
long sum = 0;

void Fresh()
{
    for (var f = 0; f < files; f++)
    {
        var a = GC.AllocateUninitializedArray<ushort>(Samples);
        a.AsSpan().Fill((ushort)f);
        sum += a[Samples / 2];
    }
}

void Pooled()
{
    for (var f = 0; f < files; f++)
    {
        var a = ArrayPool<ushort>.Shared.Rent(Samples);
        a.AsSpan(0, Samples).Fill((ushort)f);
        sum += a[Samples / 2];
        ArrayPool<ushort>.Shared.Return(a);
    }
}

foreach (var (name, run) in new (string, Action)[] { ("fresh", Fresh), ("pooled", Pooled) })
{
    run();
    double best = double.MaxValue;
    long faults = 0, gen2 = 0;
    for (var r = 0; r < repeats; r++)
    {
        var f0 = MinorFaults();
        var g0 = GC.CollectionCount(2);
        var c0 = Process.GetCurrentProcess().TotalProcessorTime;
        run();
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - c0).TotalSeconds;
        if (cpu < best)
        {
            (best, faults, gen2) = (cpu, MinorFaults() - f0, GC.CollectionCount(2) - g0);
        }
    }

    Console.WriteLine(FormattableString.Invariant($"{name}: {best:F3} CPU s per {files} arrays of {Samples * 2} bytes, {faults} minor faults ({(double)faults / files:F1} per array), {gen2} gen2 collections"));
}

Console.WriteLine(FormattableString.Invariant($"checksum {sum}; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));

// Minor page faults of this process (field 10 of /proc/self/stat; 0 elsewhere).
static long MinorFaults() => OperatingSystem.IsLinux() ? long.Parse(File.ReadAllText("/proc/self/stat").Split(' ')[9], CultureInfo.InvariantCulture) : 0;
