using BmeQuant.Dicom.Seg;

namespace BmeQuant.Dicom.Sr;

/// <summary>One measurement of a group: concept, value and UCUM units.</summary>
/// <param name="Concept">What is measured, e.g. <c>(118565006, SCT, "Volume")</c>.</param>
/// <param name="Value">The value.</param>
/// <param name="Units">UCUM units, e.g. <see cref="SrCodes.CubicMillimeter"/>.</param>
public sealed record Measurement(CodedConcept Concept, double Value, CodedConcept Units);

/// <summary>A segment of a stored Segmentation that a measurement group is about.</summary>
/// <param name="SeriesInstanceUid">Series of the Segmentation.</param>
/// <param name="SopInstanceUid">SOP Instance UID of the Segmentation.</param>
/// <param name="SegmentNumber">The segment.</param>
public sealed record SegmentReference(string SeriesInstanceUid, string SopInstanceUid, int SegmentNumber);

/// <summary>
/// One TID 1411 Volumetric ROI Measurements group: tracked finding (identifier and UID stable across timepoints),
/// finding and site codes, the segment it was measured on, and its measurements.
/// </summary>
public sealed record MeasurementGroup
{
    /// <summary>Tracking Identifier (human-readable, e.g. "PAT-001/femur/edema").</summary>
    public required string TrackingIdentifier { get; init; }

    /// <summary>Tracking Unique Identifier: the same finding at another timepoint has the same UID.</summary>
    public required string TrackingUid { get; init; }

    /// <summary>Finding, e.g. <see cref="SrCodes.Edema"/>.</summary>
    public CodedConcept? Finding { get; init; }

    /// <summary>Finding Site, e.g. femur.</summary>
    public CodedConcept? FindingSite { get; init; }

    /// <summary>The segment measured, or null.</summary>
    public SegmentReference? Segment { get; init; }

    /// <summary>The series the segmentation was made on, or null.</summary>
    public string? SourceSeriesInstanceUid { get; init; }

    /// <summary>Time point label (TID 1502), or null.</summary>
    public string? TimePoint { get; init; }

    /// <summary>The measurements.</summary>
    public required IReadOnlyList<Measurement> Measurements { get; init; }

    /// <summary>The value of the measurement with concept <paramref name="concept"/>, or null.</summary>
    public double? Get(CodedConcept concept) => Measurements.FirstOrDefault(m => m.Concept.Matches(concept))?.Value;
}

/// <summary>Identity and labelling of a measurement report.</summary>
public sealed record MeasurementReportOptions
{
    /// <summary>SOP Instance UID; null = generated (pass a name-based UID for idempotent re-sending).</summary>
    public string? SopInstanceUid { get; init; }

    /// <summary>Series Instance UID; null = generated.</summary>
    public string? SeriesInstanceUid { get; init; }

    /// <summary>Series Number.</summary>
    public int SeriesNumber { get; init; } = 901;

    /// <summary>Series Description.</summary>
    public string SeriesDescription { get; init; } = "BmeQuant measurements";

    /// <summary>Software Versions.</summary>
    public string SoftwareVersion { get; init; } = "0";

    /// <summary>Device Observer UID (stable per installation is best); null = name-based from "BmeQuant".</summary>
    public string? DeviceObserverUid { get; init; }

    /// <summary>Content Date/Time; null = now.</summary>
    public DateTimeOffset? ContentDateTime { get; init; }

    /// <summary>Procedure reported.</summary>
    public CodedConcept ProcedureReported { get; init; } = SrCodes.MagneticResonanceImaging;
}

/// <summary>
/// DICOM Comprehensive SR documents following TID 1500 "Measurement Report": observer context, procedure, image library
/// of the source images, and one TID 1411 group per tracked finding; reading them back.
/// </summary>
public sealed class MeasurementReport
{
    /// <summary>SOP Class UID of Comprehensive SR Storage.</summary>
    public const string ComprehensiveSrSopClassUid = "1.2.840.10008.5.1.4.1.1.88.33";

