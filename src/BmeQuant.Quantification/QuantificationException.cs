using BmeQuant.Imaging;

namespace BmeQuant.Quantification;

/// <summary>
/// The study cannot be quantified as given: inputs that do not overlap, an empty bone or reference mask,
/// a label map on another grid, or a step that needs a capability not available for these inputs.
/// </summary>
public class QuantificationException : BmeQuantException
{
    /// <summary>Creates an exception with no message.</summary>
    public QuantificationException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public QuantificationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps a lower-level one.</summary>
    public QuantificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
