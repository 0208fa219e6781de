using BmeQuant.Imaging;

namespace BmeQuant;

/// <summary>Why a study could not be opened (see <see cref="StudyOpenException.Reason"/>).</summary>
public enum StudyOpenFailure
{
    /// <summary>A file or folder given does not exist.</summary>
    NotFound,

    /// <summary>The folder holds no DICOM image (and is not a NIfTI file).</summary>
    NoImages,

    /// <summary>Images were found but not the series the analysis needs (e.g. no fluid-sensitive series), or the choice is ambiguous.</summary>
    MissingSeries,

    /// <summary>The series needed could not be read or assembled into one volume (corrupt file, inconsistent geometry).</summary>
    Unreadable,
}

/// <summary>
/// A study cannot be opened as asked: the message names the folder or file, what was looked for and what was found
/// (e.g. "no fluid-sensitive series found in X: series found were …"). A lower-level error (DICOM, NIfTI) is kept as
/// the inner exception.
/// </summary>
public class StudyOpenException : BmeQuantException
{
    /// <summary>Creates an exception with no message.</summary>
    public StudyOpenException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public StudyOpenException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps a lower-level one.</summary>
    public StudyOpenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with its reason and the path concerned.</summary>
    public StudyOpenException(StudyOpenFailure reason, string path, string message, Exception? innerException = null)
        : base(message, innerException!)
    {
        Reason = reason;
        Path = path;
    }

    /// <summary>What went wrong.</summary>
    public StudyOpenFailure Reason { get; }

    /// <summary>The folder or file concerned, when known.</summary>
    public string? Path { get; }
}
