using BmeQuant.Phantoms;
using BmeQuant.Quantification;

namespace BmeQuant;

/// <summary>Turns a generated phantom visit into an analysis input (fluid-sensitive + T1 series, joint, provenance).</summary>
public static class PhantomInputs
{
    /// <summary>The analysis input of <paramref name="visit"/>: its first fluid-sensitive series and its first T1 series.</summary>
    /// <exception cref="ArgumentException">The visit has no fluid-sensitive series.</exception>
    public static StudyInput ToStudyInput(PhantomStudy study, PhantomVisit visit)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(visit);
        var fluid = visit.Series.FirstOrDefault(s => s.Sequence.Sequence != PhantomSequence.T1SpinEcho)
            ?? throw new ArgumentException($"Visit {visit.Index} has no fluid-sensitive series.", nameof(visit));
        var t1 = visit.Series.FirstOrDefault(s => s.Sequence.Sequence == PhantomSequence.T1SpinEcho);

        // Bones come from the phantom's own label map on the fluid-sensitive grid (automatic bone segmentation is
        // not part of the quantification yet); edema, reference and every measure are computed from the images.
        var labels = new Imaging.Volume<int>(fluid.BoneLabels.Geometry);
        for (var n = 0; n < labels.Length; n++)
        {
            labels.Data[n] = fluid.BoneLabels.Data[n];
        }

        var names = study.BoneNames.Select((name, i) => (Label: i + 1, Name: name)).ToDictionary(x => x.Label, x => x.Name);
        return new StudyInput(fluid.Image, t1?.Image)
        {
            BoneLabels = labels,
            LabelNames = names,
            BoneLabelsSource = "phantom bone labels",
            Anatomy = ToAnatomy(study.Spec.Anatomy),
            FluidSensitiveSeries = new SeriesProvenance(null, $"phantom {fluid.Sequence.Sequence}", $"phantom seed {study.Spec.Seed} visit {visit.Index + 1}"),
            T1Series = t1 is null ? null : new SeriesProvenance(null, "phantom T1 SE", $"phantom seed {study.Spec.Seed} visit {visit.Index + 1}"),
        };
    }

    /// <summary>The quantification's joint for a phantom anatomy.</summary>
    public static Anatomy ToAnatomy(PhantomAnatomy anatomy) => anatomy switch
    {
        PhantomAnatomy.Knee => Anatomy.Knee,
        PhantomAnatomy.Hip => Anatomy.Hip,
        PhantomAnatomy.Ankle => Anatomy.Ankle,
        PhantomAnatomy.Sacroiliac => Anatomy.SacroiliacJoint,
        _ => Anatomy.Unknown,
    };
}
