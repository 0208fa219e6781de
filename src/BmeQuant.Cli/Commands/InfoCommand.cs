using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BmeQuant.Dicom.Deidentification;
using BmeQuant.Dicom.Roles;
using BmeQuant.Dicom.Series;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant info FOLDER [--json] [--require-deidentified]</c>: the patients, studies and series found under a folder,
/// each series with its role, orientation, size, spacing, slice count and every problem; exit codes in docs/exit-codes.md.
/// </summary>
internal sealed class InfoCommand : ICliCommand
{
    public Command Build()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Folder to search (recursively) for DICOM files." };
        var json = new Option<bool>("--json") { Description = "Print a JSON document instead of the tree." };
        var deid = new Option<bool>("--require-deidentified") { Description = "Refuse series whose headers still identify the patient (PS3.15 basic profile)." };
        var command = new Command("info", "List the DICOM patients, studies and series under a folder, with roles, geometry and problems.") { folder, json, deid };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(folder)!.FullName;
            if (!Directory.Exists(path))
            {
                error.WriteLine($"{path}: folder not found");
                return ExitCodes.NoInput;
            }

            var report = SeriesReport.Build(SeriesDiscovery.Discover(path), parse.GetValue(deid));
            if (parse.GetValue(json))
            {
                report.WriteJson(output);
            }
            else
            {
                report.WriteTree(output);
            }

            if (!report.Discovery.FoundDicom)
            {
                error.WriteLine($"{path}: no DICOM files found");
            }

            return report.ExitCode;
        });
        return command;
    }
}

/// <summary>What <c>info</c> and <c>convert</c> print: discovery plus roles, geometry verdicts and de-identification per series.</summary>
internal sealed class SeriesReport
{
    private SeriesReport(DiscoveryResult discovery, bool requireDeidentified)
    {
        Discovery = discovery;
        RequireDeidentified = requireDeidentified;
        Studies = StudyRoles.FromSeries(discovery.Series);
        Rows = Studies.SelectMany(st => st.Series).Select(x =>
        {
            var deid = DeidentificationCheck.Check(x.Series.Header);
            var refusal = x.Series.Geometry.Refusal?.Message;
            if (refusal is null && requireDeidentified && !deid.IsDeidentified)
            {
                refusal = $"series {x.Series.Label}: identifiable data refused (--require-deidentified): {(deid.PatientIdentityRemoved ? string.Empty : "PatientIdentityRemoved is not YES; ")}{string.Join(", ", deid.IdentifyingAttributes)}";
            }

            return new Row(x.Series, x.Role, deid, refusal);
        }).ToArray();
    }

    public DiscoveryResult Discovery { get; }

    public bool RequireDeidentified { get; }

    public IReadOnlyList<StudyRoles> Studies { get; }

    public IReadOnlyList<Row> Rows { get; }

    /// <summary>0 ok, 2 no DICOM, 4 unreadable files, 8 some series refused (4 wins over 8).</summary>
    public int ExitCode =>
        !Discovery.FoundDicom ? ExitCodes.NoInput
        : Discovery.Failures.Count > 0 ? ExitCodes.CorruptInput
        : Rows.Any(r => r.Refusal is not null) || Rows.Count == 0 ? ExitCodes.Partial
        : ExitCodes.Ok;

    public static SeriesReport Build(DiscoveryResult discovery, bool requireDeidentified) => new(discovery, requireDeidentified);

    public void WriteTree(TextWriter o)
    {
        o.WriteLine($"{Discovery.Root}: {Discovery.FilesScanned} files, {Discovery.Series.Count} series stacks");
        foreach (var patient in Rows.GroupBy(r => r.Series.PatientId, StringComparer.Ordinal))
        {
            o.WriteLine($"Patient {(patient.Key.Length == 0 ? "(no ID)" : patient.Key)}");
            foreach (var study in patient.GroupBy(r => r.Series.StudyInstanceUid, StringComparer.Ordinal))
            {
                var date = study.First().Series.Header.GetStringOrDefault(BmeQuant.Dicom.DicomTag.StudyDate, string.Empty);
                o.WriteLine($"  Study {study.Key}{(date.Length > 0 ? " (" + date + ")" : string.Empty)}");
                foreach (var r in study)
                {
                    var s = r.Series;
                    o.WriteLine($"    Series {s.Label}");
                    o.WriteLine(Inv($"      role {r.Role.Role} (confidence {r.Role.Confidence:F2}): {string.Join("; ", r.Role.Evidence)}"));
                    o.WriteLine($"      {Describe(s)}");
                    foreach (var p in s.Geometry.Problems.Where(p => r.Refusal is null || !r.Refusal.Contains(p, StringComparison.Ordinal)))
                    {
                        o.WriteLine($"      problem: {p}");
                    }

                    if (r.Refusal is not null)
                    {
                        o.WriteLine($"      REFUSED: {r.Refusal}");
                    }

                    if (!r.Deidentification.IsDeidentified)
                    {
                        o.WriteLine($"      identifiable: {(r.Deidentification.PatientIdentityRemoved ? "PatientIdentityRemoved YES but " : "PatientIdentityRemoved not YES; ")}{string.Join(", ", r.Deidentification.IdentifyingAttributes)}");
                    }
                }

                var roles = Studies.First(x => x.StudyInstanceUid == study.Key);
                o.WriteLine($"    best T1: {roles.BestT1?.Label ?? "none"}");
                o.WriteLine($"    best fluid-sensitive: {roles.BestFluidSensitive?.Label ?? "none"}");
                foreach (var m in roles.Missing)
                {
                    o.WriteLine($"    missing: {m}");
                }
            }
        }

        foreach (var f in Discovery.Failures)
        {
            o.WriteLine($"unreadable: {f.Error.Message}");
        }

        foreach (var d in Discovery.Duplicates)
        {
            o.WriteLine($"duplicate: {d.DroppedPath} repeats SOPInstanceUID {d.SopInstanceUid} of {d.KeptPath}; ignored");
        }

        foreach (var n in Discovery.Notes)
        {
            o.WriteLine($"note: {n}");
        }

        if (Discovery.NotDicomFiles.Count > 0)
        {
            o.WriteLine(Inv($"skipped {Discovery.NotDicomFiles.Count} non-DICOM file(s)"));
        }
    }

