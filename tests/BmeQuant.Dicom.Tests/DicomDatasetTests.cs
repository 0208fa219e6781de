using System.Globalization;

namespace BmeQuant.Dicom.Tests;

public class DicomDatasetTests
{
    [Fact]
    public void GetValues_DecimalStrings_ParseInvariantUnderCommaCulture()
    {
        var old = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            var ds = new DicomDataset();
            ds.Add(DicomTag.PixelSpacing, "0.5\\0.75");
            ds.Add(DicomTag.InstanceNumber, " 12 ");
            Assert.Equal([0.5, 0.75], ds.GetValues<double>(DicomTag.PixelSpacing));
            Assert.Equal(12, ds.GetValue<int>(DicomTag.InstanceNumber));
            ds.AddOrUpdate(DicomTag.SliceThickness, 3.3);
            Assert.Equal("3.3", ds.GetString(DicomTag.SliceThickness));
        }
        finally
        {
            CultureInfo.CurrentCulture = old;
        }
    }

    [Fact]
    public void GetString_Missing_ThrowsNamingTagAndKeyword()
    {
        var ds = new DicomDataset();
        var ex = Assert.Throws<DicomException>(() => ds.GetString(DicomTag.SeriesDescription));
        Assert.Contains("(0008,103E)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("SeriesDescription", ex.Message, StringComparison.Ordinal);
        Assert.False(ds.TryGetString(DicomTag.SeriesDescription, out _));
    }

    [Fact]
    public void GetValue_NotANumber_ThrowsFormatExceptionWithValue()
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.NumberOfFrames, "1A");
        var ex = Assert.Throws<DicomFormatException>(() => ds.GetValue<int>(DicomTag.NumberOfFrames));
        Assert.Contains("'1A'", ex.Message, StringComparison.Ordinal);
        Assert.False(ds.TryGetValue<int>(DicomTag.NumberOfFrames, out _));
    }

    [Fact]
    public void Add_AmbiguousVR_ChosenFromValueType()
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.SmallestImagePixelValue, (short)-5);
        ds.Add(DicomTag.LargestImagePixelValue, (ushort)500);
        ds.Add(DicomTag.PixelData, new byte[] { 1, 2, 3, 4 });
        Assert.Equal(DicomVR.SS, ds[DicomTag.SmallestImagePixelValue]!.VR);
        Assert.Equal(DicomVR.US, ds[DicomTag.LargestImagePixelValue]!.VR);
        Assert.Equal(DicomVR.OB, ds[DicomTag.PixelData]!.VR);
        Assert.Equal(-5, ds.GetValue<int>(DicomTag.SmallestImagePixelValue));
        ds.AddOrUpdate(DicomTag.PixelData, new ushort[] { 1, 2 });
        Assert.Equal(DicomVR.OW, ds[DicomTag.PixelData]!.VR);
    }

    [Fact]
    public void Add_Duplicate_Throws_AddOrUpdate_Replaces()
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.Rows, (ushort)10);
        Assert.Throws<ArgumentException>(() => ds.Add(DicomTag.Rows, (ushort)11));
        ds.AddOrUpdate(DicomTag.Rows, (ushort)12);
        Assert.Equal((ushort)12, ds.GetValue<ushort>(DicomTag.Rows));
        Assert.Equal(1, ds.Count);
    }

    [Fact]
    public void Enumerate_AddedOutOfOrder_SortedByTag()
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.Rows, (ushort)1);
        ds.Add(DicomTag.PatientName, "A^B");
        ds.Add(DicomTag.SOPClassUID, "1.2");
        Assert.Equal([DicomTag.SOPClassUID, DicomTag.PatientName, DicomTag.Rows], ds.Select(i => i.Tag).ToArray());
    }

    [Fact]
    public void TryGetPrivateTag_PhilipsBlock_FindsReservedElement()
    {
        var ds = new DicomDataset();
        ds.Add(new DicomTag(0x2005, 0x0010), DicomVR.LO, "Other");
        ds.Add(new DicomTag(0x2005, 0x0011), DicomVR.LO, "Philips MR Imaging DD 001");
        ds.Add(new DicomTag(0x2005, 0x110E), DicomVR.FL, 1.5f);
        Assert.True(ds.TryGetPrivateTag(0x2005, "Philips MR Imaging DD 001", 0x0E, out var tag));
        Assert.Equal(new DicomTag(0x2005, 0x110E), tag);
        Assert.Equal(1.5, ds.GetValue<double>(tag));
    }

    [Fact]
    public void TryGetPrivateTag_CreatorsAmongOtherGroups_MatchesBruteForceOverReservationRange()
    {
        // Creators only count in (gggg,0010)-(gggg,00FF) of the asked group: neighbours in the groups around it, a group
        // length, data elements and a look-alike at (gggg,0100) must not be taken; every offset is checked against a
        // lookup of all 240 reservation slots.
        var ds = new DicomDataset();
        ds.Add(new DicomTag(0x2003, 0x0010), DicomVR.LO, "Wanted");
        ds.Add(new DicomTag(0x2005, 0x0000), DicomVR.UL, 12u);
        ds.Add(new DicomTag(0x2005, 0x000F), DicomVR.LO, "Wanted");
        ds.Add(new DicomTag(0x2005, 0x0010), DicomVR.LO, "Other");
        ds.Add(new DicomTag(0x2005, 0x00A3), DicomVR.LO, "Wanted ");
        ds.Add(new DicomTag(0x2005, 0x00FF), DicomVR.LO, "Last");
        ds.Add(new DicomTag(0x2005, 0x0100), DicomVR.LO, "Beyond");
        ds.Add(new DicomTag(0x2005, 0x1001), DicomVR.LO, "Wanted");
        ds.Add(new DicomTag(0x2007, 0x0011), DicomVR.LO, "Beyond");
        foreach (var creator in new[] { "Wanted", "Other", "Last", "Beyond", "Absent" })
        {
            DicomTag? expected = null;
            for (ushort e = 0x10; e <= 0xFF && expected is null; e++)
            {
                if (ds.TryGetString(new DicomTag(0x2005, e), out var c) && c.Trim() == creator)
                {
                    expected = new DicomTag(0x2005, (ushort)((e << 8) | 0x42));
                }
            }

            var found = ds.TryGetPrivateTag(0x2005, creator, 0x42, out var tag);
            Assert.Equal(expected is not null, found);
            if (expected is { } t)
            {
                Assert.Equal(t, tag);
            }
        }

        Assert.Equal(new DicomTag(0x2005, 0xA342), ds.TryGetPrivateTag(0x2005, "Wanted", 0x42, out var w) ? w : default);
        Assert.False(ds.TryGetPrivateTag(0x2005, "Beyond", 0x42, out _));
    }

    [Fact]
    public void AddText_NonAscii_DeclaresUtf8()
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.PatientName, "Müller^Jürgen=山田");
        Assert.Equal("ISO_IR 192", ds.GetString(DicomTag.SpecificCharacterSet));
        var back = TestDatasets.FromBytes(TestDatasets.ToBytes(ds)).Dataset;
        Assert.Equal("Müller^Jürgen=山田", back.GetString(DicomTag.PatientName));
    }
}
