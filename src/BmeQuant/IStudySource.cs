namespace BmeQuant;

/// <summary>
/// A place a study is fetched from before it is opened (a DICOMweb server, an archive, a custom store). The facade asks
/// the source to put the study's DICOM files into a local folder and then opens that folder like any other
/// (<see cref="BmeQuantStudy.OpenSourceAsync"/>). Implement this to plug in a new transport; a plain folder needs no source.
/// </summary>
public interface IStudySource
{
    /// <summary>A description for messages and provenance (e.g. the server URL and StudyInstanceUID; never credentials).</summary>
    string Description { get; }

    /// <summary>Writes the study's DICOM files (any layout, any names) into <paramref name="folder"/>, which exists and is empty.</summary>
    /// <param name="folder">Destination folder.</param>
    /// <param name="progress">Receives fractions of the fetch (0–1), or null.</param>
    /// <param name="cancellationToken">Stops the fetch.</param>
    /// <returns>The folder to open (normally <paramref name="folder"/> or one of its sub-folders).</returns>
    Task<string> FetchAsync(string folder, IProgress<double>? progress, CancellationToken cancellationToken);
}
