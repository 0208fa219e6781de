using System.Globalization;
using BmeQuant.Dicom;
using BmeQuant.Dicom.Web;

namespace BmeQuant.Pacs;

/// <summary>One study pulled from a PACS into the local cache.</summary>
/// <param name="StudyInstanceUid">StudyInstanceUID.</param>
/// <param name="StudyDate">StudyDate from the PACS, or null when it has none.</param>
/// <param name="StudyDescription">StudyDescription from the PACS (may be empty).</param>
/// <param name="Folder">The study's cache folder (one sub-folder per series, one file per instance named by its SOP Instance UID).</param>
/// <param name="Downloaded">Instances downloaded by this pull.</param>
/// <param name="AlreadyCached">Instances that were already complete in the cache and were not downloaded again.</param>
/// <param name="SkippedSeries">Series not pulled because they are derived objects (SEG, SR, PR, KO), e.g. outputs pushed earlier.</param>
public sealed record PulledStudy(string StudyInstanceUid, DateOnly? StudyDate, string StudyDescription, string Folder, int Downloaded, int AlreadyCached, int SkippedSeries);

/// <summary>What happened to one file of a push.</summary>
public enum PushOutcome
{
    /// <summary>Stored by this push.</summary>
    Stored,

    /// <summary>The PACS already held an instance with this SOP Instance UID; nothing was sent.</summary>
    AlreadyStored,

    /// <summary>The PACS refused the instance.</summary>
    Failed,
}

/// <summary>The outcome of one file of a push.</summary>
/// <param name="File">The file.</param>
/// <param name="SopInstanceUid">Its SOP Instance UID.</param>
/// <param name="StudyInstanceUid">Its StudyInstanceUID.</param>
/// <param name="Outcome">Stored, already stored or failed.</param>
/// <param name="Detail">The failure reason (STOW-RS failure reason code), or empty.</param>
public sealed record PushedInstance(string File, string SopInstanceUid, string StudyInstanceUid, PushOutcome Outcome, string Detail);

/// <summary>
/// Moves studies between a DICOMweb PACS and local folders. <see cref="PullAsync"/> finds a patient's studies with
/// QIDO-RS and downloads them with WADO-RS into a cache (one folder per StudyInstanceUID, one per series, each instance
/// written to a temporary name and renamed when complete); an interrupted pull resumes where it stopped and a repeated
/// pull downloads nothing. <see cref="PushAsync"/> stores files with STOW-RS after asking QIDO-RS which SOP Instance
/// UIDs the PACS already holds, so pushing the same (deterministic-UID) outputs twice stores them once.
/// </summary>
public static class PacsTransfer
{
    private static readonly HashSet<string> s_derivedModalities = new(StringComparer.OrdinalIgnoreCase) { "SEG", "SR", "PR", "KO" };

