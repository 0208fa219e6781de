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
