using BmeQuant.Dicom.Series;

namespace BmeQuant.Dicom.Roles;

/// <summary>The series of one study with their roles, and the best T1 and fluid-sensitive series (or what is missing).</summary>
public sealed class StudyRoles
{
    private StudyRoles(string studyInstanceUid, IReadOnlyList<(DicomSeries Series, RoleClassification Role)> series)
    {
        StudyInstanceUid = studyInstanceUid;
        Series = series;
        BestT1 = Pick(series, r => r.Role == SeriesRole.T1);
        BestFluidSensitive = Pick(series, r => r.IsFluidSensitive);
    }

    /// <summary>StudyInstanceUID (0020,000D).</summary>
    public string StudyInstanceUid { get; }

    /// <summary>Every stack of the study with its role.</summary>
    public IReadOnlyList<(DicomSeries Series, RoleClassification Role)> Series { get; }

    /// <summary>The T1 series to use: highest confidence, then a usable geometry, then most slices; null when none.</summary>
    public DicomSeries? BestT1 { get; }

    /// <summary>The fluid-sensitive fat-suppressed series to use (STIR preferred, then PD/T2 fat-sat, then Dixon water); null when none.</summary>
    public DicomSeries? BestFluidSensitive { get; }

    /// <summary>What is missing for an edema analysis ("T1", "fluid-sensitive"); empty when both were found.</summary>
    public IReadOnlyList<string> Missing =>
        [.. BestT1 is null ? ["no T1-weighted series"] : Array.Empty<string>(), .. BestFluidSensitive is null ? ["no fluid-sensitive fat-suppressed series (STIR, PD/T2 fat-sat, Dixon water)"] : Array.Empty<string>()];

    /// <summary>Classifies every series of every study in <paramref name="series"/>.</summary>
    public static IReadOnlyList<StudyRoles> FromSeries(IEnumerable<DicomSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        return series
            .GroupBy(s => s.StudyInstanceUid, StringComparer.Ordinal)
            .Select(g => new StudyRoles(g.Key, g.Select(s => (s, SequenceRoleClassifier.Classify(s))).ToArray()))
            .ToArray();
    }

    private static DicomSeries? Pick(IReadOnlyList<(DicomSeries Series, RoleClassification Role)> series, Func<RoleClassification, bool> accept) =>
        series
            .Where(x => accept(x.Role) && x.Series.VolumeCount == 1)
            .OrderByDescending(x => x.Series.Geometry.Refusal is null)
            .ThenByDescending(x => x.Role.Role == SeriesRole.Stir ? 3 : x.Role.Role is SeriesRole.PdFatSat or SeriesRole.T2FatSat ? 2 : 1)
            .ThenByDescending(x => x.Role.Confidence)
            .ThenByDescending(x => x.Series.Slices.Count)
            .Select(x => x.Series)
            .FirstOrDefault();
}
