using System.Globalization;
using Microsoft.Data.Sqlite;

namespace BmeQuant.Registry;

/// <summary>One analysed timepoint in the registry.</summary>
/// <param name="Patient">Patient pseudonym (from the manifest).</param>
/// <param name="Timepoint">Timepoint label (from the manifest).</param>
/// <param name="Date">Acquisition date, when known.</param>
/// <param name="InputKey">Content key of the inputs and parameters (XxHash128, hex).</param>
/// <param name="Parameters">Analysis parameters as JSON.</param>
/// <param name="FindingsPath">Absolute path of findings.json.</param>
/// <param name="TotalEdemaVolumeMm3">Total edema volume, mm³.</param>
/// <param name="PercentOfBone">Edema as a percentage of all bone analysed.</param>
/// <param name="BoneCount">Number of bones or regions analysed.</param>
/// <param name="SoftwareVersion">Version of the analysis.</param>
/// <param name="AnalysedUtc">When it was analysed (UTC).</param>
public sealed record RegistryTimepoint(
    string Patient,
    string Timepoint,
    DateOnly? Date,
    string InputKey,
    string Parameters,
    string FindingsPath,
    double TotalEdemaVolumeMm3,
    double PercentOfBone,
    int BoneCount,
    string SoftwareVersion,
    DateTime AnalysedUtc);

/// <summary>A failed attempt recorded in the registry (so a rerun does not repeat it unless asked).</summary>
/// <param name="InputKey">Content key of the inputs and parameters.</param>
/// <param name="Patient">Patient pseudonym.</param>
/// <param name="Timepoint">Timepoint label.</param>
/// <param name="Outcome">Outcome name (e.g. CorruptInput).</param>
/// <param name="ErrorType">Type name of the error.</param>
/// <param name="Error">The error in words.</param>
/// <param name="AttemptedUtc">When it failed (UTC).</param>
public sealed record RegistryFailure(string InputKey, string Patient, string Timepoint, string Outcome, string? ErrorType, string? Error, DateTime AttemptedUtc);

/// <summary>
/// The results registry: an SQLite file (normally <c>registry.sqlite</c> next to a batch's outputs) listing every
/// analysed timepoint (table <c>timepoints</c>, one row per patient and timepoint) and failed attempts (table
/// <c>failures</c>, keyed by input key). Findings paths are stored relative to the registry's folder. Thread-safe:
/// each call opens its own connection; SQLite serialises writers (WAL journal, busy timeout).
/// </summary>
public sealed class ResultsRegistry
{
    /// <summary>File name used by <c>bmequant batch</c> in its output folder.</summary>
    public const string DefaultFileName = "registry.sqlite";

    /// <summary>Schema version stored in <c>PRAGMA user_version</c>.</summary>
    public const int SchemaVersion = 1;

    private readonly string _connectionString;

    private ResultsRegistry(string path)
    {
        FilePath = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>Full path of the SQLite file.</summary>
    public string FilePath { get; }

    /// <summary>Opens (creating when absent) the registry at <paramref name="path"/>.</summary>
    /// <exception cref="RegistryException">The file is not a BmeQuant registry or cannot be opened.</exception>
    public static ResultsRegistry Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var registry = new ResultsRegistry(full);
        registry.Initialise();
        return registry;
    }

