using System.Globalization;
using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Tests.Pipeline;

/// <summary>Per-bone reference (<see cref="AnalysisOptions.PerBoneReferenceDifference"/>).</summary>
public class PerBoneReferenceTests(ITestOutputHelper output)
{
    [Fact]
    public void Analyze_OneBoneBrighter_PerBoneReferenceRemovesFalseEdema()
    {
        var s = SyntheticStudy.Create(new Vector3D(8, 8, 5), 8, 31);
        var fluid = s.Fluid.Clone();
        for (var i = 0; i < fluid.Length; i++)
        {
            if (s.Labels.Data[i] == 2)
            {
                fluid.Data[i] *= 2.5f;
            }
        }

        var input = new StudyInput(fluid, s.T1) { BoneLabels = s.Labels, LabelNames = new Dictionary<int, string> { [1] = "lower", [2] = "upper" } };

        var single = EdemaAnalyzer.Analyze(input, AnalysisOptions.Default with { PerBoneReferenceDifference = double.PositiveInfinity }, TestContext.Current.CancellationToken);
        var perBone = EdemaAnalyzer.Analyze(input, AnalysisOptions.Default, TestContext.Current.CancellationToken);

        var truth = s.TruthVolumeMm3;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"truth {truth:F0} mm³ (lower bone); one reference: lower {Bone(single, "lower"):F0}, upper {Bone(single, "upper"):F0} mm³; per bone: lower {Bone(perBone, "lower"):F0}, upper {Bone(perBone, "upper"):F0} mm³"));
        var note = perBone.Notes.Single(n => n.StartsWith("Reference per bone", StringComparison.Ordinal));
        output.WriteLine(note);
        Assert.Contains("own", note, StringComparison.Ordinal);
        Assert.True(Math.Abs(Bone(perBone, "lower") - truth) / truth <= 0.15, "per-bone reference: the lower bone's lesion volume within 15 % of the truth");
        Assert.True(Bone(perBone, "upper") < 200, "per-bone reference: < 0.2 mL false edema in the brighter, edema-free bone");
        Assert.True(Math.Abs(Bone(single, "lower") - truth) / truth > 0.15 || Bone(single, "upper") >= 200, "with one reference the brighter bone must disturb the result (else the test shows nothing)");
    }

    [Fact]
    public void Analyze_BonesAlike_OneReferenceForAll()
    {
        var s = SyntheticStudy.Create(new Vector3D(8, 8, 5), 8, 32);
        var input = new StudyInput(s.Fluid, s.T1) { BoneLabels = s.Labels };

        var findings = EdemaAnalyzer.Analyze(input, AnalysisOptions.Default, TestContext.Current.CancellationToken);

        var note = findings.Notes.Single(n => n.StartsWith("Reference per bone", StringComparison.Ordinal));
        Assert.DoesNotContain(": own", note, StringComparison.Ordinal);
    }

    private static double Bone(EdemaFindings f, string name) => f.Bones.Single(b => b.Name == name).EdemaVolumeMm3;
}
