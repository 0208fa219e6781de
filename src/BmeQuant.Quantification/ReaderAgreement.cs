using System.Text.Json;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;

namespace BmeQuant.Quantification;

/// <summary>Agreement of BmeQuant's edema with the reader outlines of one subject (<see cref="ReaderAgreement.Measure"/>).</summary>
/// <param name="Subject">Subject folder name.</param>
/// <param name="MeanDiceVsReaders">Dice of BmeQuant's edema mask against each reader outline, averaged over the outlines.</param>
/// <param name="ReadersMutualDice">The readers' mean pairwise Dice (from <c>reader-agreement.json</c> when it lists the subject, else computed from the outlines).</param>
/// <param name="VolumeMl">BmeQuant's total edema volume in mL.</param>
/// <param name="ReaderMeanVolumeMl">Mean volume of the reader outlines in mL.</param>
/// <param name="DicePerReader">Dice against each outline, in file-name order.</param>
public sealed record ReaderAgreementResult(string Subject, double MeanDiceVsReaders, double ReadersMutualDice, double VolumeMl, double ReaderMeanVolumeMl, IReadOnlyList<double> DicePerReader);

/// <summary>
/// Agreement with readers on real scans laid out as <c>real-sij</c>: one folder per subject holding
/// <c>stir.nii.gz</c>, <c>t1.nii.gz</c>, <c>region.nii.gz</c> (region label map, every positive label one region),
/// optionally <c>reference.nii.gz</c> (normal marrow) and the reader outlines <c>edema_*.nii.gz</c>; the root may hold
/// <c>reader-agreement.json</c> (<c>subjects.&lt;id&gt;.mean_inter_reader_dice</c>). One implementation for the
/// real-scan tests and the validation script.
/// </summary>
public static class ReaderAgreement
{
    /// <summary>Subject folders under <paramref name="root"/> holding <c>stir.nii.gz</c> and <c>t1.nii.gz</c>, in ordinal order; empty when the root does not exist.</summary>
    /// <param name="root">Folder of subject folders.</param>
    /// <returns>Full paths of the subject folders.</returns>
    public static IReadOnlyList<string> SubjectFolders(string root) =>
        Directory.Exists(root)
            ? [.. Directory.GetDirectories(root).Where(d => File.Exists(Path.Combine(d, "stir.nii.gz")) && File.Exists(Path.Combine(d, "t1.nii.gz"))).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>
    /// Analyses one subject (sacroiliac anatomy, the region map binarised to one region) and compares the edema mask
    /// with every reader outline.
    /// </summary>
    /// <param name="subjectFolder">The subject's folder.</param>
    /// <param name="options">Analysis options.</param>
    /// <param name="useReferenceMask">Give the readers' <c>reference.nii.gz</c> (when present); false estimates the reference.</param>
    /// <param name="cancellationToken">Cancels the analysis.</param>
    /// <returns>Dice per reader, their mean, the readers' mutual Dice and the volumes.</returns>
    /// <exception cref="QuantificationException">The folder holds no <c>edema_*.nii.gz</c> outline, or an outline lies on another grid than the analysis.</exception>
    public static ReaderAgreementResult Measure(string subjectFolder, AnalysisOptions options, bool useReferenceMask, CancellationToken cancellationToken = default) =>
        MeasureWithFindings(subjectFolder, options, useReferenceMask, cancellationToken).Result;

    /// <summary>As <see cref="Measure"/>, also returning the analysis' findings (its masks, for diagnosis scripts).</summary>
    internal static (ReaderAgreementResult Result, EdemaFindings Findings) MeasureWithFindings(string subjectFolder, AnalysisOptions options, bool useReferenceMask, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subjectFolder);
        ArgumentNullException.ThrowIfNull(options);
        var outlines = Directory.GetFiles(subjectFolder, "edema_*.nii.gz").Order(StringComparer.Ordinal).ToList();
        if (outlines.Count == 0)
        {
            throw new QuantificationException($"No reader outline (edema_*.nii.gz) in {subjectFolder}; expected at least one.");
        }

        var region = NiftiReader.ReadLabels(Path.Combine(subjectFolder, "region.nii.gz"));
        var labels = region.CreateLike<int>();
        for (var i = 0; i < labels.Length; i++)
        {
            labels.Data[i] = region.Data[i] > 0 ? 1 : 0;
        }

        var referencePath = Path.Combine(subjectFolder, "reference.nii.gz");
        var input = new StudyInput(NiftiReader.ReadFloat(Path.Combine(subjectFolder, "stir.nii.gz")), NiftiReader.ReadFloat(Path.Combine(subjectFolder, "t1.nii.gz")))
        {
            BoneLabels = labels,
            LabelNames = new Dictionary<int, string> { [1] = "sacroiliac region" },
            ReferenceMask = useReferenceMask && File.Exists(referencePath) ? NiftiReader.ReadMask(referencePath) : null,
            Anatomy = Anatomy.SacroiliacJoint,
        };
        var findings = EdemaAnalyzer.Analyze(input, options, cancellationToken);
        var readers = outlines.Select(NiftiReader.ReadMask).ToList();
        var dice = new double[readers.Count];
        for (var r = 0; r < readers.Count; r++)
        {
            dice[r] = Dice(findings.Masks.Edema, readers[r], Path.GetFileName(outlines[r]));
        }

        var readerMl = readers.Average(r => Count(r) * r.Geometry.VoxelVolumeMm3 / 1000);
        var subject = Path.GetFileName(Path.TrimEndingDirectorySeparator(subjectFolder));
        return (new ReaderAgreementResult(subject, dice.Average(), ReadersMutualDice(subjectFolder, readers), findings.Total.EdemaVolumeMilliliters, readerMl, dice), findings);
    }

