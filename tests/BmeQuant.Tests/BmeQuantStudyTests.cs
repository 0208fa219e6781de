using System.Text.Json;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Quantification;
using BmeQuant.Testing;

namespace BmeQuant.Tests;

public class BmeQuantStudyTests(PhantomDicomFixture phantom) : IClassFixture<PhantomDicomFixture>
{
    private readonly PhantomDicomFixture _phantom = phantom;

    private StudyOpenOptions WithPhantomBones => new()
    {
        BoneMaskPath = _phantom.StirBoneLabels,
        BoneLabelNames = _phantom.Study.BoneNames.Select((n, i) => (Label: i + 1, Name: n)).ToDictionary(x => x.Label, x => x.Name),
    };

    [Fact]
    public async Task OpenFolderAsync_PhantomDicomStudy_PicksStirAndT1WithProvenance()
    {
        var study = await BmeQuantStudy.OpenFolderAsync(_phantom.StudyFolder, WithPhantomBones, cancellationToken: TestContext.Current.CancellationToken);

        var truth = ReadTruthSeries();
        Assert.Equal("Stir", study.FluidSensitive.Role);
        Assert.Equal("T1", study.T1?.Role);
        Assert.Equal(SeriesSourceKind.Dicom, study.FluidSensitive.Kind);
        Assert.Equal(truth[_phantom.Stir.Index].Uid, study.FluidSensitive.Provenance.SeriesInstanceUid);
        Assert.Equal(truth[_phantom.T1.Index].Uid, study.T1!.Provenance.SeriesInstanceUid);
        Assert.Equal(truth[_phantom.Stir.Index].Description, study.FluidSensitive.Provenance.SeriesDescription);
        Assert.Equal(_phantom.StirFolder, study.FluidSensitive.Provenance.Source);
        Assert.Equal(_phantom.Stir.Geometry.SizeZ, study.FluidSensitive.InstanceCount);
        Assert.Equal(_phantom.T1.Geometry.SizeZ, study.T1.InstanceCount);
        Assert.NotEmpty(study.FluidSensitive.RoleEvidence);
        Assert.Equal(Anatomy.Knee, study.Anatomy);
        Assert.Contains("BodyPartExamined", study.AnatomyEvidence, StringComparison.Ordinal);
        Assert.Equal(new DateOnly(2026, 3, 2), study.StudyDate);
        Assert.NotNull(study.StudyInstanceUid);
        Assert.NotNull(study.Input.BoneLabels);
    }

    [Fact]
    public async Task OpenFolderAsync_PhantomDicomStudy_VolumesMatchPhantomImagesWithinStorageRounding()
    {
        var study = await BmeQuantStudy.OpenFolderAsync(_phantom.StudyFolder, cancellationToken: TestContext.Current.CancellationToken);

        foreach (var (loaded, expected) in new[] { (study.FluidSensitive.Volume, _phantom.Stir.Image), (study.T1!.Volume, _phantom.T1.Image) })
        {
            Assert.True(loaded.Geometry.IsSameGrid(expected.Geometry), $"grid {loaded.Geometry} differs from the phantom's {expected.Geometry}");

            // The exporter stores round(value / slope) as uint16 with slope = max / 4000: the error is at most slope / 2.
            var slope = Math.Round(expected.Data.Max() / 4000.0, 6);
            var worst = 0.0;
            for (var n = 0; n < expected.Length; n++)
            {
                worst = Math.Max(worst, Math.Abs(loaded.Data[n] - expected.Data[n]));
            }

            Assert.InRange(worst, 0, (slope / 2) + 1e-3);
        }
    }

