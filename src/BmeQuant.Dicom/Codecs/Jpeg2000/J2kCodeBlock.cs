namespace BmeQuant.Dicom.Codecs.Jpeg2000;

/// <summary>One codeword segment of a code-block: a byte range of <see cref="J2kCodeBlock.Data"/> and its coding passes.</summary>
internal struct J2kSegment
{
    public int Start;
    public int Length;
    public int Passes;
}

/// <summary>A code-block of one precinct-band: its place in the subband, tier-2 state and the bytes gathered from packets.</summary>
internal sealed class J2kCodeBlock
{
    public J2kCodeBlock(int x0, int y0, int x1, int y1)
    {
        X0 = x0;
        Y0 = y0;
        X1 = x1;
        Y1 = y1;
    }

    public int X0 { get; }

    public int Y0 { get; }

    public int X1 { get; }

    public int Y1 { get; }

    public int Width => X1 - X0;

    public int Height => Y1 - Y0;

    public bool Included { get; set; }

    public int ZeroBitplanes { get; set; }

    public int Lblock { get; set; } = 3;

    public int PassCount { get; set; }

    public byte[] Data { get; private set; } = [];

    public int DataLength { get; private set; }

    public List<J2kSegment> Segments { get; } = [];

    /// <summary>Appends <paramref name="bytes"/> to the code-block's data (growing geometrically; bounded by the codestream).</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (DataLength + bytes.Length > Data.Length)
        {
            var grown = new byte[Math.Max(DataLength + bytes.Length, Math.Max(64, Data.Length * 2))];
            Data.AsSpan(0, DataLength).CopyTo(grown);
            Data = grown;
        }

        bytes.CopyTo(Data.AsSpan(DataLength));
        DataLength += bytes.Length;
    }
}
