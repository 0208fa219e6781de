namespace BmeQuant.Phantoms.Signal;

/// <summary>Tissue classes of the phantom (index into signal tables).</summary>
internal enum Tissue : byte
{
    Air = 0,
    Skin,
    SubcutaneousFat,
    Muscle,
    Fluid,
    Cartilage,
    Cortex,
    YellowMarrow,
    RedMarrow,
    FractureBand,
    SclerosisRim,
    GranulationRim,

    /// <summary>Fully edematous marrow (mixed with the marrow by the edema fraction; never a sample's class).</summary>
    Edema,
}

/// <summary>
/// One water or fat compartment of a tissue: relative weight × proton density, and T1/T2 in ms at 1.5 T and 3 T
/// (values in the range reported for adult musculoskeletal tissue, e.g. Gold et al. AJR 2004; fat T1 ≈ 260 ms at
/// 1.5 T and ≈ 380 ms at 3 T). Linear interpolation in field strength.
/// </summary>
internal readonly record struct Compartment(double Density, double T1At15, double T2At15, double T1At3, double T2At3, bool IsFat)
{
    public double T1(double tesla) => Lerp(T1At15, T1At3, tesla);

    public double T2(double tesla) => Lerp(T2At15, T2At3, tesla);

    private static double Lerp(double a, double b, double tesla) => Math.Max(1, a + ((b - a) * (tesla - 1.5) / 1.5));
}

/// <summary>Tissue compositions and their sequence signals.</summary>
internal static class TissueModel
{
    /// <summary>Marrow volume left to protons after trabecular bone takes its share.</summary>
    private const double TrabecularScale = 0.8;

    private static readonly Compartment s_fat = new(1.0, 260, 85, 380, 70, true);

    public static int Count { get; } = Enum.GetValues<Tissue>().Length;

    public static Compartment[] Compartments(Tissue tissue) => tissue switch
    {
        Tissue.Air => [],
        Tissue.Skin => [new(0.7, 800, 35, 1000, 32, false), s_fat with { Density = 0.1 }],
        Tissue.SubcutaneousFat => [s_fat],
        Tissue.Muscle => [new(0.8, 1000, 40, 1420, 35, false)],
        Tissue.Fluid => [new(1.0, 3000, 1000, 3600, 800, false)],
        Tissue.Cartilage => [new(0.75, 1050, 40, 1240, 37, false)],
        Tissue.Cortex => [new(0.05, 1000, 1, 1200, 1, false)],
        Tissue.YellowMarrow => [s_fat with { Density = 0.85 * TrabecularScale }, new(0.15 * TrabecularScale, 600, 40, 900, 35, false)],
        Tissue.RedMarrow => [s_fat with { Density = 0.45 * TrabecularScale }, new(0.55 * TrabecularScale, 700, 45, 1000, 40, false)],
        Tissue.Edema => [s_fat with { Density = 0.05 * TrabecularScale }, new(0.95 * TrabecularScale, 2000, 120, 2500, 110, false)],
        Tissue.FractureBand or Tissue.SclerosisRim => [new(0.2, 1200, 15, 1500, 13, false)],
        Tissue.GranulationRim => [new(0.9, 2200, 150, 2700, 130, false)],
        _ => throw new ArgumentOutOfRangeException(nameof(tissue)),
    };

    /// <summary>
    /// Signed, noise-free signal of each tissue (index = <see cref="Tissue"/>) for a sequence at a field strength.
    /// Compartments add coherently before the magnitude is taken (the caller takes |·| after partial-volume mixing).
    /// </summary>
    public static double[] SignalTable(SequenceParameters sequence, double tesla)
    {
        var table = new double[Count];
        for (var t = 0; t < Count; t++)
        {
            double s = 0;
            foreach (var c in Compartments((Tissue)t))
            {
                s += c.Density * CompartmentSignal(sequence, c.T1(tesla), c.T2(tesla), c.IsFat);
            }

            table[t] = s;
        }

        return table;
    }

    /// <summary>Signal equation of one compartment (PD = 1).</summary>
    public static double CompartmentSignal(SequenceParameters sequence, double t1, double t2, bool isFat)
    {
        var tr = sequence.RepetitionTimeMs;
        var te = sequence.EchoTimeMs;
        var decay = Math.Exp(-te / t2);
        double s;
        if (sequence.InversionTimeMs is { } ti)
        {
            // Inversion recovery; the sign is kept so compartments can cancel.
            s = (1 - (2 * Math.Exp(-ti / t1)) + Math.Exp(-tr / t1)) * decay;
        }
        else
        {
            s = (1 - Math.Exp(-tr / t1)) * decay;
        }

        if (isFat && sequence.FatSaturated)
        {
            s *= 1 - SequenceParameters.FatSaturationEfficiency;
        }

        return s;
    }

    /// <summary>The inversion time (ms) that nulls fat at <paramref name="tesla"/> for repetition time <paramref name="trMs"/>.</summary>
    public static double FatNullingInversionTime(double tesla, double trMs)
    {
        var t1 = s_fat.T1(tesla);
        return t1 * Math.Log(2 / (1 + Math.Exp(-trMs / t1)));
    }
}