    [Fact]
    public async Task AnalyzeAsync_PhantomDicomStudy_AgreesWithInMemoryAnalysisOfThePhantom()
    {
        var ct = TestContext.Current.CancellationToken;
        var study = await BmeQuantStudy.OpenFolderAsync(_phantom.StudyFolder, WithPhantomBones, cancellationToken: ct);
        var fromDicom = await study.AnalyzeAsync(cancellationToken: ct);

        // The same visit analysed straight from the generator's float volumes with the same bone labels.
        var memoryInput = PhantomInputs.ToStudyInput(_phantom.Study, _phantom.Study.Visits[0]);
        var fromMemory = await BmeQuantStudy.FromInput(memoryInput).AnalyzeAsync(cancellationToken: ct);

        var dicomMm3 = fromDicom.Findings.Total.EdemaVolumeMm3;
        var memoryMm3 = fromMemory.Findings.Total.EdemaVolumeMm3;
        var truthMm3 = _phantom.Study.Visits[0].Truth.TotalEdemaVolumeMm3;
        Assert.True(memoryMm3 > 0.25 * truthMm3, $"the in-memory analysis found only {memoryMm3:0} mm³ of {truthMm3:0} mm³: the phantom lesion is not detected");

        // Only the uint16 storage rounding differs between the two paths: volumes within 5 % of each other.
        Assert.InRange(dicomMm3, memoryMm3 * 0.95, memoryMm3 * 1.05);
        Assert.Equal(fromMemory.Findings.Bones.Select(b => b.Name), fromDicom.Findings.Bones.Select(b => b.Name));
        Assert.Equal(study.FluidSensitive.Provenance.SeriesInstanceUid, fromDicom.Findings.Inputs.FluidSensitive.SeriesInstanceUid);
        Assert.Equal(Anatomy.Knee, fromDicom.Findings.Inputs.Anatomy);
        Assert.Equal("2026-03-02", fromDicom.Label);
        Assert.Equal(new DateOnly(2026, 3, 2), fromDicom.StudyDate);
    }

