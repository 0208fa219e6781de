namespace BmeQuant.Dicom.Roles;

/// <summary>The part a series plays in a bone-marrow-edema study.</summary>
public enum SeriesRole
{
    /// <summary>Not one of the roles below (localizer, diffusion, EPI, gradient echo T2*, post-contrast subtraction …).</summary>
    Other,

    /// <summary>T1-weighted (spin echo / turbo spin echo / gradient echo), without fat suppression.</summary>
    T1,

    /// <summary>Short-tau inversion recovery (fat nulled by inversion).</summary>
    Stir,

    /// <summary>Proton-density weighted with fat suppression (fluid-sensitive).</summary>
    PdFatSat,

    /// <summary>T2-weighted with fat suppression (fluid-sensitive).</summary>
    T2FatSat,

    /// <summary>T2-weighted without fat suppression.</summary>
    T2,

    /// <summary>Dixon water image (fat-suppressed equivalent; fluid-sensitive when T2/PD weighted).</summary>
    DixonWater,

    /// <summary>Dixon fat image.</summary>
    DixonFat,
}

/// <summary>A role with the confidence and the header evidence behind it.</summary>
/// <param name="Role">The role chosen.</param>
/// <param name="Confidence">0 (guess) to 1 (unambiguous header evidence).</param>
/// <param name="Evidence">Every fact used, e.g. "ScanningSequence SE\IR", "InversionTime 150 ms at 1.5 T (STIR range 100–180 ms)".</param>
public sealed record RoleClassification(SeriesRole Role, double Confidence, IReadOnlyList<string> Evidence)
{
    /// <summary>True for STIR, PD fat-sat, T2 fat-sat and Dixon water (the series edema is seen on).</summary>
    public bool IsFluidSensitive => Role is SeriesRole.Stir or SeriesRole.PdFatSat or SeriesRole.T2FatSat or SeriesRole.DixonWater;
}
