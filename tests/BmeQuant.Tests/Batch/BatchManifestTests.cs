using BmeQuant.Batch;

namespace BmeQuant.Tests.Batch;

public sealed class BatchManifestTests
{
    private static BatchManifest Parse(string text) => BatchManifest.Parse(new StringReader(text), "/data/batch", "m.csv");

    [Fact]
    public void Parse_QuotedFieldsAndRelativePaths_ResolvedAgainstManifestFolder()
    {
        var m = Parse("patient,timepoint,study,date\n# comment\n\n\"P, 1\",\"base \"\"line\"\"\",studies/a,2026-01-05\nP2,T1,/abs/b,\n");
        Assert.Equal(2, m.Studies.Count);
        var first = m.Studies[0];
        Assert.Equal("P, 1", first.Patient);
        Assert.Equal("base \"line\"", first.Timepoint);
        Assert.Equal(Path.GetFullPath("/data/batch/studies/a"), first.StudyFolder);
        Assert.Equal(new DateOnly(2026, 1, 5), first.Date);
        Assert.Equal(4, first.Line);
        Assert.Equal(Path.GetFullPath("/abs/b"), m.Studies[1].StudyFolder);
        Assert.Null(m.Studies[1].Date);
    }

    [Fact]
    public void Parse_SeriesColumnsWithMasks_AllPathsKept()
    {
        var m = Parse("PATIENT,Timepoint,t1,stir,bone_mask,reference_mask,anatomy\nP1,T0,t1.nii,stir.nii.gz,b.nii,r.nii,Knee\n");
        var s = Assert.Single(m.Studies);
        Assert.Equal(["t1", "stir", "bone_mask", "reference_mask"], s.Inputs().Select(i => i.Column));
        Assert.Equal("knee", s.Anatomy);
        Assert.Null(s.StudyFolder);
    }

    [Theory]
    [InlineData("patient,timepoint,scan\nP,T,x\n", "line 1", "unknown column 'scan'")]
    [InlineData("patient,study\nP,x\n", "line 1", "no 'timepoint' column")]
    [InlineData("patient,timepoint\nP,T\n", "line 1", "'study' column")]
    [InlineData("patient,timepoint,study\nP,T,a\nP,T2\n", "line 3", "2 fields, the header has 3")]
    [InlineData("patient,timepoint,study\nP,T,a\nP,T,b\n", "line 3", "same output folder as line 2")]
    [InlineData("patient,timepoint,study\nP/x,T,a\nP_x,T,b\n", "line 3", "same output folder as line 2")]
    [InlineData("patient,timepoint,study,date\nP,T,a,05.01.2026\n", "line 2", "not yyyy-MM-dd")]
    [InlineData("patient,timepoint,t1,stir\nP,T,a,\n", "line 2", "neither 'study' nor 'stir'")]
    [InlineData("patient,timepoint,stir\nP,T,a\n", "line 2", "needs a 'bone_mask'")]
    [InlineData("patient,timepoint,study,t1,stir\nP,T,a,b,c\n", "line 2", "not both")]
    [InlineData("patient,timepoint,study\n,T,a\n", "line 2", "'patient' is empty")]
    [InlineData("patient,timepoint,study\nP,T,\"a\n", "line 2", "not closed")]
    [InlineData("patient,timepoint,study\nP,T,a\"b\n", "line 2", "quote inside an unquoted field")]
    [InlineData("", "m.csv", "empty")]
    public void Parse_BadManifest_TypedErrorNamingTheLine(string text, string where, string what)
    {
        var ex = Assert.Throws<BatchManifestException>(() => Parse(text));
        Assert.Contains(where, ex.Message, StringComparison.Ordinal);
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_FileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => BatchManifest.Read(Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N") + ".csv")));
    }
}