    /// <summary>Pulls the studies of <paramref name="patientId"/> (or only <paramref name="studyInstanceUid"/>) into <paramref name="cacheFolder"/>, oldest first.</summary>
    /// <param name="client">The DICOMweb client.</param>
    /// <param name="patientId">PatientID (0010,0020) to search for.</param>
    /// <param name="studyInstanceUid">Only this study, or null for all of the patient's studies.</param>
    /// <param name="cacheFolder">The cache root; study folders are created below it, named by StudyInstanceUID.</param>
    /// <param name="progress">Receives the fraction of studies done (0–1), or null.</param>
    /// <param name="cancellationToken">Stops the pull (complete instances stay in the cache).</param>
    /// <returns>The studies, in date order (undated last, then by UID).</returns>
    /// <exception cref="DicomWebException">The PACS cannot be reached, refuses the request, or sends something that is not DICOM.</exception>
    public static async Task<IReadOnlyList<PulledStudy>> PullAsync(
        DicomWebClient client,
        string patientId,
        string? studyInstanceUid,
        string cacheFolder,
        IProgress<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(patientId);
        ArgumentException.ThrowIfNullOrWhiteSpace(cacheFolder);
        var query = new Dictionary<string, string>(StringComparer.Ordinal) { ["PatientID"] = patientId };
        if (studyInstanceUid is { Length: > 0 })
        {
            query["StudyInstanceUID"] = studyInstanceUid;
        }

        var matches = await client.SearchStudiesAsync(query, cancellationToken).ConfigureAwait(false);
        var studies = matches
            .Where(m => m.StudyInstanceUid.Length > 0 && (studyInstanceUid is not { Length: > 0 } || m.StudyInstanceUid == studyInstanceUid))
            .Select(m => (Uid: m.StudyInstanceUid, Date: ParseDate(m.Get(DicomTag.StudyDate)), Description: m.Get(DicomTag.StudyDescription)))
            .DistinctBy(s => s.Uid)
            .OrderBy(s => s.Date is null)
            .ThenBy(s => s.Date)
            .ThenBy(s => s.Uid, StringComparer.Ordinal)
            .ToArray();
        var result = new List<PulledStudy>(studies.Length);
        for (var i = 0; i < studies.Length; i++)
        {
            var (uid, date, description) = studies[i];
            var folder = Path.Combine(cacheFolder, SafeName(uid));
            var (downloaded, cached, skipped) = await PullStudyAsync(client, uid, folder, cancellationToken).ConfigureAwait(false);
            result.Add(new PulledStudy(uid, date, description, folder, downloaded, cached, skipped));
            progress?.Report((i + 1.0) / studies.Length);
        }

        return result;
    }

    /// <summary>Downloads the image series of one study into <paramref name="studyFolder"/> (one sub-folder per series), skipping instances already there.</summary>
    /// <param name="client">The DICOMweb client.</param>
    /// <param name="studyInstanceUid">The study.</param>
    /// <param name="studyFolder">Its local folder (created when missing).</param>
    /// <param name="cancellationToken">Stops the download (complete instances stay).</param>
    /// <returns>Instances downloaded, instances already present, derived series skipped.</returns>
    /// <exception cref="DicomWebException">The PACS cannot be reached or refuses the request.</exception>
    public static async Task<(int Downloaded, int AlreadyCached, int SkippedSeries)> PullStudyAsync(
        DicomWebClient client,
        string studyInstanceUid,
        string studyFolder,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(studyInstanceUid);
        ArgumentException.ThrowIfNullOrWhiteSpace(studyFolder);
        Directory.CreateDirectory(studyFolder);
        var downloaded = 0;
        var cached = 0;
        var skipped = 0;
        foreach (var series in await client.SearchSeriesAsync(studyInstanceUid, null, cancellationToken).ConfigureAwait(false))
        {
            var seriesUid = series.SeriesInstanceUid;
            if (seriesUid.Length == 0)
            {
                continue;
            }

            if (s_derivedModalities.Contains(series.Get(DicomTag.Modality)))
            {
                skipped++;
                continue;
            }

            var folder = Path.Combine(studyFolder, SafeName(seriesUid));
            Directory.CreateDirectory(folder);
            RemoveUnfinished(folder);
            var instances = await client.SearchInstancesAsync(studyInstanceUid, seriesUid, cancellationToken).ConfigureAwait(false);
            var missing = instances
                .Select(x => x.SopInstanceUid)
                .Where(sop => sop.Length > 0 && !File.Exists(Path.Combine(folder, SafeName(sop) + ".dcm")))
                .Distinct(StringComparer.Ordinal)
                .ToArray();
            cached += instances.Count - missing.Length;
            if (missing.Length == 0)
            {
                continue;
            }

            if (missing.Length == instances.Count)
            {
                // Nothing of the series yet: one streamed multipart request for all of it.
                downloaded += (await client.RetrieveSeriesAsync(studyInstanceUid, seriesUid, folder, cancellationToken).ConfigureAwait(false)).Count;
            }
            else
            {
                // Resuming: only the instances that are not complete yet.
                foreach (var sop in missing)
                {
                    await client.RetrieveInstanceAsync(studyInstanceUid, seriesUid, sop, folder, cancellationToken).ConfigureAwait(false);
                    downloaded++;
                }
            }
        }

        return (downloaded, cached, skipped);
    }

