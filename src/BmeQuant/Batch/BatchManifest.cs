using System.Globalization;
using System.Text;
using BmeQuant.Imaging;

namespace BmeQuant.Batch;

/// <summary>A manifest that cannot be used: bad header, bad row, missing column, duplicate study.</summary>
public sealed class BatchManifestException : BmeQuantException
{
    /// <summary>Creates the exception.</summary>
    public BatchManifestException()
    {
    }

    /// <summary>Creates the exception with a message naming the manifest, the line and the problem.</summary>
    public BatchManifestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    public BatchManifestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// One row of a batch manifest: a patient's timepoint and where its images are. Paths are absolute (relative paths
/// in the file are resolved against the manifest's folder).
/// </summary>
public sealed record BatchStudy
{
    /// <summary>1-based line number of the row in the manifest (for messages).</summary>
    public required int Line { get; init; }

    /// <summary>Patient pseudonym as written in the manifest (used, sanitised, for the output folder).</summary>
    public required string Patient { get; init; }

    /// <summary>Timepoint label as written in the manifest (used, sanitised, for the output folder).</summary>
    public required string Timepoint { get; init; }

    /// <summary>Study folder (DICOM), or null when <see cref="T1"/>/<see cref="Stir"/> are given.</summary>
    public string? StudyFolder { get; init; }

    /// <summary>T1-weighted series file (NIfTI) or folder, or null.</summary>
    public string? T1 { get; init; }

    /// <summary>Fluid-sensitive fat-suppressed series file (NIfTI) or folder, or null when <see cref="StudyFolder"/> is given.</summary>
    public string? Stir { get; init; }

    /// <summary>Optional bone label map (NIfTI).</summary>
    public string? BoneMask { get; init; }

    /// <summary>Optional normal-marrow reference mask (NIfTI).</summary>
    public string? ReferenceMask { get; init; }

    /// <summary>Acquisition date, when given.</summary>
    public DateOnly? Date { get; init; }

    /// <summary>Joint imaged (column <c>anatomy</c>: knee, hip, ankle, sij), or null for unknown.</summary>
    public string? Anatomy { get; init; }

    /// <summary>Every input path of the row, in column order (study, t1, stir, bone_mask, reference_mask), with its column name.</summary>
    public IEnumerable<(string Column, string Path)> Inputs()
    {
        if (StudyFolder is not null)
        {
            yield return ("study", StudyFolder);
        }

        if (T1 is not null)
        {
            yield return ("t1", T1);
        }

        if (Stir is not null)
        {
            yield return ("stir", Stir);
        }

        if (BoneMask is not null)
        {
            yield return ("bone_mask", BoneMask);
        }

        if (ReferenceMask is not null)
        {
            yield return ("reference_mask", ReferenceMask);
        }
    }

    /// <summary>"line N (patient / timepoint)" for messages: manifest values only, never header values.</summary>
    public override string ToString() => $"line {Line.ToString(CultureInfo.InvariantCulture)} ({Patient} / {Timepoint})";
}

/// <summary>
/// A batch manifest: a CSV file (RFC 4180 quoting, UTF-8, comma-separated) with a header row naming the columns
/// <c>patient,timepoint,study</c> or <c>patient,timepoint,t1,stir</c>, plus the optional columns <c>bone_mask</c>,
/// <c>reference_mask</c>, <c>date</c> (yyyy-MM-dd) and <c>anatomy</c>. Blank lines and lines starting with <c>#</c> are skipped.
/// </summary>
public sealed class BatchManifest
{
    private static readonly string[] s_known = ["patient", "timepoint", "study", "t1", "stir", "bone_mask", "reference_mask", "date", "anatomy"];

    private BatchManifest(string path, IReadOnlyList<BatchStudy> studies)
    {
        Path = path;
        Studies = studies;
    }

    /// <summary>Full path of the manifest file (or the name given to <see cref="Parse"/>).</summary>
    public string Path { get; }

    /// <summary>The rows, in file order.</summary>
    public IReadOnlyList<BatchStudy> Studies { get; }

