using System.Text;

namespace BmeQuant.Dicom.Tests;

/// <summary>
/// JIS X 0212 (ISO 2022 IR 159, ESC $ ( D). The expected code values are derived from .NET's own code page 20932 table
/// (which stores JIS X 0212 row/cell r/c as the bytes r|0x80, c) and spot-checked against two entries of the Unicode
/// consortium's JIS0212.TXT mapping: 0x3021 = U+4E02 and 0x222F = U+02D8 (BREVE).
/// </summary>
public sealed class DicomCharsetJisX0212Tests
{
    private static string Decode(string charset, byte[] value)
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.SpecificCharacterSet, DicomVR.CS, charset);
        ds.Add(new DicomElement(DicomTag.PatientName, DicomVR.PN, value));
        return ds.GetString(DicomTag.PatientName);
    }

    /// <summary>JIS X 0212 codes of <paramref name="text"/>, from code page 20932 with the lead byte's high bit cleared.</summary>
    private static byte[] JisX0212Codes(string text)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var cp20932 = Encoding.GetEncoding(20932, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        var bytes = cp20932.GetBytes(text);
        Assert.Equal(2 * text.Length, bytes.Length);
        for (int i = 0; i < bytes.Length; i += 2)
        {
            Assert.True(bytes[i] >= 0xA1 && bytes[i + 1] is >= 0x21 and <= 0x7E, $"'{text[i / 2]}' is not a JIS X 0212 character in code page 20932");
            bytes[i] &= 0x7F;
        }

        return bytes;
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static readonly byte[] s_toJisX0212 = [0x1B, 0x24, 0x28, 0x44];
    private static readonly byte[] s_toJisX0208 = [0x1B, 0x24, 0x42];
    private static readonly byte[] s_toAscii = [0x1B, 0x28, 0x42];

    [Fact]
    public void Decode_Iso2022Ir159_JisX0212Kanji()
    {
        var codes = JisX0212Codes("丂˘");
        Assert.Equal(new byte[] { 0x30, 0x21, 0x22, 0x2F }, codes); // JIS0212.TXT: 0x3021 U+4E02, 0x222F U+02D8
        var value = Concat("Abe^"u8.ToArray(), s_toJisX0212, codes, s_toAscii);
        Assert.Equal("Abe^丂˘", Decode("\\ISO 2022 IR 87\\ISO 2022 IR 159", value));
    }

    [Fact]
    public void Decode_JisX0208ThenJisX0212_BothSetsInOneValue()
    {
        // 山 is JIS X 0208 0x3B33 (PS3.5 Annex H example); 龥 (U+9FA5) exists only in JIS X 0212.
        var value = Concat(s_toJisX0208, [0x3B, 0x33], s_toJisX0212, JisX0212Codes("龥"), s_toAscii, "^Taro"u8.ToArray());
        Assert.Equal("山龥^Taro", Decode("\\ISO 2022 IR 87\\ISO 2022 IR 159", value));
    }

    [Fact]
    public void Decode_JisX0212OddOrOutOfRangeBytes_ReplacementNotException()
    {
        var value = Concat(s_toJisX0212, [0x30, 0x21, 0x05, 0x30, 0x22]);
        var text = Decode("\\ISO 2022 IR 159", value);
        Assert.StartsWith("丂", text, StringComparison.Ordinal);
        Assert.Contains('\uFFFD', text);
    }

    [Fact]
    public void IsKnownTerm_IsoIr159_True() => Assert.True(DicomCharset.IsKnownTerm("ISO 2022 IR 159"));
}
