using BmeQuant.Phantoms.Signal;

namespace BmeQuant.Phantoms;

/// <summary>Timing of one simulated acquisition (ms) and whether fat is spectrally saturated.</summary>
/// <param name="Sequence">The pulse sequence.</param>
/// <param name="RepetitionTimeMs">TR, ms.</param>
/// <param name="EchoTimeMs">TE (effective), ms.</param>
/// <param name="InversionTimeMs">TI, ms, for inversion recovery; null otherwise.</param>
/// <param name="FatSaturated">True when a spectral fat-saturation pulse precedes each excitation.</param>
public sealed record SequenceParameters(PhantomSequence Sequence, double RepetitionTimeMs, double EchoTimeMs, double? InversionTimeMs, bool FatSaturated)
{
    /// <summary>Fraction of fat signal removed by spectral fat saturation.</summary>
    public const double FatSaturationEfficiency = 0.95;

    /// <summary>
    /// The parameters of <paramref name="acquisition"/> at <paramref name="tesla"/>: SE T1 TR 500 / TE 15; STIR TR 4000 /
    /// TE 40 with the TI that nulls fat; PD fat-sat TR 3000 / TE 30; T2 fat-sat TR 4000 / TE 70; overrides from the
    /// acquisition win.
    /// </summary>
    public static SequenceParameters For(AcquisitionSpec acquisition, double tesla)
    {
        ArgumentNullException.ThrowIfNull(acquisition);
        var (tr, te) = acquisition.Sequence switch
        {
            PhantomSequence.T1SpinEcho => (500.0, 15.0),
            PhantomSequence.Stir => (4000.0, 40.0),
            PhantomSequence.PdFatSat => (3000.0, 30.0),
            PhantomSequence.T2FatSat => (4000.0, 70.0),
            _ => throw new ArgumentOutOfRangeException(nameof(acquisition), acquisition.Sequence, "Unknown sequence."),
        };
        tr = acquisition.RepetitionTimeMs ?? tr;
        te = acquisition.EchoTimeMs ?? te;
        double? ti = acquisition.Sequence == PhantomSequence.Stir
            ? acquisition.InversionTimeMs ?? Math.Round(TissueModel.FatNullingInversionTime(tesla, tr), 1)
            : null;
        var fatSat = acquisition.Sequence is PhantomSequence.PdFatSat or PhantomSequence.T2FatSat;
        return new SequenceParameters(acquisition.Sequence, tr, te, ti, fatSat);
    }
}
