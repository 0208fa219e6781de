namespace BmeQuant.Imaging.Registration;

/// <summary>A registration cannot proceed: the images do not overlap, an image is constant, or a mask is empty.</summary>
public sealed class RegistrationException : BmeQuantException
{
    /// <summary>Creates an exception with no message.</summary>
    public RegistrationException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public RegistrationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception that wraps a lower-level one.</summary>
    public RegistrationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
