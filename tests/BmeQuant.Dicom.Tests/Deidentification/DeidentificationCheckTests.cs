using BmeQuant.Dicom.Deidentification;

namespace BmeQuant.Dicom.Tests.Deidentification;

public class DeidentificationCheckTests
{
    [Fact]
    public void Check_NameAndBirthDateWithoutRemovalFlag_NotDeidentified()
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.PatientName, "Doe^Jane");
        ds.Add(DicomTag.PatientBirthDate, "19700101");
        var r = DeidentificationCheck.Check(ds);
        Assert.False(r.IsDeidentified);
        Assert.Contains(r.IdentifyingAttributes, a => a.StartsWith("PatientName", StringComparison.Ordinal));
        Assert.Contains(r.IdentifyingAttributes, a => a.StartsWith("PatientBirthDate", StringComparison.Ordinal));
        Assert.DoesNotContain(r.IdentifyingAttributes, a => a.Contains("Doe", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_PseudonymWithRemovalFlagAndNoBasicProfileValues_Deidentified()
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.PatientName, "SUBJ001");
        ds.Add(DicomTag.PatientID, "SUBJ001");
        ds.Add(DicomTag.PatientIdentityRemoved, "YES");
        ds.Add(DicomTag.DeidentificationMethod, "PS3.15 basic profile");
        var r = DeidentificationCheck.Check(ds);
        Assert.True(r.IsDeidentified);
        Assert.Equal("PS3.15 basic profile", r.DeidentificationMethod);
    }

    [Fact]
    public void Check_RemovalFlagButInstitutionLeft_NotDeidentified()
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.PatientIdentityRemoved, "YES");
        ds.Add(DicomTag.InstitutionName, "General Hospital");
        Assert.False(DeidentificationCheck.Check(ds).IsDeidentified);
    }
}
