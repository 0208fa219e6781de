using BmeQuant.Dicom.Web;

namespace BmeQuant.Pacs;

/// <summary>
/// A study on a DICOMweb server (QIDO-RS/WADO-RS), for <see cref="BmeQuantStudy.OpenSourceAsync"/>: the image series
/// of the study are downloaded (streamed, one file per instance) into the work folder, then opened like a local folder.
/// Derived objects (SEG, SR) in the study are not downloaded.
/// </summary>
public sealed class DicomWebStudySource : IStudySource, IDisposable
{
    private readonly DicomWebClient _client;
    private readonly string _studyInstanceUid;

    /// <summary>Creates a source for one study.</summary>
    /// <param name="options">Server root, authentication and retries.</param>
    /// <param name="studyInstanceUid">The StudyInstanceUID to fetch.</param>
    /// <param name="handler">Replaces the HTTP stack (tests), or null.</param>
    public DicomWebStudySource(DicomWebOptions options, string studyInstanceUid, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(studyInstanceUid);
        _client = new DicomWebClient(options, handler);
        _studyInstanceUid = studyInstanceUid;
        Description = $"{PacsUrl.Redact(options.BaseUri)} study {studyInstanceUid}";
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public async Task<string> FetchAsync(string folder, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        await PacsTransfer.PullStudyAsync(_client, _studyInstanceUid, folder, cancellationToken).ConfigureAwait(false);
        progress?.Report(1);
        return folder;
    }

    /// <inheritdoc/>
    public void Dispose() => _client.Dispose();
}

/// <summary>Helpers for PACS URLs in messages.</summary>
public static class PacsUrl
{
    /// <summary>The URL without user information or query (safe to print and log).</summary>
    public static string Redact(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri ? url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : url.ToString();
    }
}
