using System.Globalization;
using System.Text.Json;
using BmeQuant.Dicom;
using BmeQuant.Dicom.Seg;
using BmeQuant.Dicom.Sr;
using BmeQuant.Dicom.Web;
using BmeQuant.Imaging.IO;
using BmeQuant.Pacs;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;
using BmeQuant.Reporting;
using BmeQuant.Testing;

namespace BmeQuant.Integration.Tests;

/// <summary>
/// A real Orthanc with the DICOMweb plugin holding two phantom knee visits of one patient (uploaded through Orthanc's
/// own REST API): <c>bmequant pacs pull</c>, <c>analyze --from-pacs --push</c> and <c>compare --from-pacs --push</c>
/// run in-process, then Orthanc is queried: the SEG and SR are stored in the right study, decode to the analysis masks
/// and numbers, and repeating a pull or push transfers nothing new.
/// </summary>
public sealed class PacsRoundTripTests : IClassFixture<OrthancServer>, IClassFixture<PacsRoundTripTests.TwoVisits>
{
    private readonly OrthancServer _pacs;
    private readonly TwoVisits _visits;

    public PacsRoundTripTests(OrthancServer pacs, TwoVisits visits)
    {
        _pacs = pacs;
        _visits = visits;
    }

    [Fact]
    public async Task PullAnalyzePushCompare_TwoPhantomVisits_StoresSegAndSrOnceThatDecodeToTheAnalysis()
    {
        SkipWithoutOrthanc();
        var ct = TestContext.Current.CancellationToken;
        var patient = "BMEQ-IT-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var visits = _visits.ExportFor(patient);
        await _pacs.UploadAsync(visits.SelectMany(v => v.Files), ct);
        var url = _pacs.DicomWebRoot.ToString();
        string[] auth = ["--user", OrthancServer.User, "--password", OrthancServer.Password];
        var work = TestPaths.NewOutputFolder("pacs-roundtrip");
        var cache = Path.Combine(work, "cache");

        // 1. pull: both studies, date order, every instance once.
        var (code, stdout, stderr) = Run(["pacs", "pull", "--url", url, "--patient", patient, "--cache", cache, .. auth]);
        Assert.True(code == 0, stderr + stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("Study ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, lines.Length);
        for (var i = 0; i < 2; i++)
        {
            Assert.StartsWith("Study " + visits[i].StudyUid, lines[i], StringComparison.Ordinal);
            Assert.Contains($"{visits[i].Files.Count} instance(s) downloaded, 0 already cached", lines[i], StringComparison.Ordinal);
            var cached = Directory.GetFiles(Path.Combine(cache, visits[i].StudyUid), "*.dcm", SearchOption.AllDirectories);
            Assert.Equal(
                visits[i].Files.Select(f => DicomFile.Open(f, DicomReadOptions.HeaderOnly).Dataset.GetString(DicomTag.SOPInstanceUID)).Order(StringComparer.Ordinal),
                cached.Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal));
        }

        // 2. pull again: nothing downloaded. 3. one instance lost and a stale partial file: only that instance comes back.
        (code, stdout, stderr) = Run(["pacs", "pull", "--url", url, "--patient", patient, "--cache", cache, .. auth]);
        Assert.True(code == 0, stderr);
        Assert.Equal(2, CountOccurrences(stdout, "0 instance(s) downloaded"));
        var victim = Directory.GetFiles(Path.Combine(cache, visits[0].StudyUid), "*.dcm", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var original = await File.ReadAllBytesAsync(victim, ct);
        File.Delete(victim);
        var stale = Path.Combine(Path.GetDirectoryName(victim)!, DicomWebClient.TempPrefix + "1-dead-000000.tmp");
        await File.WriteAllBytesAsync(stale, original.AsMemory(0, original.Length / 2), ct);
        (code, stdout, stderr) = Run(["pacs", "pull", "--url", url, "--patient", patient, "--study", visits[0].StudyUid, "--cache", cache, .. auth]);
        Assert.True(code == 0, stderr);
        Assert.Contains($"1 instance(s) downloaded, {visits[0].Files.Count - 1} already cached", stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(stale), "the stale partial download was not removed");
        Assert.Equal(DicomFile.Open(victim).Dataset.GetString(DicomTag.SOPInstanceUID), Path.GetFileNameWithoutExtension(victim));

        // 4. analyze the first visit from the PACS and push SEG + SR.
        var out1 = Path.Combine(work, "analysis-1");
        (code, stdout, stderr) = Run(["analyze", "--from-pacs", url, "--patient", patient, "--study", visits[0].StudyUid, "--cache", cache, "--push", "--bone-mask", visits[0].BoneLabels, "--out", out1, .. auth]);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("0 instance(s) downloaded", stdout, StringComparison.Ordinal);
        Assert.Contains("Pushed: 2 stored, 0 already stored, 0 failed.", stdout, StringComparison.Ordinal);
        var seg = Segmentation.Open(Path.Combine(out1, "segmentation.dcm"));
        var sr = MeasurementReport.Open(Path.Combine(out1, "measurements-sr.dcm"));

        // Orthanc holds them in the source study, and they decode to the analysis masks and numbers.
        var stored = await QidoAsync(visits[0].StudyUid, ct);
        var storedSeg = stored.Single(m => m.Get(DicomTag.Modality) == "SEG");
        var storedSr = stored.Single(m => m.Get(DicomTag.Modality) == "SR");
        Assert.Equal([seg.SopInstanceUid], await SopUidsAsync(visits[0].StudyUid, storedSeg.SeriesInstanceUid, ct));
        Assert.Equal([sr.SopInstanceUid], await SopUidsAsync(visits[0].StudyUid, storedSr.SeriesInstanceUid, ct));
        var fromPacs = Path.Combine(work, "from-pacs");
        using (var client = Client())
        {
            await client.RetrieveSeriesAsync(visits[0].StudyUid, storedSeg.SeriesInstanceUid, fromPacs, ct);
            await client.RetrieveSeriesAsync(visits[0].StudyUid, storedSr.SeriesInstanceUid, fromPacs, ct);
        }

        var pacsSeg = Segmentation.Open(Path.Combine(fromPacs, seg.SopInstanceUid + ".dcm"));
        var pacsSr = MeasurementReport.Open(Path.Combine(fromPacs, sr.SopInstanceUid + ".dcm"));
        Assert.Equal(visits[0].StudyUid, pacsSeg.StudyInstanceUid);
        Assert.Equal(visits[0].StudyUid, pacsSr.StudyInstanceUid);
        Assert.Equal([visits[0].StirSeriesUid], pacsSeg.ReferencedSeriesInstanceUids);
        Assert.Contains(pacsSeg.SopInstanceUid, pacsSr.EvidenceSopInstanceUids);
        var edema = NiftiReader.ReadMask(Path.Combine(out1, "edema.nii.gz"));
        var decoded = pacsSeg.ToMask(1, edema.Geometry, 0.05);
        Assert.Equal(edema.Data.Select(v => v != 0), decoded.Data.Select(v => v != 0));
        Assert.True(edema.Data.Count(v => v != 0) > 100, "the phantom analysis found almost no edema: the mask comparison would be vacuous");
        using (var findings = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(out1, "findings.json"), ct)))
        {
            var total = findings.RootElement.GetProperty("total");
            var totalGroup = pacsSr.Groups.Single(g => g.TrackingUid == DicomOutputs.TrackingUid(patient, "total"));
            Assert.Equal(total.GetProperty("edemaVolumeMm3").GetDouble(), totalGroup.Get(SrCodes.Volume)!.Value, 6);
            foreach (var bone in findings.RootElement.GetProperty("bones").EnumerateArray())
            {
                var name = bone.GetProperty("name").GetString()!;
                var group = pacsSr.Groups.Single(g => g.TrackingUid == DicomOutputs.TrackingUid(patient, name));
                Assert.Equal(bone.GetProperty("edemaVolumeMm3").GetDouble(), group.Get(SrCodes.Volume)!.Value, 6);
                Assert.Equal((double?)bone.GetProperty("grades").GetProperty("worms").GetInt32(), group.Get(SrCodes.WormsGrade));
            }
        }

        // 5. the same analysis again: same UIDs, nothing stored twice.
        var countBefore = await InstanceCountAsync(visits[0].StudyUid, ct);
        (code, stdout, stderr) = Run(["analyze", "--from-pacs", url, "--patient", patient, "--study", visits[0].StudyUid, "--cache", cache, "--push", "--bone-mask", visits[0].BoneLabels, "--out", Path.Combine(work, "analysis-1b"), .. auth]);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("Pushed: 0 stored, 2 already stored, 0 failed.", stdout, StringComparison.Ordinal);
        Assert.Equal(2, CountOccurrences(stdout, ": already stored"));
        Assert.Equal(countBefore, await InstanceCountAsync(visits[0].StudyUid, ct));

        // 6. compare both visits from the PACS (the pushed SEG/SR are not pulled as images), pushing each timepoint.
        var report = Path.Combine(work, "compare");
        (code, stdout, stderr) = Run(["compare", "--from-pacs", url, "--patient", patient, "--cache", cache, "--push", "--bone-mask", visits[0].BoneLabels, "--bone-mask", visits[1].BoneLabels, "--out", report, .. auth]);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("2 derived series (SEG/SR) not pulled", stdout, StringComparison.Ordinal);
        Assert.Contains("Pushed: 0 stored, 2 already stored, 0 failed.", stdout, StringComparison.Ordinal); // timepoint 1 = the analysis above
        Assert.Contains("Pushed: 2 stored, 0 already stored, 0 failed.", stdout, StringComparison.Ordinal); // timepoint 2
        Assert.True(File.Exists(Path.Combine(report, "report.json")));
        var second = await QidoAsync(visits[1].StudyUid, ct);
        var secondSr = second.Single(m => m.Get(DicomTag.Modality) == "SR");
        Assert.Single(second, m => m.Get(DicomTag.Modality) == "SEG");
        var secondLocal = MeasurementReport.Open(Path.Combine(report, "timepoint-2", "measurements-sr.dcm"));
        Assert.Equal([secondLocal.SopInstanceUid], await SopUidsAsync(visits[1].StudyUid, secondSr.SeriesInstanceUid, ct));
        var change = secondLocal.Groups.Single(g => g.TrackingUid == DicomOutputs.TrackingUid(patient, "total"));
        Assert.NotNull(change.Get(SrCodes.VolumeChange));
        Assert.Equal(visits[1].Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), change.TimePoint);
    }

    [Fact]
    public void Pull_WrongPassword_ExitsRemoteFailedWithTheStatus()
    {
        SkipWithoutOrthanc();
        var (code, _, stderr) = Run(["pacs", "pull", "--url", _pacs.DicomWebRoot.ToString(), "--patient", "NOBODY", "--cache", TestPaths.NewOutputFolder("pacs-badauth"), "--user", OrthancServer.User, "--password", "wrong"]);

        Assert.Equal(32, code);
        Assert.Contains("401", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Pull_UnknownPatient_ExitsNoInput()
    {
        SkipWithoutOrthanc();
        var (code, _, stderr) = Run(["pacs", "pull", "--url", _pacs.DicomWebRoot.ToString(), "--patient", "NOBODY-" + Guid.NewGuid().ToString("N")[..6], "--cache", TestPaths.NewOutputFolder("pacs-nobody"), "--user", OrthancServer.User, "--password", OrthancServer.Password]);

        Assert.Equal(2, code);
        Assert.Contains("no study found", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_FolderTwice_SecondPushStoresNothing()
    {
        SkipWithoutOrthanc();
        var ct = TestContext.Current.CancellationToken;
        var patient = "BMEQ-PUSH-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var visit = _visits.ExportFor(patient)[0];
        var folder = Path.GetDirectoryName(visit.Files[0])!;
        var expected = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Length;
        string[] args = ["pacs", "push", "--url", _pacs.DicomWebRoot.ToString(), "--user", OrthancServer.User, "--password", OrthancServer.Password, folder];

        var (code, stdout, stderr) = Run(args);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains($"Pushed: {expected} stored, 0 already stored, 0 failed.", stdout, StringComparison.Ordinal);
        Assert.Equal(expected, await InstanceCountAsync(visit.StudyUid, ct));

        (code, stdout, stderr) = Run(args);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains($"Pushed: 0 stored, {expected} already stored, 0 failed.", stdout, StringComparison.Ordinal);
        Assert.Equal(expected, await InstanceCountAsync(visit.StudyUid, ct));
    }

    [Fact]
    public async Task OpenSourceAsync_DicomWebStudySource_OpensThePulledStudy()
    {
        SkipWithoutOrthanc();
        var ct = TestContext.Current.CancellationToken;
        var patient = "BMEQ-SRC-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var visit = _visits.ExportFor(patient)[0];
        await _pacs.UploadAsync(visit.Files, ct);
        using var source = new DicomWebStudySource(new DicomWebOptions { BaseUri = _pacs.DicomWebRoot, Username = OrthancServer.User, Password = OrthancServer.Password }, visit.StudyUid);

        var study = await BmeQuantStudy.OpenSourceAsync(source, Path.Combine(TestPaths.NewOutputFolder("pacs-source"), "work"), cancellationToken: ct);

        Assert.Equal(visit.StudyUid, study.StudyInstanceUid);
        Assert.Equal(visit.StirSeriesUid, study.FluidSensitive.Provenance.SeriesInstanceUid);
        Assert.NotNull(study.T1);
        Assert.DoesNotContain(OrthancServer.Password, source.Description, StringComparison.Ordinal);
    }

    private void SkipWithoutOrthanc()
    {
        if (_pacs.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }
    }

    private static (int ExitCode, string StdOut, string StdErr) Run(string[] args) => BmeQuant.Cli.Tests.CliHost.Run(args);

    private DicomWebClient Client() => new(new DicomWebOptions { BaseUri = _pacs.DicomWebRoot, Username = OrthancServer.User, Password = OrthancServer.Password, MaxRetries = 0 });

    private async Task<IReadOnlyList<QidoMatch>> QidoAsync(string studyUid, CancellationToken ct)
    {
        using var client = Client();
        return await client.SearchSeriesAsync(studyUid, null, ct);
    }

    private async Task<string[]> SopUidsAsync(string studyUid, string seriesUid, CancellationToken ct)
    {
        using var client = Client();
        return (await client.SearchInstancesAsync(studyUid, seriesUid, ct)).Select(m => m.SopInstanceUid).Order(StringComparer.Ordinal).ToArray();
    }

    private async Task<int> InstanceCountAsync(string studyUid, CancellationToken ct)
    {
        using var client = Client();
        return (await client.SearchStudyInstancesAsync(studyUid, null, ct)).Count;
    }

    private static int CountOccurrences(string text, string value)
    {
        var n = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    /// <summary>One exported phantom visit.</summary>
    public sealed record Visit(string StudyUid, string StirSeriesUid, DateOnly Date, IReadOnlyList<string> Files, string BoneLabels);

    /// <summary>A two-visit knee phantom (96×96, subchondral lesion growing), generated once; exported per patient ID.</summary>
    public sealed class TwoVisits
    {
        private readonly PhantomStudy _study;

        public TwoVisits()
        {
            var acquisitions = PhantomPresets.DefaultAcquisitions(PhantomAnatomy.Knee)
                .Select(a => a with { Columns = 96, Rows = 96, PixelSpacingMm = a.PixelSpacingMm * 8 / 3 })
                .ToArray();
            var lesion = PhantomPresets.DefaultLesion(PhantomAnatomy.Knee, LesionPattern.Subchondral);
            var spec = new PhantomSpec(PhantomAnatomy.Knee, acquisitions, [new VisitSpec(0, [lesion]), new VisitSpec(42, [lesion])]) { Seed = 41 };
            _study = PhantomGenerator.Generate(spec);
        }

        /// <summary>Exports both visits with <paramref name="patientId"/> (fresh UIDs each time); DICOM files only, truth maps left out.</summary>
        public IReadOnlyList<Visit> ExportFor(string patientId)
        {
            var options = new PhantomExportOptions { PatientId = patientId, BaselineDate = new DateOnly(2026, 3, 2) };
            var folders = PhantomDicomExporter.Write(_study, TestPaths.NewOutputFolder("pacs-phantom-" + patientId), options);
            var result = new List<Visit>();
            for (var v = 0; v < folders.Count; v++)
            {
                var stir = _study.Visits[v].Series.Single(s => s.Sequence.Sequence == PhantomSequence.Stir);
                var stirFolder = Path.Combine(folders[v], PhantomDicomExporter.SeriesFolderName(stir, options.Vendor));
                var files = _study.Visits[v].Series
                    .SelectMany(s => Directory.GetFiles(Path.Combine(folders[v], PhantomDicomExporter.SeriesFolderName(s, options.Vendor))))
                    .Order(StringComparer.Ordinal)
                    .ToArray();
                var header = DicomFile.Open(Directory.GetFiles(stirFolder)[0], DicomReadOptions.HeaderOnly).Dataset;
                result.Add(new Visit(
                    header.GetString(DicomTag.StudyInstanceUID),
                    header.GetString(DicomTag.SeriesInstanceUID),
                    options.BaselineDate.AddDays(_study.Spec.Visits[v].DayOffset),
                    files,
                    Path.Combine(folders[v], "truth", PhantomDicomExporter.SeriesFolderName(stir, options.Vendor) + "_bone_labels.nii.gz")));
            }

            return result;
        }
    }
}
