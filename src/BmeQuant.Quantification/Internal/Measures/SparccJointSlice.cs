namespace BmeQuant.Quantification;

/// <summary>What the automated SPARCC-style score found in one sacroiliac joint on one scored slice.</summary>
/// <param name="Slice">Slice index (k) on the fluid-sensitive grid.</param>
/// <param name="Side">"left" or "right" (patient side of the ilium).</param>
/// <param name="IliacUpper">Edema in the upper iliac quadrant.</param>
/// <param name="IliacLower">Edema in the lower iliac quadrant.</param>
/// <param name="SacralUpper">Edema in the upper sacral quadrant.</param>
/// <param name="SacralLower">Edema in the lower sacral quadrant.</param>
/// <param name="Deep">Edema at least <see cref="AnalysisOptions.DeepLesionDepthMm"/> from the joint surface.</param>
/// <param name="Intense">Edema as bright as the fluid proxy (see docs/methods.md, "SPARCC").</param>
public sealed record SparccJointSlice(int Slice, string Side, bool IliacUpper, bool IliacLower, bool SacralUpper, bool SacralLower, bool Deep, bool Intense)
{
    /// <summary>Points of this joint on this slice: one per quadrant with edema, +1 deep, +1 intense (0–6).</summary>
    public int Points => (IliacUpper ? 1 : 0) + (IliacLower ? 1 : 0) + (SacralUpper ? 1 : 0) + (SacralLower ? 1 : 0) + (Deep ? 1 : 0) + (Intense ? 1 : 0);
}
