using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BmeQuant.Dicom;
using BmeQuant.Dicom.Roles;
using BmeQuant.Dicom.Series;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Quantification;
using Microsoft.Extensions.Logging;

namespace BmeQuant.Loading;

/// <summary>
/// The join between ingest and quantification: discovers DICOM series (header-only), picks the T1 and
/// fluid-sensitive series by role, reads them (or NIfTI files) into volumes with modality values, loads the optional
/// masks and works out the anatomy, recording where everything came from.
/// </summary>
internal static class StudyLoader
{
    private const string FluidWords = "fluid-sensitive fat-suppressed series (STIR, PD/T2 fat-sat, Dixon water)";

    /// <summary>Opens a study folder: roles picked automatically.</summary>
    public static Study OpenFolder(string folder, StudyOpenOptions options, ProgressReporter progress, ILogger logger, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var discovery = Discover(folder, "study folder", options, progress, 0.0, 0.3, logger, ct);
        var studies = StudyRoles.FromSeries(discovery.Series);
        var study = SelectStudy(folder, studies, options);
        var notes = new List<string>(DiscoveryNotes(discovery));
        if (studies.Count > 1)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{studies.Count} studies found in the folder; opened StudyInstanceUID {study.StudyInstanceUid}."));
        }

        var fluidSeries = study.BestFluidSensitive
            ?? throw new StudyOpenException(StudyOpenFailure.MissingSeries, folder, $"No {FluidWords} found in {folder}: {SeriesFound(study.Series, discovery)}");
        if (study.BestT1 is null)
        {
            if (options.RequireT1)
            {
                throw new StudyOpenException(StudyOpenFailure.MissingSeries, folder, $"No T1-weighted series found in {folder}: {SeriesFound(study.Series, discovery)}");
            }

            notes.Add("No T1-weighted series in the study: T1 support, T1 ratios and automatic bone segmentation are unavailable.");
        }

        var fluidRole = study.Series.First(x => ReferenceEquals(x.Series, fluidSeries)).Role;
        Log.SeriesChosen(logger, "fluid-sensitive", fluidSeries, fluidRole.Evidence);
        ChoiceNote("fluid-sensitive", fluidSeries, study.Series.Where(x => x.Role.IsFluidSensitive), notes);
        if (study.BestT1 is { } chosenT1)
        {
            ChoiceNote("T1", chosenT1, study.Series.Where(x => x.Role.Role == SeriesRole.T1), notes);
        }

        var fluid = LoadDicom(fluidSeries, fluidRole, folder, discovery, options, progress, 0.3, 0.6, logger, ct);
        StudySeries? t1 = null;
        if (study.BestT1 is { } t1Series)
        {
            var t1Role = study.Series.First(x => ReferenceEquals(x.Series, t1Series)).Role;
            Log.SeriesChosen(logger, "T1", t1Series, t1Role.Evidence);

            t1 = LoadDicom(t1Series, t1Role, folder, discovery, options, progress, 0.6, 0.9, logger, ct);
        }

        var headers = new List<DicomDataset> { fluidSeries.Header };
        if (study.BestT1 is { } t)
        {
            headers.Add(t.Header);
        }

        var (anatomy, evidence) = options.Anatomy is { } given
            ? (given, "given")
            : AnatomyDetector.Detect(headers.Select(h => (string?)h.GetStringOrDefault(DicomTag.BodyPartExamined, string.Empty)), HeaderTexts(headers));
        Log.AnatomyChosen(logger, anatomy, evidence);

