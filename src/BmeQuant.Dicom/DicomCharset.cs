using System.Text;

namespace BmeQuant.Dicom;

/// <summary>
/// Decodes text values under a Specific Character Set (0008,0005) (PS3.3 C.12.1.1.2, PS3.5 §6.1): single-byte
/// ISO 8859 sets, UTF-8 (ISO_IR 192), GB18030/GBK, and ISO 2022 code extensions with escape sequences
/// (Latin-1..9, Cyrillic, Greek, Arabic, Hebrew, Thai, Japanese JIS X 0201/0208/0212, Korean KS X 1001, GB2312).
/// JIS X 0212 (ISO 2022 IR 159, ESC $ ( D) decodes through Windows code page 20932, whose table holds JIS X 0212
/// row/cell r/c as the bytes (r | 0x80, c). Invalid bytes and unknown labels never throw: they decode to U+FFFD.
/// </summary>
internal sealed class DicomCharset
{
    private static readonly Lazy<bool> s_registered = new(() =>
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return true;
    });

    private readonly Encoding _initialG1;
    private readonly Encoding? _single;
    private readonly bool _iso2022;

    private DicomCharset(string[] terms)
    {
        _ = s_registered.Value;
        Terms = terms;
        if (terms.Length == 0 || (terms.Length == 1 && terms[0].Length == 0))
        {
            _single = s_ascii;
            _initialG1 = s_ascii;
            return;
        }

        var first = terms[0];
        _iso2022 = terms.Any(t => t.StartsWith("ISO 2022", StringComparison.Ordinal));
        if (!_iso2022)
        {
            _single = ForTerm(first, out _) ?? s_ascii;
            _initialG1 = _single;
            return;
        }

        // ISO 2022: G0 starts as ASCII; G1 starts as the first value's set (if it is a single-byte G1 set).
        _initialG1 = first.Length == 0 ? s_ascii : ForTerm(first, out _) ?? s_ascii;
    }

    private static readonly Encoding s_ascii = Encoding.GetEncoding("us-ascii", EncoderFallback.ReplacementFallback, new DecoderReplacementFallback("\uFFFD"));

    /// <summary>The charset of a dataset without (0008,0005): the default repertoire (ASCII).</summary>
    public static DicomCharset Default { get; } = new([]);

    /// <summary>The defined terms as found (trimmed).</summary>
    public string[] Terms { get; }

    /// <summary>True when the charset is the default repertoire.</summary>
    public bool IsDefault => Terms.Length == 0 || (Terms.Length == 1 && Terms[0].Length == 0);

    /// <summary>Creates the decoder for the values of (0008,0005).</summary>
    public static DicomCharset FromTerms(IEnumerable<string> terms)
    {
        var t = terms.Select(s => s.Trim()).ToArray();
        return t.Length == 0 ? Default : new DicomCharset(t);
    }

    /// <summary>True when <paramref name="term"/> is a defined term this decoder knows.</summary>
    public static bool IsKnownTerm(string term)
    {
        _ = s_registered.Value;
        return term.Length == 0 || ForTerm(term.Trim(), out _) is not null;
    }

    /// <summary>Decodes <paramref name="bytes"/> of a value with VR <paramref name="vr"/>.</summary>
    public string Decode(ReadOnlySpan<byte> bytes, DicomVR vr)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        if (!vr.IsCharsetDependent)
        {
            return s_ascii.GetString(bytes);
        }

        if (!_iso2022 || bytes.IndexOf((byte)0x1B) < 0)
        {
            if (_iso2022)
            {
                return _initialG1.GetString(bytes);
            }

            return _single!.GetString(bytes);
        }

        return DecodeIso2022(bytes, vr == DicomVR.PN);
    }

    /// <summary>Encodes text for a value with VR <paramref name="vr"/> (ISO 2022 sets encode their initial set only).</summary>
    public byte[] Encode(string text, DicomVR vr)
    {
        if (!vr.IsCharsetDependent)
        {
            return Encoding.ASCII.GetBytes(text);
        }

        return (_single ?? _initialG1).GetBytes(text);
    }

    /// <summary>True when <paramref name="text"/> round-trips through this charset (used to decide whether UTF-8 must be declared).</summary>
    public bool CanEncode(string text)
    {
        var enc = _single ?? _initialG1;
        try
        {
            var strict = Encoding.GetEncoding(enc.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
            _ = strict.GetBytes(text);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    private string DecodeIso2022(ReadOnlySpan<byte> bytes, bool isPersonName)
    {
        var sb = new StringBuilder(bytes.Length);
        Encoding g0 = s_ascii;
        var g1 = _initialG1;
        var g0Multibyte = false;
        var g0Jis0212 = false;
        byte[]? g0Escape = null;
        var i = 0;
        var segmentStart = 0;

        void Flush(ReadOnlySpan<byte> all, int end)
        {
            if (end <= segmentStart)
            {
                return;
            }

            var seg = all[segmentStart..end];
            if (g0Multibyte && g0Jis0212)
            {
                sb.Append(DecodeJisX0212(seg));
                return;
            }

            if (g0Multibyte && g0Escape is not null)
            {
                // ISO-2022-JP decoder: re-prefix the designation so it decodes the two-byte codes itself.
                var tmp = new byte[g0Escape.Length + seg.Length + 3];
                g0Escape.CopyTo(tmp, 0);
                seg.CopyTo(tmp.AsSpan(g0Escape.Length));
                tmp[^3] = 0x1B;
                tmp[^2] = (byte)'(';
                tmp[^1] = (byte)'B';
                sb.Append(s_jis.Value.GetString(tmp));
                return;
            }

            var start = 0;
            for (var k = 0; k <= seg.Length; k++)
            {
                var high = k < seg.Length && seg[k] >= 0x80;
                var boundary = k == seg.Length || (k > start && high != (seg[k - 1] >= 0x80));
                if (boundary && k > start)
                {
                    var run = seg[start..k];
                    sb.Append(run[0] >= 0x80 ? g1.GetString(run) : g0.GetString(run));
                    start = k;
                }
            }
        }

        while (i < bytes.Length)
        {
            var b = bytes[i];
            if (b == 0x1B)
            {
                Flush(bytes, i);
                var len = ParseEscape(bytes[i..], ref g0, ref g1, ref g0Multibyte, ref g0Escape, ref g0Jis0212);
                i += len;
                segmentStart = i;
                continue;
            }

            // Delimiters return to the initial sets (PS3.5 6.1.2.5.3).
            var isDelimiter = b is 0x5C or 0x0D or 0x0A or 0x09 or 0x0C || (isPersonName && b is (byte)'^' or (byte)'=');
            if (isDelimiter && !g0Multibyte)
            {
                Flush(bytes, i);
                sb.Append((char)b);
                i++;
                segmentStart = i;
                g0 = s_ascii;
                g1 = _initialG1;
                continue;
            }

            i++;
        }

        Flush(bytes, bytes.Length);
        return sb.ToString();
    }

    private static readonly Lazy<Encoding> s_jis = new(() =>
    {
        _ = s_registered.Value;
        return Encoding.GetEncoding(50220, EncoderFallback.ReplacementFallback, new DecoderReplacementFallback("\uFFFD"));
    });

    /// <summary>
    /// Decodes two-byte JIS X 0212 codes (each byte 0x21-0x7E) through code page 20932, which stores row/cell r/c as the
    /// bytes (r | 0x80, c); a byte outside the range or an odd last byte becomes U+FFFD.
    /// </summary>
    internal static string DecodeJisX0212(ReadOnlySpan<byte> codes)
    {
        var sb = new StringBuilder((codes.Length + 1) / 2);
        Span<byte> pair = stackalloc byte[2];
        for (var k = 0; k < codes.Length; k += 2)
        {
            if (k + 1 >= codes.Length || codes[k] is < 0x21 or > 0x7E || codes[k + 1] is < 0x21 or > 0x7E)
            {
                sb.Append('\uFFFD');
                continue;
            }

            pair[0] = (byte)(codes[k] | 0x80);
            pair[1] = codes[k + 1];
            sb.Append(s_jis0212.Value.GetString(pair));
        }

        return sb.ToString();
    }

    private static readonly Lazy<Encoding> s_jis0212 = new(() => Get(20932));

    private static int ParseEscape(ReadOnlySpan<byte> s, ref Encoding g0, ref Encoding g1, ref bool g0Multibyte, ref byte[]? g0Escape, ref bool g0Jis0212)
    {
        static bool Is(ReadOnlySpan<byte> s, string seq)
        {
            if (s.Length < seq.Length + 1)
            {
                return false;
            }

            for (var k = 0; k < seq.Length; k++)
            {
                if (s[k + 1] != seq[k])
                {
                    return false;
                }
            }

            return true;
        }

        string[] g1Sets = ["-A", "-B", "-C", "-D", "-L", "-G", "-F", "-H", "-M", "-T", ")I", "$)C", "$)A"];
        int[] g1Pages = [28591, 28592, 28593, 28594, 28595, 28596, 28597, 28598, 28599, 874, 932, 51949, 936];
        for (var k = 0; k < g1Sets.Length; k++)
        {
            if (Is(s, g1Sets[k]))
            {
                g1 = Get(g1Pages[k]);
                return g1Sets[k].Length + 1;
            }
        }

        if (Is(s, "(B") || Is(s, "(J"))
        {
            g0 = s[2] == 'J' ? Get(932) : s_ascii;
            g0Multibyte = false;
            g0Jis0212 = false;
            return 3;
        }

        if (Is(s, "$B") || Is(s, "$@"))
        {
            g0Multibyte = true;
            g0Jis0212 = false;
            g0Escape = s[..3].ToArray();
            return 3;
        }

        if (Is(s, "$(D"))
        {
            // JIS X 0212 (ISO 2022 IR 159) in G0: two-byte codes until the next escape.
            g0Multibyte = true;
            g0Jis0212 = true;
            return 4;
        }

        // Unknown escape: skip ESC only; the rest decodes as it comes, replacement characters where invalid.
        return 1;
    }

    private static Encoding Get(int codePage)
    {
        _ = s_registered.Value;
        return Encoding.GetEncoding(codePage, EncoderFallback.ReplacementFallback, new DecoderReplacementFallback("\uFFFD"));
    }

    private static Encoding? ForTerm(string term, out bool multiByte)
    {
        multiByte = false;
        var t = term.Replace("ISO 2022 ", "ISO_", StringComparison.Ordinal).Replace("ISO_IR ", "ISO_", StringComparison.Ordinal);
        int? cp = t switch
        {
            "" or "ISO_IR 6" or "ISO_6" => 20127,
            "ISO_100" => 28591,
            "ISO_101" => 28592,
            "ISO_109" => 28593,
            "ISO_110" => 28594,
            "ISO_144" => 28595,
            "ISO_127" => 28596,
            "ISO_126" => 28597,
            "ISO_138" => 28598,
            "ISO_148" => 28599,
            "ISO_203" => 28605,
            "ISO_166" => 874,
            "ISO_13" => 932,
            "ISO_87" => 50220,
            "ISO_159" => 20932,
            "ISO_149" => 51949,
            "ISO_58" => 936,
            "ISO_192" => 65001,
            "GB18030" => 54936,
            "GBK" => 936,
            _ => null,
        };
        if (cp is null)
        {
            return null;
        }

        multiByte = cp is 50220 or 20932 or 51949 or 936 or 65001 or 54936;
        if (cp == 20127)
        {
            return s_ascii;
        }

        if (cp == 65001)
        {
            return new UTF8Encoding(false, false);
        }

        return Get(cp.Value);
    }
}