    [Fact]
    public async Task OpenFolderAsync_NoFluidSensitiveSeries_ThrowsListingTheSeriesFound()
    {
        var folder = _phantom.CopyStudy("facade-no-stir");
        Directory.Delete(Path.Combine(folder, Path.GetFileName(_phantom.StirFolder)), recursive: true);

        var ex = await Assert.ThrowsAsync<StudyOpenException>(() => BmeQuantStudy.OpenFolderAsync(folder, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StudyOpenFailure.MissingSeries, ex.Reason);
        Assert.Contains("No fluid-sensitive", ex.Message, StringComparison.Ordinal);
        Assert.Contains(folder, ex.Message, StringComparison.Ordinal);
        Assert.Contains("t1_tse_sag", ex.Message, StringComparison.Ordinal);
        Assert.Contains("T1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenFolderAsync_NoT1SeriesButRequired_ThrowsMissingSeries()
    {
        var folder = _phantom.CopyStudy("facade-no-t1");
        Directory.Delete(Path.Combine(folder, Path.GetFileName(_phantom.T1Folder)), recursive: true);

        var ex = await Assert.ThrowsAsync<StudyOpenException>(() => BmeQuantStudy.OpenFolderAsync(folder, new StudyOpenOptions { RequireT1 = true }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(StudyOpenFailure.MissingSeries, ex.Reason);
        Assert.Contains("No T1-weighted series", ex.Message, StringComparison.Ordinal);

        // Without the requirement the study opens, says why T1 is missing, and has no T1.
        var study = await BmeQuantStudy.OpenFolderAsync(folder, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(study.T1);
        Assert.Contains(study.Notes, n => n.Contains("No T1-weighted series", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenFolderAsync_FolderWithoutDicom_ThrowsNoImages()
    {
        var folder = TestPaths.NewOutputFolder("facade-no-dicom");
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "not an image", TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<StudyOpenException>(() => BmeQuantStudy.OpenFolderAsync(folder, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StudyOpenFailure.NoImages, ex.Reason);
        Assert.Contains("No DICOM image found in " + folder, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenFolderAsync_MissingFolder_ThrowsNotFound()
    {
        var folder = Path.Combine(TestPaths.NewOutputFolder("facade-missing"), "nope");
        var ex = await Assert.ThrowsAsync<StudyOpenException>(() => BmeQuantStudy.OpenFolderAsync(folder, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(StudyOpenFailure.NotFound, ex.Reason);
        Assert.Equal(folder, ex.Path);
    }

    [Fact]
    public async Task OpenFolderAsync_TruncatedStirFile_ThrowsUnreadableNamingTheFile()
    {
        var folder = _phantom.CopyStudy("facade-truncated");
        var stirFiles = Directory.GetFiles(Path.Combine(folder, Path.GetFileName(_phantom.StirFolder))).Order(StringComparer.Ordinal).ToArray();
        var victim = stirFiles[stirFiles.Length / 2];
        var bytes = await File.ReadAllBytesAsync(victim, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(victim, bytes[..(bytes.Length - 5000)], TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<StudyOpenException>(() => BmeQuantStudy.OpenFolderAsync(folder, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StudyOpenFailure.Unreadable, ex.Reason);
        Assert.Contains(Path.GetFileName(victim), ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public async Task OpenFilesAsync_DicomFolderAndNiftiFile_LoadsBothWithTheirProvenance()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = TestPaths.NewOutputFolder("facade-mixed");
        var t1Path = Path.Combine(folder, "t1.nii.gz");
        NiftiWriter.Write(_phantom.T1.Image, t1Path, description: "phantom T1");
        await File.WriteAllTextAsync(Path.Combine(folder, "t1.json"), """{ "SeriesInstanceUID": "1.2.3.4", "SeriesDescription": "T1 sag", "BodyPartExamined": "KNEE" }""", ct);

        var study = await BmeQuantStudy.OpenFilesAsync(_phantom.StirFolder, t1Path, cancellationToken: ct);

        Assert.Equal(SeriesSourceKind.Dicom, study.FluidSensitive.Kind);
        Assert.Equal("Stir", study.FluidSensitive.Role);
        Assert.Equal(SeriesSourceKind.Nifti, study.T1!.Kind);
        Assert.Equal(new SeriesProvenance("1.2.3.4", "T1 sag", "t1.nii.gz"), study.T1.Provenance);
        Assert.True(study.T1.Volume.Geometry.IsSameGrid(_phantom.T1.Image.Geometry));
        Assert.Equal(Anatomy.Knee, study.Anatomy);
    }

    [Fact]
    public async Task OpenFilesAsync_NiftiWithoutSidecar_UsesDescripAndExplicitAnatomy()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = TestPaths.NewOutputFolder("facade-nifti");
        var g = new ImageGeometry(8, 8, 4, new Vector3D(1, 1, 2), new Vector3D(0, 0, 0));
        var v = new Volume<float>(g);
        v.Data.AsSpan().Fill(7f);
        var stir = Path.Combine(folder, "stir.nii");
        NiftiWriter.Write(v, stir, description: "STIR cor");

        var study = await BmeQuantStudy.OpenFilesAsync(stir, null, new StudyOpenOptions { Anatomy = Anatomy.SacroiliacJoint }, cancellationToken: ct);

        Assert.Equal("STIR cor", study.FluidSensitive.Provenance.SeriesDescription);
        Assert.Null(study.FluidSensitive.Provenance.SeriesInstanceUid);
        Assert.Null(study.T1);
        Assert.Equal(Anatomy.SacroiliacJoint, study.Anatomy);
        Assert.Equal("given", study.AnatomyEvidence);
        Assert.All(study.FluidSensitive.Volume.Data, x => Assert.Equal(7f, x));
    }

    [Fact]
    public async Task OpenFilesAsync_NotNiftiFile_ThrowsNoImages()
    {
        var folder = TestPaths.NewOutputFolder("facade-not-nifti");
        var path = Path.Combine(folder, "stir.txt");
        await File.WriteAllTextAsync(path, "x", TestContext.Current.CancellationToken);
        var ex = await Assert.ThrowsAsync<StudyOpenException>(() => BmeQuantStudy.OpenFilesAsync(path, null, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(StudyOpenFailure.NoImages, ex.Reason);
        Assert.Contains("not NIfTI", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenFilesAsync_MissingBoneMask_ThrowsNotFoundNamingIt()
    {
        var missing = Path.Combine(TestPaths.NewOutputFolder("facade-no-mask"), "bones.nii.gz");
        var ex = await Assert.ThrowsAsync<StudyOpenException>(() => BmeQuantStudy.OpenFilesAsync(_phantom.StirFolder, null, new StudyOpenOptions { BoneMaskPath = missing }, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(StudyOpenFailure.NotFound, ex.Reason);
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenFolderAsync_Progress_IsMonotoneAndEndsCompleted()
    {
        var reports = new List<BmeQuantProgress>();
        var progress = new SyncProgress(reports);
        await BmeQuantStudy.OpenFolderAsync(_phantom.StudyFolder, progress: progress, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Contains(reports, r => r.Stage == BmeQuantStage.Discovering);
        Assert.Contains(reports, r => r.Stage == BmeQuantStage.Loading);
        Assert.Equal(BmeQuantStage.Completed, reports[^1].Stage);
        Assert.Equal(1.0, reports[^1].Fraction);
        for (var i = 1; i < reports.Count; i++)
        {
            Assert.True(reports[i].Fraction >= reports[i - 1].Fraction, $"fraction went back from {reports[i - 1].Fraction} to {reports[i].Fraction} at '{reports[i].Message}'");
        }
    }

    [Fact]
    public async Task OpenFolderAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BmeQuantStudy.OpenFolderAsync(_phantom.StudyFolder, cancellationToken: cts.Token));
    }

    [Fact]
    public async Task OpenSourceAsync_SourceFetchingFiles_OpensTheFetchedStudy()
    {
        var ct = TestContext.Current.CancellationToken;
        var work = Path.Combine(TestPaths.NewOutputFolder("facade-source"), "fetched");
        var source = new CopyingSource(_phantom.StudyFolder);

        var study = await BmeQuantStudy.OpenSourceAsync(source, work, cancellationToken: ct);

        Assert.True(source.Fetched);
        Assert.Equal("Stir", study.FluidSensitive.Role);
        Assert.StartsWith(work, study.FluidSensitive.Provenance.Source!, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => BmeQuantStudy.OpenSourceAsync(new CopyingSource(_phantom.StudyFolder), work, cancellationToken: ct));
    }

    private Dictionary<int, (string Uid, string Description)> ReadTruthSeries()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(_phantom.StudyFolder, "truth.json")));
        return doc.RootElement.GetProperty("series").EnumerateArray()
            .Select((s, i) => (i, s.GetProperty("seriesInstanceUid").GetString()!, s.GetProperty("description").GetString()!))
            .ToDictionary(x => x.i, x => (x.Item2, x.Item3));
    }

    private sealed class SyncProgress(List<BmeQuantProgress> reports) : IProgress<BmeQuantProgress>
    {
        public void Report(BmeQuantProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }

    private sealed class CopyingSource(string from) : IStudySource
    {
        public bool Fetched { get; private set; }

        public string Description => "test copy of " + Path.GetFileName(from);

        public Task<string> FetchAsync(string folder, IProgress<double>? progress, CancellationToken cancellationToken)
        {
            var files = Directory.GetFiles(from, "*", SearchOption.AllDirectories);
            for (var i = 0; i < files.Length; i++)
            {
                var destination = Path.Combine(folder, Path.GetRelativePath(from, files[i]));
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(files[i], destination);
                progress?.Report((i + 1.0) / files.Length);
            }

            Fetched = true;
            return Task.FromResult(folder);
        }
    }
}