    /// <summary>Reads and validates the manifest at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="BatchManifestException">The content is not a valid manifest (the message names the line).</exception>
    public static BatchManifest Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"Manifest '{full}' does not exist.", full);
        }

        using var reader = new StreamReader(full, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Parse(reader, System.IO.Path.GetDirectoryName(full)!, full);
    }

    /// <summary>Parses manifest text; relative paths are resolved against <paramref name="baseFolder"/>.</summary>
    /// <exception cref="BatchManifestException">The content is not a valid manifest (the message names the line).</exception>
    public static BatchManifest Parse(TextReader reader, string baseFolder, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrEmpty(baseFolder);
        ArgumentNullException.ThrowIfNull(sourceName);
        var records = CsvRecords(reader, sourceName).ToList();
        var header = records.FirstOrDefault(r => !IsBlankOrComment(r.Fields));
        if (header.Fields is null)
        {
            throw new BatchManifestException($"{sourceName}: the manifest is empty; expected a header row such as 'patient,timepoint,study' or 'patient,timepoint,t1,stir'.");
        }

        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Fields.Count; i++)
        {
            var name = header.Fields[i].Trim().ToLowerInvariant();
            if (!s_known.Contains(name))
            {
                throw new BatchManifestException($"{sourceName} line {header.Line}: unknown column '{header.Fields[i]}'; expected {string.Join(", ", s_known)}.");
            }

            if (!columns.TryAdd(name, i))
            {
                throw new BatchManifestException($"{sourceName} line {header.Line}: column '{name}' appears twice.");
            }
        }

        foreach (var required in (string[])["patient", "timepoint"])
        {
            if (!columns.ContainsKey(required))
            {
                throw new BatchManifestException($"{sourceName} line {header.Line}: the header has no '{required}' column.");
            }
        }

        var hasStudy = columns.ContainsKey("study");
        var hasSeries = columns.ContainsKey("stir");
        if (!hasStudy && !hasSeries)
        {
            throw new BatchManifestException($"{sourceName} line {header.Line}: the header needs a 'study' column (a study folder) or 't1' and 'stir' columns.");
        }

        var studies = new List<BatchStudy>();
        var seen = new Dictionary<(string, string), int>();
        foreach (var (line, fields) in records.SkipWhile(r => r.Line != header.Line).Skip(1))
        {
            if (IsBlankOrComment(fields))
            {
                continue;
            }

            if (fields.Count != header.Fields.Count)
            {
                throw new BatchManifestException($"{sourceName} line {line}: {fields.Count} fields, the header has {header.Fields.Count}.");
            }

            string? Get(string column) => columns.TryGetValue(column, out var i) && fields[i].Trim().Length > 0 ? fields[i].Trim() : null;
            string? PathOf(string column)
            {
                var value = Get(column);
                if (value is null)
                {
                    return null;
                }

                if (value.Any(char.IsControl))
                {
                    throw new BatchManifestException($"{sourceName} line {line}: column '{column}' contains a control character.");
                }

                try
                {
                    return System.IO.Path.GetFullPath(value, baseFolder);
                }
                catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
                {
                    throw new BatchManifestException($"{sourceName} line {line}: column '{column}' is not a usable path ({ex.Message}).", ex);
                }
            }

            var patient = Get("patient") ?? throw new BatchManifestException($"{sourceName} line {line}: 'patient' is empty.");
            var timepoint = Get("timepoint") ?? throw new BatchManifestException($"{sourceName} line {line}: 'timepoint' is empty.");
            var study = PathOf("study");
            var t1 = PathOf("t1");
            var stir = PathOf("stir");
            if (study is null && stir is null)
            {
                throw new BatchManifestException($"{sourceName} line {line}: neither 'study' nor 'stir' is given.");
            }

            if (study is not null && (stir is not null || t1 is not null))
            {
                throw new BatchManifestException($"{sourceName} line {line}: give either 'study' or 't1'/'stir', not both.");
            }

            if (study is null && t1 is null && PathOf("bone_mask") is null)
            {
                // Allowed by the analysis only with a bone mask: automatic bone segmentation needs the T1.
                throw new BatchManifestException($"{sourceName} line {line}: 'stir' without 't1' needs a 'bone_mask' (automatic bone segmentation needs the T1 series).");
            }

            DateOnly? date = null;
            if (Get("date") is { } d)
            {
                if (!DateOnly.TryParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                {
                    throw new BatchManifestException($"{sourceName} line {line}: date '{d}' is not yyyy-MM-dd.");
                }

                date = parsed;
            }

            var anatomy = Get("anatomy")?.ToLowerInvariant();
            if (anatomy is not null && anatomy is not ("unknown" or "knee" or "hip" or "ankle" or "sij"))
            {
                throw new BatchManifestException($"{sourceName} line {line}: anatomy '{anatomy}' is not one of unknown, knee, hip, ankle, sij.");
            }

            var key = (SafeNames.Sanitize(patient).ToUpperInvariant(), SafeNames.Sanitize(timepoint).ToUpperInvariant());
            if (seen.TryGetValue(key, out var first))
            {
                throw new BatchManifestException($"{sourceName} line {line}: patient '{patient}' timepoint '{timepoint}' maps to the same output folder as line {first}.");
            }

            seen.Add(key, line);
            studies.Add(new BatchStudy
            {
                Line = line,
                Patient = patient,
                Timepoint = timepoint,
                StudyFolder = study,
                T1 = t1,
                Stir = stir,
                BoneMask = PathOf("bone_mask"),
                ReferenceMask = PathOf("reference_mask"),
                Date = date,
                Anatomy = anatomy is "unknown" ? null : anatomy,
            });
        }

        return new BatchManifest(sourceName, studies);
    }

    private static bool IsBlankOrComment(IReadOnlyList<string> fields) =>
        fields.Count == 0 || (fields.Count == 1 && fields[0].Trim().Length == 0) || (fields.Count > 0 && fields[0].TrimStart().StartsWith('#'));

    /// <summary>RFC 4180 records with the line each starts on; quoted fields may hold commas, quotes ("") and line breaks.</summary>
    private static IEnumerable<(int Line, IReadOnlyList<string> Fields)> CsvRecords(TextReader reader, string sourceName)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var startLine = 1;
        var inQuotes = false;
        var quotedField = false;
        var any = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            var ch = (char)c;
            any = true;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (ch == '\n')
                    {
                        line++;
                    }

                    field.Append(ch);
                }

                continue;
            }

            switch (ch)
            {
                case '"' when field.Length == 0 && !quotedField:
                    inQuotes = true;
                    quotedField = true;
                    break;
                case '"':
                    throw new BatchManifestException($"{sourceName} line {line}: a quote inside an unquoted field (quote the whole field and double the quote).");
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    quotedField = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    yield return (startLine, fields.ToArray());
                    fields.Clear();
                    field.Clear();
                    quotedField = false;
                    any = false;
                    line++;
                    startLine = line;
                    break;
                default:
                    if (quotedField)
                    {
                        throw new BatchManifestException($"{sourceName} line {line}: text after a closing quote.");
                    }

                    field.Append(ch);
                    break;
            }
        }

        if (inQuotes)
        {
            throw new BatchManifestException($"{sourceName} line {startLine}: a quoted field is not closed before the end of the file.");
        }

        if (any)
        {
            fields.Add(field.ToString());
            yield return (startLine, fields.ToArray());
        }
    }
}
