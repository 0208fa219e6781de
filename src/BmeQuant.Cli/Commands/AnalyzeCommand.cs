using System.CommandLine;
using System.Globalization;
using BmeQuant.Dicom;
using BmeQuant.Dicom.Series;
using BmeQuant.Dicom.Web;
using BmeQuant.Pacs;
using BmeQuant.Imaging;
using BmeQuant.Quantification;
using BmeQuant.Reporting;

namespace BmeQuant.Cli.Commands;

/// <summary>
/// <c>bmequant analyze STUDY_FOLDER --out D</c> (series roles picked from the DICOM headers) or
/// <c>bmequant analyze --stir S [--t1 T] --out D</c> (each a DICOM folder or a NIfTI file), with optional
/// <c>--bone-mask</c>, <c>--reference-mask</c>, <c>--anatomy</c> and rule options: quantifies bone marrow edema in one
/// study through the facade and writes findings.json, the masks as NIfTI and a console summary.
/// <c>bmequant analyze --from-pacs URL --patient ID [--study UID] [--push] --out D</c> pulls the study over DICOMweb
/// into the cache first and, with <c>--push</c>, stores the DICOM SEG and SR of the result back (never twice).
/// </summary>
internal sealed class AnalyzeCommand : ICliCommand
{
    public Command Build()
    {
        var study = new Argument<DirectoryInfo?>("STUDY_FOLDER") { Description = "A study folder of DICOM files: the T1 and fluid-sensitive series are found from their headers. Omit it when giving --stir.", Arity = ArgumentArity.ZeroOrOne };
        var stir = new Option<FileSystemInfo?>("--stir") { Description = "Fluid-sensitive fat-suppressed series (STIR, PD/T2 fat-sat, Dixon water): a DICOM folder or a NIfTI file." };
        var t1 = new Option<FileSystemInfo?>("--t1") { Description = "T1-weighted series: a DICOM folder or a NIfTI file (needed for automatic bone segmentation)." };
        var boneMask = new Option<FileInfo?>("--bone-mask") { Description = "Label map (NIfTI): each positive label a bone or region; labels are named 'label N'." };
        var referenceMask = new Option<FileInfo?>("--reference-mask") { Description = "Normal-marrow mask drawn by a reader (NIfTI, non-zero = reference)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder for findings.json and the masks.", Required = true };
        var rule = new Option<string>("--rule") { Description = "Edema rule: robust (default), q3-iqr, mean-sd.", DefaultValueFactory = _ => "robust" };
        rule.AcceptOnlyFromAmong("robust", "q3-iqr", "mean-sd");
        var k = new Option<double?>("--k") { Description = "The rule's multiplier (robust: z threshold, default 3; q3-iqr: k, default adaptive; mean-sd: k, default 2)." };
        var minLesion = new Option<double?>("--min-lesion-mm3") { Description = "Smallest lesion kept, in mm³ (default 30)." };
        var anatomy = new Option<string>("--anatomy") { Description = "Joint imaged: auto (default: from BodyPartExamined and descriptions), unknown, knee, hip, ankle, sij.", DefaultValueFactory = _ => "auto" };
        anatomy.AcceptOnlyFromAmong("auto", "unknown", "knee", "hip", "ankle", "sij");
        var studyUid = new Option<string?>("--study-uid") { Description = "When the folder holds several studies: the StudyInstanceUID to analyse." };
        var resample = new Option<bool>("--resample") { Description = "Resample tilted, gapped or irregular DICOM stacks onto a regular grid instead of refusing them." };
        var timings = new Option<bool>("--timings") { Description = "Print wall and CPU milliseconds of start-up, reading, each analysis stage and writing, and the peak memory." };

        var command = new Command("analyze", "Quantify bone marrow edema in one study (a DICOM study folder, T1 + fluid-sensitive series, or a study on a PACS).")
        {
            study, stir, t1, boneMask, referenceMask, output, rule, k, minLesion, anatomy, studyUid, resample, timings,
        };
        var pacs = new PacsConnectionOptions(command, "--from-pacs", urlRequired: false);
        var patient = new Option<string?>("--patient") { Description = "With --from-pacs: the PatientID whose study is pulled." };
        var pacsStudy = new Option<string?>("--study") { Description = "With --from-pacs: the StudyInstanceUID (needed when the patient has several studies)." };
        var push = new Option<bool>("--push") { Description = "With --from-pacs: store the DICOM SEG and SR of the result on the PACS (STOW-RS); instances already stored are not sent again." };
        command.Add(patient);
        command.Add(pacsStudy);
        command.Add(push);
        command.SetAction(async (parse, ct) =>
        {
            using var timer = parse.GetValue(timings) ? new AnalyzeTimings() : null;
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var folder = parse.GetValue(study);
            var stirPath = parse.GetValue(stir);
            var t1Path = parse.GetValue(t1);
            var fromPacs = pacs.HasUrl(parse);
            DicomWebOptions? pacsOptions = null;
            if (fromPacs)
            {
                if (folder is not null || stirPath is not null || t1Path is not null)
                {
                    stderr.WriteLine("--from-pacs replaces the study folder and --stir/--t1; give one of them.");
                    return ExitCodes.Usage;
                }

                if (string.IsNullOrWhiteSpace(parse.GetValue(patient)))
                {
                    stderr.WriteLine("--from-pacs needs --patient ID.");
                    return ExitCodes.Usage;
                }

                if (!pacs.TryCreate(parse, stderr, out var o))
                {
                    return ExitCodes.Usage;
                }

                pacsOptions = o;
            }
            else if (parse.GetValue(push) || parse.GetValue(patient) is not null || parse.GetValue(pacsStudy) is not null)
            {
                stderr.WriteLine("--patient, --study and --push need --from-pacs URL.");
                return ExitCodes.Usage;
            }
            else if (folder is null == stirPath is null)
            {
                stderr.WriteLine(folder is null
                    ? "Give a study folder (bmequant analyze STUDY_FOLDER --out D) or the series (--stir S [--t1 T])."
                    : "Give either a study folder or --stir/--t1, not both.");
                return ExitCodes.Usage;
            }

            if (folder is not null && t1Path is not null)
            {
                stderr.WriteLine("--t1 needs --stir; with a study folder both series are found from the headers.");
                return ExitCodes.Usage;
            }

            var outDir = parse.GetValue(output)!.FullName;
            if (OutputProblem(outDir) is { } problem)
            {
                stderr.WriteLine(problem);
                return ExitCodes.Usage;
            }

            var openOptions = new StudyOpenOptions
            {
                Anatomy = parse.GetValue(anatomy) switch
                {
                    "knee" => Anatomy.Knee,
                    "hip" => Anatomy.Hip,
                    "ankle" => Anatomy.Ankle,
                    "sij" => Anatomy.SacroiliacJoint,
                    "unknown" => Anatomy.Unknown,
                    _ => null,
                },
                BoneMaskPath = parse.GetValue(boneMask)?.FullName,
                ReferenceMaskPath = parse.GetValue(referenceMask)?.FullName,
                StudyInstanceUid = parse.GetValue(studyUid),
                Assembly = parse.GetValue(resample) ? SeriesAssemblyOptions.Default with { Policy = GeometryPolicy.Resample } : SeriesAssemblyOptions.Default,
            };
            var options = AnalysisOptions.Default with
            {
                Rule = parse.GetValue(rule) switch
                {
                    "q3-iqr" => EdemaRule.Q3Iqr,
                    "mean-sd" => EdemaRule.MeanSd,
                    _ => EdemaRule.Robust,
                },
                K = parse.GetValue(k),
                MinimumLesionVolumeMm3 = parse.GetValue(minLesion) ?? AnalysisOptions.Default.MinimumLesionVolumeMm3,
            };

            try
            {
                if (pacsOptions is not null)
                {
                    using var client = new DicomWebClient(pacsOptions);
                    var pulled = await PullOneAsync(client, parse.GetValue(patient)!, parse.GetValue(pacsStudy), pacs.CacheFolder(parse), stdout, stderr, ct).ConfigureAwait(false);
                    if (pulled is null)
                    {
                        return ExitCodes.NoInput;
                    }

                    folder = new DirectoryInfo(pulled.Folder);
                }

                // The analysis' code compiles on the core the reading leaves idle (docs: EdemaAnalyzer.PrecompileAsync).
                _ = EdemaAnalyzer.PrecompileAsync(automaticBones: parse.GetValue(boneMask) is null, ct);
                Study opened;
                using (timer?.Stage("read"))
                {
                    opened = folder is not null
                        ? await BmeQuantStudy.OpenFolderAsync(folder.FullName, openOptions, cancellationToken: ct).ConfigureAwait(false)
                        : await BmeQuantStudy.OpenFilesAsync(stirPath!.FullName, t1Path?.FullName, openOptions, cancellationToken: ct).ConfigureAwait(false);
                }

                WriteStudy(stdout, opened);
                var analysis = await opened.AnalyzeAsync(options, cancellationToken: ct).ConfigureAwait(false);
                using (timer?.Stage("write"))
                {
                    try
                    {
                        await analysis.WriteAsync(outDir, cancellationToken: ct).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        stderr.WriteLine($"The study was analysed but the results could not be written into --out {outDir}: {ex.Message}");
                        return ExitCodes.Usage;
                    }
                }

                stdout.Write(analysis.Summary());
                stdout.WriteLine($"Written: {Path.Combine(outDir, FindingsWriter.FindingsFileName)} and masks (edema, bones, depth-zones, reference .nii.gz).");
                timer?.Write(stdout);
                if (pacsOptions is not null && parse.GetValue(push))
                {
                    using var client = new DicomWebClient(pacsOptions);
                    return await PushOutputsAsync(client, opened, analysis, opened.StudyDate is null ? null : analysis.Label, null, outDir, stdout, stderr, ct).ConfigureAwait(false);
                }

                return ExitCodes.Ok;
            }
            catch (DicomWebException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.RemoteFailed;
            }
            catch (StudyOpenException ex)
            {
                stderr.WriteLine(ex.Message);
                return ex.Reason == StudyOpenFailure.Unreadable ? ExitCodes.CorruptInput : ExitCodes.NoInput;
            }
            catch (ArgumentOutOfRangeException ex)
            {
                stderr.WriteLine(ex.Message);
                return ExitCodes.Usage;
            }
            catch (QuantificationException ex)
            {
                stderr.WriteLine("The study was read but could not be quantified: " + ex.Message);
                return ExitCodes.AnalysisFailed;
            }
        });
        return command;
    }

