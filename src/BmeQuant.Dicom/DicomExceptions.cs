using BmeQuant.Imaging;

namespace BmeQuant.Dicom;

/// <summary>Base of every DICOM data error. Messages name the file, the byte offset and tag where known, and what was expected.</summary>
public class DicomException : BmeQuantException
{
    /// <summary>Creates an exception with no message.</summary>
    public DicomException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public DicomException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps a lower-level one.</summary>
    public DicomException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The file the error concerns, when known.</summary>
    public string? FilePath { get; init; }
}

/// <summary>The byte stream is not valid DICOM at some offset (bad length, truncated, malformed element).</summary>
public class DicomFormatException : DicomException
{
    /// <summary>Creates an exception with no message.</summary>
    public DicomFormatException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public DicomFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps a lower-level one.</summary>
    public DicomFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Byte offset in the file where the problem was found, or -1.</summary>
    public long Offset { get; init; } = -1;
}

/// <summary>Compressed pixel data could not be decoded (corrupt or truncated bitstream, inconsistent header).</summary>
public class DicomCodecException : DicomException
{
    /// <summary>Creates an exception with no message.</summary>
    public DicomCodecException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public DicomCodecException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps a lower-level one.</summary>
    public DicomCodecException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The transfer syntax (or a feature of it) is not supported; the message names a command that transcodes it.</summary>
public class UnsupportedTransferSyntaxException : DicomException
{
    /// <summary>Creates an exception with no message.</summary>
    public UnsupportedTransferSyntaxException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public UnsupportedTransferSyntaxException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps a lower-level one.</summary>
    public UnsupportedTransferSyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The transfer syntax UID.</summary>
    public string? TransferSyntaxUid { get; init; }
}
