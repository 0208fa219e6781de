namespace BmeQuant.Imaging.Tests.ReferenceOps;

public class ReferenceOpsCatalogTests
{
    public static TheoryData<string> Cases() => ReferenceCase.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_OpIsHandledByAHarness(string name)
    {
        var c = ReferenceCase.Load(name);
        Assert.True(
            ReferenceCase.StatisticsOps.Contains(c.Op) || ReferenceCase.FilterOps.Contains(c.Op),
            $"{name}.json: op '{c.Op}' is handled by no reference-ops test; add it to a harness.");
    }
}
