namespace BmeQuant.Dicom.Series;

/// <summary>
/// A series cannot be turned into one regular 3-D volume as it stands (missing slices, irregular spacing, gantry tilt,
/// repeated positions, mosaic images …). The message names the series and says what is wrong and where.
/// </summary>
public class InconsistentSeriesException : DicomException
{
    /// <summary>Creates an exception with no message.</summary>
    public InconsistentSeriesException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public InconsistentSeriesException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps a lower-level one.</summary>
    public InconsistentSeriesException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The SeriesInstanceUID (0020,000E) of the series concerned, when known.</summary>
    public string? SeriesInstanceUid { get; init; }

    /// <summary>A short machine-readable name of the problem (e.g. <c>missing-slices</c>, <c>irregular-spacing</c>, <c>gantry-tilt</c>, <c>mosaic</c>).</summary>
    public string? Problem { get; init; }
}
