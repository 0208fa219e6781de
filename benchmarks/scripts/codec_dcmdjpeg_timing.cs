#:project ../../src/BmeQuant.Dicom/BmeQuant.Dicom.csproj
#:property Nullable=enable
#:property AssemblyName=CodecDcmdjpegTiming
#:property PublishAot=false

// Times BmeQuant's whole read of one (multi-frame, compressed) DICOM file, as dcmdjpeg does it: DicomFile.Open with
// default options, then every frame decoded to stored values into one reused buffer, on one thread. Best of REPEATS
// after a warm-up, as wall seconds and CPU seconds (user + sys) of this process. Prints
// "bmequant<TAB>frames<TAB>wall<TAB>cpu<TAB>checksum". Used by codec_dcmdjpeg.sh.
using System.Diagnostics;
using BmeQuant.Dicom;

var path = args[0];
int repeats = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
byte[] frame = [];
int frames = 0;

long Decode()
{
    var px = DicomPixelData.Create(DicomFile.Open(path));
    frames = px.NumberOfFrames;
    var length = px.FrameSampleCount * px.BytesPerSample;
    if (frame.Length != length)
    {
        frame = new byte[length];
    }

    long sum = 0;
    for (var f = 0; f < px.NumberOfFrames; f++)
    {
        px.GetFrameStoredBytes(f, frame);
        sum += frame[length / 2];
    }

    return sum;
}

long checksum = Decode(); // warm-up (JIT, page cache)
double wall = double.MaxValue, cpu = double.MaxValue;
using var self = Process.GetCurrentProcess();
for (var i = 0; i < repeats; i++)
{
    self.Refresh();
    var cpu0 = self.TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    checksum = Decode();
    wall = Math.Min(wall, sw.Elapsed.TotalSeconds);
    self.Refresh();
    cpu = Math.Min(cpu, (self.TotalProcessorTime - cpu0).TotalSeconds);
}

Console.WriteLine(FormattableString.Invariant($"bmequant\t{frames}\t{wall:F6}\t{cpu:F6}\t{checksum}"));
