using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BmeQuant.Dicom.Web;

/// <summary>A DICOMweb request failed (HTTP status, transport error, or a malformed response).</summary>
public sealed class DicomWebException : DicomException
{
    /// <summary>Creates the exception.</summary>
    public DicomWebException(string message, HttpStatusCode? status = null, Exception? inner = null)
        : base(message, inner!) => StatusCode = status;

    /// <summary>The HTTP status, when a response arrived.</summary>
    public HttpStatusCode? StatusCode { get; }
}

/// <summary>Where a DICOMweb service is and how to authenticate and retry.</summary>
public sealed record DicomWebOptions
{
    /// <summary>The service root, e.g. <c>http://pacs:8042/dicom-web/</c>.</summary>
    public required Uri BaseUri { get; init; }

    /// <summary>User for HTTP basic authentication, or null.</summary>
    public string? Username { get; init; }

    /// <summary>Password for HTTP basic authentication.</summary>
    public string? Password { get; init; }

    /// <summary>Bearer token (takes precedence over basic), or null.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Retries after a 5xx, 408, 429 or transport error (0 = no retry).</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Wait before the first retry; doubled for each further retry.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Timeout of one request.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>One QIDO-RS match: attribute values by tag.</summary>
public sealed class QidoMatch
{
    private readonly Dictionary<DicomTag, string[]> _values;

    internal QidoMatch(Dictionary<DicomTag, string[]> values) => _values = values;

    /// <summary>The first value of <paramref name="tag"/> as text (a person name's Alphabetic form), or empty.</summary>
    public string Get(DicomTag tag) => _values.TryGetValue(tag, out var v) && v.Length > 0 ? v[0] : string.Empty;

    /// <summary>Study Instance UID.</summary>
    public string StudyInstanceUid => Get(DicomTag.StudyInstanceUID);

    /// <summary>Series Instance UID (series and instance searches).</summary>
    public string SeriesInstanceUid => Get(DicomTag.SeriesInstanceUID);

    /// <summary>SOP Instance UID (instance searches).</summary>
    public string SopInstanceUid => Get(DicomTag.SOPInstanceUID);
}

/// <summary>Result of a STOW-RS store.</summary>
/// <param name="Stored">SOP Instance UIDs the server reports stored.</param>
/// <param name="Failed">SOP Instance UIDs the server refused, with the failure reason code.</param>
public sealed record StowResult(IReadOnlyList<string> Stored, IReadOnlyList<(string SopInstanceUid, int Reason)> Failed);

/// <summary>
/// A DICOMweb client (PS3.18): QIDO-RS search, WADO-RS retrieve streamed to files (multipart/related parsed
/// incrementally, one part in flight), STOW-RS upload streamed from files; basic or bearer authentication; retries with
/// exponential backoff on 5xx, 408, 429 and transport errors; cancellation throughout.
/// </summary>
public sealed class DicomWebClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly DicomWebOptions _options;

