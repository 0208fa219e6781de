using System.Diagnostics;
using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Phantoms;
using BmeQuant.Quantification;
using BmeQuant.Reporting;
using BmeQuant.Testing;

namespace BmeQuant.Tests.Stories;

/// <summary>
/// Follow-up stories with known evolution (issue 7): every visit of a phantom patient is analysed, the visits are
/// compared, and the result is checked against the same comparison run on the phantom's truth (its bone labels, its
/// edema fraction ≥ 0.5 as the mask, and per bone both true volumes: ∫ edema fraction for the fraction-weighted
/// measure, the volume at fraction ≥ 0.5 for the binary one): every status, every migration (source and destination)
/// and every volume change within ±10 % of the truth, with no absolute floor:
/// <list type="bullet">
/// <item>each bone's change within ±10 % of that bone's true change (a bone whose true change is below the detection
/// floor must measure a change below it too);</item>
/// <item>the total's change within ±10 % of the gross true change, Σ over bones of |true change|. For one bone that is
/// plainly ±10 % of the true change. When edema migrates, the net total is the difference of one bone's loss and
/// another's gain (knee-migrating 1→4: −2991 + 2689 = −302 mm³) and ±10 % of the net would ask each bone's change to
/// be right to 1 % of itself: the tolerance must be relative to what was measured, the bones' changes.</item>
/// </list>
/// Measured changes are paired re-measurements (each bone's fraction-weighted edema read at both visits over the
/// same aligned tissue); the truth's are differences of the true volumes. Every story runs on every CI run: the
/// full-size four-visit ones (hip, migrating knee), the two-visit ones (control, growing knee) and the migrating knee
/// at a 128² matrix as a coarse-grid regression guard, whose changes are held to ±15 % only (see
/// <see cref="ReducedChangeTolerance"/>). Each story's table (with the total's error against the net change too) is also written
/// to the test output folder (stories-&lt;story&gt;/&lt;story&gt;.txt).
/// </summary>
public class PhantomStoryTests(ITestOutputHelper output)
{
    /// <summary>The four-visit full-size stories (resolving hip, migrating knee): the issue's ±10 % check.</summary>
    public static TheoryData<string> HeavyStories => ["knee-migrating", "hip-toh-resolving"];

    /// <summary>
    /// The cheap stories on every CI run: two full-size knee visits each (about 15 CPU-seconds), and the migrating knee's
    /// same four-visit course at a 128² in-plane matrix (same field of view, slices and poses).
    /// </summary>
    public static TheoryData<string> CheapStories => ["control", "knee-growing", "knee-migrating-128"];

    private static PhantomSpec Spec(string story) => story switch
    {
        "knee-growing" => PhantomPresets.NaturalCourse(PhantomAnatomy.Knee, LesionPattern.Subchondral, [0, 45], seed: 5),
        "knee-migrating-128" => PhantomPresets.Get("knee-migrating", seed: 3) with { Acquisitions = ReducedAcquisitions(PhantomAnatomy.Knee) },
        _ => PhantomPresets.Get(story, seed: 3),
    };

