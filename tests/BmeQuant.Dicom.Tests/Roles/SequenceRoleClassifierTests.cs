using BmeQuant.Dicom.Roles;
using BmeQuant.Dicom.Series;
using BmeQuant.Dicom.Tests.Series;

namespace BmeQuant.Dicom.Tests.Roles;

public class SequenceRoleClassifierTests
{
    private static SeriesHeaderFacts Facts(string ss, string so, double tr, double te, double? ti = null, double b0 = 1.5, string desc = "", string it = "ORIGINAL\\PRIMARY\\M", string manufacturer = "SIEMENS") => new()
    {
        Manufacturer = manufacturer,
        SeriesDescription = desc,
        ScanningSequence = ss.Split('\\'),
        ScanOptions = so.Length == 0 ? [] : so.Split('\\'),
        ImageType = it.Split('\\'),
        RepetitionTimeMs = tr,
        EchoTimeMs = te,
        InversionTimeMs = ti,
        FieldStrengthTesla = b0,
    };

    [Theory]
    [InlineData(1.5, 150.0)]
    [InlineData(3.0, 220.0)]
    public void Classify_InversionRecoveryWithFieldSpecificTi_IsStir(double b0, double ti)
    {
        var r = SequenceRoleClassifier.Classify(Facts("SE\\IR", "IR", 4000, 40, ti, b0));
        Assert.Equal(SeriesRole.Stir, r.Role);
        Assert.True(r.Confidence >= 0.85);
        Assert.Contains(r.Evidence, e => e.Contains("STIR range", StringComparison.Ordinal));
    }

    [Fact]
    public void Classify_StirTiOf1_5TeslaAt3Tesla_StillStirWithLowerConfidence()
    {
        var r = SequenceRoleClassifier.Classify(Facts("SE\\IR", "IR", 4000, 40, 150, 3.0));
        Assert.Equal(SeriesRole.Stir, r.Role);
        Assert.True(r.Confidence < 0.85);
    }

    [Fact]
    public void Classify_LongTi_IsFlairNotStir() =>
        Assert.Equal(SeriesRole.Other, SequenceRoleClassifier.Classify(Facts("SE\\IR", "IR", 9000, 90, 2500)).Role);

    [Theory]
    [InlineData("SE", "FS", 3000.0, 35.0, SeriesRole.PdFatSat)]
    [InlineData("SE", "FS", 4000.0, 80.0, SeriesRole.T2FatSat)]
    [InlineData("SE", "", 4000.0, 90.0, SeriesRole.T2)]
    [InlineData("SE", "", 500.0, 12.0, SeriesRole.T1)]
    [InlineData("GR", "", 250.0, 3.5, SeriesRole.T1)]
    [InlineData("EP", "FS", 5000.0, 70.0, SeriesRole.Other)]
    public void Classify_TrTeAndFatSat_GivesWeighting(string ss, string so, double tr, double te, SeriesRole expected) =>
        Assert.Equal(expected, SequenceRoleClassifier.Classify(Facts(ss, so, tr, te)).Role);

    [Theory]
    [InlineData("fse-xl", SeriesRole.T1)] // GE fast spin echo: "fse" is not fat suppression
    [InlineData("fse_fs", SeriesRole.PdFatSat)]
    [InlineData("*tse2d1_3_fs", SeriesRole.PdFatSat)]
    public void Classify_SequenceName_FatSatOnlyAsAWholeToken(string sequenceName, SeriesRole expected)
    {
        var tr = expected == SeriesRole.T1 ? 550.0 : 3000.0;
        var te = expected == SeriesRole.T1 ? 12.0 : 35.0;
        var facts = Facts("SE", "", tr, te, manufacturer: "GE MEDICAL SYSTEMS") with { SequenceName = sequenceName };
        Assert.Equal(expected, SequenceRoleClassifier.Classify(facts).Role);
    }

    [Theory]
    [InlineData("ORIGINAL\\PRIMARY\\DIXON\\WATER", SeriesRole.DixonWater)]
    [InlineData("ORIGINAL\\PRIMARY\\DIXON\\FAT", SeriesRole.DixonFat)]
    [InlineData("ORIGINAL\\PRIMARY\\LOCALIZER", SeriesRole.Other)]
    public void Classify_ImageType_Decides(string imageType, SeriesRole expected) =>
        Assert.Equal(expected, SequenceRoleClassifier.Classify(Facts("SE", "", 4000, 80, it: imageType)).Role);

    [Theory]
    [InlineData("Sag STIR", SeriesRole.Stir)]
    [InlineData("t2_tirm_cor", SeriesRole.Stir)]
    [InlineData("PD FS SAG", SeriesRole.PdFatSat)]
    [InlineData("pd_tse_fs_cor", SeriesRole.PdFatSat)]
    [InlineData("T2W_SPAIR", SeriesRole.T2FatSat)]
    [InlineData("COR T1 FSE", SeriesRole.T1)]
    [InlineData("T1W_TSE_Sno", SeriesRole.T1)]
    public void Classify_OnlyDescription_UsesVendorKeywordsWithLowConfidence(string description, SeriesRole expected)
    {
        var r = SequenceRoleClassifier.Classify(new SeriesHeaderFacts { SeriesDescription = description });
        Assert.Equal(expected, r.Role);
        Assert.True(r.Confidence < 0.5);
    }

    [Fact]
    public void Classify_CorpusSeries_RoleMatchesDescription()
    {
        var manifest = SeriesManifest.Load();
        if (manifest.Count == 0)
        {
            Assert.Skip($"series manifest absent under {CorpusManifest.Folder} (set {CorpusManifest.EnvironmentVariable})");
        }

        foreach (var entry in manifest)
        {
            var result = SeriesDiscovery.Discover(Path.Combine(CorpusManifest.Folder, entry.Folder), cancellationToken: TestContext.Current.CancellationToken);
            var desc = entry.Volumes[0].SeriesDescription;

            // The corpus holds T1-weighted anatomy (T1W_*, anat-T1w) and EPI (fMRI, DTI, perfusion): nothing else.
            var expected = desc.Contains("T1w", StringComparison.OrdinalIgnoreCase) || desc.StartsWith("T1W", StringComparison.OrdinalIgnoreCase) ? SeriesRole.T1 : SeriesRole.Other;
            foreach (var s in result.Series)
            {
                var role = SequenceRoleClassifier.Classify(s);
                Assert.True(role.Role == expected, $"{entry.Folder} '{desc}': expected {expected}, got {role.Role}: {string.Join("; ", role.Evidence)}");
            }
        }
    }

    [Fact]
    public void StudyRoles_T1Only_SaysFluidSensitiveMissing()
    {
        var dir = BmeQuant.Testing.TestPaths.NewOutputFolder("roles");
        new SyntheticSeries().Write(dir);
        var study = Assert.Single(StudyRoles.FromSeries(SeriesDiscovery.Discover(dir, cancellationToken: TestContext.Current.CancellationToken).Series));
        Assert.NotNull(study.BestT1);
        Assert.Null(study.BestFluidSensitive);
        Assert.Contains(study.Missing, m => m.Contains("fluid-sensitive", StringComparison.Ordinal));
    }
}