    /// <summary>Opens an existing registry (never creates one).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="RegistryException">The file is not a BmeQuant registry.</exception>
    public static ResultsRegistry OpenExisting(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"Registry '{full}' does not exist.", full);
        }

        return Open(full);
    }

    /// <summary>Adds or replaces the row of <paramref name="timepoint"/>'s patient and timepoint.</summary>
    public void Upsert(RegistryTimepoint timepoint)
    {
        ArgumentNullException.ThrowIfNull(timepoint);
        Execute(connection =>
        {
            using var tx = connection.BeginTransaction();
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO timepoints (patient, timepoint, date, input_key, parameters, findings_path, total_edema_mm3, percent_of_bone, bone_count, software_version, analysed_utc)
                VALUES ($patient, $timepoint, $date, $key, $parameters, $findings, $total, $percent, $bones, $version, $analysed)
                ON CONFLICT (patient, timepoint) DO UPDATE SET
                  date = excluded.date, input_key = excluded.input_key, parameters = excluded.parameters,
                  findings_path = excluded.findings_path, total_edema_mm3 = excluded.total_edema_mm3,
                  percent_of_bone = excluded.percent_of_bone, bone_count = excluded.bone_count,
                  software_version = excluded.software_version, analysed_utc = excluded.analysed_utc;
                DELETE FROM failures WHERE input_key = $key;
                """;
            cmd.Parameters.AddWithValue("$patient", timepoint.Patient);
            cmd.Parameters.AddWithValue("$timepoint", timepoint.Timepoint);
            cmd.Parameters.AddWithValue("$date", timepoint.Date is { } d ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : DBNull.Value);
            cmd.Parameters.AddWithValue("$key", timepoint.InputKey);
            cmd.Parameters.AddWithValue("$parameters", timepoint.Parameters);
            cmd.Parameters.AddWithValue("$findings", Relative(timepoint.FindingsPath));
            cmd.Parameters.AddWithValue("$total", timepoint.TotalEdemaVolumeMm3);
            cmd.Parameters.AddWithValue("$percent", timepoint.PercentOfBone);
            cmd.Parameters.AddWithValue("$bones", timepoint.BoneCount);
            cmd.Parameters.AddWithValue("$version", timepoint.SoftwareVersion);
            cmd.Parameters.AddWithValue("$analysed", timepoint.AnalysedUtc.ToString("O", CultureInfo.InvariantCulture));
            cmd.ExecuteNonQuery();
            tx.Commit();
        });
    }

    /// <summary>Records a failed attempt (replacing an earlier one with the same key).</summary>
    public void RecordFailure(RegistryFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Execute(connection =>
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = """
                INSERT OR REPLACE INTO failures (input_key, patient, timepoint, outcome, error_type, error, attempted_utc)
                VALUES ($key, $patient, $timepoint, $outcome, $type, $error, $at);
                """;
            cmd.Parameters.AddWithValue("$key", failure.InputKey);
            cmd.Parameters.AddWithValue("$patient", failure.Patient);
            cmd.Parameters.AddWithValue("$timepoint", failure.Timepoint);
            cmd.Parameters.AddWithValue("$outcome", failure.Outcome);
            cmd.Parameters.AddWithValue("$type", (object?)failure.ErrorType ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$error", (object?)failure.Error ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$at", failure.AttemptedUtc.ToString("O", CultureInfo.InvariantCulture));
            cmd.ExecuteNonQuery();
        });
    }

    /// <summary>The failure recorded for <paramref name="inputKey"/>, or null.</summary>
    public RegistryFailure? FindFailure(string inputKey)
    {
        ArgumentNullException.ThrowIfNull(inputKey);
        return Query(
            "SELECT input_key, patient, timepoint, outcome, error_type, error, attempted_utc FROM failures WHERE input_key = $key",
            cmd => cmd.Parameters.AddWithValue("$key", inputKey),
            r => new RegistryFailure(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), ParseUtc(r.GetString(6)))).FirstOrDefault();
    }

    /// <summary>The row of one patient's timepoint, or null.</summary>
    public RegistryTimepoint? Find(string patient, string timepoint)
    {
        ArgumentNullException.ThrowIfNull(patient);
        ArgumentNullException.ThrowIfNull(timepoint);
        return Query(
            SelectTimepoints + " WHERE patient = $patient AND timepoint = $timepoint",
            cmd =>
            {
                cmd.Parameters.AddWithValue("$patient", patient);
                cmd.Parameters.AddWithValue("$timepoint", timepoint);
            },
            ReadTimepoint).FirstOrDefault();
    }

    /// <summary>
    /// Every timepoint of <paramref name="patient"/> (exact match), in visit order: by date (undated last), then by
    /// timepoint label in natural order (T2 before T10).
    /// </summary>
    public IReadOnlyList<RegistryTimepoint> Timepoints(string patient)
    {
        ArgumentNullException.ThrowIfNull(patient);
        var rows = Query(SelectTimepoints + " WHERE patient = $patient", cmd => cmd.Parameters.AddWithValue("$patient", patient), ReadTimepoint);
        return rows
            .OrderBy(r => r.Date is null)
            .ThenBy(r => r.Date ?? DateOnly.MinValue)
            .ThenBy(r => r.Timepoint, NaturalComparer.Instance)
            .ToArray();
    }

    /// <summary>Every patient with at least one timepoint, ordered.</summary>
    public IReadOnlyList<string> Patients() =>
        Query("SELECT DISTINCT patient FROM timepoints ORDER BY patient", _ => { }, r => r.GetString(0));

    private const string SelectTimepoints =
        "SELECT patient, timepoint, date, input_key, parameters, findings_path, total_edema_mm3, percent_of_bone, bone_count, software_version, analysed_utc FROM timepoints";

    private RegistryTimepoint ReadTimepoint(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.IsDBNull(2) ? null : DateOnly.ParseExact(r.GetString(2), "yyyy-MM-dd", CultureInfo.InvariantCulture),
        r.GetString(3),
        r.GetString(4),
        Path.GetFullPath(r.GetString(5), Path.GetDirectoryName(FilePath)!),
        r.GetDouble(6),
        r.GetDouble(7),
        r.GetInt32(8),
        r.GetString(9),
        ParseUtc(r.GetString(10)));

    private static DateTime ParseUtc(string s) => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private string Relative(string path) => Path.GetRelativePath(Path.GetDirectoryName(FilePath)!, Path.GetFullPath(path)).Replace('\\', '/');

    private void Initialise()
    {
        Execute(connection =>
        {
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA user_version;";
            var version = Convert.ToInt32(check.ExecuteScalar(), CultureInfo.InvariantCulture);
            using var tables = connection.CreateCommand();
            tables.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table';";
            var tableCount = Convert.ToInt32(tables.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (version == SchemaVersion)
            {
                return;
            }

            if (version != 0 || tableCount != 0)
            {
                throw new RegistryException($"{FilePath}: not a BmeQuant registry of schema {SchemaVersion} (user_version {version}, {tableCount} tables).");
            }

            using var cmd = connection.CreateCommand();
            cmd.CommandText = $"""
                PRAGMA journal_mode = WAL;
                CREATE TABLE timepoints (
                  patient TEXT NOT NULL,
                  timepoint TEXT NOT NULL,
                  date TEXT NULL,
                  input_key TEXT NOT NULL,
                  parameters TEXT NOT NULL,
                  findings_path TEXT NOT NULL,
                  total_edema_mm3 REAL NOT NULL,
                  percent_of_bone REAL NOT NULL,
                  bone_count INTEGER NOT NULL,
                  software_version TEXT NOT NULL,
                  analysed_utc TEXT NOT NULL,
                  PRIMARY KEY (patient, timepoint));
                CREATE TABLE failures (
                  input_key TEXT NOT NULL PRIMARY KEY,
                  patient TEXT NOT NULL,
                  timepoint TEXT NOT NULL,
                  outcome TEXT NOT NULL,
                  error_type TEXT NULL,
                  error TEXT NULL,
                  attempted_utc TEXT NOT NULL);
                PRAGMA user_version = {SchemaVersion};
                """;
            cmd.ExecuteNonQuery();
        });
    }

    private void Execute(Action<SqliteConnection> action)
    {
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            action(connection);
        }
        catch (SqliteException ex)
        {
            throw new RegistryException($"{FilePath}: registry error: {ex.Message}", ex);
        }
    }

    private List<T> Query<T>(string sql, Action<SqliteCommand> bind, Func<SqliteDataReader, T> read)
    {
        var list = new List<T>();
        Execute(connection =>
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = sql;
            bind(cmd);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                list.Add(read(reader));
            }
        });
        return list;
    }
}

/// <summary>The registry file cannot be used (not a registry, locked, corrupt).</summary>
public sealed class RegistryException : Imaging.BmeQuantException
{
    /// <summary>Creates the exception.</summary>
    public RegistryException()
    {
    }

    /// <summary>Creates the exception with a message naming the file.</summary>
    public RegistryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the SQLite error.</summary>
    public RegistryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Orders strings with embedded numbers numerically ("T2" before "T10"), otherwise ordinally ignoring case.</summary>
internal sealed class NaturalComparer : IComparer<string>
{
    public static NaturalComparer Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var si = i;
                var sj = j;
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }

                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }

                var a = x[si..i].TrimStart('0');
                var b = y[sj..j].TrimStart('0');
                var c = a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
                if (c != 0)
                {
                    return c;
                }
            }
            else
            {
                var c = char.ToUpperInvariant(x[i]).CompareTo(char.ToUpperInvariant(y[j]));
                if (c != 0)
                {
                    return c;
                }

                i++;
                j++;
            }
        }

        var rest = (x.Length - i).CompareTo(y.Length - j);
        return rest != 0 ? rest : string.CompareOrdinal(x, y);
    }
}
