using System.Globalization;
using BmeQuant.Dicom;
using BmeQuant.Dicom.Deidentification;
using BmeQuant.Dicom.Series;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Quantification;

namespace BmeQuant.Batch;

/// <summary>What the planner found about one study before any pixel is read.</summary>
/// <param name="Study">The manifest row.</param>
/// <param name="Files">Every input file in a stable order (hashed for the key).</param>
/// <param name="EstimatedMemoryBytes">Memory the analysis is expected to need.</param>
internal sealed record StudyPlan(BatchStudy Study, IReadOnlyList<InputFile> Files, long EstimatedMemoryBytes);

/// <summary>
/// The "analyse one study" step of a batch, behind one seam: planning (files, limits, memory estimate; cheap) and
/// analysis (read, check, quantify). NIfTI files are read directly; DICOM folders go through header discovery
/// (limits and de-identification are checked on every header before any pixel is decoded), roles and assembly.
/// </summary>
internal static class StudyPipeline
{
    /// <summary>Working memory of an analysis relative to the float size of its inputs (measured: see docs/batch.md).</summary>
    internal const int MemoryFactor = 12;

    /// <summary>Fixed overhead per study (buffers, findings, writers).</summary>
    internal const long MemoryOverheadBytes = 48L << 20;

    private const int MaxWalkDepth = 32;

