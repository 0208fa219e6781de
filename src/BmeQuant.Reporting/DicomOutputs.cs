using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BmeQuant.Dicom;
using BmeQuant.Dicom.Seg;
using BmeQuant.Dicom.Sr;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Quantification;

namespace BmeQuant.Reporting;

/// <summary>The measures of one bone (or the total) written into the DICOM outputs.</summary>
/// <param name="Name">Bone name as in findings.json ("total" for all bones).</param>
/// <param name="Label">Label in the bone map (0 for the total).</param>
/// <param name="EdemaVolumeMm3">Edema volume.</param>
/// <param name="RegionVolumeMm3">Bone volume.</param>
/// <param name="PercentOfRegion">Edema as % of the bone.</param>
/// <param name="Worms">WORMS grade.</param>
/// <param name="Moaks">MOAKS grade.</param>
/// <param name="EdemaToNormalMarrow">Signal ratio, or null.</param>
/// <param name="FociCount">Number of separate lesions.</param>
public sealed record DicomOutputRegion(string Name, int Label, double EdemaVolumeMm3, double RegionVolumeMm3, double PercentOfRegion, int Worms, int Moaks, double? EdemaToNormalMarrow, int FociCount);

/// <summary>What the DICOM outputs of one analysis are built from: measures and masks on the analysis (source) grid.</summary>
public sealed record DicomOutputInput
{
    /// <summary>Per bone.</summary>
    public required IReadOnlyList<DicomOutputRegion> Bones { get; init; }

    /// <summary>All bones together.</summary>
    public required DicomOutputRegion Total { get; init; }

    /// <summary>Edema mask (non-zero = edema).</summary>
    public required Volume<byte> Edema { get; init; }

    /// <summary>Bone label map (0 = background).</summary>
    public required Volume<int> Bones3D { get; init; }

    /// <summary>Software version that produced the findings.</summary>
    public string SoftwareVersion { get; init; } = "0";

    /// <summary>Time point label (e.g. "baseline", "visit 2"), or null.</summary>
    public string? TimePoint { get; init; }

    /// <summary>Edema volume per bone name (and "total") at the previous timepoint, for the change measures; null when none.</summary>
    public IReadOnlyDictionary<string, double>? PreviousEdemaMm3 { get; init; }
}

/// <summary>The two DICOM objects of one analysis.</summary>
/// <param name="Segmentation">DICOM SEG: segment 1 edema, then one segment per bone.</param>
/// <param name="Report">TID 1500 measurement report referencing the SEG and the source images.</param>
public sealed record DicomOutputSet(DicomDataset Segmentation, DicomDataset Report)
{
    /// <summary>SOP Instance UID of the SEG.</summary>
    public string SegmentationSopInstanceUid => Segmentation.GetString(DicomTag.SOPInstanceUID);

    /// <summary>SOP Instance UID of the SR.</summary>
    public string ReportSopInstanceUid => Report.GetString(DicomTag.SOPInstanceUID);

    /// <summary>Writes <c>segmentation.dcm</c> and <c>measurements-sr.dcm</c> into <paramref name="directory"/>; returns their paths.</summary>
    public IReadOnlyList<string> Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var seg = Path.Combine(directory, "segmentation.dcm");
        var sr = Path.Combine(directory, "measurements-sr.dcm");
        DicomWriter.Write(seg, Segmentation);
        DicomWriter.Write(sr, Report);
        return [seg, sr];
    }
}

