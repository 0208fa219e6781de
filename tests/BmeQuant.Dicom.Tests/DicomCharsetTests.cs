namespace BmeQuant.Dicom.Tests;

public class DicomCharsetTests
{
    private static string Decode(string charset, byte[] value, DicomVR? vr = null)
    {
        var ds = new DicomDataset();
        if (charset.Length > 0)
        {
            ds.Add(DicomTag.SpecificCharacterSet, DicomVR.CS, charset);
        }

        ds.Add(new DicomElement(DicomTag.PatientName, vr ?? DicomVR.PN, value));
        return ds.GetString(DicomTag.PatientName);
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    [Fact]
    public void Decode_IsoIr100_Latin1()
    {
        Assert.Equal("Buc^Jérôme", Decode("ISO_IR 100", Hex("42 75 63 5E 4A E9 72 F4 6D 65")));
    }

    [Fact]
    public void Decode_IsoIr192_Utf8()
    {
        Assert.Equal("Wang^XiaoDong=王^小東", Decode("ISO_IR 192", System.Text.Encoding.UTF8.GetBytes("Wang^XiaoDong=王^小東")));
    }

    [Fact]
    public void Decode_Gb18030()
    {
        // "王^小东" encoded in GB18030 (bytes produced by Python's gb18030 codec).
        Assert.Equal("王^小东", Decode("GB18030", Hex("cd f5 5e d0 a1 b6 ab")));
    }

    [Fact]
    public void Decode_Iso2022Japanese_PS35ExampleH31()
    {
        // PS3.5 Annex H example: JIS X 0208 (ISO 2022 IR 87) with escape sequences, reset at ^ and =.
        var bytes = Hex("59 61 6d 61 64 61 5e 54 61 72 6f 75 3d 1b 24 42 3b 33 45 44 1b 28 42 5e 1b 24 42 42 40 4f 3a 1b 28 42 3d 1b 24 42 24 64 24 5e 24 40 1b 28 42 5e 1b 24 42 24 3f 24 6d 24 26 1b 28 42");
        Assert.Equal("Yamada^Tarou=山田^太郎=やまだ^たろう", Decode("\\ISO 2022 IR 87", bytes));
    }

    [Fact]
    public void Decode_Iso2022Korean_G1Escape()
    {
        var bytes = Hex("48 6f 6e 67 5e 47 69 6c 64 6f 6e 67 3d 1b 24 29 43 fb f3 5e 1b 24 29 43 d1 ce d4 d7 3d 1b 24 29 43 c8 ab 5e 1b 24 29 43 b1 e6 b5 bf");
        Assert.Equal("Hong^Gildong=洪^吉洞=홍^길동", Decode("\\ISO 2022 IR 149", bytes));
    }

    [Fact]
    public void Decode_Iso2022Latin1_EscapeToG1()
    {
        // ESC - A designates ISO-IR 100 to G1; then E9 is é.
        Assert.Equal("Jé", Decode("ISO 2022 IR 100", Hex("4A 1B 2D 41 E9")));
    }

    [Fact]
    public void Decode_WrongLabel_ReplacementCharactersNoThrow()
    {
        Assert.Contains('\uFFFD', Decode("ISO_IR 192", Hex("4A E9 72 F4 6D 65")));
        Assert.Equal("Jrme", Decode("NO_SUCH_CHARSET", Hex("4A E9 72 F4 6D 65")).Replace("\uFFFD", string.Empty, StringComparison.Ordinal));
        Assert.Contains('\uFFFD', Decode(string.Empty, Hex("4A E9")));
        Assert.Equal("A", Decode("ISO 2022 IR 87", Hex("41 1B 24 28 44")).Replace("\uFFFD", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void Decode_ItemInheritsParentCharset()
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100");
        var item = new DicomDataset();
        item.Add(new DicomElement(DicomTag.PatientName, DicomVR.PN, Hex("E9")));
        ds.Add(DicomTag.OtherPatientIDsSequence, item);
        Assert.Equal("é", ds.GetSequence(DicomTag.OtherPatientIDsSequence).Items[0].GetString(DicomTag.PatientName));
    }
}
