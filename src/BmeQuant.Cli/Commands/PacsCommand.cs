using System.CommandLine;
using System.Globalization;
using BmeQuant.Dicom;
using BmeQuant.Dicom.Web;
using BmeQuant.Pacs;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant pacs pull --url URL --patient ID [--study UID] [--cache DIR]</c>: QIDO-RS query and WADO-RS download of a
/// patient's studies into a cache (one folder per StudyInstanceUID, resumable, nothing downloaded twice);
/// <c>bmequant pacs push --url URL FILES|DIR</c>: STOW-RS store of DICOM files, skipping instances the PACS already holds.
/// </summary>
internal sealed class PacsCommand : ICliCommand
{
    public Command Build()
    {
        var pull = new Command("pull", "Download a patient's studies (QIDO-RS + WADO-RS) into the cache folder; re-running downloads only what is missing.");
        var pullConnection = new PacsConnectionOptions(pull, urlOptionName: "--url");
        var patient = new Option<string>("--patient") { Description = "PatientID (0010,0020) whose studies are pulled.", Required = true };
        var study = new Option<string?>("--study") { Description = "Only this StudyInstanceUID." };
        pull.Add(patient);
        pull.Add(study);
        pull.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            if (!pullConnection.TryCreate(parse, stderr, out var options))
            {
                return ExitCodes.Usage;
            }

            var cache = pullConnection.CacheFolder(parse);
            try
            {
                using var client = new DicomWebClient(options);
                var studies = await PacsTransfer.PullAsync(client, parse.GetValue(patient)!, parse.GetValue(study), cache, cancellationToken: ct).ConfigureAwait(false);
                if (studies.Count == 0)
                {
                    stderr.WriteLine($"{PacsUrl.Redact(options.BaseUri)}: no study found for patient '{parse.GetValue(patient)}'{(parse.GetValue(study) is { } s ? " and study " + s : string.Empty)}.");
                    return ExitCodes.NoInput;
                }

                foreach (var s in studies)
                {
                    stdout.WriteLine(Describe(s));
                }

                return ExitCodes.Ok;
            }
            catch (DicomWebException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.RemoteFailed;
            }
        });

        var push = new Command("push", "Store DICOM files with STOW-RS; instances the PACS already holds (same SOP Instance UID) are not sent again.");
        var pushConnection = new PacsConnectionOptions(push, urlOptionName: "--url", withCache: false);
        var files = new Argument<string[]>("FILES") { Description = "DICOM files or folders (searched recursively).", Arity = ArgumentArity.OneOrMore };
        push.Add(files);
        push.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            if (!pushConnection.TryCreate(parse, stderr, out var options))
            {
                return ExitCodes.Usage;
            }

            var paths = new List<string>();
            foreach (var p in parse.GetValue(files) ?? [])
            {
                if (Directory.Exists(p))
                {
                    paths.AddRange(Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Where(IsDicom).Order(StringComparer.Ordinal));
                }
                else if (File.Exists(p))
                {
                    paths.Add(p);
                }
                else
                {
                    stderr.WriteLine($"{p}: no such file or folder.");
                    return ExitCodes.NoInput;
                }
            }

            if (paths.Count == 0)
            {
                stderr.WriteLine("No DICOM file to push.");
                return ExitCodes.NoInput;
            }

            try
            {
                using var client = new DicomWebClient(options);
                var results = await PacsTransfer.PushAsync(client, paths, ct).ConfigureAwait(false);
                return Report(results, stdout, stderr);
            }
            catch (DicomWebException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.RemoteFailed;
            }
            catch (DicomException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.CorruptInput;
            }
        });

        return new Command("pacs", "Pull studies from and push results to a PACS over DICOMweb (QIDO-RS, WADO-RS, STOW-RS).") { pull, push };
    }

    /// <summary>One line per pulled study.</summary>
    internal static string Describe(PulledStudy s) => string.Create(
        CultureInfo.InvariantCulture,
        $"Study {s.StudyInstanceUid} ({s.StudyDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "no date"}{(s.StudyDescription.Length > 0 ? ", " + s.StudyDescription : string.Empty)}): {s.Downloaded} instance(s) downloaded, {s.AlreadyCached} already cached{(s.SkippedSeries > 0 ? $", {s.SkippedSeries} derived series (SEG/SR) not pulled" : string.Empty)} -> {s.Folder}");

    /// <summary>Prints one line per pushed file; returns Ok, or Partial when the PACS refused some.</summary>
    internal static int Report(IReadOnlyList<PushedInstance> results, TextWriter stdout, TextWriter stderr)
    {
        foreach (var r in results)
        {
            var what = r.Outcome switch
            {
                PushOutcome.Stored => "stored",
                PushOutcome.AlreadyStored => "already stored",
                _ => "FAILED (" + r.Detail + ")",
            };
            (r.Outcome == PushOutcome.Failed ? stderr : stdout).WriteLine($"{Path.GetFileName(r.File)} ({r.SopInstanceUid}): {what}");
        }

        var stored = results.Count(r => r.Outcome == PushOutcome.Stored);
        var already = results.Count(r => r.Outcome == PushOutcome.AlreadyStored);
        var failed = results.Count(r => r.Outcome == PushOutcome.Failed);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Pushed: {stored} stored, {already} already stored, {failed} failed."));
        return failed > 0 ? ExitCodes.Partial : ExitCodes.Ok;
    }

    private static bool IsDicom(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> head = stackalloc byte[132];
            return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head[128..].SequenceEqual("DICM"u8);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>The PACS connection options shared by <c>pacs pull/push</c>, <c>analyze --from-pacs</c> and <c>compare --from-pacs</c>.</summary>
internal sealed class PacsConnectionOptions
{
    /// <summary>Environment variable holding the password (instead of --password on the command line).</summary>
    public const string PasswordVariable = "BMEQUANT_PACS_PASSWORD";

    /// <summary>Environment variable holding the bearer token (instead of --token).</summary>
    public const string TokenVariable = "BMEQUANT_PACS_TOKEN";

    /// <summary>Environment variable naming the default cache folder.</summary>
    public const string CacheVariable = "BMEQUANT_PACS_CACHE";

    private readonly Option<string?> _url;
    private readonly Option<string?> _user;
    private readonly Option<string?> _password;
    private readonly Option<string?> _token;
    private readonly Option<DirectoryInfo?>? _cache;

    public PacsConnectionOptions(Command command, string urlOptionName, bool withCache = true, bool urlRequired = true)
    {
        _url = new Option<string?>(urlOptionName) { Description = "DICOMweb service root, e.g. https://pacs.example.org/dicom-web/.", Required = urlRequired };
        _user = new Option<string?>("--user") { Description = "User for HTTP basic authentication." };
        _password = new Option<string?>("--password") { Description = $"Password for basic authentication (or set {PasswordVariable})." };
        _token = new Option<string?>("--token") { Description = $"Bearer token (or set {TokenVariable}); takes precedence over --user." };
        command.Add(_url);
        command.Add(_user);
        command.Add(_password);
        command.Add(_token);
        if (withCache)
        {
            _cache = new Option<DirectoryInfo?>("--cache") { Description = $"Cache folder for pulled studies (default: ${CacheVariable}, else the user's local application data folder)." };
            command.Add(_cache);
        }
    }

    /// <summary>Whether the URL option was given.</summary>
    public bool HasUrl(ParseResult parse) => !string.IsNullOrWhiteSpace(parse.GetValue(_url));

    /// <summary>The client options, or false with a message when the URL or credentials are not usable.</summary>
    public bool TryCreate(ParseResult parse, TextWriter stderr, out DicomWebOptions options)
    {
        options = null!;
        var text = parse.GetValue(_url);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            stderr.WriteLine($"'{text}' is not an http(s) URL of a DICOMweb service (e.g. https://pacs.example.org/dicom-web/).");
            return false;
        }

        var user = parse.GetValue(_user);
        var password = parse.GetValue(_password) ?? Environment.GetEnvironmentVariable(PasswordVariable);
        var token = parse.GetValue(_token) ?? Environment.GetEnvironmentVariable(TokenVariable);
        if (user is null && parse.GetValue(_password) is not null)
        {
            stderr.WriteLine("--password needs --user.");
            return false;
        }

        options = new DicomWebOptions
        {
            BaseUri = url,
            Username = user,
            Password = password,
            BearerToken = string.IsNullOrEmpty(token) ? null : token,
        };
        return true;
    }

    /// <summary>The cache folder: --cache, else $BMEQUANT_PACS_CACHE, else the local application data folder.</summary>
    public string CacheFolder(ParseResult parse)
    {
        if (_cache is not null && parse.GetValue(_cache) is { } dir)
        {
            return dir.FullName;
        }

        var env = Environment.GetEnvironmentVariable(CacheVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            return Path.GetFullPath(env);
        }

        var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        return Path.Combine(string.IsNullOrEmpty(data) ? Path.GetTempPath() : data, "bmequant", "pacs-cache");
    }
}
