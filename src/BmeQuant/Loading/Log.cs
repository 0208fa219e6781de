using Microsoft.Extensions.Logging;

namespace BmeQuant.Loading;

/// <summary>Source-generated log messages of the facade.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Discovered {SeriesCount} series in {FileCount} files under {Folder}")]
    public static partial void Discovered(ILogger logger, int seriesCount, int fileCount, string folder);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Folder}: {Problem}")]
    public static partial void DiscoveryProblem(ILogger logger, string folder, string problem);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Using {Role} series {Series} ({Evidence})")]
    public static partial void SeriesChosen(ILogger logger, string role, Dicom.Series.DicomSeries series, IReadOnlyList<string> evidence);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Anatomy {Anatomy}: {Evidence}")]
    public static partial void AnatomyChosen(ILogger logger, Quantification.Anatomy anatomy, string evidence);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Analysed {Source}: edema {EdemaVolumeMm3:0} mm³ in {Bones} bones/regions ({ElapsedMs} ms)")]
    public static partial void Analysed(ILogger logger, string source, double edemaVolumeMm3, int bones, long elapsedMs);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Loaded {Source}: {SizeX}×{SizeY}×{SizeZ} voxels ({ElapsedMs} ms)")]
    public static partial void Loaded(ILogger logger, object source, int sizeX, int sizeY, int sizeZ, long elapsedMs);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Wrote {Count} files to {Folder}")]
    public static partial void Wrote(ILogger logger, int count, string folder);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Fetching study from {Source} into {Folder}")]
    public static partial void Fetching(ILogger logger, string source, string folder);
}
