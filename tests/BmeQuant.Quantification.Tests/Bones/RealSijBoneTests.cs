using System.Globalization;
using System.Text;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Imaging.Statistics;
using BmeQuant.Quantification.Internal.Bones;
using BmeQuant.Testing;

namespace BmeQuant.Quantification.Tests.Bones;

/// <summary>
/// Analysis without any mask on the real sacroiliac scans (BMEQUANT_REAL_SIJ): automatic bones against the readers'
/// region mask (sacrum and ilia around the joints), the bones' names against the patient sides, and the edema's
/// agreement with the readers. One analysis per subject; the table is printed and written to the test output folder.
/// <para>
/// These scans' STIR leaves fat brighter than muscle and their marrow is intermediate on T1 (between muscle and
/// fat), so marrow is found by T1 alone (<c>TissueLevels.T1Led</c>). Before that rule (2026-11-29) the automatic
/// bones had Dice 0.041 against the region (1007 0.085, 1012 none, 3002 0.039). Measured 2026-11-30 with it:
/// Dice 0.43 / 0.27 / 0.27 (mean 0.32), region covered 36 % / 17 % / 18 % (mean 0.23): the ilia are found and named
/// on their sides in every subject; the sacrum, whose marrow touches the fat around it without a visible cortex in
/// 3.3 mm slices, was not found. With the sacrum looked for between the named ilia (<c>SacrumFinder</c>, 2026-11-30):
/// Dice 0.51 / 0.46 / 0.43 (mean 0.47), region covered 46 % / 32 % / 34 % (mean 0.375), the sacrum named in every
/// subject (74 % / 86 % / 68 % of it inside the region). With the sacrum completed as the other bones, the gaps across
/// the joints closed and the unnamed T1-led regions dropped: Dice 0.60 / 0.55 / 0.51 (mean 0.556), region covered
/// 51 % / 41 % / 41 % (mean 0.446), precision 0.73 / 0.84 / 0.67, readers' edema inside the bones 45 % / 38 % / 4 %
/// (3002's lies in the L5 and S1 bodies, 1012's partly in the facets). With the lumbar bodies looked for above the
/// sacrum (<c>VertebraFinder</c>, 2026-11-30: marrow and edematous marrow on the midline, chained across discs, the
/// sacrum's own cut-off top joined to it): Dice 0.67 / 0.65 / 0.64 (mean 0.651), region covered 62 % / 53 % / 60 %
/// (mean 0.583), readers' edema inside the bones 61 % / 38 % / 54 % (mean 0.51), L5 and L4 named in every subject
/// (1012 also L3), and the edema found without masks agrees with the readers at 0.47 × their mutual Dice (0.281 /
/// 0.026 / 0.481; was 0.14 ×). With the ilia's medial marrow given back to them (2026-11-30: eroded pieces of the
/// sacrum search on one side of the midline touching that side's ilium; the lumbar midline taken between the ilia):
/// 1012's right and 3002's left ilium, found before only as a lateral strip (9.1 / 9.7 mL, smaller to larger ilium
/// 0.14 / 0.11), are 52 / 70 mL (0.64 / 0.65; 1007 0.79), Dice 0.668 / 0.650 / 0.638 (mean 0.652), region covered
/// 0.630 / 0.541 / 0.597 (mean 0.589), readers' edema inside the bones mean 0.520. Still missed: 1012's central
/// sacrum and 3002's left sacral ala, and the facets. Floors sit just below these measurements.
/// </para>
/// </summary>
public class RealSijBoneTests(ITestOutputHelper output)
{
    /// <summary>Mean Dice of the union of the automatic bones with the region mask under which the test fails (measured 0.651).</summary>
    private const double MeanDiceFloor = 0.63;

    /// <summary>Mean fraction of the region mask inside the automatic bones under which the test fails (measured 0.589).</summary>
    private const double MeanRegionCoveredFloor = 0.57;

    /// <summary>Mean fraction of the readers' edema inside the automatic bones under which the test fails (measured 0.520).</summary>
    private const double MeanReaderEdemaInBonesFloor = 0.50;

    /// <summary>The smaller named ilium's volume as a fraction of the larger's under which a subject fails (measured 0.64–0.79; 0.11–0.14 when one was a lateral strip).</summary>
    private const double IliaVolumeRatioFloor = 0.55;

    /// <summary>
    /// No-mask edema Dice vs the readers as a fraction of their mutual Dice (means) under which the test fails
    /// (measured 0.47; the edema rules are tuned elsewhere, so this floor keeps a wider margin).
    /// </summary>
    private const double EdemaAgreementRatioFloor = 0.40;

    /// <summary>A named bone must lie mostly inside the readers' region (fraction of its voxels).</summary>
    private const double NamedBoneInsideRegion = 0.5;