    /// <summary>
    /// Why <paramref name="outDir"/> cannot take the results (it is a file, lies under a file, or its nearest existing
    /// folder refuses a new file), or null when it can; checked before anything is read so a bad --out costs nothing.
    /// </summary>
    internal static string? OutputProblem(string outDir)
    {
        if (File.Exists(outDir))
        {
            return $"--out {outDir} is a file; expected a folder (new or existing) for findings.json and the masks.";
        }

        var existing = outDir;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                return $"--out {outDir} cannot be created: {existing} is a file, not a folder.";
            }

            var parent = Path.GetDirectoryName(existing);
            if (string.IsNullOrEmpty(parent))
            {
                return $"--out {outDir} cannot be created: none of its parent folders exists.";
            }

            existing = parent;
        }

        var probe = Path.Combine(existing, ".bmequant-write-test-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"--out {outDir}: cannot write into {existing} ({ex.Message}).";
        }
    }

    /// <summary>Finds the patient's study on the PACS (the one given, or the only one) and pulls it into the cache; null (with a message) when there is none or several.</summary>
    internal static async Task<PulledStudy?> PullOneAsync(DicomWebClient client, string patientId, string? studyInstanceUid, string cache, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        if (studyInstanceUid is null)
        {
            var found = await client.SearchStudiesAsync(new Dictionary<string, string> { ["PatientID"] = patientId }, ct).ConfigureAwait(false);
            var uids = found.Select(f => f.StudyInstanceUid).Where(u => u.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
            if (uids.Length > 1)
            {
                stderr.WriteLine($"Patient '{patientId}' has {uids.Length} studies on the PACS; choose one with --study: {string.Join(", ", found.Select(f => $"{f.StudyInstanceUid} ({f.Get(DicomTag.StudyDate)})"))}.");
                return null;
            }

            studyInstanceUid = uids.FirstOrDefault();
        }

        var studies = studyInstanceUid is null ? [] : await PacsTransfer.PullAsync(client, patientId, studyInstanceUid, cache, cancellationToken: ct).ConfigureAwait(false);
        if (studies.Count == 0)
        {
            stderr.WriteLine($"No study found on the PACS for patient '{patientId}'{(studyInstanceUid is null ? string.Empty : " and study " + studyInstanceUid)}.");
            return null;
        }

        stdout.WriteLine("Pulled: " + PacsCommand.Describe(studies[0]));
        return studies[0];
    }

    /// <summary>Builds the SEG and SR of an analysis, writes them into <paramref name="outDir"/> and pushes them (skipping those already stored).</summary>
    internal static async Task<int> PushOutputsAsync(DicomWebClient client, Study study, StudyAnalysis analysis, string? timePoint, IReadOnlyDictionary<string, double>? previousEdemaMm3, string outDir, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        DicomOutputSet outputs;
        try
        {
            outputs = PacsOutputs.Build(study, analysis, timePoint, previousEdemaMm3);
        }
        catch (BmeQuantException ex)
        {
            stderr.WriteLine("The DICOM SEG and SR could not be built: " + ex.Message);
            return ExitCodes.CorruptInput;
        }

        var files = outputs.Write(outDir);
        stdout.WriteLine($"Written: {string.Join(" and ", files)}.");
        var results = await PacsTransfer.PushAsync(client, files, ct).ConfigureAwait(false);
        return PacsCommand.Report(results, stdout, stderr);
    }

    private static void WriteStudy(TextWriter output, Study study)
    {
        static string Describe(StudySeries s)
        {
            var what = s.Provenance.SeriesDescription is { Length: > 0 } d ? "'" + d + "'" : Path.GetFileName(s.Provenance.Source ?? "?");
            var role = s.Role is null ? string.Empty : ", " + s.Role;
            var g = s.Volume.Geometry;
            return string.Create(CultureInfo.InvariantCulture, $"{what} ({s.Kind}{role}, {g.SizeX}×{g.SizeY}×{g.SizeZ}, {g.Spacing.X:0.###}×{g.Spacing.Y:0.###}×{g.Spacing.Z:0.###} mm)");
        }

        output.WriteLine("Fluid-sensitive: " + Describe(study.FluidSensitive));
        output.WriteLine("T1: " + (study.T1 is null ? "none" : Describe(study.T1)));
        output.WriteLine($"Anatomy: {study.Anatomy} ({study.AnatomyEvidence})");
        foreach (var note in study.Notes)
        {
            output.WriteLine("Note: " + note);
        }
    }
}
