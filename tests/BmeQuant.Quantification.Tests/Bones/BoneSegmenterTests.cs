using System.Collections.Concurrent;
using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Phantoms;
using BmeQuant.Quantification.Internal;
using BmeQuant.Quantification.Internal.Bones;

namespace BmeQuant.Quantification.Tests.Bones;

/// <summary>
/// Automatic bone segmentation on the four joint phantoms (edema present, 1.5 and 3 T, SNR 20–30): per-bone Dice
/// against the phantom's bone labels, names, edema kept inside the bones, subcutaneous fat left out.
/// </summary>
public class BoneSegmenterTests(ITestOutputHelper output)
{
    /// <summary>
    /// Per-bone Dice floors: 0.9 for the major bones (the bar); for small or partly imaged bones the floor is
    /// the level measured on these phantoms less a margin (thin bones across 3.5–4.5 mm slices lose their ends).
    /// </summary>
    public static TheoryData<PhantomAnatomy, string, double> DiceFloors => new()
    {
        { PhantomAnatomy.Knee, "Femur", 0.9 },
        { PhantomAnatomy.Knee, "Tibia", 0.9 },
        { PhantomAnatomy.Knee, "Patella", 0.9 },
        { PhantomAnatomy.Knee, "Fibula", 0.7 },
        { PhantomAnatomy.Hip, "Femur", 0.9 },
        { PhantomAnatomy.Hip, "Acetabulum", 0.9 },
        { PhantomAnatomy.Ankle, "Tibia", 0.9 },
        { PhantomAnatomy.Ankle, "Calcaneus", 0.9 },
        { PhantomAnatomy.Ankle, "Talus", 0.9 },
        { PhantomAnatomy.Ankle, "Navicular", 0.9 },
        { PhantomAnatomy.Ankle, "Cuboid", 0.9 },
        { PhantomAnatomy.Ankle, "MedialCuneiform", 0.9 },
        { PhantomAnatomy.Ankle, "IntermediateCuneiform", 0.9 },
        { PhantomAnatomy.Ankle, "LateralCuneiform", 0.65 },
        { PhantomAnatomy.Ankle, "Fibula", 0.5 },
        { PhantomAnatomy.Sacroiliac, "Sacrum", 0.9 },
        { PhantomAnatomy.Sacroiliac, "LeftIlium", 0.9 },
        { PhantomAnatomy.Sacroiliac, "RightIlium", 0.9 },
    };

    [Theory]
    [MemberData(nameof(DiceFloors))]
    public void Segment_Phantom_BoneNamedAndDiceAboveFloor(PhantomAnatomy anatomy, string bone, double floor)
    {
        var s = Segment(anatomy);
        Assert.Contains(bone, s.Names.Values);
        var dice = BonePhantoms.Dice(s.Labels, s.Names, s.Case.Fluid.BoneLabels, s.Case.BoneNames, bone);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{anatomy} {bone}: Dice {dice:F3} (floor {floor})"));
        Assert.True(dice >= floor, string.Create(CultureInfo.InvariantCulture, $"{anatomy} {bone}: Dice {dice:F3} < {floor}"));
    }

    [Theory]
    [InlineData(PhantomAnatomy.Knee)]
    [InlineData(PhantomAnatomy.Hip)]
    [InlineData(PhantomAnatomy.Ankle)]
    [InlineData(PhantomAnatomy.Sacroiliac)]
    public void Segment_Phantom_EveryNameIsAPhantomBoneOrNumbered(PhantomAnatomy anatomy)
    {
        var s = Segment(anatomy);
        Assert.All(s.Names.Values, n => Assert.True(s.Case.BoneNames.Contains(n) || n.StartsWith("bone ", StringComparison.Ordinal), n));
        Assert.Equal(s.Names.Count, s.Names.Values.Distinct().Count());

        // Every label in the map is named.
        Assert.All(s.Labels.Data.Where(v => v > 0).Distinct(), v => Assert.True(s.Names.ContainsKey(v), $"label {v} unnamed"));
    }

