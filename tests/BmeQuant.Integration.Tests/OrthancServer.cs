using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace BmeQuant.Integration.Tests;

/// <summary>
/// A real Orthanc PACS (Debian packages orthanc + orthanc-dicomweb) for one test class: its own temporary storage,
/// a free HTTP port, HTTP only (no DIMSE listener), remote access off, a test user, the DICOMweb plugin at /dicom-web/.
/// Started in <see cref="InitializeAsync"/> (readiness polled on /system), killed with its whole process tree in
/// <see cref="DisposeAsync"/> and, should the test host exit without disposing, on process exit.
/// When Orthanc or the plugin is missing, <see cref="SkipReason"/> says so and tests skip.
/// Environment: BMEQUANT_ORTHANC (binary), BMEQUANT_ORTHANC_DICOMWEB (plugin .so) override the Debian paths.
/// </summary>
public sealed class OrthancServer : IAsyncLifetime
{
    public const string User = "bme";
    public const string Password = "bme-test";

    private Process? _process;
    private string? _root;

    /// <summary>Why the server is not available, or null when it runs.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>http://127.0.0.1:PORT/ (the Orthanc REST root).</summary>
    public Uri RestRoot { get; private set; } = new("http://127.0.0.1:1/");

    /// <summary>The DICOMweb root: http://127.0.0.1:PORT/dicom-web/.</summary>
    public Uri DicomWebRoot => new(RestRoot, "dicom-web/");

    /// <summary>Orthanc's console log (for failure messages).</summary>
    public string Log => _root is null ? string.Empty : ReadLogs(_root);

    public async ValueTask InitializeAsync()
    {
        var binary = Locate("BMEQUANT_ORTHANC", ["/usr/sbin/Orthanc", "/usr/bin/Orthanc", "/usr/local/bin/Orthanc"]);
        var plugin = Locate("BMEQUANT_ORTHANC_DICOMWEB", ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so", "/usr/lib/orthanc/plugins/libOrthancDicomWeb.so"]);
        if (binary is null || plugin is null)
        {
            SkipReason = binary is null
                ? "Orthanc is not installed (apt-get install orthanc orthanc-dicomweb, or set BMEQUANT_ORTHANC)."
                : "The Orthanc DICOMweb plugin is not installed (apt-get install orthanc-dicomweb, or set BMEQUANT_ORTHANC_DICOMWEB).";
            return;
        }

        _root = Path.Combine(Path.GetTempPath(), "bmequant-orthanc-" + Guid.NewGuid().ToString("N")[..10]);
        var storage = Path.Combine(_root, "db");
        Directory.CreateDirectory(storage);
        var port = FreePort();
        RestRoot = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
        var config = new Dictionary<string, object>
        {
            ["Name"] = "BmeQuantIntegrationPACS",
            ["StorageDirectory"] = storage,
            ["IndexDirectory"] = storage,
            ["HttpPort"] = port,
            ["RemoteAccessAllowed"] = false,
            ["AuthenticationEnabled"] = true,
            ["RegisteredUsers"] = new Dictionary<string, string> { [User] = Password },
            ["DicomServerEnabled"] = false,
            ["Plugins"] = new[] { plugin },
            ["DicomWeb"] = new Dictionary<string, object>
            {
                ["Enable"] = true,
                ["Root"] = "/dicom-web/",
                ["EnableWado"] = false,
                ["Host"] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}"),
                ["Ssl"] = false,
            },
            ["SaveJobs"] = false,
            ["StableAge"] = 2,
        };
        var configPath = Path.Combine(_root, "orthanc.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(config)).ConfigureAwait(false);

        var info = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _root,
        };
        info.ArgumentList.Add("--logdir=" + _root);
        info.ArgumentList.Add(configPath);
        _process = Process.Start(info) ?? throw new InvalidOperationException("Orthanc did not start: " + binary);
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += KillOnExit;

        using var http = NewHttpClient();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Orthanc exited with code {_process.ExitCode} during start-up. Log:\n{Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(RestRoot, "plugins"), TestContext.Current.CancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var plugins = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken).ConfigureAwait(false);
                    if (!plugins.Contains("dicom-web", StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"Orthanc runs but the DICOMweb plugin is not loaded (plugins: {plugins}). Log:\n{Log}");
                    }

                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Orthanc did not answer on {RestRoot} within 30 s. Log:\n{Log}");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        Kill();
        if (_root is not null)
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (IOException)
            {
                // a file still held open; the temp folder is cleaned by the OS
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>An HttpClient authenticated as the test user, for Orthanc's REST API.</summary>
    public HttpClient NewHttpClient()
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password)));
        return http;
    }

    /// <summary>Uploads files through Orthanc's REST API (POST /instances), not DICOMweb, so the code under test is not used to set up.</summary>
    public async Task UploadAsync(IEnumerable<string> files, CancellationToken ct)
    {
        using var http = NewHttpClient();
        foreach (var file in files)
        {
            using var content = new ByteArrayContent(await File.ReadAllBytesAsync(file, ct).ConfigureAwait(false));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
            using var response = await http.PostAsync(new Uri(RestRoot, "instances"), content, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST /instances {file}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
            }
        }
    }

    /// <summary>GET a REST path and parse the JSON answer.</summary>
    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken ct)
    {
        using var http = NewHttpClient();
        var text = await http.GetStringAsync(new Uri(RestRoot, path), ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    private void KillOnExit(object? sender, EventArgs e) => Kill();

    private void Kill()
    {
        var p = _process;
        _process = null;
        if (p is null)
        {
            return;
        }

        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        finally
        {
            p.Dispose();
        }
    }

    private static string? Locate(string environmentVariable, string[] candidates)
    {
        var fromEnv = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return File.Exists(fromEnv) ? fromEnv : null;
        }

        return candidates.FirstOrDefault(File.Exists);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string ReadLogs(string root)
    {
        var sb = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(root, "*.log*"))
        {
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                var text = reader.ReadToEnd();
                sb.AppendLine(text.Length > 4000 ? text[^4000..] : text);
            }
            catch (IOException)
            {
                // rotating
            }
        }

        return sb.ToString();
    }
}