    [Fact]
    public void Analyze_RealSijWithoutMasks_BonesOverlapRegionNamedOnTheirSidesAndAgreementPrinted()
    {
        var subjects = RealSijTests.Subjects();
        if (subjects.Count == 0)
        {
            Assert.Skip("Real SIJ scans not found (set BMEQUANT_REAL_SIJ).");
        }

        var sb = new StringBuilder("subject  Dice-vs-region  region-covered  precision  reader-edema-in-bones  edema-Dice-vs-readers  readers-mutual  ratio  bones\n");
        var rows = new List<(double Dice, double Covered, double EdemaInBones, double EdemaDice, double Readers)>();
        var failures = new List<string>();
        var folder = TestPaths.NewOutputFolder("real-sij-bones");
        foreach (var dir in subjects)
        {
            var subject = Path.GetFileName(dir);
            var stir = NiftiReader.ReadFloat(Path.Combine(dir, "stir.nii.gz"));
            var t1 = NiftiReader.ReadFloat(Path.Combine(dir, "t1.nii.gz"));

            // Same voxel grid here (T1 and STIR of one acquisition plan): the levels read both arrays voxel by voxel.
            if (stir.Length == t1.Length && !MarrowBoneSegmenter.MeasureLevels(stir, t1).T1Led)
            {
                failures.Add($"{subject}: levels not T1-led although fat is not suppressed below muscle on STIR.");
            }

            var input = new StudyInput(stir, t1) { Anatomy = Anatomy.SacroiliacJoint };
            var findings = EdemaAnalyzer.Analyze(input, AnalysisOptions.Default, TestContext.Current.CancellationToken);
            Assert.Equal("automatic", findings.Inputs.BoneLabels);
            if (!findings.Notes.Any(n => n.StartsWith("The fluid-sensitive series does not null fat", StringComparison.Ordinal)))
            {
                failures.Add($"{subject}: the findings do not say that the bones were found by T1 alone.");
            }

            var labels = findings.Masks.Bones;
            NiftiWriter.Write(labels, Path.Combine(folder, subject + "_bones.nii.gz"));
            NiftiWriter.Write(findings.Masks.Edema, Path.Combine(folder, subject + "_edema.nii.gz"));
            var region = NiftiReader.ReadMask(Path.Combine(dir, "region.nii.gz"));
            var union = labels.CreateLike<byte>();
            for (var i = 0; i < union.Length; i++)
            {
                union.Data[i] = (byte)(labels.Data[i] > 0 ? 1 : 0);
            }

            var (inter, bones, inRegion) = Overlap(union, region);
            var dice = 2.0 * inter / (bones + inRegion);
            var covered = (double)inter / inRegion;
            var readers = Directory.GetFiles(dir, "edema_*.nii.gz").Order(StringComparer.Ordinal).Select(NiftiReader.ReadMask).ToList();
            var edemaInBones = readers.Average(r => { var (a, b, _) = Overlap(r, union); return b == 0 ? 1 : (double)a / b; });
            var edemaDice = readers.Average(r => ReaderAgreement.Dice(findings.Masks.Edema, r));
            var mutual = ReaderAgreement.ReadersMutualDice(dir, readers);
            rows.Add((dice, covered, edemaInBones, edemaDice, mutual));
            var named = findings.Bones.Where(b => b.Label > 0).Select(b => b.Name).ToList();
            sb.AppendLine(CultureInfo.InvariantCulture, $"{subject,-8} {dice,14:F3} {covered,15:F3} {(double)inter / Math.Max(1, bones),10:F3} {edemaInBones,22:F3} {edemaDice,22:F3} {mutual,15:F3} {edemaDice / mutual,6:F2}  {string.Join(", ", named)}");
            failures.AddRange(CheckNames(subject, labels, findings.Bones, region));
        }

        var mean = (Dice: rows.Average(r => r.Dice), Covered: rows.Average(r => r.Covered), InBones: rows.Average(r => r.EdemaInBones), Edema: rows.Average(r => r.EdemaDice), Readers: rows.Average(r => r.Readers));
        sb.AppendLine(CultureInfo.InvariantCulture, $"mean     {mean.Dice,14:F3} {mean.Covered,15:F3} {"",10} {mean.InBones,22:F3} {mean.Edema,22:F3} {mean.Readers,15:F3} {mean.Edema / mean.Readers,6:F2}  (floors: Dice {MeanDiceFloor}, covered {MeanRegionCoveredFloor}, edema in bones {MeanReaderEdemaInBonesFloor}, ratio {EdemaAgreementRatioFloor})");
        output.WriteLine(sb.ToString());
        File.WriteAllText(Path.Combine(folder, "table.txt"), sb.ToString());
        Assert.Empty(failures);
        Assert.True(mean.Dice >= MeanDiceFloor, string.Create(CultureInfo.InvariantCulture, $"Mean Dice of the automatic bones against the region masks {mean.Dice:F3} < {MeanDiceFloor}."));
        Assert.True(mean.Covered >= MeanRegionCoveredFloor, string.Create(CultureInfo.InvariantCulture, $"Mean fraction of the region masks inside the automatic bones {mean.Covered:F3} < {MeanRegionCoveredFloor}."));
        Assert.True(mean.InBones >= MeanReaderEdemaInBonesFloor, string.Create(CultureInfo.InvariantCulture, $"Mean fraction of the readers' edema inside the automatic bones {mean.InBones:F3} < {MeanReaderEdemaInBonesFloor}."));
        Assert.True(mean.Edema / mean.Readers >= EdemaAgreementRatioFloor, string.Create(CultureInfo.InvariantCulture, $"No-mask edema Dice vs the readers {mean.Edema:F3} is {mean.Edema / mean.Readers:F2} x their mutual Dice (< {EdemaAgreementRatioFloor})."));
    }