    /// <summary>
    /// Stores <paramref name="files"/> with STOW-RS, except those whose SOP Instance UID the PACS already holds (asked
    /// with QIDO-RS per study first). Files are grouped by StudyInstanceUID and sent to that study.
    /// </summary>
    /// <param name="client">The DICOMweb client.</param>
    /// <param name="files">DICOM Part 10 files.</param>
    /// <param name="cancellationToken">Stops the push.</param>
    /// <returns>One entry per file, in the order given.</returns>
    /// <exception cref="DicomException">A file is not readable DICOM or lacks its SOP Instance UID or StudyInstanceUID.</exception>
    /// <exception cref="DicomWebException">The PACS cannot be reached or refuses the request.</exception>
    public static async Task<IReadOnlyList<PushedInstance>> PushAsync(DicomWebClient client, IReadOnlyList<string> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(files);
        var items = new List<(string File, string Sop, string Study)>(files.Count);
        foreach (var file in files)
        {
            var header = DicomFile.Open(file, DicomReadOptions.HeaderOnly).Dataset;
            var sop = header.GetStringOrDefault(DicomTag.SOPInstanceUID, string.Empty);
            var study = header.GetStringOrDefault(DicomTag.StudyInstanceUID, string.Empty);
            if (sop.Length == 0 || study.Length == 0)
            {
                throw new DicomFormatException($"{file}: lacks (0008,0018) SOPInstanceUID or (0020,000D) StudyInstanceUID (found '{sop}', '{study}'); it cannot be stored.");
            }

            items.Add((file, sop, study));
        }

        var outcome = new Dictionary<string, PushedInstance>(StringComparer.Ordinal);
        foreach (var group in items.GroupBy(x => x.Study, StringComparer.Ordinal))
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var sop in group.Select(x => x.Sop).Distinct(StringComparer.Ordinal))
            {
                var found = await client.SearchStudyInstancesAsync(group.Key, new Dictionary<string, string> { ["SOPInstanceUID"] = sop }, cancellationToken).ConfigureAwait(false);
                if (found.Any(f => f.SopInstanceUid == sop))
                {
                    present.Add(sop);
                }
            }

            var toSend = group.Where(x => !present.Contains(x.Sop)).ToArray();
            foreach (var x in group.Where(x => present.Contains(x.Sop)))
            {
                outcome[x.File] = new PushedInstance(x.File, x.Sop, x.Study, PushOutcome.AlreadyStored, string.Empty);
            }

            if (toSend.Length == 0)
            {
                continue;
            }

            var stow = await client.StoreAsync(toSend.Select(x => x.File).ToArray(), group.Key, cancellationToken).ConfigureAwait(false);
            var failed = stow.Failed.GroupBy(f => f.SopInstanceUid, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Reason, StringComparer.Ordinal);
            foreach (var x in toSend)
            {
                outcome[x.File] = failed.TryGetValue(x.Sop, out var reason)
                    ? new PushedInstance(x.File, x.Sop, x.Study, PushOutcome.Failed, string.Create(CultureInfo.InvariantCulture, $"STOW-RS failure reason 0x{reason:X4}"))
                    : new PushedInstance(x.File, x.Sop, x.Study, PushOutcome.Stored, string.Empty);
            }
        }

        return files.Select(f => outcome[f]).ToArray();
    }

    /// <summary>A UID as a file or folder name (digits and dots kept, anything else replaced).</summary>
    internal static string SafeName(string uid) => new(uid.Select(c => char.IsAsciiDigit(c) || c == '.' ? c : '_').ToArray());

    private static void RemoveUnfinished(string folder)
    {
        foreach (var temp in Directory.EnumerateFiles(folder, DicomWebClient.TempPrefix + "*.tmp"))
        {
            File.Delete(temp);
        }
    }

    private static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text.Trim(), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
}
