namespace BmeQuant;

/// <summary>The stage a facade call is in, reported through <see cref="BmeQuantProgress"/>.</summary>
public enum BmeQuantStage
{
    /// <summary>Fetching the study from a remote or custom source into a local folder (<see cref="IStudySource"/>).</summary>
    Fetching,

    /// <summary>Walking the folder and reading DICOM headers (no pixels).</summary>
    Discovering,

    /// <summary>Reading pixels into volumes (DICOM series or NIfTI files, masks).</summary>
    Loading,

    /// <summary>Quantifying the edema (alignment, bones, reference, segmentation, measures).</summary>
    Analyzing,

    /// <summary>Comparing timepoints.</summary>
    Comparing,

    /// <summary>Writing results (findings, masks, reports).</summary>
    Writing,

    /// <summary>The call finished.</summary>
    Completed,
}

/// <summary>One progress report of a facade call.</summary>
/// <param name="Stage">The stage running.</param>
/// <param name="Fraction">Progress of the whole call, from 0 to 1 (monotone within one call).</param>
/// <param name="Message">What is being done, for display (e.g. "reading series #3 'stir_tse_sag' (30 slices)").</param>
public sealed record BmeQuantProgress(BmeQuantStage Stage, double Fraction, string Message);
