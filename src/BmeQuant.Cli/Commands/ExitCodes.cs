namespace BmeQuant.Cli.Commands;

/// <summary>Process exit codes shared by every command (documented in docs/exit-codes.md).</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Bad command line (System.CommandLine's own parse errors also use 1).</summary>
    public const int Usage = 1;

    /// <summary>No DICOM (or no input) found.</summary>
    public const int NoInput = 2;

    /// <summary>Corrupt or unreadable input.</summary>
    public const int CorruptInput = 4;

    /// <summary>Partial: some series or studies were refused, the rest succeeded.</summary>
    public const int Partial = 8;

    /// <summary>The inputs were read but could not be quantified (no bone found, automatic bone segmentation unavailable, inputs that do not overlap).</summary>
    public const int AnalysisFailed = 16;

    /// <summary>A PACS (DICOMweb) could not be reached, refused the credentials, or refused a request.</summary>
    public const int RemoteFailed = 32;
}