    /// <summary>Creates a client; <paramref name="handler"/> replaces the HTTP stack (tests), else a pooled handler is used.</summary>
    public DicomWebClient(DicomWebOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = options.Timeout;
        var root = options.BaseUri.ToString();
        _http.BaseAddress = new Uri(root.EndsWith('/') ? root : root + "/");
        if (options.BearerToken is { Length: > 0 } token)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (options.Username is { Length: > 0 } user)
        {
            var raw = Encoding.UTF8.GetBytes(user + ":" + (options.Password ?? string.Empty));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(raw));
        }
    }

    /// <summary>QIDO-RS: studies matching <paramref name="query"/> (e.g. PatientID=…, StudyInstanceUID=…).</summary>
    public Task<IReadOnlyList<QidoMatch>> SearchStudiesAsync(IReadOnlyDictionary<string, string> query, CancellationToken cancellationToken = default) =>
        SearchAsync("studies", query, cancellationToken);

    /// <summary>QIDO-RS: series of a study.</summary>
    public Task<IReadOnlyList<QidoMatch>> SearchSeriesAsync(string studyInstanceUid, IReadOnlyDictionary<string, string>? query = null, CancellationToken cancellationToken = default) =>
        SearchAsync($"studies/{Uri.EscapeDataString(studyInstanceUid)}/series", query, cancellationToken);

    /// <summary>QIDO-RS: instances of a series.</summary>
    public Task<IReadOnlyList<QidoMatch>> SearchInstancesAsync(string studyInstanceUid, string seriesInstanceUid, CancellationToken cancellationToken = default) =>
        SearchAsync($"studies/{Uri.EscapeDataString(studyInstanceUid)}/series/{Uri.EscapeDataString(seriesInstanceUid)}/instances", null, cancellationToken);

    /// <summary>QIDO-RS: instances of a study matching <paramref name="query"/> (e.g. SOPInstanceUID=…, SeriesInstanceUID=…).</summary>
    public Task<IReadOnlyList<QidoMatch>> SearchStudyInstancesAsync(string studyInstanceUid, IReadOnlyDictionary<string, string>? query = null, CancellationToken cancellationToken = default) =>
        SearchAsync($"studies/{Uri.EscapeDataString(studyInstanceUid)}/instances", query, cancellationToken);

    /// <summary>The prefix of the temporary files a retrieve writes before renaming them (left behind only by a killed process).</summary>
    public const string TempPrefix = ".part-";

    /// <summary>WADO-RS: retrieves a study into <paramref name="folder"/> (one file per instance, named by SOP Instance UID); returns the paths.</summary>
    public Task<IReadOnlyList<string>> RetrieveStudyAsync(string studyInstanceUid, string folder, CancellationToken cancellationToken = default) =>
        RetrieveAsync($"studies/{Uri.EscapeDataString(studyInstanceUid)}", folder, cancellationToken);

    /// <summary>WADO-RS: retrieves a series into <paramref name="folder"/>; returns the paths.</summary>
    public Task<IReadOnlyList<string>> RetrieveSeriesAsync(string studyInstanceUid, string seriesInstanceUid, string folder, CancellationToken cancellationToken = default) =>
        RetrieveAsync($"studies/{Uri.EscapeDataString(studyInstanceUid)}/series/{Uri.EscapeDataString(seriesInstanceUid)}", folder, cancellationToken);

    /// <summary>WADO-RS: retrieves one instance into <paramref name="folder"/> (named by its SOP Instance UID); returns the path.</summary>
    public async Task<string> RetrieveInstanceAsync(string studyInstanceUid, string seriesInstanceUid, string sopInstanceUid, string folder, CancellationToken cancellationToken = default)
    {
        var files = await RetrieveAsync($"studies/{Uri.EscapeDataString(studyInstanceUid)}/series/{Uri.EscapeDataString(seriesInstanceUid)}/instances/{Uri.EscapeDataString(sopInstanceUid)}", folder, cancellationToken).ConfigureAwait(false);
        return files.Count == 1
            ? files[0]
            : throw new DicomWebException($"WADO-RS instance {sopInstanceUid}: {files.Count} parts received, expected exactly one");
    }

    /// <summary>STOW-RS: stores Part 10 files (streamed from disk), optionally into one study.</summary>
    public async Task<StowResult> StoreAsync(IReadOnlyList<string> files, string? studyInstanceUid = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var path = studyInstanceUid is null ? "studies" : $"studies/{Uri.EscapeDataString(studyInstanceUid)}";
        using var response = await SendAsync(() =>
        {
            var boundary = "bmequant-" + Guid.NewGuid().ToString("N");
            var content = new MultipartFileContent(files, boundary);
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
            request.Headers.Accept.ParseAdd("application/dicom+json");
            return request;
        }, cancellationToken).ConfigureAwait(false);
        var stored = new List<string>();
        var failed = new List<(string, int)>();
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (body.Length > 0)
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            foreach (var item in Items(root, "00081199"))
            {
                stored.Add(FirstString(item, "00081155"));
            }

            foreach (var item in Items(root, "00081198"))
            {
                var reason = item.TryGetProperty("00081197", out var r) && r.TryGetProperty("Value", out var rv) && rv.GetArrayLength() > 0 ? rv[0].GetInt32() : 0;
                failed.Add((FirstString(item, "00081155"), reason));
            }
        }

        return new StowResult(stored, failed);
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    private async Task<IReadOnlyList<QidoMatch>> SearchAsync(string path, IReadOnlyDictionary<string, string>? query, CancellationToken ct)
    {
        var q = query is null || query.Count == 0 ? string.Empty : "?" + string.Join('&', query.Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)));
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path + q);
            request.Headers.Accept.ParseAdd("application/dicom+json");
            return request;
        }, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return [];
        }

        var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        if (body.Length == 0)
        {
            return [];
        }

        using var doc = JsonDocument.Parse(body);
        var result = new List<QidoMatch>();
        foreach (var match in doc.RootElement.EnumerateArray())
        {
            var values = new Dictionary<DicomTag, string[]>();
            foreach (var prop in match.EnumerateObject())
            {
                if (!uint.TryParse(prop.Name, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var tag) || !prop.Value.TryGetProperty("Value", out var v))
                {
                    continue;
                }

                values[new DicomTag(tag)] = v.EnumerateArray().Select(x => x.ValueKind switch
                {
                    JsonValueKind.String => x.GetString() ?? string.Empty,
                    JsonValueKind.Number => x.GetRawText(),
                    JsonValueKind.Object when x.TryGetProperty("Alphabetic", out var a) => a.GetString() ?? string.Empty,
                    _ => x.GetRawText(),
                }).ToArray();
            }

            result.Add(new QidoMatch(values));
        }

        return result;
    }

    private async Task<IReadOnlyList<string>> RetrieveAsync(string path, string folder, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Accept", "multipart/related; type=\"application/dicom\"");
            return request;
        }, ct, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        var contentType = response.Content.Headers.ContentType?.ToString();
        var boundary = MultipartReader.Boundary(contentType)
            ?? throw new DicomWebException($"{path}: response Content-Type '{contentType}' is not multipart/related with a boundary");
        var final = new List<string>();
        var tag = Guid.NewGuid().ToString("N")[..8];
        string? pending = null;

        // Each part is written to a temporary name and renamed to its SOP Instance UID as soon as it is complete, so an
        // interrupted transfer leaves only whole instances under final names (a re-run overwrites the same names).
        void Complete()
        {
            if (pending is null)
            {
                return;
            }

            var temp = pending;
            pending = null;
            string uid;
            try
            {
                uid = DicomFile.Open(temp, DicomReadOptions.HeaderOnly).Dataset.GetString(DicomTag.SOPInstanceUID);
            }
            catch (DicomException ex)
            {
                File.Delete(temp);
                throw new DicomWebException($"{path}: part {final.Count + 1} is not a DICOM instance ({ex.Message})", null, ex);
            }

            var target = Path.Combine(folder, SafeName(uid) + ".dcm");
            File.Move(temp, target, overwrite: true);
            final.Add(target);
        }

        try
        {
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await MultipartReader.ReadAsync(stream, boundary, (index, _) =>
                {
                    Complete();
                    var temp = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{TempPrefix}{Environment.ProcessId}-{tag}-{index:D6}.tmp"));
                    pending = temp;
                    return new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                }, ct).ConfigureAwait(false);
            }

            Complete();
        }
        catch
        {
            if (pending is not null)
            {
                File.Delete(pending);
            }

            throw;
        }

        return final;
    }

    private static string SafeName(string uid) => new(uid.Select(c => char.IsAsciiDigit(c) || c == '.' ? c : '_').ToArray());

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> makeRequest, CancellationToken ct, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var delay = _options.InitialBackoff;
        for (var attempt = 0; ; attempt++)
        {
            using var request = makeRequest();
            HttpResponseMessage? response = null;
            Exception? transport = null;
            try
            {
                response = await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                transport = ex;
            }
            catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
            {
                transport = ex; // timeout
            }

            if (response is not null && response.IsSuccessStatusCode)
            {
                return response;
            }

            var status = response?.StatusCode;
            var transient = transport is not null || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int?)status >= 500;
            if (!transient || attempt >= _options.MaxRetries)
            {
                var detail = response is null ? transport!.Message : $"HTTP {(int)status!} {response.ReasonPhrase}";
                response?.Dispose();
                throw new DicomWebException($"{request.Method} {new Uri(_http.BaseAddress!, request.RequestUri!)}: {detail} (after {attempt + 1} attempt(s))", status, transport);
            }

            response?.Dispose();
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay *= 2;
        }
    }

    private static IEnumerable<JsonElement> Items(JsonElement root, string tag)
    {
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(tag, out var seq) && seq.TryGetProperty("Value", out var items))
        {
            foreach (var i in items.EnumerateArray())
            {
                yield return i;
            }
        }
    }

    private static string FirstString(JsonElement item, string tag) =>
        item.TryGetProperty(tag, out var e) && e.TryGetProperty("Value", out var v) && v.GetArrayLength() > 0 ? v[0].GetString() ?? string.Empty : string.Empty;

    /// <summary>multipart/related; type="application/dicom" built from files as the request is sent.</summary>
    private sealed class MultipartFileContent : HttpContent
    {
        private readonly IReadOnlyList<string> _files;
        private readonly string _boundary;

        public MultipartFileContent(IReadOnlyList<string> files, string boundary)
        {
            _files = files;
            _boundary = boundary;
            Headers.TryAddWithoutValidation("Content-Type", $"multipart/related; type=\"application/dicom\"; boundary={boundary}");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            foreach (var f in _files)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"--{_boundary}\r\nContent-Type: application/dicom\r\n\r\n")).ConfigureAwait(false);
                var file = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                await using (file.ConfigureAwait(false))
                {
                    await file.CopyToAsync(stream).ConfigureAwait(false);
                }

                await stream.WriteAsync("\r\n"u8.ToArray()).ConfigureAwait(false);
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes($"--{_boundary}--\r\n")).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            foreach (var f in _files)
            {
                length += Encoding.ASCII.GetByteCount($"--{_boundary}\r\nContent-Type: application/dicom\r\n\r\n") + new FileInfo(f).Length + 2;
            }

            length += Encoding.ASCII.GetByteCount($"--{_boundary}--\r\n");
            return true;
        }
    }
}