        return Finish(folder, fluid, fluidOriented: true, t1, anatomy, evidence, study.StudyInstanceUid, StudyDate(fluidSeries.Header), notes, options, progress, ct);
    }

    /// <summary>Opens a study from explicit paths, each a DICOM folder or a NIfTI file.</summary>
    public static Study OpenFiles(string fluidPath, string? t1Path, StudyOpenOptions options, ProgressReporter progress, ILogger logger, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fluidPath);
        var notes = new List<string>();
        var bodyParts = new List<string?>();
        var texts = new List<(string Field, string? Text)>();
        string? studyUid = null;
        DateOnly? studyDate = null;
        var fluid = LoadPath(fluidPath, fluid: true, options, progress, t1Path is null ? 0.9 : 0.45, notes, bodyParts, texts, ref studyUid, ref studyDate, out var fluidOriented, logger, ct);
        StudySeries? t1 = null;
        if (t1Path is not null)
        {
            t1 = LoadPath(t1Path, fluid: false, options, progress, 0.9, notes, bodyParts, texts, ref studyUid, ref studyDate, out var t1Oriented, logger, ct);
            t1 = t1 with { Volume = PlaceUnoriented(t1.Volume, t1Path, "T1 series", fluid, fluidOriented, t1Oriented, notes) };
        }
        else if (options.RequireT1)
        {
            throw new ArgumentException("A T1 series is required (StudyOpenOptions.RequireT1) but no T1 path was given.", nameof(t1Path));
        }

        var (anatomy, evidence) = options.Anatomy is { } given ? (given, "given") : AnatomyDetector.Detect(bodyParts, texts);
        Log.AnatomyChosen(logger, anatomy, evidence);

        return Finish(fluidPath, fluid, fluidOriented, t1, anatomy, evidence, studyUid, studyDate, notes, options, progress, ct);
    }

    /// <summary>A study over volumes already in memory (phantoms, volumes from another library).</summary>
    public static Study FromInput(StudyInput input, DateOnly? studyDate, string? source)
    {
        ArgumentNullException.ThrowIfNull(input);
        var fluid = new StudySeries(input.FluidSensitive, input.FluidSensitiveSeries, SeriesSourceKind.Memory, null, [], 0);
        var t1 = input.T1 is null ? null : new StudySeries(input.T1, input.T1Series ?? new SeriesProvenance(null, null, null), SeriesSourceKind.Memory, null, [], 0);
        return new Study(input, fluid, t1, "given", source ?? input.FluidSensitiveSeries.Source ?? "memory", null, studyDate, []);
    }

    private static Study Finish(
        string source,
        StudySeries fluid,
        bool fluidOriented,
        StudySeries? t1,
        Anatomy anatomy,
        string anatomyEvidence,
        string? studyUid,
        DateOnly? studyDate,
        List<string> notes,
        StudyOpenOptions options,
        ProgressReporter progress,
        CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Volume<int>? labels = null;
        Volume<byte>? reference = null;
        if (options.BoneMaskPath is { } bonePath)
        {
            progress.Report(BmeQuantStage.Loading, 0.92, "reading bone label map " + Path.GetFileName(bonePath));
            RequireOneVolume(bonePath, "bone label map");
            labels = ReadNifti(bonePath, "bone label map", NiftiReader.ReadLabels);
            labels = PlaceUnoriented(labels, bonePath, "bone label map", fluid, fluidOriented, MaskOriented(bonePath, "bone label map", notes), notes);
        }

        if (options.ReferenceMaskPath is { } referencePath)
        {
            progress.Report(BmeQuantStage.Loading, 0.96, "reading reference mask " + Path.GetFileName(referencePath));
            RequireOneVolume(referencePath, "reference mask");
            reference = ReadNifti(referencePath, "reference mask", NiftiReader.ReadMask);
            reference = PlaceUnoriented(reference, referencePath, "reference mask", fluid, fluidOriented, MaskOriented(referencePath, "reference mask", notes), notes);
        }

        var input = new StudyInput(fluid.Volume, t1?.Volume)
        {
            FluidSensitiveSeries = fluid.Provenance,
            T1Series = t1?.Provenance,
            BoneLabels = labels,
            LabelNames = options.BoneLabelNames,
            BoneLabelsSource = options.BoneMaskPath is null ? null : Path.GetFileName(options.BoneMaskPath),
            ReferenceMask = reference,
            ReferenceMaskSource = options.ReferenceMaskPath is null ? null : Path.GetFileName(options.ReferenceMaskPath),
            Anatomy = anatomy,
            Notes = [.. notes],
        };
        progress.Report(BmeQuantStage.Completed, 1.0, "study opened");
        return new Study(input, fluid, t1, anatomyEvidence, source, studyUid, studyDate, notes);
    }

    private static T ReadNifti<T>(string path, string what, Func<string, T> read)
    {
        if (!File.Exists(path))
        {
            throw new StudyOpenException(StudyOpenFailure.NotFound, path, Directory.Exists(path)
                ? $"The {what} '{path}' is a folder; expected a NIfTI file (.nii or .nii.gz)."
                : $"The {what} '{path}' does not exist.");
        }

        try
        {
            return read(path);
        }
        catch (BmeQuantException ex)
        {
            throw new StudyOpenException(StudyOpenFailure.Unreadable, path, $"The {what} '{path}' could not be read: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new StudyOpenException(StudyOpenFailure.Unreadable, path, $"The {what} '{path}' could not be read: {ex.Message}", ex);
        }
    }

    private static StudySeries LoadPath(
        string path,
        bool fluid,
        StudyOpenOptions options,
        ProgressReporter progress,
        double progressTo,
        List<string> notes,
        List<string?> bodyParts,
        List<(string Field, string? Text)> texts,
        ref string? studyUid,
        ref DateOnly? studyDate,
        out bool oriented,
        ILogger logger,
        CancellationToken ct)
    {
        var what = fluid ? "fluid-sensitive series" : "T1 series";
        oriented = true;
        var progressFrom = fluid ? 0.0 : 0.45;
        if (Directory.Exists(path))
        {
            var discovery = Discover(path, what, options, progress, progressFrom, progressFrom + ((progressTo - progressFrom) * 0.3), logger, ct);
            notes.AddRange(DiscoveryNotes(discovery));
            var (series, role) = PickSeries(path, discovery, fluid, options, notes);
            Log.SeriesChosen(logger, fluid ? "fluid-sensitive" : "T1", series, role.Evidence);

            bodyParts.Add(series.Header.GetStringOrDefault(DicomTag.BodyPartExamined, string.Empty));
            texts.AddRange(HeaderTexts([series.Header]));
            studyUid ??= series.StudyInstanceUid;
            studyDate ??= StudyDate(series.Header);
            return LoadDicom(series, role, path, discovery, options, progress, progressFrom + ((progressTo - progressFrom) * 0.3), progressTo, logger, ct);
        }

        if (!File.Exists(path))
        {
            throw new StudyOpenException(StudyOpenFailure.NotFound, path, $"The {what} '{path}' does not exist (expected a DICOM folder or a NIfTI file).");
        }

        if (!IsNifti(path))
        {
            throw new StudyOpenException(StudyOpenFailure.NoImages, path, $"The {what} '{path}' is a file but not NIfTI (.nii or .nii.gz); give a NIfTI file or the folder holding the DICOM series.");
        }

        progress.Report(BmeQuantStage.Loading, progressFrom, "reading " + Path.GetFileName(path));
        var watch = Stopwatch.StartNew();
        RequireOneVolume(path, what);
        var volume = ReadNifti(path, what, NiftiReader.ReadFloat);
        var header = NiftiReader.ReadHeader(path);
        oriented = TransformNotes(header, path, what, notes);
        var description = header.Description.Trim();
        var sidecar = Sidecar.Read(path);
        if (sidecar is not null)
        {
            bodyParts.Add(sidecar.BodyPartExamined);
            texts.Add(("SeriesDescription", sidecar.SeriesDescription));
            texts.Add(("ProtocolName", sidecar.ProtocolName));
            studyUid ??= sidecar.StudyInstanceUid;
        }

        texts.Add(("NIfTI descrip", description));
        var provenance = new SeriesProvenance(
            sidecar?.SeriesInstanceUid,
            sidecar?.SeriesDescription ?? (description.Length > 0 ? description : null),
            Path.GetFileName(path));
        Log.Loaded(logger, path, volume.Geometry.SizeX, volume.Geometry.SizeY, volume.Geometry.SizeZ, watch.ElapsedMilliseconds);
        progress.Report(BmeQuantStage.Loading, progressTo, "read " + Path.GetFileName(path));
        return new StudySeries(volume, provenance, SeriesSourceKind.Nifti, sidecar?.Role, [], 0);
    }

    /// <summary>Notes a NIfTI file whose sform and qform disagree or that has neither; returns false for the latter (no orientation).</summary>
    private static bool TransformNotes(NiftiHeader header, string path, string what, List<string> notes)
    {
        var file = Path.GetFileName(path);
        if (header.GeometrySource == "pixdim")
        {
            notes.Add($"The {what} '{file}' has no orientation (qform_code = sform_code = 0): its grid is taken from pixdim alone, axis-aligned at the origin.");
            return false;
        }

        if (header.SFormGeometry is { } sform && header.QFormGeometry is { } qform)
        {
            var corners = sform.CornerPoints().Zip(qform.CornerPoints(), (a, b) => (a - b).Length).Max();
            if (corners > 0.5)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"The {what} '{file}': its sform and qform disagree by up to {corners:0.#} mm at the grid's corners; the sform (code {(int)header.SFormCode}) was used, as NIfTI prefers it when its code is set."));
            }
        }

        return true;
    }

    /// <summary>Refuses a NIfTI file of several volumes (4-D or more) before its voxels are read, saying what to give instead.</summary>
    private static void RequireOneVolume(string path, string what)
    {
        var header = ReadNifti(path, what, NiftiReader.ReadHeader);
        if (header.VolumeCount > 1)
        {
            throw new StudyOpenException(StudyOpenFailure.Unreadable, path, string.Create(
                CultureInfo.InvariantCulture,
                $"The {what} '{path}' holds {header.VolumeCount} volumes (dim = [{string.Join(", ", header.Dimensions.Take(header.Rank))}]); expected one 3-D volume. Give one volume as its own file (split the multi-echo, Dixon or time-series export)."));
        }
    }

    /// <summary>Reads the header of a mask already read successfully: its transform notes, and whether it has an orientation.</summary>
    private static bool MaskOriented(string path, string what, List<string> notes) =>
        TransformNotes(NiftiReader.ReadHeader(path), path, what, notes);

    /// <summary>
    /// A volume of which either side (it or the fluid-sensitive series) has no orientation cannot be placed in patient
    /// space: it is taken voxel for voxel on the fluid-sensitive grid when its size is the same (with a note), else refused.
    /// </summary>
    private static Volume<T> PlaceUnoriented<T>(Volume<T> volume, string path, string what, StudySeries fluid, bool fluidOriented, bool oriented, List<string> notes)
        where T : unmanaged
    {
        if (fluidOriented && oriented)
        {
            return volume;
        }

        var g = volume.Geometry;
        var f = fluid.Volume.Geometry;
        var file = Path.GetFileName(path);
        var fluidName = fluid.Provenance.Source ?? "fluid-sensitive series";
        var which = (fluidOriented, oriented) switch
        {
            (false, false) => $"Neither the fluid-sensitive series '{fluidName}' nor the {what} '{file}' has an orientation (qform_code = sform_code = 0)",
            (false, _) => $"The fluid-sensitive series '{fluidName}' has no orientation (qform_code = sform_code = 0)",
            _ => $"The {what} '{file}' has no orientation (qform_code = sform_code = 0)",
        };
        if (g.SizeX != f.SizeX || g.SizeY != f.SizeY || g.SizeZ != f.SizeZ)
        {
            throw new StudyOpenException(StudyOpenFailure.Unreadable, path, string.Create(CultureInfo.InvariantCulture, $"{which}, and the {what} '{file}' ({g.SizeX}×{g.SizeY}×{g.SizeZ}) is not on the fluid-sensitive voxel grid ({f.SizeX}×{f.SizeY}×{f.SizeZ}): it cannot be placed on it. Give files that keep the scanner's transform (qform/sform), as dcm2niix writes them."));
        }

        notes.Add(string.Create(CultureInfo.InvariantCulture, $"{which}: the {what} '{file}' was taken voxel for voxel on the fluid-sensitive grid (same size {f.SizeX}×{f.SizeY}×{f.SizeZ}); its position could not be checked in patient space."));
        return new Volume<T>(f, volume.Data);
    }

    private static bool IsNifti(string path) =>
        path.EndsWith(".nii", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase);

    private static DiscoveryResult Discover(string folder, string what, StudyOpenOptions options, ProgressReporter progress, double from, double to, ILogger logger, CancellationToken ct)
    {
        if (!Directory.Exists(folder))
        {
            throw new StudyOpenException(StudyOpenFailure.NotFound, folder, File.Exists(folder)
                ? $"The {what} '{folder}' is a file; expected a folder of DICOM files."
                : $"The {what} '{folder}' does not exist.");
        }

        progress.Report(BmeQuantStage.Discovering, from, "reading DICOM headers under " + folder);
        var discoveryOptions = SeriesDiscoveryOptions.Default with
        {
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism > 0 ? options.MaxDegreeOfParallelism : Environment.ProcessorCount,
        };
        var result = options.Discovered is { } known && known.TryGetValue(folder, out var already)
            ? already
            : SeriesDiscovery.Discover(folder, discoveryOptions, ct);
        Log.Discovered(logger, result.Series.Count, result.FilesScanned, folder);
        foreach (var failure in result.Failures)
        {
            Log.DiscoveryProblem(logger, folder, failure.Error.Message);
        }

        if (result.Series.Count == 0)
        {
            if (result.Failures.Count > 0)
            {
                throw new StudyOpenException(
                    StudyOpenFailure.Unreadable,
                    folder,
                    string.Create(CultureInfo.InvariantCulture, $"No readable DICOM image in {folder}: {result.Failures.Count} file(s) look like DICOM but could not be read, e.g. {result.Failures[0].Error.Message}"),
                    result.Failures[0].Error);
            }

            var nonImage = result.NonImageInstances.Count > 0
                ? string.Create(CultureInfo.InvariantCulture, $"; {result.NonImageInstances.Count} DICOM object(s) without pixel data (SR, presentation states …)")
                : string.Empty;
            throw new StudyOpenException(
                StudyOpenFailure.NoImages,
                folder,
                string.Create(CultureInfo.InvariantCulture, $"No DICOM image found in {folder} ({result.FilesScanned} file(s) scanned, {result.NotDicomFiles.Count} not DICOM{nonImage})."));
        }

        progress.Report(BmeQuantStage.Discovering, to, string.Create(CultureInfo.InvariantCulture, $"{result.Series.Count} series found"));
        return result;
    }

    private static IEnumerable<string> DiscoveryNotes(DiscoveryResult discovery)
    {
        foreach (var failure in discovery.Failures)
        {
            yield return "Unreadable file skipped: " + failure.Error.Message;
        }

        if (discovery.Duplicates.Count > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{discovery.Duplicates.Count} duplicate instance(s) dropped (same SOPInstanceUID).");
        }

        foreach (var note in discovery.Notes)
        {
            yield return note;
        }
    }

    private static StudyRoles SelectStudy(string folder, IReadOnlyList<StudyRoles> studies, StudyOpenOptions options)
    {
        if (options.StudyInstanceUid is { } uid)
        {
            return studies.FirstOrDefault(s => string.Equals(s.StudyInstanceUid, uid, StringComparison.Ordinal))
                ?? throw new StudyOpenException(StudyOpenFailure.MissingSeries, folder, $"StudyInstanceUID {uid} is not in {folder}; studies found: {string.Join(", ", studies.Select(s => s.StudyInstanceUid))}.");
        }

        if (studies.Count == 1)
        {
            return studies[0];
        }

        var complete = studies.Where(s => s.BestFluidSensitive is not null && (s.BestT1 is not null || !options.RequireT1)).ToArray();
        if (complete.Length == 1)
        {
            return complete[0];
        }

        var list = string.Join("; ", studies.Select(s => string.Create(
            CultureInfo.InvariantCulture,
            $"{s.StudyInstanceUid} ({s.Series.Count} series{(s.Missing.Count == 0 ? string.Empty : ", " + string.Join(", ", s.Missing))})")));
        throw new StudyOpenException(
            StudyOpenFailure.MissingSeries,
            folder,
            complete.Length == 0
                ? $"No study in {folder} has a {FluidWords}: {list}."
                : $"{folder} holds {complete.Length} studies that could be analysed; choose one with --study-uid (StudyOpenOptions.StudyInstanceUid): {list}.");
    }

    private static (DicomSeries Series, RoleClassification Role) PickSeries(string folder, DiscoveryResult discovery, bool fluid, StudyOpenOptions options, List<string> notes)
    {
        var studies = StudyRoles.FromSeries(discovery.Series);
        if (options.StudyInstanceUid is { } uid)
        {
            studies = studies.Where(s => string.Equals(s.StudyInstanceUid, uid, StringComparison.Ordinal)).ToArray();
        }

        var all = studies.SelectMany(s => s.Series).ToArray();
        var best = studies.Select(s => fluid ? s.BestFluidSensitive : s.BestT1).OfType<DicomSeries>().ToArray();
        var what = fluid ? FluidWords : "T1-weighted series";
        if (best.Length == 1)
        {
            ChoiceNote(fluid ? "fluid-sensitive" : "T1", best[0], all.Where(x => fluid ? x.Role.IsFluidSensitive : x.Role.Role == SeriesRole.T1), notes);
            return all.First(x => ReferenceEquals(x.Series, best[0]));
        }

        if (best.Length > 1)
        {
            throw new StudyOpenException(StudyOpenFailure.MissingSeries, folder, $"{folder} holds a {what} in {best.Length} studies; choose one with --study-uid (StudyOpenOptions.StudyInstanceUid): {string.Join("; ", best.Select(b => b.StudyInstanceUid + " " + b.Label))}.");
        }

        // Nothing classified in the role asked for: a folder holding exactly one volume is taken as given.
        var single = all.Where(x => x.Series.VolumeCount == 1).ToArray();
        if (single.Length == 1)
        {
            notes.Add($"{single[0].Series.Label} in {folder} was used as the {(fluid ? "fluid-sensitive" : "T1")} series as given, although its headers classify it as {single[0].Role.Role} ({string.Join("; ", single[0].Role.Evidence)}).");
            return single[0];
        }

        throw new StudyOpenException(StudyOpenFailure.MissingSeries, folder, $"No {what} found in {folder}: {SeriesFound(all, discovery)}");
    }

    /// <summary>When several series could fill a role, a note naming the one chosen, the others and the order of preference.</summary>
    private static void ChoiceNote(string what, DicomSeries chosen, IEnumerable<(DicomSeries Series, RoleClassification Role)> candidates, List<string> notes)
    {
        var all = candidates.Where(x => x.Series.VolumeCount == 1).ToArray();
        if (all.Length < 2)
        {
            return;
        }

        static string Describe((DicomSeries Series, RoleClassification Role) x) => string.Create(
            CultureInfo.InvariantCulture,
            $"{x.Series.Label} ({x.Role.Role}, confidence {x.Role.Confidence:0.00}, {x.Series.Slices.Count} slices{(x.Series.Geometry.Refusal is null ? string.Empty : ", geometry refused")})");
        var chosenEntry = all.First(x => ReferenceEquals(x.Series, chosen));
        var others = all.Where(x => !ReferenceEquals(x.Series, chosen)).Select(Describe);
        var order = what == "T1"
            ? "a regular geometry first, then role confidence, then the number of slices"
            : "a regular geometry first, then STIR over PD/T2 fat-sat over Dixon water, then role confidence, then the number of slices";
        notes.Add($"{all.Length} {what} series found; chose {Describe(chosenEntry)} over {string.Join(", ", others)} (preference: {order}).");
    }

    private static string SeriesFound(IReadOnlyList<(DicomSeries Series, RoleClassification Role)> series, DiscoveryResult discovery)
    {
        var listed = series.Count == 0
            ? "no image series were found"
            : "series found were " + string.Join(", ", series.Select(x => string.Create(
                CultureInfo.InvariantCulture,
                $"{x.Series.Label} → {x.Role.Role} (confidence {x.Role.Confidence:0.00}, {x.Series.Slices.Count} images)")));
        return discovery.Failures.Count == 0
            ? listed + "."
            : string.Create(CultureInfo.InvariantCulture, $"{listed}; {discovery.Failures.Count} file(s) could not be read, e.g. {discovery.Failures[0].Error.Message}");
    }

    private static StudySeries LoadDicom(
        DicomSeries series,
        RoleClassification role,
        string folder,
        DiscoveryResult discovery,
        StudyOpenOptions options,
        ProgressReporter progress,
        double from,
        double to,
        ILogger logger,
        CancellationToken ct)
    {
        progress.Report(BmeQuantStage.Loading, from, string.Create(CultureInfo.InvariantCulture, $"reading series {series.Label} ({series.Slices.Count} images)"));
        var watch = Stopwatch.StartNew();
        SeriesVolume volume;
        try
        {
            volume = series.ToVolume(options.Assembly, ct);
        }
        catch (DicomException ex)
        {
            var skipped = discovery.Failures.Count == 0
                ? string.Empty
                : string.Create(CultureInfo.InvariantCulture, $" ({discovery.Failures.Count} unreadable file(s) were skipped during discovery, e.g. {discovery.Failures[0].Error.Message})");
            throw new StudyOpenException(StudyOpenFailure.Unreadable, folder, $"The {role.Role} series {series.Label} in {folder} cannot be read into a volume: {ex.Message}{skipped}", ex);
        }

        Log.Loaded(logger, series, volume.Volume.Geometry.SizeX, volume.Volume.Geometry.SizeY, volume.Volume.Geometry.SizeZ, watch.ElapsedMilliseconds);
        progress.Report(BmeQuantStage.Loading, to, "read series " + series.Label);
        var provenance = new SeriesProvenance(series.SeriesInstanceUid, series.SeriesDescription, SeriesFolder(folder, discovery.Root, series));
        return new StudySeries(volume.Volume, provenance, SeriesSourceKind.Dicom, role.Role.ToString(), role.Evidence, series.Instances.Count);
    }

    /// <summary>The folder as the user gave it, extended by the sub-folder all the series' files share (if any).</summary>
    private static string SeriesFolder(string given, string root, DicomSeries series)
    {
        var dirs = series.Instances.Select(i => Path.GetDirectoryName(i.FilePath) ?? root).Distinct(StringComparer.Ordinal).ToArray();
        if (dirs.Length != 1)
        {
            return given;
        }

        var relative = Path.GetRelativePath(root, dirs[0]);
        return relative == "." || relative.StartsWith("..", StringComparison.Ordinal) ? given : Path.Combine(given, relative);
    }

    private static IEnumerable<(string Field, string? Text)> HeaderTexts(IEnumerable<DicomDataset> headers)
    {
        foreach (var h in headers)
        {
            yield return ("StudyDescription", h.GetStringOrDefault(DicomTag.StudyDescription, string.Empty));
            yield return ("SeriesDescription", h.GetStringOrDefault(DicomTag.SeriesDescription, string.Empty));
            yield return ("ProtocolName", h.GetStringOrDefault(DicomTag.ProtocolName, string.Empty));
        }
    }

    private static DateOnly? StudyDate(DicomDataset header) =>
        header.TryGetString(DicomTag.StudyDate, out var s) && DateOnly.TryParseExact(s.Trim(), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : null;

    /// <summary>The facts of a JSON sidecar beside a NIfTI file (ours from <c>bmequant convert</c>, or dcm2niix's BIDS sidecar).</summary>
    private sealed record Sidecar(string? SeriesInstanceUid, string? StudyInstanceUid, string? SeriesDescription, string? ProtocolName, string? BodyPartExamined, string? Role)
    {
        public static Sidecar? Read(string niftiPath)
        {
            var stem = niftiPath.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase) ? niftiPath[..^7] : niftiPath[..^4];
            var path = stem + ".json";
            if (!File.Exists(path))
            {
                return null;
            }

            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                string? Get(string name) =>
                    doc.RootElement.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } v ? v : null;

                return new Sidecar(Get("SeriesInstanceUID"), Get("StudyInstanceUID"), Get("SeriesDescription"), Get("ProtocolName"), Get("BodyPartExamined"), Get("Role"));
            }
            catch (JsonException)
            {
                // A sidecar is optional provenance: an unreadable one is ignored, the image still opens.
                return null;
            }
        }
    }
}