    [Theory]
    [MemberData(nameof(HeavyStories))]
    public void Story_StatusesMigrationsAndVolumeChanges_MatchTheTruth(string story)
    {
        // Each story analyses four full-size phantom visits and compares measured and truth with per-bone registration
        // (about 35 s for both in Release on two quiet cores): the issue's check, so it runs on every CI run.
        var problems = Run(story, Spec(story), ComparisonOptions.Default, ChangeTolerance);
        Assert.True(problems.Count == 0, story + ":" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    /// <summary>
    /// The cheap stories on every CI run: the edema-free control (no edema at either visit: None, no false change), the
    /// growing knee lesion (Worsening, change within ±10 % of the truth) and the reduced migrating knee (every status,
    /// the migrations' sources and destinations, every bone's and the total's change within ±15 %).
    /// </summary>
    [Theory]
    [MemberData(nameof(CheapStories))]
    public void CheapStory_StatusesAndVolumeChanges_MatchTheTruth(string story)
    {
        var problems = Run(story, Spec(story), ComparisonOptions.Default, story == "knee-migrating-128" ? ReducedChangeTolerance : ChangeTolerance);
        Assert.True(problems.Count == 0, story + ":" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    /// <summary>The issue's tolerance of a change: ±10 % of the truth (per bone; the total against the gross change).</summary>
    private const double ChangeTolerance = 0.10;

    /// <summary>
    /// Tolerance of the always-on reduced migrating knee's changes: a guard against regressions, not the issue's ±10 %.
    /// Measured on 2026-11-30 with each visit read on its own grid: every change within 6.1 % but the femur's 1→2,
    /// −11.6 % (1017 against 1150 mm³: faint edema in the outermost voxel layer along the larger lesion, outside the
    /// footprint, weighs more at the coarser matrix); the full-size stories check ±10 % and pass (docs/report-csv.md).
    /// </summary>
    private const double ReducedChangeTolerance = 0.15;

    /// <summary>The joint's default protocol at a 128² in-plane matrix (same field of view).</summary>
    internal static IReadOnlyList<AcquisitionSpec> ReducedAcquisitions(PhantomAnatomy anatomy) =>
        PhantomPresets.DefaultAcquisitions(anatomy)
            .Select(a => a with { Columns = 128, Rows = 128, PixelSpacingMm = a.PixelSpacingMm * a.Columns / 128 })
            .ToArray();

    /// <summary>Analyses every visit of <paramref name="spec"/>, compares measured with truth under <paramref name="options"/>, returns the mismatches.</summary>
    private List<string> Run(string story, PhantomSpec spec, ComparisonOptions options, double changeTolerance)
    {
        var clock = Stopwatch.StartNew();
        var study = PhantomGenerator.Generate(spec);
        var measured = new List<TimepointMeasures>();
        var truth = new List<TimepointMeasures>();
        foreach (var visit in study.Visits)
        {
            var label = "visit " + (visit.Index + 1).ToString(CultureInfo.InvariantCulture);
            var input = PhantomInputs.ToStudyInput(study, visit);
            var findings = EdemaAnalyzer.Analyze(input, AnalysisOptions.Default, TestContext.Current.CancellationToken);
            measured.Add(FindingsAdapter.FromFindings(findings, label, visit.DayOffset, withImages: new TimepointImages(input.FluidSensitive, null, findings.Masks.Edema)));
            truth.Add(TruthMeasures(study, visit, label, input));
        }

        if (measured.Count < 2)
        {
            return [$"Story {story} has {measured.Count} visit(s); a follow-up needs two."];
        }

        var table = new System.Text.StringBuilder();
        void Line(string text)
        {
            output.WriteLine(text);
            table.AppendLine(text);
        }

        var m = TimepointComparer.Compare(measured, options);
        var t = TimepointComparer.Compare(truth, options);
        var problems = new List<string>();
        if (m.VolumeMeasure != options.VolumeMeasure || t.VolumeMeasure != options.VolumeMeasure)
        {
            problems.Add($"compared {m.VolumeMeasure} (measured) and {t.VolumeMeasure} (truth), asked {options.VolumeMeasure}");
        }

        Line(FormattableString.Invariant($"{story} ({m.VolumeMeasure}): measured overall {m.OverallStatus}, truth {t.OverallStatus}"));
        Line("visit | measured binary / weighted (mm³) | truth f≥0.5 / ∫f (mm³)");
        foreach (var (mt, tt) in measured.Zip(truth))
        {
            Line(FormattableString.Invariant(
                $"{mt.Label} | {mt.TotalEdemaVolumeMm3:0} / {mt.TotalFractionWeightedVolumeMm3:0} | {tt.TotalEdemaVolumeMm3:0} / {tt.TotalFractionWeightedVolumeMm3:0}"));
        }

        Line("interval | measured total change (mm³) | true change | measured status | true status | migrations measured / true");
        foreach (var (mi, ti) in m.Intervals.Append(m.BaselineToLatest).Zip(t.Intervals.Append(t.BaselineToLatest)))
        {
            var mMig = string.Join(", ", mi.Migrations.Select(x => $"{x.From}→{x.To}").Order(StringComparer.Ordinal));
            var tMig = string.Join(", ", ti.Migrations.Select(x => $"{x.From}→{x.To}").Order(StringComparer.Ordinal));
            Line(FormattableString.Invariant(
                $"{mi.FromLabel}→{mi.ToLabel} | {mi.Total.ChangeMm3:0} | {ti.Total.ChangeMm3:0} | {mi.Status} | {ti.Status} | {mMig} / {tMig}"));
            foreach (var r in mi.Regions.Where(r => r.Status != ChangeStatus.None))
            {
                var tr = ti.Regions.FirstOrDefault(x => x.Name == r.Name);
                Line(FormattableString.Invariant(
                    $"    {r.Name}: {r.FromMm3:0} → {r.ToMm3:0}, change {r.ChangeMm3:0} (truth {tr?.ChangeMm3:0}, {100 * (r.ChangeMm3 - tr?.ChangeMm3) / Math.Abs(tr?.ChangeMm3 ?? 0):0.0} %; {r.ChangeMethod}; re-measured {r.EarlierRemeasuredMm3:0} → {r.LaterRemeasuredMm3:0}, each against its visit's truth {r.EarlierRemeasuredMm3 - tr?.FromMm3:+0;-0} / {r.LaterRemeasuredMm3 - tr?.ToMm3:+0;-0}, footprint's later ± {mi.Overlaps.FirstOrDefault(o => o.Name == r.Name)?.LaterUncertaintyMm3:0}) {r.Status} (truth {tr?.FromMm3:0} → {tr?.ToMm3:0} {tr?.Status})"));
            }

            if (mi.Status != ti.Status)
            {
                problems.Add($"{mi.FromLabel}→{mi.ToLabel}: status {mi.Status}, truth {ti.Status}");
            }

            if (mMig != tMig)
            {
                problems.Add($"{mi.FromLabel}→{mi.ToLabel}: migrations [{mMig}], truth [{tMig}]");
            }

            // ±10 % of the gross true change (Σ over bones of |true change|; for one bone, of its true change), no floor.
            var gross = ti.Regions.Sum(r => Math.Abs(r.ChangeMm3));
            var totalError = mi.Total.ChangeMm3 - ti.Total.ChangeMm3;
            Line(FormattableString.Invariant(
                $"    total error {totalError:0} mm³: {100 * totalError / Math.Max(gross, 1):0.0} % of the gross true change {gross:0}, {100 * totalError / Math.Max(Math.Abs(ti.Total.ChangeMm3), 1):0.0} % of the net {ti.Total.ChangeMm3:0}"));
            if (Math.Abs(totalError) > changeTolerance * gross)
            {
                problems.Add(FormattableString.Invariant($"{mi.FromLabel}→{mi.ToLabel}: total change {mi.Total.ChangeMm3:0} mm³, truth {ti.Total.ChangeMm3:0} mm³ (tolerance {100 * changeTolerance:0} % of the gross change {gross:0})"));
            }

            foreach (var region in ti.Regions)
            {
                var mr = mi.Regions.FirstOrDefault(r => r.Name == region.Name);
                if (mr is null || mr.Status != region.Status)
                {
                    problems.Add($"{mi.FromLabel}→{mi.ToLabel} {region.Name}: status {mr?.Status.ToString() ?? "missing"}, truth {region.Status}");
                }

                if (mr is null)
                {
                    continue;
                }

                // Each bone: within the tolerance of its true change; a true change below the floor must measure below it.
                var bad = Math.Abs(region.ChangeMm3) >= options.DetectionFloorMm3
                    ? Math.Abs(mr.ChangeMm3 - region.ChangeMm3) > changeTolerance * Math.Abs(region.ChangeMm3)
                    : Math.Abs(mr.ChangeMm3) >= options.DetectionFloorMm3;
                if (bad)
                {
                    problems.Add(FormattableString.Invariant($"{mi.FromLabel}→{mi.ToLabel} {region.Name}: change {mr.ChangeMm3:0} mm³, truth {region.ChangeMm3:0} mm³"));
                }
            }
        }

        if (m.OverallStatus != t.OverallStatus)
        {
            problems.Add($"overall status {m.OverallStatus}, truth {t.OverallStatus}");
        }

        Line(FormattableString.Invariant($"{story}: {clock.Elapsed.TotalSeconds:0.0} s"));
        table.AppendLine(problems.Count == 0 ? "all checks pass" : "problems:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
        File.WriteAllText(Path.Combine(TestPaths.NewOutputFolder("stories-" + story), story + ".txt"), table.ToString());
        return problems;
    }

    /// <summary>
    /// The truth of a visit as measures: per bone the volume at edema fraction ≥ 0.5 (binary) and ∫ edema fraction
    /// (fraction-weighted), and the true edema mask (fraction ≥ 0.5) on the fluid grid.
    /// </summary>
    internal static TimepointMeasures TruthMeasures(PhantomStudy study, PhantomVisit visit, string label, StudyInput input)
    {
        var fluid = visit.Series.First(s => s.Sequence.Sequence != PhantomSequence.T1SpinEcho);
        var edema = new Volume<byte>(fluid.Geometry);
        for (var n = 0; n < edema.Length; n++)
        {
            edema.Data[n] = fluid.EdemaFraction.Data[n] >= 0.5f ? (byte)1 : (byte)0;
        }

        var names = input.LabelNames!;
        return new TimepointMeasures
        {
            Label = label,
            DayOffset = visit.DayOffset,
            Regions = visit.Truth.Bones.Select(b => new RegionMeasure(
                names.TryGetValue(b.Label, out var n) ? n : b.Name, b.EdemaExtentVolumeMm3, 0, null, "n/a", 0)
            {
                FractionWeightedVolumeMm3 = b.EdemaVolumeMm3,
            }).ToArray(),
            TotalEdemaVolumeMm3 = visit.Truth.Bones.Sum(b => b.EdemaExtentVolumeMm3),
            TotalFractionWeightedVolumeMm3 = visit.Truth.TotalEdemaVolumeMm3,
            Images = new TimepointImages(fluid.Image, null, edema, input.BoneLabels, names),
        };
    }
}