    public void WriteJson(TextWriter o)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("root", Discovery.Root);
            w.WriteNumber("filesScanned", Discovery.FilesScanned);
            w.WriteNumber("exitCode", ExitCode);
            w.WriteStartArray("series");
            foreach (var r in Rows)
            {
                var s = r.Series;
                var g = s.Geometry.Geometry;
                w.WriteStartObject();
                w.WriteString("patientId", s.PatientId);
                w.WriteString("studyInstanceUid", s.StudyInstanceUid);
                w.WriteString("seriesInstanceUid", s.SeriesInstanceUid);
                if (s.SeriesNumber is { } n)
                {
                    w.WriteNumber("seriesNumber", n);
                }

                w.WriteString("seriesDescription", s.SeriesDescription);
                if (s.SplitDescription is not null)
                {
                    w.WriteString("split", s.SplitDescription);
                }

                w.WriteString("role", r.Role.Role.ToString());
                w.WriteNumber("roleConfidence", r.Role.Confidence);
                WriteStrings(w, "roleEvidence", r.Role.Evidence);
                w.WriteString("orientation", Orientation(s));
                w.WriteNumber("slices", s.Slices.Count);
                if (g is not null)
                {
                    w.WriteStartArray("size");
                    w.WriteNumberValue(g.SizeX);
                    w.WriteNumberValue(g.SizeY);
                    w.WriteNumberValue(g.SizeZ);
                    w.WriteEndArray();
                    w.WriteStartArray("spacingMm");
                    w.WriteNumberValue(g.Spacing.X);
                    w.WriteNumberValue(g.Spacing.Y);
                    w.WriteNumberValue(g.Spacing.Z);
                    w.WriteEndArray();
                }

                WriteStrings(w, "problems", s.Geometry.Problems);
                if (r.Refusal is not null)
                {
                    w.WriteString("refused", r.Refusal);
                }

                w.WriteBoolean("deidentified", r.Deidentification.IsDeidentified);
                WriteStrings(w, "identifyingAttributes", r.Deidentification.IdentifyingAttributes);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("studies");
            foreach (var st in Studies)
            {
                w.WriteStartObject();
                w.WriteString("studyInstanceUid", st.StudyInstanceUid);
                w.WriteString("bestT1", st.BestT1?.SeriesInstanceUid);
                w.WriteString("bestFluidSensitive", st.BestFluidSensitive?.SeriesInstanceUid);
                WriteStrings(w, "missing", st.Missing);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("unreadable");
            foreach (var f in Discovery.Failures)
            {
                w.WriteStartObject();
                w.WriteString("file", f.FilePath);
                w.WriteString("error", f.Error.GetType().Name);
                w.WriteString("message", f.Error.Message);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("duplicates");
            foreach (var d in Discovery.Duplicates)
            {
                w.WriteStartObject();
                w.WriteString("sopInstanceUid", d.SopInstanceUid);
                w.WriteString("kept", d.KeptPath);
                w.WriteString("dropped", d.DroppedPath);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteStrings(w, "notes", Discovery.Notes);
            w.WriteNumber("nonDicomFiles", Discovery.NotDicomFiles.Count);
            w.WriteEndObject();
        }

        o.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
    }

    private static string Describe(DicomSeries s)
    {
        var g = s.Geometry.Geometry;
        var size = g is null ? Inv($"{s.Columns}x{s.Rows}") : Inv($"{g.SizeX}x{g.SizeY}x{g.SizeZ}");
        var spacing = g is null ? "spacing ?" : Inv($"{g.Spacing.X:G4} x {g.Spacing.Y:G4} x {g.Spacing.Z:G4} mm");
        return Inv($"{Orientation(s)}, {size}, {spacing}, {s.Slices.Count} slice(s)");
    }

    private static string Orientation(DicomSeries s) =>
        s.Slices[0].RowCosine is { } r && s.Slices[0].ColumnCosine is { } c ? SeriesDiscovery.OrientationName(r, c) : "unknown";

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    internal sealed record Row(DicomSeries Series, RoleClassification Role, DeidentificationReport Deidentification, string? Refusal);
}
