using System.Collections.Concurrent;
using System.Globalization;
using BmeQuant.Imaging;

namespace BmeQuant.Dicom.Series;

/// <summary>Options of <see cref="SeriesDiscovery.Discover"/>.</summary>
public sealed record SeriesDiscoveryOptions
{
    /// <summary>Defaults.</summary>
    public static SeriesDiscoveryOptions Default { get; } = new();

    /// <summary>Parallel header reads (default: processor count).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Two images belong to the same stack when their ImageOrientationPatient values differ by at most this (default 1e-4).</summary>
    public double OrientationTolerance { get; init; } = 1e-4;

    /// <summary>Follow symbolic links to directories (each real directory is visited once, so loops end). Default true.</summary>
    public bool FollowSymbolicLinks { get; init; } = true;

    /// <summary>Read DICOMDIR files found in the tree and report the files they reference that are missing. Default true.</summary>
    public bool UseDicomDir { get; init; } = true;

    /// <summary>Deepest folder level walked below the root (guards against pathological trees). Default 64.</summary>
    public int MaxDepth { get; init; } = 64;
}

/// <summary>An unreadable file met during discovery, with the typed error; the walk goes on.</summary>
/// <param name="FilePath">The file.</param>
/// <param name="Error">What was wrong (names the file, offset and tag where known).</param>
public sealed record FileFailure(string FilePath, DicomException Error);

/// <summary>A second copy of an instance (same SOPInstanceUID) that was dropped.</summary>
/// <param name="SopInstanceUid">The SOPInstanceUID (0008,0018).</param>
/// <param name="KeptPath">The copy used.</param>
/// <param name="DroppedPath">The copy ignored.</param>
public sealed record DuplicateInstance(string SopInstanceUid, string KeptPath, string DroppedPath);

/// <summary>What <see cref="SeriesDiscovery.Discover"/> found under a folder.</summary>
public sealed class DiscoveryResult
{
    internal DiscoveryResult()
    {
    }

    /// <summary>The folder walked.</summary>
    public string Root { get; internal init; } = string.Empty;

    /// <summary>Every stack found, ordered by patient, study, series number, UID and split.</summary>
    public IReadOnlyList<DicomSeries> Series { get; internal init; } = [];

    /// <summary>Files that looked like DICOM but could not be read.</summary>
    public IReadOnlyList<FileFailure> Failures { get; internal init; } = [];

    /// <summary>Dropped second copies of instances.</summary>
    public IReadOnlyList<DuplicateInstance> Duplicates { get; internal init; } = [];

    /// <summary>Files skipped because they are not DICOM (no DICM marker and no plausible first element).</summary>
    public IReadOnlyList<string> NotDicomFiles { get; internal init; } = [];

    /// <summary>DICOM objects without pixels (raw data, reports, presentation states, DICOMDIR).</summary>
    public IReadOnlyList<DicomInstance> NonImageInstances { get; internal init; } = [];

    /// <summary>Notes on the walk itself (directory loops avoided, DICOMDIR references missing …).</summary>
    public IReadOnlyList<string> Notes { get; internal init; } = [];

    /// <summary>Number of files examined.</summary>
    public int FilesScanned { get; internal init; }

    /// <summary>Total size in bytes of the files examined.</summary>
    public long BytesScanned { get; internal init; }

    /// <summary>True when at least one DICOM object was read.</summary>
    public bool FoundDicom => Series.Count > 0 || NonImageInstances.Count > 0 || Failures.Count > 0;
}

/// <summary>
/// Finds the DICOM series under a folder: a parallel header-only walk (reading stops before Pixel Data), grouping by
/// SeriesInstanceUID, then splitting what cannot share one volume (orientation, size, echo, image type, localizers,
/// time points of 4-D data). Unreadable files and duplicates are reported, never fatal.
/// </summary>
public static class SeriesDiscovery
{
    private static readonly DicomReadOptions s_headerOptions = DicomReadOptions.HeaderOnly;

