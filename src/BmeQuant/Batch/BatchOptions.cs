using BmeQuant.Quantification;

namespace BmeQuant.Batch;

/// <summary>Caps a hostile or broken input cannot exceed; a study over a cap is refused with a typed error.</summary>
public sealed record BatchLimits
{
    /// <summary>Defaults: 2 GiB per file, 4096 voxels per axis, 256 Mi voxels per series, 4096 frames, 20,000 files per study.</summary>
    public static BatchLimits Default { get; } = new();

    /// <summary>Largest input file accepted, in bytes.</summary>
    public long MaxFileBytes { get; init; } = 2L << 30;

    /// <summary>Largest image dimension (rows, columns, slices) accepted.</summary>
    public int MaxDimension { get; init; } = 4096;

    /// <summary>Largest number of voxels in one series.</summary>
    public long MaxVoxels { get; init; } = 256L << 20;

    /// <summary>Largest NumberOfFrames of one DICOM instance.</summary>
    public int MaxFrames { get; init; } = 4096;

    /// <summary>Largest number of files walked in one study folder.</summary>
    public int MaxFilesPerStudy { get; init; } = 20_000;

    /// <summary>Cap on the bytes one DICOM value may allocate (DicomReadOptions.MaxValueLengthBytes).</summary>
    public long MaxValueLengthBytes { get; init; } = 1L << 30;
}

/// <summary>How <see cref="BatchRunner"/> runs a manifest.</summary>
public sealed record BatchOptions
{
    /// <summary>Creates options writing into <paramref name="outputFolder"/>.</summary>
    public BatchOptions(string outputFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        OutputFolder = Path.GetFullPath(outputFolder);
    }

    /// <summary>Folder receiving one sub-folder per patient and timepoint, the summaries and the registry.</summary>
    public string OutputFolder { get; init; }

    /// <summary>Studies analysed at the same time (default 1).</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>
    /// Memory the studies in flight may use together, in bytes (estimated per study from its input sizes).
    /// Default: half the memory available to the process.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = Math.Max(256L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);

    /// <summary>Longest time one study may take before it is cancelled (default 30 minutes).</summary>
    public TimeSpan StudyTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a study that ignores its cancellation is waited for before it is abandoned (default 30 s).</summary>
    public TimeSpan AbandonGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Refuse DICOM studies that still carry direct identifiers (PS3.15 basic profile).</summary>
    public bool RequireDeidentified { get; init; }

    /// <summary>Run again the studies whose earlier attempt with the same inputs and parameters failed.</summary>
    public bool RetryFailed { get; init; }

    /// <summary>Analysis parameters (part of each study's key: changing them reruns every study).</summary>
    public AnalysisOptions Analysis { get; init; } = AnalysisOptions.Default;

    /// <summary>Input caps.</summary>
    public BatchLimits Limits { get; init; } = BatchLimits.Default;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Jobs, 1, nameof(Jobs));
        ArgumentOutOfRangeException.ThrowIfLessThan(MemoryBudgetBytes, 1L << 20, nameof(MemoryBudgetBytes));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StudyTimeout, TimeSpan.Zero, nameof(StudyTimeout));
        ArgumentNullException.ThrowIfNull(Analysis);
    }
}