/// <summary>
/// Maps analysis results to DICOM outputs a PACS and a viewer understand: a Segmentation of the edema and each bone
/// (SNOMED CT codes) and a TID 1500 measurement report with volumes, ratios, grades and change, one tracked finding per
/// bone whose UID is derived from patient + bone + region so it stays the same across timepoints. SOP Instance UIDs are
/// name-based on the source series and the content, so rebuilding the same analysis gives the same UIDs (sending twice
/// stores once).
/// </summary>
public static class DicomOutputs
{
    private static readonly Dictionary<string, CodedConcept> s_boneCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["femur"] = new("71341001", "SCT", "Bone structure of femur"),
        ["tibia"] = new("12611008", "SCT", "Bone structure of tibia"),
        ["fibula"] = new("87342007", "SCT", "Bone structure of fibula"),
        ["patella"] = new("64234005", "SCT", "Bone structure of patella"),
        ["talus"] = new("67453005", "SCT", "Bone structure of talus"),
        ["calcaneus"] = new("80144004", "SCT", "Bone structure of calcaneum"),
        ["sacrum"] = new("54735007", "SCT", "Bone structure of sacrum"),
        ["ilium"] = new("22356005", "SCT", "Bone structure of ilium"),
    };

    /// <summary>The SNOMED CT code of a bone name ("Femur", "LeftIlium", "label 3") and its laterality, if the name gives one; unknown names map to "Bone structure".</summary>
    public static (CodedConcept Bone, CodedConcept? Laterality) BoneCode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = name.Trim();
        CodedConcept? side = null;
        foreach (var (prefix, code) in new[] { ("left", SrCodes.Left), ("right", SrCodes.Right) })
        {
            if (n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                side = code;
                n = n[prefix.Length..].TrimStart(' ', '-', '_');
                break;
            }
        }

        return (s_boneCodes.TryGetValue(n, out var c) ? c : SrCodes.Bone, side);
    }

    /// <summary>The input from an in-memory analysis.</summary>
    public static DicomOutputInput FromFindings(EdemaFindings findings, string? timePoint = null, IReadOnlyDictionary<string, double>? previousEdemaMm3 = null)
    {
        ArgumentNullException.ThrowIfNull(findings);
        static DicomOutputRegion Map(RegionFindings r) => new(r.Name, r.Label, r.EdemaVolumeMm3, r.RegionVolumeMm3, r.PercentOfRegion, r.Grades.Worms, r.Grades.Moaks, r.Signal.EdemaToNormalMarrow, r.Distribution.FociCount);
        return new DicomOutputInput
        {
            Bones = findings.Bones.Select(Map).ToArray(),
            Total = Map(findings.Total),
            Edema = findings.Masks.Edema,
            Bones3D = findings.Masks.Bones,
            SoftwareVersion = findings.SoftwareVersion,
            TimePoint = timePoint,
            PreviousEdemaMm3 = previousEdemaMm3,
        };
    }

    /// <summary>The input from an analysis folder written by <c>bmequant analyze</c>: findings.json, edema.nii.gz, bones.nii.gz.</summary>
    /// <exception cref="BmeQuantException">A file is missing or not valid; the message names it.</exception>
    public static DicomOutputInput ReadAnalysisFolder(string directory, string? timePoint = null, IReadOnlyDictionary<string, double>? previousEdemaMm3 = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var json = Path.Combine(directory, FindingsWriter.FindingsFileName);
        var edemaPath = Path.Combine(directory, "edema.nii.gz");
        var bonesPath = Path.Combine(directory, "bones.nii.gz");
        foreach (var p in new[] { json, edemaPath, bonesPath })
        {
            if (!File.Exists(p))
            {
                throw new BmeQuantException($"{directory}: analysis folder lacks {Path.GetFileName(p)} (expected findings.json, edema.nii.gz and bones.nii.gz from 'bmequant analyze').");
            }
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
            var root = doc.RootElement;
            static DicomOutputRegion Region(JsonElement r)
            {
                var grades = r.GetProperty("grades");
                var signal = r.GetProperty("signal");
                return new DicomOutputRegion(
                    r.GetProperty("name").GetString() ?? "?",
                    r.GetProperty("label").GetInt32(),
                    r.GetProperty("edemaVolumeMm3").GetDouble(),
                    r.GetProperty("regionVolumeMm3").GetDouble(),
                    r.GetProperty("percentOfRegion").GetDouble(),
                    grades.GetProperty("worms").GetInt32(),
                    grades.GetProperty("moaks").GetInt32(),
                    signal.TryGetProperty("edemaToNormalMarrow", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : null,
                    r.GetProperty("distribution").GetProperty("fociCount").GetInt32());
            }

            return new DicomOutputInput
            {
                Bones = root.GetProperty("bones").EnumerateArray().Select(Region).ToArray(),
                Total = Region(root.GetProperty("total")),
                Edema = NiftiReader.ReadMask(edemaPath),
                Bones3D = NiftiReader.ReadLabels(bonesPath),
                SoftwareVersion = root.TryGetProperty("softwareVersion", out var v) ? v.GetString() ?? "0" : "0",
                TimePoint = timePoint,
                PreviousEdemaMm3 = previousEdemaMm3,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new BmeQuantException($"{json}: not a findings document BmeQuant can map to DICOM ({ex.Message}).", ex);
        }
    }

    /// <summary>
    /// Builds the SEG and the SR of <paramref name="input"/> against the source series. The masks must lie on the source
    /// grid (within 0.05 mm, as a NIfTI written from it does); they are then re-attached to the exact source geometry.
    /// </summary>
    /// <exception cref="BmeQuantException">The masks are not on the source grid.</exception>
    public static DicomOutputSet Build(DicomOutputInput input, SourceImageSet source, DateTimeOffset? contentDateTime = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(source);
        var g = source.Geometry;
        var edema = OnGrid(input.Edema, g, "edema mask");
        var bones = OnGrid(input.Bones3D, g, "bone label map");
        var patientId = source.Header.GetStringOrDefault(DicomTag.PatientID, string.Empty);
        var algorithm = "BmeQuant " + input.SoftwareVersion;

        var segments = new List<SegmentMask>
        {
            new(new SegmentDescription
            {
                Number = 1,
                Label = "Edema",
                Category = SrCodes.MorphologicallyAlteredStructure,
                Type = SrCodes.Edema,
                AnatomicRegion = SrCodes.BoneMarrow,
                AlgorithmName = algorithm,
                RecommendedDisplayRgb = 0xFF3030,
            }, Binary(edema.Data, v => v != 0, g)),
        };
        var segmentOfBone = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var b in input.Bones.Where(b => b.Label > 0).OrderBy(b => b.Label))
        {
            var (code, side) = BoneCode(b.Name);
            var number = segments.Count + 1;
            segmentOfBone[b.Name] = number;
            segments.Add(new SegmentMask(
                new SegmentDescription
                {
                    Number = number,
                    Label = b.Name,
                    Category = SrCodes.AnatomicalStructure,
                    Type = code,
                    AnatomicRegion = code,
                    AnatomicRegionModifier = side,
                    AlgorithmName = algorithm,
                    RecommendedDisplayRgb = 0xE0D8B0,
                },
                Binary(bones.Data, v => v == b.Label, g)));
        }

        var contentHash = Hash(edema.Data, bones.Data, input.SoftwareVersion);
        var segSop = DeterministicUid.From("seg", source.SeriesInstanceUid, contentHash);
        var segSeries = DeterministicUid.From("seg-series", source.SeriesInstanceUid);
        var segmentation = SegmentationWriter.Build(source, segments, new SegmentationOptions
        {
            SopInstanceUid = segSop,
            SeriesInstanceUid = segSeries,
            SoftwareVersion = input.SoftwareVersion,
            ContentDateTime = contentDateTime,
        });

        var groups = new List<MeasurementGroup>();
        foreach (var b in input.Bones)
        {
            groups.Add(Group(b, patientId, source, segSeries, segSop, 1, input));
        }

        groups.Add(Group(input.Total, patientId, source, segSeries, segSop, 1, input));
        var measuresText = string.Join(';', groups.SelectMany(x => x.Measurements.Select(m => string.Create(CultureInfo.InvariantCulture, $"{x.TrackingUid}:{m.Concept.Value}={m.Value:R}"))));
        var report = MeasurementReport.Build(source, groups, new MeasurementReportOptions
        {
            SopInstanceUid = DeterministicUid.From("sr", source.SeriesInstanceUid, segSop, input.TimePoint ?? string.Empty, measuresText),
            SeriesInstanceUid = DeterministicUid.From("sr-series", source.SeriesInstanceUid),
            SoftwareVersion = input.SoftwareVersion,
            ContentDateTime = contentDateTime,
        });
        return new DicomOutputSet(segmentation, report);
    }

    /// <summary>Tracking identifier text of a bone's edema for a patient (the UID is <see cref="TrackingUid"/>).</summary>
    public static string TrackingIdentifier(string patientId, string bone) => $"{(patientId.Length > 0 ? patientId : "anonymous")}/{bone.ToLowerInvariant()}/edema";

    /// <summary>The tracking UID of a bone's edema for a patient: the same at every timepoint.</summary>
    public static string TrackingUid(string patientId, string bone) => DeterministicUid.From("tracking", patientId, bone.ToLowerInvariant(), "edema");

    private static MeasurementGroup Group(DicomOutputRegion r, string patientId, SourceImageSet source, string segSeries, string segSop, int segment, DicomOutputInput input)
    {
        var isTotal = r.Label == 0 && string.Equals(r.Name, "total", StringComparison.OrdinalIgnoreCase);
        var measurements = new List<Measurement>
        {
            new(SrCodes.Volume, r.EdemaVolumeMm3, SrCodes.CubicMillimeter),
            new(SrCodes.RegionVolume, r.RegionVolumeMm3, SrCodes.CubicMillimeter),
            new(SrCodes.EdemaPercentOfBone, r.PercentOfRegion, SrCodes.Percent),
            new(SrCodes.FociCount, r.FociCount, SrCodes.NoUnits),
        };
        if (!isTotal)
        {
            measurements.Add(new(SrCodes.WormsGrade, r.Worms, SrCodes.NoUnits));
            measurements.Add(new(SrCodes.MoaksGrade, r.Moaks, SrCodes.NoUnits));
        }

        if (r.EdemaToNormalMarrow is { } ratio && double.IsFinite(ratio))
        {
            measurements.Add(new(SrCodes.EdemaToNormalMarrowRatio, ratio, SrCodes.Ratio));
        }

        if (input.PreviousEdemaMm3 is { } previous && previous.TryGetValue(r.Name, out var before))
        {
            measurements.Add(new(SrCodes.VolumeChange, r.EdemaVolumeMm3 - before, SrCodes.CubicMillimeter));
            if (before > 0)
            {
                measurements.Add(new(SrCodes.VolumeChangePercent, 100 * (r.EdemaVolumeMm3 - before) / before, SrCodes.Percent));
            }
        }

        var (site, _) = isTotal ? (SrCodes.BoneMarrow, null) : BoneCode(r.Name);
        return new MeasurementGroup
        {
            TrackingIdentifier = TrackingIdentifier(patientId, r.Name),
            TrackingUid = TrackingUid(patientId, r.Name),
            Finding = SrCodes.Edema,
            FindingSite = site,
            Segment = new SegmentReference(segSeries, segSop, segment),
            SourceSeriesInstanceUid = source.SeriesInstanceUid,
            TimePoint = input.TimePoint,
            Measurements = measurements,
        };
    }

    private static Volume<T> OnGrid<T>(Volume<T> v, ImageGeometry g, string what)
        where T : unmanaged
    {
        if (!v.Geometry.IsSameGrid(g, 0.05))
        {
            throw new BmeQuantException($"The {what} grid {v.Geometry} is not the source series grid {g}: the analysis was not run on this series.");
        }

        return new Volume<T>(g, v.Data);
    }

    private static Volume<byte> Binary<T>(T[] data, Func<T, bool> inside, ImageGeometry g)
    {
        var v = new Volume<byte>(g);
        var d = v.Data;
        for (var i = 0; i < data.Length; i++)
        {
            d[i] = inside(data[i]) ? (byte)1 : (byte)0;
        }

        return v;
    }

    private static string Hash(byte[] edema, int[] bones, string version)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(edema);
        h.AppendData(MemoryMarshal.AsBytes(bones.AsSpan()));
        h.AppendData(Encoding.UTF8.GetBytes(version));
        return Convert.ToHexString(h.GetHashAndReset());
    }
}
