using System.Globalization;
using System.Text;
using BmeQuant.Imaging;
using BmeQuant.Testing;

namespace BmeQuant.Quantification.Tests;

/// <summary>
/// Real sacroiliac scans with edema outlined by two readers twice each (BMEQUANT_REAL_SIJ, default
/// ../shared/testdata/real-sij; layout in its README). Each subject folder holds stir, t1, region, reference and
/// edema_R* NIfTI files; reader-agreement.json gives the readers' mutual Dice. Works for any number of subjects.
/// </summary>
public class RealSijTests(ITestOutputHelper output)
{
    private static readonly string s_folder = TestPaths.DataFolder("BMEQUANT_REAL_SIJ", "real-sij");

    internal static IReadOnlyList<string> Subjects() => ReaderAgreement.SubjectFolders(s_folder);

    /// <summary>
    /// The issue's bar: ours ≥ 0.90 × the readers' mutual Dice with region and reference masks (see docs/methods.md,
    /// "Validation"); the test fails below it and prints the table. Measured 0.925 × with the local-contrast lesions
    /// (lesions brighter than their own darker-than-normal surroundings; 0.880 × before them with the tubes across the
    /// slices left out, 0.874 × before the tubes, 0.865 × before the T1-bright veto exemption, 0.835 × before the
    /// boundary-chain join), 0.867 × with the region mask only (0.846 × before the local-contrast lesions).
    /// </summary>
    private const double RegressionFloor = 0.90;

    /// <summary>Regression floor without the reference mask (reference estimated; measured 0.867 ×).</summary>
    private const double RegressionFloorWithoutReference = 0.86;

    [Fact]
    public void Analyze_WithRegionAndReferenceMasks_AgreesWithReadersAboveTheRegressionFloor()
    {
        var subjects = Subjects();
        if (subjects.Count == 0)
        {
            Assert.Skip($"Real SIJ scans not found in {s_folder} (set BMEQUANT_REAL_SIJ).");
        }

        var results = subjects.Select(s => Run(s, withMasks: true)).ToList();
        Print("with region + reference masks", results);
        var ours = results.Average(r => r.MeanDiceVsReaders);
        var readers = results.Average(r => r.ReadersMutualDice);
        Assert.True(ours >= RegressionFloor * readers, string.Create(CultureInfo.InvariantCulture, $"Mean Dice vs readers {ours:F3} < {RegressionFloor} × readers' mutual Dice {readers:F3} (issue bar: 0.90×)."));
    }

    [Fact]
    public void Analyze_WithRegionMaskOnly_ReportsAgreementWithReaders()
    {
        var subjects = Subjects();
        if (subjects.Count == 0)
        {
            Assert.Skip($"Real SIJ scans not found in {s_folder} (set BMEQUANT_REAL_SIJ).");
        }

        // Reference estimated from the marrow itself: reported and held at a regression floor, not at the issue's bar
        // (the readers' reference is the only information about where normal marrow is in these scans).
        var results = subjects.Select(s => Run(s, withMasks: false)).ToList();
        Print("with region mask, reference estimated", results);
        Assert.All(results, r => Assert.True(r.VolumeMl > 0, $"{r.Subject}: no edema found where readers outlined {r.ReaderMeanVolumeMl:F2} mL."));
        var ours = results.Average(r => r.MeanDiceVsReaders);
        var readers = results.Average(r => r.ReadersMutualDice);
        Assert.True(ours >= RegressionFloorWithoutReference * readers, string.Create(CultureInfo.InvariantCulture, $"Without the reference mask: mean Dice vs readers {ours:F3} < {RegressionFloorWithoutReference} × readers' mutual Dice {readers:F3}."));
    }

    private static ReaderAgreementResult Run(string dir, bool withMasks) =>
        ReaderAgreement.Measure(dir, AnalysisOptions.Default, withMasks, TestContext.Current.CancellationToken);

    private void Print(string title, List<ReaderAgreementResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Real SIJ, {title}:");
        sb.AppendLine("subject  Dice-vs-readers  readers-mutual  ratio  ours-mL  readers-mL  per-reader");
        foreach (var r in results)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{r.Subject,-8} {r.MeanDiceVsReaders,15:F3} {r.ReadersMutualDice,15:F3} {r.MeanDiceVsReaders / r.ReadersMutualDice,6:F2} {r.VolumeMl,8:F2} {r.ReaderMeanVolumeMl,11:F2}  {string.Join(" ", r.DicePerReader.Select(d => d.ToString("F2", CultureInfo.InvariantCulture)))}");
        }

        var ours = results.Average(r => r.MeanDiceVsReaders);
        var readers = results.Average(r => r.ReadersMutualDice);
        sb.AppendLine(CultureInfo.InvariantCulture, $"mean     {ours,15:F3} {readers,15:F3} {ours / readers,6:F2}   (bar: ratio ≥ 0.90)");
        output.WriteLine(sb.ToString());
        Console.WriteLine(sb.ToString());
        File.WriteAllText(Path.Combine(TestPaths.NewOutputFolder("real-sij"), "table.txt"), sb.ToString());
    }

    [Fact]
    public void ReaderAgreement_Dice_KnownOverlapAndEmptyMasks()
    {
        var g = new ImageGeometry(4, 4, 2, new Vector3D(1, 1, 2), Vector3D.Zero, Matrix3D.Identity);
        var a = new Volume<byte>(g);
        var b = new Volume<byte>(g);
        Assert.Equal(1.0, ReaderAgreement.Dice(a, b));
        a.Data[0] = a.Data[1] = a.Data[2] = 1;
        b.Data[2] = b.Data[3] = 1;
        Assert.Equal(2.0 * 1 / (3 + 2), ReaderAgreement.Dice(a, b), 12);
        var other = new Volume<byte>(new ImageGeometry(4, 4, 3, new Vector3D(1, 1, 2), Vector3D.Zero, Matrix3D.Identity));
        Assert.Throws<QuantificationException>(() => ReaderAgreement.Dice(a, other));
    }

    [Fact]
    public void ReaderAgreement_ReadersMutualDice_FromJsonWhenListedElsePairwise()
    {
        var root = TestPaths.NewOutputFolder("reader-agreement");
        var listed = Directory.CreateDirectory(Path.Combine(root, "s1")).FullName;
        var unlisted = Directory.CreateDirectory(Path.Combine(root, "s2")).FullName;
        File.WriteAllText(Path.Combine(root, "reader-agreement.json"), """{ "subjects": { "s1": { "mean_inter_reader_dice": 0.42 } } }""");
        var g = new ImageGeometry(4, 1, 1, new Vector3D(1, 1, 1), Vector3D.Zero, Matrix3D.Identity);
        var r1 = new Volume<byte>(g);
        var r2 = new Volume<byte>(g);
        var r3 = new Volume<byte>(g);
        r1.Data[0] = r1.Data[1] = 1;
        r2.Data[1] = 1;
        r3.Data[2] = 1;
        Assert.Equal(0.42, ReaderAgreement.ReadersMutualDice(listed, [r1, r2, r3]));

        // Pairs: (r1, r2) 2/3, (r1, r3) 0, (r2, r3) 0.
        Assert.Equal((2.0 / 3) / 3, ReaderAgreement.ReadersMutualDice(unlisted, [r1, r2, r3]), 12);
        Assert.Equal(1.0, ReaderAgreement.ReadersMutualDice(unlisted, [r1]));
    }

    internal static long Count(Volume<byte> m)
    {
        long n = 0;
        foreach (var v in m.Data)
        {
            n += v != 0 ? 1 : 0;
        }

        return n;
    }
}
