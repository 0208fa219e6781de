using BmeQuant.Imaging;
using BmeQuant.Quantification.Internal.Bones;

namespace BmeQuant.Quantification.Tests.Bones;

public class BoneNamingTests
{
    private static BoneCandidate B(int label, double volume, double x, double y, double z) => new(label, volume, new Vector3D(x, y, z));

    [Fact]
    public void Assign_KneeLeftOrRight_NamesFromPatientAxes()
    {
        foreach (var side in new[] { 1.0, -1.0 })
        {
            // Labels by size; tibia larger than femur in this field of view, patella anterior (smaller Y).
            var bones = new[]
            {
                B(1, 200_000, 0, 10, -40),
                B(2, 180_000, 0, 8, 30),
                B(3, 20_000, 0, -39, 32),
                B(4, 9_000, 42 * side, 30, -45),
                B(5, 1_000, 0, 0, 100),
            };
            var roles = BoneNaming.Assign(bones, Anatomy.Knee, []);
            Assert.Equal("Femur", roles[2]);
            Assert.Equal("Tibia", roles[1]);
            Assert.Equal("Patella", roles[3]);
            Assert.Equal("Fibula", roles[4]);
            Assert.False(roles.ContainsKey(5));
        }
    }

    [Fact]
    public void Assign_SacroiliacJoint_SacrumInTheMiddleIliaByPatientSide()
    {
        var roles = BoneNaming.Assign([B(1, 90_000, 70, 0, 0), B(2, 80_000, 0, 0, 0), B(3, 85_000, -70, 0, 0)], Anatomy.SacroiliacJoint, []);
        Assert.Equal("LeftIlium", roles[1]);
        Assert.Equal("Sacrum", roles[2]);
        Assert.Equal("RightIlium", roles[3]);
    }

    /// <summary>
    /// Centroids (LPS mm) and volumes of the automatic bones on real scan 3002: the right ilium, a larger piece of fat
    /// behind and 100 mm below the joints, the left ilium, and a small posterior piece. Three largest ordered by X
    /// would call the fat "Sacrum" and the left ilium "LeftIlium" only by luck; the ilia are the mirrored pair.
    /// </summary>
    [Fact]
    public void Assign_SacroiliacJointWithDecoys_IliaAreTheMirroredPairAndNoFalseSacrum()
    {
        List<string> notes = [];
        var roles = BoneNaming.Assign([B(1, 25_700, -57, 68, 161), B(2, 7_400, 38, 93, 63), B(3, 2_250, 96, 37, 150), B(4, 1_200, 25, 100, 72)], Anatomy.SacroiliacJoint, notes);
        Assert.Equal("RightIlium", roles[1]);
        Assert.Equal("LeftIlium", roles[3]);
        Assert.False(roles.ContainsKey(2));
        Assert.False(roles.ContainsKey(4));
        Assert.Contains(notes, n => n.Contains("No sacrum", StringComparison.Ordinal));
    }

    [Fact]
    public void Assign_SacroiliacJointMirroredWithPatientLeftAtNegativeIndex_SidesFromPatientX()
    {
        // The sacrum lies between the ilia and level with them; a piece far below is not taken for it.
        var roles = BoneNaming.Assign([B(1, 60_000, -5, 20, 10), B(2, 50_000, 80, 30, 0), B(3, 45_000, -75, 25, 5), B(4, 55_000, 0, 20, -80)], Anatomy.SacroiliacJoint, []);
        Assert.Equal("Sacrum", roles[1]);
        Assert.Equal("LeftIlium", roles[2]);
        Assert.Equal("RightIlium", roles[3]);
        Assert.False(roles.ContainsKey(4));
    }

    [Fact]
    public void Assign_SacroiliacJointWithoutMirroredPair_NumbersBones()
    {
        List<string> notes = [];
        var roles = BoneNaming.Assign([B(1, 60_000, -5, 20, 10), B(2, 50_000, 80, 30, 100)], Anatomy.SacroiliacJoint, notes);
        Assert.Empty(roles);
        Assert.Contains(notes, n => n.Contains("numbered", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_UnknownAnatomy_NumbersBonesLargestFirst()
    {
        var labels = new Volume<int>(new ImageGeometry(3, 1, 1));
        labels.Data[0] = 1;
        labels.Data[1] = 2;
        var names = BoneNaming.Apply(labels, [B(1, 10, 0, 0, 0), B(2, 20, 0, 0, 0)], Anatomy.Unknown, []);
        Assert.Equal(["bone 1", "bone 2"], names.OrderBy(n => n.Key).Select(n => n.Value));
        Assert.Equal([2, 1, 0], labels.Data);
    }

    [Fact]
    public void Assign_Hip_FemurBelowAcetabulum()
    {
        var roles = BoneNaming.Assign([B(1, 100_000, 0, 0, 40), B(2, 90_000, 30, 0, -40)], Anatomy.Hip, []);
        Assert.Equal("Acetabulum", roles[1]);
        Assert.Equal("Femur", roles[2]);
    }
}