    /// <summary>
    /// Edema is dark on T1 and bright on the fluid-sensitive series, like joint fluid: it must still end up inside
    /// the bone. Measured on these phantoms: knee, hip and sacroiliac 100 %, ankle 93.7 % (the rest lies at the edge
    /// slices of the talar dome, where the slice cuts the surface tangentially and the bone outline itself is lost to
    /// partial volume). Floors: the 95 % except the ankle (90 %).
    /// </summary>
    [Theory]
    [InlineData(PhantomAnatomy.Knee, 0.95)]
    [InlineData(PhantomAnatomy.Hip, 0.95)]
    [InlineData(PhantomAnatomy.Ankle, 0.9)]
    [InlineData(PhantomAnatomy.Sacroiliac, 0.95)]
    public void Segment_PhantomWithEdema_TruthEdemaInsideTheBones(PhantomAnatomy anatomy, double floor)
    {
        var s = Segment(anatomy);
        long edema = 0, inside = 0;
        for (var i = 0; i < s.Labels.Length; i++)
        {
            if (s.Case.Fluid.EdemaFraction.Data[i] >= 0.5)
            {
                edema++;
                inside += s.Labels.Data[i] > 0 ? 1 : 0;
            }
        }

        Assert.True(edema > 100, $"The phantom holds only {edema} edema voxels.");
        var fraction = (double)inside / edema;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{anatomy}: {fraction:P1} of {edema} edema voxels inside the bones"));
        Assert.True(fraction >= floor, string.Create(CultureInfo.InvariantCulture, $"{anatomy}: {fraction:P1} of the edema inside the bones < {floor:P0}"));
    }

    /// <summary>
    /// Subcutaneous (and any other) fat is bright on T1 like marrow; voxels we call bone that are bright on T1 and
    /// more than 3 mm from every phantom bone are such fat. Measured: under 0.3 mL except the ankle (about 3 mL at
    /// the lateral edge slices, where the fibula's marrow meets the subcutaneous fat through the slice thickness).
    /// </summary>
    [Theory]
    [InlineData(PhantomAnatomy.Knee, 0.5)]
    [InlineData(PhantomAnatomy.Hip, 0.5)]
    [InlineData(PhantomAnatomy.Ankle, 4.0)]
    [InlineData(PhantomAnatomy.Sacroiliac, 0.5)]
    public void Segment_Phantom_FatAwayFromBonesNotLabelled(PhantomAnatomy anatomy, double limitMl)
    {
        var s = Segment(anatomy);
        var fatT1 = 0.5 * (s.Case.T1.TissueSignals["YellowMarrow"] + s.Case.T1.TissueSignals["Muscle"]);
        var ml = s.LabelledMl(i => s.DistanceToTruthBoneMm.Data[i] > 3 && s.Case.T1OnFluidGrid.Data[i] > fatT1);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{anatomy}: {ml:F2} mL of fat labelled bone"));
        Assert.True(ml <= limitMl, string.Create(CultureInfo.InvariantCulture, $"{anatomy}: {ml:F2} mL of fat > 3 mm from any bone labelled bone (limit {limitMl} mL)"));
    }

    /// <summary>
    /// Filling edema must not swallow joint fluid, cartilage or soft tissue: voxels labelled bone that lie more than
    /// 1.5 mm from every phantom bone. Measured: knee and SIJ 0 mL, hip 0.12 mL (1.6 mL when the hip joint space was
    /// taken into the acetabulum during development), ankle 4.1 mL (the fibula/subcutaneous fat of the test above).
    /// </summary>
    [Theory]
    [InlineData(PhantomAnatomy.Knee, 0.3)]
    [InlineData(PhantomAnatomy.Hip, 0.5)]
    [InlineData(PhantomAnatomy.Ankle, 5.0)]
    [InlineData(PhantomAnatomy.Sacroiliac, 0.3)]
    public void Segment_PhantomWithEdema_LittleTissueOutsideTheBonesLabelled(PhantomAnatomy anatomy, double limitMl)
    {
        var s = Segment(anatomy);
        var ml = s.LabelledMl(i => s.DistanceToTruthBoneMm.Data[i] > 1.5);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{anatomy}: {ml:F2} mL labelled bone > 1.5 mm from every phantom bone"));
        Assert.True(ml <= limitMl, string.Create(CultureInfo.InvariantCulture, $"{anatomy}: {ml:F2} mL labelled bone > 1.5 mm from every phantom bone (limit {limitMl} mL)"));
    }

    /// <summary>The phantoms' fluid-sensitive series null fat: their levels follow the two-series rule, never the T1-led one.</summary>
    [Theory]
    [InlineData(PhantomAnatomy.Knee)]
    [InlineData(PhantomAnatomy.Hip)]
    [InlineData(PhantomAnatomy.Ankle)]
    [InlineData(PhantomAnatomy.Sacroiliac)]
    public void MeasureLevels_PhantomWithFatNulled_TwoSeriesRule(PhantomAnatomy anatomy)
    {
        var c = BonePhantoms.Get(anatomy);
        var levels = MarrowBoneSegmenter.MeasureLevels(c.Fluid.Image, c.T1OnFluidGrid);
        Assert.False(levels.T1Led);
        Assert.True(levels.FatFluid < levels.SoftFluid, $"fat {levels.FatFluid:G4} vs soft tissue {levels.SoftFluid:G4} on the fluid-sensitive series");
    }