    /// <summary>Walks <paramref name="folder"/> (recursively) and groups the DICOM images found into stacks.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static DiscoveryResult Discover(string folder, SeriesDiscoveryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= SeriesDiscoveryOptions.Default;
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"{root}: folder not found");
        }

        var notes = new List<string>();
        var files = Walk(root, options, notes, cancellationToken);

        var instances = new ConcurrentBag<DicomInstance>();
        var failures = new ConcurrentBag<FileFailure>();
        var notDicom = new ConcurrentBag<string>();
        long bytes = 0;
        Parallel.ForEach(
            files,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.MaxDegreeOfParallelism), CancellationToken = cancellationToken },
            path =>
            {
                // One open per file: the DICM / first-element sniff looks at the buffer the header read goes on with.
                long length = -1;
                try
                {
                    var file = DicomFile.OpenIfDicom(path, s_headerOptions, out length);
                    if (file is null)
                    {
                        notDicom.Add(path);
                        return;
                    }

                    instances.Add(DicomInstance.FromDataset(path, file.Dataset, file.TransferSyntax));
                }
                catch (DicomException ex)
                {
                    failures.Add(new FileFailure(path, ex));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failures.Add(new FileFailure(path, new DicomFormatException($"{path}: header could not be read: {ex.Message}", ex) { FilePath = path }));
                }
                finally
                {
                    Interlocked.Add(ref bytes, length >= 0 ? length : SizeOrZero(path));
                }
            });

        var all = instances.OrderBy(i => i.FilePath, StringComparer.Ordinal).ToList();
        var nonImage = new List<DicomInstance>();
        var duplicates = new List<DuplicateInstance>();
        var unique = new List<DicomInstance>();
        var seen = new Dictionary<string, DicomInstance>(StringComparer.Ordinal);
        foreach (var inst in all)
        {
            if (inst.SopInstanceUid.Length > 0)
            {
                if (seen.TryGetValue(inst.SopInstanceUid, out var kept))
                {
                    duplicates.Add(new DuplicateInstance(inst.SopInstanceUid, kept.FilePath, inst.FilePath));
                    continue;
                }

                seen.Add(inst.SopInstanceUid, inst);
            }

            if (inst.Header.Contains(DicomTag.DirectoryRecordSequence) || !inst.IsImage)
            {
                nonImage.Add(inst);
                if (options.UseDicomDir && inst.Header.TryGetSequence(DicomTag.DirectoryRecordSequence, out var records))
                {
                    CheckDicomDir(inst.FilePath, records, notes);
                }

                continue;
            }

            unique.Add(inst);
        }

        var series = new List<DicomSeries>();
        foreach (var bySeries in unique.GroupBy(i => i.SeriesInstanceUid.Length > 0 ? i.SeriesInstanceUid : "no-uid:" + Path.GetDirectoryName(i.FilePath), StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            series.AddRange(Split(bySeries.SelectMany(i => i.Slices).ToList(), options));
        }

        return new DiscoveryResult
        {
            Root = root,
            Series = series
                .OrderBy(s => s.PatientId, StringComparer.Ordinal)
                .ThenBy(s => s.StudyInstanceUid, StringComparer.Ordinal)
                .ThenBy(s => s.SeriesNumber ?? int.MaxValue)
                .ThenBy(s => s.SeriesInstanceUid, StringComparer.Ordinal)
                .ThenBy(s => s.SplitDescription ?? string.Empty, StringComparer.Ordinal)
                .ThenBy(s => s.VolumeIndex)
                .ToArray(),
            Failures = failures.OrderBy(f => f.FilePath, StringComparer.Ordinal).ToArray(),
            Duplicates = duplicates,
            NotDicomFiles = notDicom.OrderBy(p => p, StringComparer.Ordinal).ToArray(),
            NonImageInstances = nonImage,
            Notes = notes,
            FilesScanned = files.Count,
            BytesScanned = bytes,
        };
    }

    // ------------------------------------------------------------------ walk

    private static List<string> Walk(string root, SeriesDiscoveryOptions options, List<string> notes, CancellationToken ct)
    {
        var files = new List<string>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(string Path, string Canonical, int Depth)>();
        stack.Push((root, Canonical(new DirectoryInfo(root)), 0));
        while (stack.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var (dir, canonical, depth) = stack.Pop();
            if (!visited.Add(canonical))
            {
                notes.Add($"{dir}: already visited as {canonical} (directory link loop or alias); not walked again");
                continue;
            }

            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(dir).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToArray();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                notes.Add($"{dir}: cannot list: {ex.Message}");
                continue;
            }

            foreach (var e in entries)
            {
                if (e is DirectoryInfo sub)
                {
                    var isLink = sub.LinkTarget is not null;
                    if (isLink && !options.FollowSymbolicLinks)
                    {
                        continue;
                    }

                    if (depth + 1 > options.MaxDepth)
                    {
                        notes.Add($"{sub.FullName}: deeper than {options.MaxDepth} levels; not walked");
                        continue;
                    }

                    stack.Push((sub.FullName, isLink ? Canonical(sub) : Path.Combine(canonical, sub.Name), depth + 1));
                }
                else if (e is FileInfo f)
                {
                    if (f.LinkTarget is not null && f.ResolveLinkTarget(true) is not { Exists: true })
                    {
                        notes.Add($"{f.FullName}: broken symbolic link; skipped");
                        continue;
                    }

                    files.Add(f.FullName);
                }
            }
        }

        return files;
    }

    private static string Canonical(DirectoryInfo d)
    {
        try
        {
            return d.LinkTarget is not null ? (d.ResolveLinkTarget(true)?.FullName ?? d.FullName) : d.FullName;
        }
        catch (IOException)
        {
            return d.FullName;
        }
    }

    private static long SizeOrZero(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>True when a file's first (up to 132) bytes are a preamble + "DICM", or start with a plausible group 0002/0008 element (raw dataset).</summary>
    internal static bool LooksLikeDicom(ReadOnlySpan<byte> head)
    {
        var n = head.Length;
        if (n >= 132 && head[128] == 'D' && head[129] == 'I' && head[130] == 'C' && head[131] == 'M')
        {
            return true;
        }

        if (n >= 4 && head[0] == 'D' && head[1] == 'I' && head[2] == 'C' && head[3] == 'M')
        {
            return true;
        }

        if (n < 8)
        {
            return false;
        }

        // Little endian (most raw datasets) or big endian group numbers of the first element.
        var groupLe = head[0] | (head[1] << 8);
        var groupBe = (head[0] << 8) | head[1];
        return groupLe is 0x0002 or 0x0008 || groupBe is 0x0002 or 0x0008;
    }

    private static void CheckDicomDir(string path, DicomSequence records, List<string> notes)
    {
        var dir = Path.GetDirectoryName(path) ?? ".";
        var missing = 0;
        string? example = null;
        foreach (var rec in records.Items)
        {
            if (rec.TryGetString(DicomTag.ReferencedFileID, out var id) && id.Length > 0)
            {
                var rel = Path.Combine(id.Split('\\', StringSplitOptions.RemoveEmptyEntries));
                var full = Path.Combine(dir, rel);
                if (!File.Exists(full))
                {
                    missing++;
                    example ??= rel;
                }
            }
        }

        if (missing > 0)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: DICOMDIR references {missing} file(s) that are missing (e.g. {example})"));
        }
    }

    // ------------------------------------------------------------------ splitting

    private static IEnumerable<DicomSeries> Split(List<DicomSlice> slices, SeriesDiscoveryOptions options)
    {
        // Orientation clusters (within tolerance of the first member).
        var reps = new List<(Vector3D R, Vector3D C)>();
        int Cluster(DicomSlice s)
        {
            if (s.RowCosine is not { } r || s.ColumnCosine is not { } c)
            {
                return -1;
            }

            for (var i = 0; i < reps.Count; i++)
            {
                if (MaxAbs(reps[i].R - r) <= options.OrientationTolerance && MaxAbs(reps[i].C - c) <= options.OrientationTolerance)
                {
                    return i;
                }
            }

            reps.Add((r, c));
            return reps.Count - 1;
        }

        var keyed = slices.Select(s =>
        {
            var derived = s.Instance.ImageType.Count > 0 && s.Instance.ImageType[0] == "DERIVED";
            var localizer = s.Instance.ImageType.Contains("LOCALIZER");
            var te = s.EchoTimeMs is { } t ? Math.Round(t, 2) : double.NaN;
            return (Slice: s, Key: new SplitKey(Cluster(s), s.Instance.Rows, s.Instance.Columns, s.EchoNumber ?? 0, te, derived, localizer));
        }).ToList();

        var groups = keyed.GroupBy(k => k.Key).OrderBy(g => g.Key.Orientation).ThenBy(g => g.Key.Echo).ThenBy(g => g.Key.EchoTimeMs).ToList();
        var orientations = groups.Select(g => g.Key.Orientation).Distinct().Count();
        var sizes = groups.Select(g => (g.Key.Rows, g.Key.Columns)).Distinct().Count();
        var echoes = groups.Select(g => (g.Key.Echo, g.Key.EchoTimeMs)).Distinct().Count();
        var types = groups.Select(g => (g.Key.Derived, g.Key.Localizer)).Distinct().Count();
        var orientationIndex = groups.Select(g => g.Key.Orientation).Distinct().Order().ToList();

        foreach (var g in groups)
        {
            var parts = new List<string>();
            var k = g.Key;
            if (orientations > 1)
            {
                var label = k.Orientation >= 0 ? OrientationName(reps[k.Orientation].R, reps[k.Orientation].C) : "no orientation";
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"orientation {orientationIndex.IndexOf(k.Orientation) + 1}/{orientations} ({label})"));
            }

            if (sizes > 1)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{k.Columns}x{k.Rows}"));
            }

            if (echoes > 1)
            {
                parts.Add(double.IsNaN(k.EchoTimeMs)
                    ? string.Create(CultureInfo.InvariantCulture, $"echo {k.Echo}")
                    : string.Create(CultureInfo.InvariantCulture, $"echo {k.Echo} (TE {k.EchoTimeMs:G4} ms)"));
            }

            if (types > 1)
            {
                parts.Add(k.Localizer ? "LOCALIZER" : k.Derived ? "DERIVED" : "ORIGINAL");
            }

            foreach (var s in SplitRepeats(g.Select(x => x.Slice).ToList(), parts))
            {
                yield return s;
            }
        }
    }

    /// <summary>Splits a group whose positions repeat: by temporal position, then acquisition number, then (4-D) by acquisition order.</summary>
    private static IEnumerable<DicomSeries> SplitRepeats(List<DicomSlice> slices, List<string> parts)
    {
        string? Describe(params string[] extra) => parts.Count + extra.Length == 0 ? null : string.Join(", ", parts.Concat(extra));

        if (!HasRepeatedPositions(slices))
        {
            return [new DicomSeries(slices, Describe(), 0, 1)];
        }

        foreach (var (selector, name) in new (Func<DicomSlice, int?>, string)[] { (s => s.TemporalPosition, "temporal position"), (s => s.AcquisitionNumber, "acquisition") })
        {
            var sub = slices.GroupBy(selector).OrderBy(g => g.Key ?? int.MinValue).ToList();
            if (sub.Count > 1 && sub.All(g => !HasRepeatedPositions(g.ToList())))
            {
                return sub.Select((g, i) => new DicomSeries(g.ToList(), Describe(string.Create(CultureInfo.InvariantCulture, $"{name} {g.Key}")), i, sub.Count)).ToList();
            }
        }

        // 4-D: the same number K of images at every position -> K volumes in acquisition order.
        var byPosition = slices.GroupBy(PositionKey).ToList();
        var k = byPosition[0].Count();
        if (k > 1 && byPosition.All(g => g.Count() == k))
        {
            var ordered = byPosition.Select(g => g
                .OrderBy(s => s.TemporalPosition ?? 0)
                .ThenBy(s => s.AcquisitionNumber ?? 0)
                .ThenBy(s => s.Instance.InstanceNumber)
                .ThenBy(s => s.FrameIndex)
                .ThenBy(s => s.Instance.FilePath, StringComparer.Ordinal)
                .ToArray()).ToList();
            return Enumerable.Range(0, k)
                .Select(v => new DicomSeries(ordered.Select(o => o[v]).ToList(), Describe(string.Create(CultureInfo.InvariantCulture, $"volume {v + 1}/{k}")), v, k))
                .ToList();
        }

        // Not resolvable: leave as one stack; the geometry check refuses it, naming the repeated position.
        return [new DicomSeries(slices, Describe(), 0, 1)];
    }

    private static bool HasRepeatedPositions(List<DicomSlice> slices)
    {
        var set = new HashSet<(long, long, long)>();
        foreach (var s in slices)
        {
            if (s.Position is null)
            {
                continue;
            }

            if (!set.Add(PositionKey(s)))
            {
                return true;
            }
        }

        return false;
    }

    private static (long, long, long) PositionKey(DicomSlice s)
    {
        var p = s.Position ?? Vector3D.Zero;
        return ((long)Math.Round(p.X * 100), (long)Math.Round(p.Y * 100), (long)Math.Round(p.Z * 100));
    }

    private static double MaxAbs(Vector3D v) => Math.Max(Math.Abs(v.X), Math.Max(Math.Abs(v.Y), Math.Abs(v.Z)));

    /// <summary>Axial, coronal, sagittal or oblique, from the slice normal's largest LPS component.</summary>
    public static string OrientationName(Vector3D row, Vector3D column)
    {
        var n = row.Cross(column);
        var ax = new[] { Math.Abs(n.X), Math.Abs(n.Y), Math.Abs(n.Z) };
        var max = ax.Max();
        var main = Array.IndexOf(ax, max) switch
        {
            0 => "sagittal",
            1 => "coronal",
            _ => "axial",
        };
        return max > 0.999 ? main : "oblique " + main;
    }

    private readonly record struct SplitKey(int Orientation, int Rows, int Columns, int Echo, double EchoTimeMs, bool Derived, bool Localizer);
}