    private MeasurementReport(SrContentItem root, IReadOnlyList<MeasurementGroup> groups)
    {
        Root = root;
        Groups = groups;
    }

    /// <summary>The content tree.</summary>
    public SrContentItem Root { get; }

    /// <summary>The measurement groups.</summary>
    public IReadOnlyList<MeasurementGroup> Groups { get; }

    /// <summary>SOP Instance UID.</summary>
    public string SopInstanceUid { get; private init; } = string.Empty;

    /// <summary>Study Instance UID.</summary>
    public string StudyInstanceUid { get; private init; } = string.Empty;

    /// <summary>SOP Instance UIDs listed in the Current Requested Procedure Evidence Sequence.</summary>
    public IReadOnlyList<string> EvidenceSopInstanceUids { get; private init; } = [];

    /// <summary>Builds the SR dataset.</summary>
    /// <param name="source">The source series (patient, study, image library).</param>
    /// <param name="groups">The measurement groups.</param>
    /// <param name="options">Identity and labels.</param>
    public static DicomDataset Build(SourceImageSet source, IReadOnlyList<MeasurementGroup> groups, MeasurementReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(groups);
        options ??= new MeasurementReportOptions();
        var when = options.ContentDateTime ?? DateTimeOffset.UtcNow;
        var ds = new DicomDataset();
        DerivedObjectModules.CopyPatientAndStudy(source.Header, ds);
        ds.AddOrUpdate(DicomTag.SOPClassUID, ComprehensiveSrSopClassUid);
        ds.AddOrUpdate(DicomTag.SOPInstanceUID, options.SopInstanceUid ?? DicomUid.Generate());
        ds.AddOrUpdate(DicomTag.Modality, "SR");
        ds.AddOrUpdate(DicomTag.SeriesInstanceUID, options.SeriesInstanceUid ?? DicomUid.Generate());
        ds.AddOrUpdate(DicomTag.SeriesNumber, options.SeriesNumber);
        ds.AddOrUpdate(DicomTag.SeriesDescription, options.SeriesDescription);
        ds.AddOrUpdate(new DicomSequence(DicomTag.ReferencedPerformedProcedureStepSequence));
        ds.AddOrUpdate(DicomTag.InstanceNumber, 1);
        DerivedObjectModules.AddEquipment(ds, options.SoftwareVersion);
        DerivedObjectModules.AddContentDateTime(ds, when);
        ds.AddOrUpdate(DicomTag.CompletionFlag, "COMPLETE");
        ds.AddOrUpdate(DicomTag.VerificationFlag, "UNVERIFIED");
        ds.AddOrUpdate(new DicomSequence(DicomTag.PerformedProcedureCodeSequence));

        var scheme = new DicomDataset();
        scheme.Add(DicomTag.CodingSchemeDesignator, SrCodes.PrivateScheme);
        scheme.Add(DicomTag.CodingSchemeName, "BmeQuant bone marrow edema measures");
        scheme.Add(DicomTag.CodingSchemeResponsibleOrganization, "BmeQuant");
        ds.AddOrUpdate(DicomTag.CodingSchemeIdentificationSequence, scheme);

        // Evidence: the source images and every referenced segmentation, grouped by series.
        var evidence = new Dictionary<string, List<SourceImage>>(StringComparer.Ordinal)
        {
            [source.SeriesInstanceUid] = source.Images.Select(i => i with { FrameNumber = null }).ToList(),
        };
        foreach (var s in groups.Select(g => g.Segment).OfType<SegmentReference>())
        {
            var list = evidence.TryGetValue(s.SeriesInstanceUid, out var l) ? l : evidence[s.SeriesInstanceUid] = [];
            if (!list.Any(i => i.SopInstanceUid == s.SopInstanceUid))
            {
                list.Add(new SourceImage(SegmentationWriter.SegmentationStorageSopClassUid, s.SopInstanceUid));
            }
        }

        var study = new DicomDataset();
        study.Add(DicomTag.StudyInstanceUID, source.StudyInstanceUid);
        study.Add(DicomTag.ReferencedSeriesSequence, evidence.Select(e =>
        {
            var series = new DicomDataset();
            series.Add(DicomTag.SeriesInstanceUID, e.Key);
            series.Add(DicomTag.ReferencedSOPSequence, e.Value.Select(DerivedObjectModules.SopReference).ToArray());
            return series;
        }).ToArray());
        ds.AddOrUpdate(DicomTag.CurrentRequestedProcedureEvidenceSequence, study);

        var template = new DicomDataset();
        template.Add(DicomTag.MappingResource, "DCMR");
        template.Add(DicomTag.TemplateIdentifier, "1500");
        ds.AddOrUpdate(DicomTag.ContentTemplateSequence, template);
        BuildTree(source, groups, options).WriteTo(ds);
        return ds;
    }

