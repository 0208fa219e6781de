using System.Text.Json.Serialization;

namespace BmeQuant.Batch;

/// <summary>What happened to one study of a batch.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BatchOutcome>))]
public enum BatchOutcome
{
    /// <summary>Analysed now; its result folder was written.</summary>
    Succeeded,

    /// <summary>A result with the same inputs and parameters already existed: nothing was redone.</summary>
    AlreadyDone,

    /// <summary>An earlier attempt with the same inputs and parameters failed; not retried (use --retry-failed).</summary>
    FailedEarlier,

    /// <summary>An input file or folder does not exist, or the study folder holds no usable series.</summary>
    NoInput,

    /// <summary>An input could not be read (truncated, malformed, undecodable).</summary>
    CorruptInput,

    /// <summary>Refused: identifiers under --require-deidentified, a limit exceeded, geometry or content the analysis cannot use.</summary>
    Refused,

    /// <summary>The study took longer than the per-study timeout.</summary>
    TimedOut,

    /// <summary>Cancelled (Ctrl-C) while running, or never started because the batch was cancelled.</summary>
    Cancelled,

    /// <summary>An unexpected internal error (a bug): reported, the batch went on.</summary>
    Error,
}

/// <summary>One study's entry in the batch summary. Never holds header values: names come from the manifest.</summary>
/// <param name="Line">Manifest line.</param>
/// <param name="Patient">Patient pseudonym (manifest).</param>
/// <param name="Timepoint">Timepoint label (manifest).</param>
/// <param name="Date">Date from the manifest, or null.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="ErrorType">Type name of the error (e.g. DicomFormatException), or null.</param>
/// <param name="Error">The error in words, or null.</param>
/// <param name="InputKey">Hex key of the input contents and parameters (XxHash128), or null when not computed.</param>
/// <param name="OutputFolder">Result folder relative to the batch output folder, or null.</param>
/// <param name="HashSeconds">Time spent hashing the inputs.</param>
/// <param name="AnalysisSeconds">Time spent reading and analysing.</param>
/// <param name="WriteSeconds">Time spent writing the result folder.</param>
/// <param name="TotalSeconds">Wall time of the study.</param>
/// <param name="EstimatedMemoryBytes">Memory reserved for the study in the budget.</param>
/// <param name="TotalEdemaVolumeMm3">Total edema volume, when analysed (or known from the earlier result).</param>
public sealed record BatchStudyResult(
    int Line,
    string Patient,
    string Timepoint,
    DateOnly? Date,
    BatchOutcome Outcome,
    string? ErrorType,
    string? Error,
    string? InputKey,
    string? OutputFolder,
    double HashSeconds,
    double AnalysisSeconds,
    double WriteSeconds,
    double TotalSeconds,
    long EstimatedMemoryBytes,
    double? TotalEdemaVolumeMm3)
{
    /// <summary>True for <see cref="BatchOutcome.Succeeded"/> and <see cref="BatchOutcome.AlreadyDone"/>.</summary>
    [JsonIgnore]
    public bool IsOk => Outcome is BatchOutcome.Succeeded or BatchOutcome.AlreadyDone;
}

/// <summary>A progress event: a study started or finished.</summary>
/// <param name="Study">The study.</param>
/// <param name="Started">True when it started, false when it finished.</param>
/// <param name="Result">The result when finished.</param>
/// <param name="Completed">Studies finished so far.</param>
/// <param name="Total">Studies in the manifest.</param>
public sealed record BatchProgress(BatchStudy Study, bool Started, BatchStudyResult? Result, int Completed, int Total);
