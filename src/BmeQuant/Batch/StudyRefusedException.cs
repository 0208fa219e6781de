using BmeQuant.Imaging;

namespace BmeQuant.Batch;

/// <summary>
/// A study the batch refuses to analyse: identifiers present under --require-deidentified, a limit exceeded (file
/// size, dimensions, frames, memory budget). The message says which rule and what was found, never a header value.
/// </summary>
public sealed class StudyRefusedException : BmeQuantException
{
    /// <summary>Creates the exception.</summary>
    public StudyRefusedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StudyRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    public StudyRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
