namespace BmeQuant.Dicom.Codecs.Jpeg;

/// <summary>
/// A canonical JPEG Huffman table (ITU T.81 Annex C) prepared for decoding: codes of up to
/// <see cref="FastBits"/> bits resolve with one table look-up, longer ones by comparing with the largest code of each length.
/// </summary>
internal sealed class HuffmanTable
{
    /// <summary>Bits resolved by the direct look-up table.</summary>
    public const int FastBits = 9;

    /// <summary>Indexed by the next <see cref="FastBits"/> bits: (code length &lt;&lt; 8) | symbol, or 0 when the code is longer.</summary>
    public readonly ushort[] Fast = new ushort[1 << FastBits];

    /// <summary>Largest code of each length 1..16 (-1 when there is none).</summary>
    public readonly int[] MaxCode = new int[17];

    /// <summary>Index into <see cref="Values"/> of a code of length l is ValueOffset[l] + code.</summary>
    public readonly int[] ValueOffset = new int[17];

    /// <summary>Symbols in code order.</summary>
    public readonly byte[] Values = new byte[256];

    /// <summary>Builds the table from the 16 code counts and the symbols of a DHT segment.</summary>
    /// <exception cref="DicomCodecException">The counts describe more codes than fit (over-subscribed table).</exception>
    public static HuffmanTable Build(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values, string codec, int offset)
    {
        var table = new HuffmanTable();
        values.CopyTo(table.Values);
        int code = 0;
        int k = 0;
        for (int length = 1; length <= 16; length++)
        {
            int n = counts[length - 1];
            table.ValueOffset[length] = k - code;
            for (int i = 0; i < n; i++, code++, k++)
            {
                if (length <= FastBits)
                {
                    int shift = FastBits - length;
                    int first = code << shift;
                    int entry = (length << 8) | values[k];
                    table.Fast.AsSpan(first, 1 << shift).Fill((ushort)entry);
                }
            }

            table.MaxCode[length] = n == 0 ? -1 : code - 1;
            if (code > (1 << length))
            {
                CodecGuard.Fail($"{codec}: Huffman table at byte offset {offset} is over-subscribed at code length {length} " +
                    $"({code} codes; at most {1 << length} fit).");
            }

            code <<= 1;
        }

        return table;
    }

    /// <summary>Decodes a code longer than <see cref="FastBits"/> from the next 16 bits; length 0 when no code matches.</summary>
    public int DecodeLong(int next16Bits, out int length)
    {
        for (length = FastBits + 1; length <= 16; length++)
        {
            int code = next16Bits >> (16 - length);
            if (code <= MaxCode[length])
            {
                return Values[(ValueOffset[length] + code) & 0xFF];
            }
        }

        length = 0;
        return 0;
    }
}
