#:project ../../src/BmeQuant.Dicom/BmeQuant.Dicom.csproj
#:property Nullable=enable
#:property AssemblyName=DicomPeersTiming
#:property PublishAot=false

// Times BmeQuant's DICOM reader on every .dcm file of FOLDER (non-recursive): header-only parse of all files, and full
// read + decode of frame 0's stored values of all files. Best of REPEATS after one warm-up pass. Prints one line:
// "bmequant<TAB>files<TAB>header_seconds<TAB>full_seconds<TAB>checksum". Used by dicom_peers.sh.
using System.Diagnostics;
using BmeQuant.Dicom;

var folder = args[0];
int repeats = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
var files = Directory.GetFiles(folder, "*.dcm").Order(StringComparer.Ordinal).ToArray();

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
        var stored = DicomPixelData.Create(DicomFile.Open(f)).GetFrameStored(0);
        n += Convert.ToInt64(stored.GetValue(stored.Length / 2), System.Globalization.CultureInfo.InvariantCulture);
    }

    return n;
}

double Best(Func<long> run, out long checksum)
{
    checksum = run(); // warm-up (JIT, page cache)
    double best = double.MaxValue;
    for (int i = 0; i < repeats; i++)
    {
        var sw = Stopwatch.StartNew();
        checksum = run();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }

    return best;
}

double header = Best(Headers, out _);
double full = Best(Full, out long sum);
Console.WriteLine(FormattableString.Invariant($"bmequant\t{files.Length}\t{header:F6}\t{full:F6}\t{sum}"));
