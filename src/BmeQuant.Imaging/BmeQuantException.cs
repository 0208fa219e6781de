namespace BmeQuant.Imaging;

/// <summary>
/// Base of every data error BmeQuant raises (bad input files, inconsistent series, failed quantification).
/// Argument errors use the BCL exceptions instead.
/// </summary>
public class BmeQuantException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public BmeQuantException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public BmeQuantException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps a lower-level one.</summary>
    public BmeQuantException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A volume, geometry or image file (e.g. NIfTI) is malformed or inconsistent.</summary>
public class ImageFormatException : BmeQuantException
{
    /// <summary>Creates an exception with no message.</summary>
    public ImageFormatException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public ImageFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps a lower-level one.</summary>
    public ImageFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