    /// <summary>
    /// The readers' mean pairwise Dice: <c>subjects.&lt;subject&gt;.mean_inter_reader_dice</c> of
    /// <c>reader-agreement.json</c> beside the subject folder when it lists the subject, else the mean Dice over every
    /// pair of <paramref name="readers"/> (1 with fewer than two outlines).
    /// </summary>
    /// <param name="subjectFolder">The subject's folder (its name is the subject id).</param>
    /// <param name="readers">The subject's reader outlines.</param>
    /// <returns>Mean pairwise Dice.</returns>
    public static double ReadersMutualDice(string subjectFolder, IReadOnlyList<Volume<byte>> readers)
    {
        ArgumentNullException.ThrowIfNull(subjectFolder);
        ArgumentNullException.ThrowIfNull(readers);
        var trimmed = Path.TrimEndingDirectorySeparator(subjectFolder);
        var subject = Path.GetFileName(trimmed);
        var agreement = Path.Combine(Path.GetDirectoryName(trimmed) ?? ".", "reader-agreement.json");
        if (File.Exists(agreement))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(agreement));
            if (doc.RootElement.TryGetProperty("subjects", out var subjects) && subjects.TryGetProperty(subject, out var s) && s.TryGetProperty("mean_inter_reader_dice", out var d))
            {
                return d.GetDouble();
            }
        }

        var sum = 0.0;
        var pairs = 0;
        for (var a = 0; a < readers.Count; a++)
        {
            for (var b = a + 1; b < readers.Count; b++)
            {
                sum += Dice(readers[a], readers[b]);
                pairs++;
            }
        }

        return pairs > 0 ? sum / pairs : 1;
    }

    /// <summary>Dice coefficient 2|A∩B| / (|A| + |B|) of two masks on the same grid (non-zero = inside); 1 when both are empty.</summary>
    /// <param name="a">First mask.</param>
    /// <param name="b">Second mask.</param>
    /// <returns>Dice in [0, 1].</returns>
    /// <exception cref="QuantificationException">The masks lie on different grids (tolerance 0.05 mm).</exception>
    public static double Dice(Volume<byte> a, Volume<byte> b) => Dice(a, b, "the second mask");

    private static double Dice(Volume<byte> a, Volume<byte> b, string what)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.Geometry.IsSameGrid(b.Geometry, 0.05))
        {
            throw new QuantificationException($"Dice: {what} lies on a {b.Geometry.SizeX}×{b.Geometry.SizeY}×{b.Geometry.SizeZ} grid that differs from the {a.Geometry.SizeX}×{a.Geometry.SizeY}×{a.Geometry.SizeZ} grid of the edema mask (tolerance 0.05 mm); expected the same grid.");
        }

        long both = 0, na = 0, nb = 0;
        var x = a.Data;
        var y = b.Data;
        for (var i = 0; i < x.Length; i++)
        {
            var p = x[i] != 0;
            var q = y[i] != 0;
            na += p ? 1 : 0;
            nb += q ? 1 : 0;
            both += p && q ? 1 : 0;
        }

        return na + nb == 0 ? 1 : 2.0 * both / (na + nb);
    }

    private static long Count(Volume<byte> mask)
    {
        long n = 0;
        foreach (var v in mask.Data)
        {
            n += v != 0 ? 1 : 0;
        }

        return n;
    }
}