    /// <summary>
    /// Incomplete fat suppression (clinical STIR): fat brighter than muscle on the fluid-sensitive series, marrow between
    /// muscle and fat on both. Levels are T1-led: muscle from the T1 mode, fat from the brightest tenth, and marrow's T1
    /// lies inside the band while muscle and fat lie outside it; fluid stays above the fluid-sensitive ceiling.
    /// </summary>
    [Fact]
    public void MeasureLevels_FatBrighterThanMuscleOnStir_T1LedBandHoldsMarrowOnly()
    {
        var g = new ImageGeometry(40, 40, 4, 0.6, 0.6, 3.3);
        var t1 = new Volume<float>(g);
        var fluid = new Volume<float>(g);
        var random = new Random(6);
        for (var i = 0; i < t1.Length; i++)
        {
            // 10 % air, 46 % muscle, 2 % fluid, 20 % marrow, 22 % fat; 3 % noise.
            var u = (i * 7919 % 100) / 100.0;
            var (a, b) = u < 0.10 ? (5.0, 5.0) : u < 0.56 ? (600.0, 300.0) : u < 0.58 ? (700.0, 1500.0) : u < 0.78 ? (1000.0, 400.0) : (1600.0, 530.0);
            t1.Data[i] = (float)(a * (1 + (0.03 * ((2 * random.NextDouble()) - 1))));
            fluid.Data[i] = (float)(b * (1 + (0.03 * ((2 * random.NextDouble()) - 1))));
        }

        var levels = MarrowBoneSegmenter.MeasureLevels(fluid, t1);
        Assert.True(levels.T1Led);
        Assert.InRange(levels.SoftT1, 560, 640);
        Assert.InRange(levels.FatT1, 1500, 1700);
        Assert.True(levels.MarrowT1Threshold > 620 && levels.MarrowT1Threshold < 970, $"marrow T1 floor {levels.MarrowT1Threshold:G4}");
        Assert.True(levels.MarrowT1Ceiling > 1030 && levels.MarrowT1Ceiling < 1550, $"marrow T1 ceiling {levels.MarrowT1Ceiling:G4}");
        Assert.True(levels.MarrowFluidThreshold > 412 && levels.MarrowFluidThreshold < 1450, $"marrow fluid-sensitive ceiling {levels.MarrowFluidThreshold:G4}");
    }

    [Fact]
    public void Segment_UniformImages_ThrowsQuantificationException()
    {
        var g = new ImageGeometry(32, 32, 8, 1, 1, 3);
        var fluid = new Volume<float>(g);
        var t1 = new Volume<float>(g);
        Array.Fill(fluid.Data, 100f);
        Array.Fill(t1.Data, 100f);
        Assert.Throws<QuantificationException>(() => BoneSegmenter.Segment(fluid, t1, Anatomy.Knee, AnalysisOptions.Default, [], TestContext.Current.CancellationToken));
    }

    /// <summary>
    /// Analysis without a bone mask on the knee phantom: the automatic bones must hold the subchondral lesion (it used
    /// to be left open at the articular surface and dropped, 0 mm³). The volume is compared with the truth mask (edema
    /// fraction ≥ 0.5): the automatic bones may add at most 10 percentage points to the edema segmenter's own error
    /// with the phantom's labels (that error belongs to the edema segmentation, not to the bones), and never more
    /// than 50 % in all. Measured 2026-11-29 (edema segmenter of that day): 2420 mm³ automatic, 2606 mm³ with the
    /// phantom's labels (−7 %), 1965 mm³ truth (+23 % automatic, +33 % with labels); an earlier edema segmenter gave
    /// 2111 / 2180 / 1965 mm³.
    /// </summary>
    [Fact]
    public void Analyze_KneeWithoutBoneMask_EdemaVolumeCloseToTruthAndToRunWithPhantomLabels()
    {
        var c = BonePhantoms.Get(PhantomAnatomy.Knee);
        var labels = new Volume<int>(c.Fluid.Geometry);
        long truthVoxels = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            labels.Data[i] = c.Fluid.BoneLabels.Data[i];
            truthVoxels += c.Fluid.EdemaFraction.Data[i] >= 0.5 ? 1 : 0;
        }

