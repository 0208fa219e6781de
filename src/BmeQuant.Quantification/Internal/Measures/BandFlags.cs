namespace BmeQuant.Quantification.Internal.Measures;

/// <summary>
/// The published prognostic thresholds for a subchondral low-signal band inside edema: in the knee a band thicker
/// than 4 mm or longer than 14 mm (Lecouvet et al., AJR 1998); in the femoral head a band of 4 mm or more
/// (Vande Berg et al., Radiology 1999; no length threshold published, so the length flag stays false there).
/// Other joints use the knee thresholds (an extrapolation, documented in docs/methods.md).
/// </summary>
internal static class BandFlags
{
    /// <summary>True when <paramref name="boneName"/> in <paramref name="anatomy"/> is the femoral head (hip, a bone named femur or femoral …).</summary>
    public static bool IsFemoralHead(Anatomy anatomy, string boneName) =>
        anatomy == Anatomy.Hip
        && (boneName.Contains("femur", StringComparison.OrdinalIgnoreCase) || boneName.Contains("femoral", StringComparison.OrdinalIgnoreCase));

    /// <summary>Evaluates the thickness and length flags for a band measured in <paramref name="boneName"/>.</summary>
    public static (bool Thickness, bool Length) Evaluate(Anatomy anatomy, string boneName, double thicknessMm, double lengthMm, AnalysisOptions options)
    {
        if (IsFemoralHead(anatomy, boneName))
        {
            return (thicknessMm >= options.FemoralHeadBandThicknessFlagMm, false);
        }

        return (thicknessMm > options.BandThicknessFlagMm, lengthMm > options.BandLengthFlagMm);
    }
}