    /// <summary>Builds the dataset and writes it as a Part 10 file.</summary>
    public static DicomDataset Write(string path, SourceImageSet source, IReadOnlyList<MeasurementGroup> groups, MeasurementReportOptions? options = null)
    {
        var ds = Build(source, groups, options);
        DicomWriter.Write(path, ds);
        return ds;
    }

    /// <summary>Reads a Part 10 file.</summary>
    /// <exception cref="DicomFormatException">Not a TID 1500 measurement report, or an item is malformed.</exception>
    public static MeasurementReport Open(string path) => Read(DicomFile.Open(path).Dataset);

    /// <summary>Reads a measurement report dataset.</summary>
    /// <exception cref="DicomFormatException">Not a TID 1500 measurement report, or an item is malformed.</exception>
    public static MeasurementReport Read(DicomDataset ds)
    {
        ArgumentNullException.ThrowIfNull(ds);
        var root = SrContentItem.Read(ds);
        if (root.ConceptName is not { } title || !title.Matches(SrCodes.ImagingMeasurementReport))
        {
            throw new DicomFormatException($"{ds.SourcePath ?? "<dataset>"}: SR root concept is {root.ConceptName?.ToString() ?? "absent"}, expected {SrCodes.ImagingMeasurementReport}") { FilePath = ds.SourcePath };
        }

        var groups = new List<MeasurementGroup>();
        foreach (var container in root.Children.Where(c => c.ConceptName is { } n && n.Matches(SrCodes.ImagingMeasurements)))
        {
            foreach (var g in container.Children.Where(c => c.ValueType == "CONTAINER" && c.ConceptName is { } n && n.Matches(SrCodes.MeasurementGroup)))
            {
                var segment = g.Find(SrCodes.ReferencedSegment);
                groups.Add(new MeasurementGroup
                {
                    TrackingIdentifier = g.Find(SrCodes.TrackingIdentifier)?.Text ?? string.Empty,
                    TrackingUid = g.Find(SrCodes.TrackingUniqueIdentifier)?.Uid ?? string.Empty,
                    Finding = g.Find(SrCodes.Finding)?.Code,
                    FindingSite = g.Find(SrCodes.FindingSite)?.Code,
                    TimePoint = g.Find(SrCodes.TimePoint)?.Text,
                    SourceSeriesInstanceUid = g.Find(SrCodes.SourceSeriesForSegmentation)?.Uid,
                    Segment = segment?.Image is { } img && segment.ReferencedSegmentNumber is { } sn
                        ? new SegmentReference(string.Empty, img.SopInstanceUid, sn)
                        : null,
                    Measurements = g.Children.Where(c => c.ValueType == "NUM" && c.ConceptName is not null && c.NumericValue is not null && c.Units is not null)
                        .Select(c => new Measurement(c.ConceptName!, c.NumericValue!.Value, c.Units!)).ToArray(),
                });
            }
        }

        var evidence = ds.TryGetSequence(DicomTag.CurrentRequestedProcedureEvidenceSequence, out var ev)
            ? ev.Items.SelectMany(s => s.TryGetSequence(DicomTag.ReferencedSeriesSequence, out var rs) ? rs.Items : [])
                .SelectMany(s => s.TryGetSequence(DicomTag.ReferencedSOPSequence, out var sops) ? sops.Items : [])
                .Select(i => i.GetStringOrDefault(DicomTag.ReferencedSOPInstanceUID, string.Empty)).ToArray()
            : [];
        return new MeasurementReport(root, groups)
        {
            SopInstanceUid = ds.GetStringOrDefault(DicomTag.SOPInstanceUID, string.Empty),
            StudyInstanceUid = ds.GetStringOrDefault(DicomTag.StudyInstanceUID, string.Empty),
            EvidenceSopInstanceUids = evidence,
        };
    }