    /// <summary>Lists and checks the inputs and estimates the memory. Throws typed errors (missing, over a limit, bad header).</summary>
    public static StudyPlan Plan(BatchStudy study, BatchLimits limits, CancellationToken cancellationToken)
    {
        var files = new List<InputFile>();
        long floatBytes = 0;
        foreach (var (column, path) in study.Inputs())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Directory.Exists(path))
            {
                var walked = Walk(path, column, limits, cancellationToken);
                if (walked.Count == 0)
                {
                    throw new FileNotFoundException($"{study}: column '{column}': folder '{path}' holds no file.", path);
                }

                files.AddRange(walked);
                floatBytes += 2 * walked.Sum(f => f.Length);
            }
            else if (File.Exists(path))
            {
                var length = new FileInfo(path).Length;
                CheckFile(study, column, path, length, limits);
                files.Add(new InputFile(column, path, length));
                floatBytes += NiftiFloatBytes(study, column, path, limits);
            }
            else
            {
                throw new FileNotFoundException($"{study}: column '{column}': '{path}' does not exist.", path);
            }
        }

        return new StudyPlan(study, files, MemoryOverheadBytes + (MemoryFactor * floatBytes));
    }

    /// <summary>
    /// Reads and analyses one planned study. DICOM folders are first checked header by header (unreadable files,
    /// caps, identifiers) and then opened through the facade (<see cref="BmeQuantStudy"/>); NIfTI files are read here.
    /// </summary>
    public static EdemaFindings Analyze(StudyPlan plan, BatchOptions options, CancellationToken cancellationToken)
    {
        var study = plan.Study;
        Anatomy? anatomy = study.Anatomy switch
        {
            "knee" => Anatomy.Knee,
            "hip" => Anatomy.Hip,
            "ankle" => Anatomy.Ankle,
            "sij" => Anatomy.SacroiliacJoint,
            _ => null,
        };
        var openOptions = new StudyOpenOptions
        {
            Anatomy = anatomy,
            BoneMaskPath = study.BoneMask,
            ReferenceMaskPath = study.ReferenceMask,
            MaxDegreeOfParallelism = 1,
        };
        if (study.StudyFolder is { } folder)
        {
            openOptions = openOptions with { Discovered = new Dictionary<string, DiscoveryResult>(StringComparer.Ordinal) { [folder] = Preflight(study, "study", folder, options, cancellationToken) } };
            var opened = BmeQuantStudy.OpenFolderAsync(folder, openOptions, cancellationToken: cancellationToken).GetAwaiter().GetResult();
            return EdemaAnalyzer.Analyze(opened.Input, options.Analysis, cancellationToken);
        }

        if (Directory.Exists(study.Stir) || (study.T1 is not null && Directory.Exists(study.T1)))
        {
            var discovered = new Dictionary<string, DiscoveryResult>(StringComparer.Ordinal);
            foreach (var (column, path) in study.Inputs().Where(i => Directory.Exists(i.Path)))
            {
                discovered[path] = Preflight(study, column, path, options, cancellationToken);
            }

            openOptions = openOptions with { Discovered = discovered };

            var opened = BmeQuantStudy.OpenFilesAsync(study.Stir!, study.T1, openOptions, cancellationToken: cancellationToken).GetAwaiter().GetResult();
            return EdemaAnalyzer.Analyze(opened.Input, options.Analysis, cancellationToken);
        }

        // NIfTI files. The descrip field is free text and may carry a name: it is not copied.
        var fluid = NiftiReader.ReadFloat(study.Stir!);
        var t1 = study.T1 is null ? null : NiftiReader.ReadFloat(study.T1);
        cancellationToken.ThrowIfCancellationRequested();
        var input = new StudyInput(fluid, t1)
        {
            FluidSensitiveSeries = new SeriesProvenance(null, null, "stir: " + Path.GetFileName(study.Stir)),
            T1Series = study.T1 is null ? null : new SeriesProvenance(null, null, "t1: " + Path.GetFileName(study.T1)),
            BoneLabels = study.BoneMask is null ? null : NiftiReader.ReadLabels(study.BoneMask),
            BoneLabelsSource = study.BoneMask is null ? null : "bone_mask " + Path.GetFileName(study.BoneMask),
            ReferenceMask = study.ReferenceMask is null ? null : NiftiReader.ReadMask(study.ReferenceMask),
            ReferenceMaskSource = study.ReferenceMask is null ? null : "reference_mask " + Path.GetFileName(study.ReferenceMask),
            Anatomy = anatomy ?? Anatomy.Unknown,
        };
        return EdemaAnalyzer.Analyze(input, options.Analysis, cancellationToken);
    }

    /// <summary>Header discovery with every check that needs no pixel: unreadable files, caps, identifiers. The discovery is returned for the loader to reuse.</summary>
    private static DiscoveryResult Preflight(BatchStudy study, string column, string folder, BatchOptions options, CancellationToken cancellationToken)
    {
        var discovery = SeriesDiscovery.Discover(folder, new SeriesDiscoveryOptions { MaxDegreeOfParallelism = 1, MaxDepth = MaxWalkDepth }, cancellationToken);
        if (discovery.Failures.Count > 0)
        {
            var first = discovery.Failures[0];
            var more = discovery.Failures.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" ({discovery.Failures.Count - 1} more unreadable file(s))") : string.Empty;
            throw new DicomFormatException($"{study}: column '{column}': unreadable DICOM file: {first.Error.Message}{more}", first.Error);
        }

        var limits = options.Limits;
        var instances = discovery.Series.SelectMany(s => s.Instances).Concat(discovery.NonImageInstances).Distinct().ToArray();
        foreach (var instance in instances)
        {
            if (instance.Rows > limits.MaxDimension || instance.Columns > limits.MaxDimension)
            {
                throw new StudyRefusedException($"{study}: '{instance.FilePath}': {instance.Rows}×{instance.Columns} pixels, over the limit of {limits.MaxDimension} per side.");
            }

            if (instance.NumberOfFrames > limits.MaxFrames)
            {
                throw new StudyRefusedException($"{study}: '{instance.FilePath}': {instance.NumberOfFrames} frames, over the limit of {limits.MaxFrames}.");
            }
        }

        foreach (var series in discovery.Series)
        {
            if (series.Slices.Count > limits.MaxDimension)
            {
                throw new StudyRefusedException($"{study}: series {series.SeriesNumber?.ToString(CultureInfo.InvariantCulture) ?? "?"}: {series.Slices.Count} slices, over the limit of {limits.MaxDimension}.");
            }
        }

        if (options.RequireDeidentified)
        {
            var identifying = new SortedSet<string>(StringComparer.Ordinal);
            var notDeclared = 0;
            foreach (var instance in instances)
            {
                var report = DeidentificationCheck.Check(instance.Header);
                identifying.UnionWith(report.IdentifyingAttributes);
                if (!report.PatientIdentityRemoved)
                {
                    notDeclared++;
                }
            }

            if (identifying.Count > 0)
            {
                throw new StudyRefusedException($"{study}: --require-deidentified: {instances.Length - notDeclared} of {instances.Length} file(s) declare PatientIdentityRemoved; identifying attributes still have values: {string.Join(", ", identifying)} (values not shown).");
            }
        }

        return discovery;
    }

    private static void CheckFile(BatchStudy study, string column, string path, long length, BatchLimits limits)
    {
        if (length == 0)
        {
            throw new ImageFormatException($"{study}: column '{column}': '{path}' is empty (0 bytes).");
        }

        if (length > limits.MaxFileBytes)
        {
            throw new StudyRefusedException($"{study}: column '{column}': '{path}' is {length} bytes, over the limit of {limits.MaxFileBytes}.");
        }
    }

    /// <summary>Float bytes of a NIfTI file from its header, checking the caps before anything is allocated.</summary>
    private static long NiftiFloatBytes(BatchStudy study, string column, string path, BatchLimits limits)
    {
        var header = NiftiReader.ReadHeader(path);
        long voxels = 1;
        for (var i = 0; i < Math.Min(3, header.Dimensions.Count); i++)
        {
            var n = header.Dimensions[i];
            if (n > limits.MaxDimension)
            {
                throw new StudyRefusedException($"{study}: column '{column}': '{path}' has {n} voxels along axis {i + 1}, over the limit of {limits.MaxDimension}.");
            }

            voxels *= Math.Max(1, n);
        }

        voxels *= Math.Max(1, header.VolumeCount);
        if (voxels > limits.MaxVoxels)
        {
            throw new StudyRefusedException($"{study}: column '{column}': '{path}' has {voxels} voxels, over the limit of {limits.MaxVoxels}.");
        }

        return 4 * voxels;
    }

    /// <summary>Every file under <paramref name="root"/> in ordinal order of relative path; directory links are followed once (loops end).</summary>
    private static List<InputFile> Walk(string root, string column, BatchLimits limits, CancellationToken cancellationToken)
    {
        var files = new List<InputFile>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(string Dir, string Relative, int Depth)>();
        stack.Push((root, column, 0));
        while (stack.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (dir, relative, depth) = stack.Pop();
            var info = new DirectoryInfo(dir);
            var canonical = info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dir : dir;
            canonical = Path.TrimEndingDirectorySeparator(Path.GetFullPath(canonical));
            if (!visited.Add(canonical) || depth > MaxWalkDepth)
            {
                continue;
            }

            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var name = relative + "/" + entry.Name;
                if (entry is DirectoryInfo sub)
                {
                    stack.Push((sub.FullName, name, depth + 1));
                }
                else if (entry is FileInfo file)
                {
                    if (file.LinkTarget is not null && file.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true })
                    {
                        continue;
                    }

                    var length = file.Length;
                    if (file.LinkTarget is not null)
                    {
                        length = new FileInfo(file.ResolveLinkTarget(true)!.FullName).Length;
                    }

                    if (length == 0)
                    {
                        throw new ImageFormatException($"Column '{column}': '{file.FullName}' is empty (0 bytes): an interrupted copy?");
                    }

                    if (length > limits.MaxFileBytes)
                    {
                        throw new StudyRefusedException($"Column '{column}': '{file.FullName}' is {length} bytes, over the limit of {limits.MaxFileBytes}.");
                    }

                    files.Add(new InputFile(name, file.FullName, length));
                    if (files.Count > limits.MaxFilesPerStudy)
                    {
                        throw new StudyRefusedException($"Column '{column}': '{root}' holds more than {limits.MaxFilesPerStudy} files.");
                    }
                }
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return files;
    }
}