    /// <summary>
    /// Both ilia, the sacrum and L5 named; each named bone mostly inside the region; the left ilium on the patient's left
    /// (+X in LPS) of the region's centroid and the right ilium on its right; the sacrum between them; the lumbar
    /// bodies between them too, stacked above the sacrum.
    /// </summary>
    private static IEnumerable<string> CheckNames(string subject, Volume<int> labels, IReadOnlyList<RegionFindings> bones, Volume<byte> region)
    {
        var g = labels.Geometry;
        var regionCentre = Lps(g, LabelStatistics.CentroidIndex(region)!.Value);
        var centres = new Dictionary<string, Vector3D>();
        foreach (var name in new[] { "LeftIlium", "RightIlium", "Sacrum" })
        {
            if (bones.FirstOrDefault(b => b.Name == name) is not { } bone)
            {
                yield return $"{subject}: no {name} named.";
                continue;
            }

            var mask = labels.CreateLike<byte>();
            for (var i = 0; i < mask.Length; i++)
            {
                mask.Data[i] = (byte)(labels.Data[i] == bone.Label ? 1 : 0);
            }

            var (inter, size, _) = Overlap(mask, region);
            if (inter < NamedBoneInsideRegion * size)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"{subject}: {name} lies {(double)inter / size:P0} inside the readers' region (< {NamedBoneInsideRegion:P0}).");
            }

            centres[name] = Lps(g, LabelStatistics.CentroidIndex(mask)!.Value);
        }

        var iliaVoxels = new[] { "LeftIlium", "RightIlium" }.Select(n => bones.FirstOrDefault(b => b.Name == n) is { } b ? labels.Data.AsSpan().Count(b.Label) : 0).ToArray();
        if (iliaVoxels.Min() < IliaVolumeRatioFloor * iliaVoxels.Max())
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{subject}: the ilia hold {iliaVoxels[0]} (left) and {iliaVoxels[1]} (right) voxels: the smaller is under {IliaVolumeRatioFloor} x the larger (one found only in part).");
        }

        if (centres.TryGetValue("LeftIlium", out var left) && left.X <= regionCentre.X)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{subject}: LeftIlium centroid X {left.X:F1} mm is not on the patient's left of the region centroid ({regionCentre.X:F1} mm).");
        }

        if (centres.TryGetValue("RightIlium", out var right) && right.X >= regionCentre.X)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{subject}: RightIlium centroid X {right.X:F1} mm is not on the patient's right of the region centroid ({regionCentre.X:F1} mm).");
        }

        if (centres.TryGetValue("Sacrum", out var sacrum) && (sacrum.X <= right.X || sacrum.X >= left.X))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{subject}: Sacrum centroid X {sacrum.X:F1} mm is not between the ilia.");
        }

        // Lumbar bodies: mostly inside the region (it holds L4 and L5), between the ilia, above the sacrum and each
        // above the one named below it.
        var below = sacrum;
        foreach (var name in new[] { "L5", "L4", "L3" })
        {
            if (bones.FirstOrDefault(b => b.Name == name) is not { } body)
            {
                if (name == "L5")
                {
                    yield return $"{subject}: no L5 named.";
                }

                break;
            }

            var mask = labels.CreateLike<byte>();
            for (var i = 0; i < mask.Length; i++)
            {
                mask.Data[i] = (byte)(labels.Data[i] == body.Label ? 1 : 0);
            }

            var (inter, size, _) = Overlap(mask, region);
            var centre = Lps(g, LabelStatistics.CentroidIndex(mask)!.Value);
            if (inter < NamedBoneInsideRegion * size || centre.X <= right.X || centre.X >= left.X || centre.Z <= below.Z)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"{subject}: {name} lies {(double)inter / size:P0} inside the readers' region, centroid {centre} (ilia X {right.X:F1}..{left.X:F1}, bone below Z {below.Z:F1}).");
            }

            below = centre;
        }
    }

    private static Vector3D Lps(ImageGeometry g, Vector3D index) => g.TransformIndexToPhysicalPoint(index.X, index.Y, index.Z);

    /// <summary>Voxels in both masks, in <paramref name="a"/>, in <paramref name="b"/>.</summary>
    private static (long Both, long A, long B) Overlap(Volume<byte> a, Volume<byte> b)
    {
        long both = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var x = a.Data[i] != 0;
            var y = b.Data[i] != 0;
            na += x ? 1 : 0;
            nb += y ? 1 : 0;
            both += x && y ? 1 : 0;
        }

        return (both, na, nb);
    }
}
