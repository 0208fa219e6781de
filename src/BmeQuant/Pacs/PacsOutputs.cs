using BmeQuant.Dicom;
using BmeQuant.Dicom.Seg;
using BmeQuant.Dicom.Series;
using BmeQuant.Imaging;
using BmeQuant.Reporting;

namespace BmeQuant.Pacs;

/// <summary>
/// Builds the DICOM outputs (SEG of the edema and bones, TID 1500 SR of the measures) of an analysis of a study opened
/// from DICOM, against the study's fluid-sensitive series (the analysis grid). Their SOP Instance UIDs are derived
/// from the source series, the masks, the measures and the software version, so analysing the same study again with
/// the same parameters gives the same UIDs and a push stores nothing new.
/// </summary>
public static class PacsOutputs
{
    /// <summary>Builds SEG + SR for <paramref name="analysis"/> of <paramref name="study"/>.</summary>
    /// <param name="study">A study opened from a DICOM folder (its fluid-sensitive series is re-read for the per-slice source references).</param>
    /// <param name="analysis">The analysis of <paramref name="study"/>.</param>
    /// <param name="timePoint">Time point label written into the SR, or null.</param>
    /// <param name="previousEdemaMm3">Edema volume per bone name (and "total") at the previous timepoint, for the change measures, or null.</param>
    /// <exception cref="BmeQuantException">The fluid-sensitive series is not DICOM, cannot be found again, or the masks are not on its grid.</exception>
    public static DicomOutputSet Build(Study study, StudyAnalysis analysis, string? timePoint = null, IReadOnlyDictionary<string, double>? previousEdemaMm3 = null)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(analysis);
        var source = SourceOf(study);
        var input = DicomOutputs.FromFindings(analysis.Findings, timePoint, previousEdemaMm3);
        return DicomOutputs.Build(input, source);
    }

    /// <summary>The source image set of the study's fluid-sensitive DICOM series (slice k of its grid → SOP instance).</summary>
    /// <exception cref="BmeQuantException">The series is not DICOM or is no longer in the study folder.</exception>
    public static SourceImageSet SourceOf(Study study)
    {
        ArgumentNullException.ThrowIfNull(study);
        var fluid = study.FluidSensitive;
        var uid = fluid.Provenance.SeriesInstanceUid;
        if (fluid.Kind != SeriesSourceKind.Dicom || uid is null)
        {
            throw new BmeQuantException($"{study.Source}: the fluid-sensitive series was not read from DICOM ({fluid.Kind}); DICOM SEG and SR need a DICOM source series.");
        }

        var folder = fluid.Provenance.Source is { } s && Directory.Exists(s) ? s : study.Source;
        var discovery = SeriesDiscovery.Discover(folder);
        var series = discovery.Series.FirstOrDefault(x => x.SeriesInstanceUid == uid && x.Slices.Count == fluid.InstanceCount)
            ?? discovery.Series.FirstOrDefault(x => x.SeriesInstanceUid == uid)
            ?? throw new BmeQuantException($"{folder}: the fluid-sensitive series {uid} is no longer there; it is needed for the SEG and SR references.");
        var assembly = SeriesAssemblyOptions.Default;
        var strict = series.AnalyzeGeometry(assembly).Geometry;
        if (strict is null || !strict.IsSameGrid(fluid.Volume.Geometry, 0.05))
        {
            assembly = assembly with { Policy = GeometryPolicy.Resample };
        }

        return SourceImageSet.FromSeriesVolume(series.ToVolume(assembly));
    }
}