        var truthMm3 = truthVoxels * c.Fluid.Geometry.VoxelVolumeMm3;
        var automatic = new StudyInput(c.Fluid.Image, c.T1.Image) { Anatomy = Anatomy.Knee };
        var given = automatic with
        {
            BoneLabels = labels,
            LabelNames = c.BoneNames.Select((n, i) => (n, i)).ToDictionary(x => x.i + 1, x => x.n),
        };
        var ct = TestContext.Current.CancellationToken;
        var withLabels = EdemaAnalyzer.Analyze(given, cancellationToken: ct);
        var auto = EdemaAnalyzer.Analyze(automatic, cancellationToken: ct);

        Assert.Equal("automatic", auto.Inputs.BoneLabels);
        Assert.Contains(auto.Bones, b => b.Name == "Femur");
        Assert.Contains(auto.Notes, n => n.StartsWith("Bones segmented automatically", StringComparison.Ordinal));
        var vsLabels = (auto.Total.EdemaVolumeMm3 - withLabels.Total.EdemaVolumeMm3) / withLabels.Total.EdemaVolumeMm3;
        var vsTruth = (auto.Total.EdemaVolumeMm3 - truthMm3) / truthMm3;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"edema {auto.Total.EdemaVolumeMm3:F0} mm³ automatic vs {withLabels.Total.EdemaVolumeMm3:F0} mm³ with the phantom's labels ({vsLabels:P1}); truth mask {truthMm3:F0} mm³ ({vsTruth:P1})"));
        Assert.True(withLabels.Total.EdemaVolumeMm3 > 0, "No edema found with the phantom's own labels.");
        Assert.True(Math.Abs(vsLabels) <= 0.1, string.Create(CultureInfo.InvariantCulture, $"Automatic bones change the edema volume by {vsLabels:P1} (> 10 %)."));
        var labelsVsTruth = (withLabels.Total.EdemaVolumeMm3 - truthMm3) / truthMm3;
        var truthTolerance = Math.Min(0.5, Math.Abs(labelsVsTruth) + 0.1);
        Assert.True(Math.Abs(vsTruth) <= truthTolerance, string.Create(CultureInfo.InvariantCulture, $"Automatic-bone edema volume {auto.Total.EdemaVolumeMm3:F0} mm³ is {vsTruth:P1} from the truth mask's {truthMm3:F0} mm³ (tolerance {truthTolerance:P0}: with the phantom's labels {labelsVsTruth:P1}, plus 10 points, at most 50 %)."));
        var femur = auto.Bones.Single(b => b.Name == "Femur");
        Assert.True(femur.EdemaVolumeMm3 >= 0.9 * auto.Total.EdemaVolumeMm3, "The lesion lies in the femur.");
    }

    /// <summary>The phantom's automatic segmentation, computed once per anatomy and shared by every test here.</summary>
    private static Segmented Segment(PhantomAnatomy anatomy) =>
        s_results.GetOrAdd(anatomy, a => new Lazy<Segmented>(() => Segmented.Create(a), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private static readonly ConcurrentDictionary<PhantomAnatomy, Lazy<Segmented>> s_results = new();

    /// <summary>One phantom, its automatic bones and names, and the distance (mm) from every voxel to the nearest phantom bone.</summary>
    private sealed record Segmented(BonePhantoms.Case Case, Volume<int> Labels, IReadOnlyDictionary<int, string> Names, Volume<float> DistanceToTruthBoneMm)
    {
        public static Segmented Create(PhantomAnatomy anatomy)
        {
            var c = BonePhantoms.Get(anatomy);
            var (labels, names) = BoneSegmenter.Segment(c.Fluid.Image, c.T1OnFluidGrid, c.Anatomy, AnalysisOptions.Default, [], CancellationToken.None);
            var truthBone = c.Fluid.BoneLabels.CreateLike<byte>();
            for (var i = 0; i < truthBone.Length; i++)
            {
                truthBone.Data[i] = (byte)(c.Fluid.BoneLabels.Data[i] > 0 ? 1 : 0);
            }

            return new Segmented(c, labels, names, DistanceTransform.OutsideMm(truthBone));
        }

        /// <summary>Volume in mL of the voxels labelled bone that satisfy <paramref name="where"/> (flat index).</summary>
        public double LabelledMl(Func<int, bool> where)
        {
            long count = 0;
            for (var i = 0; i < Labels.Length; i++)
            {
                count += Labels.Data[i] > 0 && where(i) ? 1 : 0;
            }

            return count * Labels.Geometry.VoxelVolumeMm3 / 1000;
        }
    }
}