    private static SrContentItem BuildTree(SourceImageSet source, IReadOnlyList<MeasurementGroup> groups, MeasurementReportOptions options)
    {
        var root = SrContentItem.Container(null, SrCodes.ImagingMeasurementReport);
        root.Add(SrContentItem.CodeItem("HAS CONCEPT MOD", SrCodes.LanguageOfContent, SrCodes.English));
        root.Add(SrContentItem.CodeItem("HAS OBS CONTEXT", SrCodes.ObserverType, SrCodes.Device));
        root.Add(SrContentItem.UidRef("HAS OBS CONTEXT", SrCodes.DeviceObserverUid, options.DeviceObserverUid ?? DeterministicUid.From("device", "BmeQuant")));
        root.Add(SrContentItem.TextItem("HAS OBS CONTEXT", SrCodes.DeviceObserverName, "BmeQuant"));
        root.Add(SrContentItem.CodeItem("HAS CONCEPT MOD", SrCodes.ProcedureReported, options.ProcedureReported));

        var library = SrContentItem.Container("CONTAINS", SrCodes.ImageLibrary);
        var libraryGroup = SrContentItem.Container("CONTAINS", SrCodes.ImageLibraryGroup);
        foreach (var image in source.Images)
        {
            libraryGroup.Add(SrContentItem.ImageItem("CONTAINS", null, image with { FrameNumber = null }));
        }

        library.Add(libraryGroup);
        root.Add(library);

        var measurements = SrContentItem.Container("CONTAINS", SrCodes.ImagingMeasurements);
        foreach (var g in groups)
        {
            var item = SrContentItem.Container("CONTAINS", SrCodes.MeasurementGroup);
            item.Add(SrContentItem.TextItem("HAS OBS CONTEXT", SrCodes.TrackingIdentifier, g.TrackingIdentifier));
            item.Add(SrContentItem.UidRef("HAS OBS CONTEXT", SrCodes.TrackingUniqueIdentifier, g.TrackingUid));
            if (g.TimePoint is { } tp)
            {
                item.Add(SrContentItem.TextItem("HAS OBS CONTEXT", SrCodes.TimePoint, tp));
            }

            if (g.Segment is { } s)
            {
                item.Add(SrContentItem.ImageItem("CONTAINS", SrCodes.ReferencedSegment, new SourceImage(SegmentationWriter.SegmentationStorageSopClassUid, s.SopInstanceUid), s.SegmentNumber));
            }

            if (g.SourceSeriesInstanceUid is { } series)
            {
                item.Add(SrContentItem.UidRef("CONTAINS", SrCodes.SourceSeriesForSegmentation, series));
            }

            if (g.Finding is { } finding)
            {
                item.Add(SrContentItem.CodeItem("CONTAINS", SrCodes.Finding, finding));
            }

            if (g.FindingSite is { } site)
            {
                item.Add(SrContentItem.CodeItem("HAS CONCEPT MOD", SrCodes.FindingSite, site));
            }

            foreach (var m in g.Measurements)
            {
                item.Add(SrContentItem.Num("CONTAINS", m.Concept, m.Value, m.Units));
            }

            measurements.Add(item);
        }

        root.Add(measurements);
        return root;
    }
}
