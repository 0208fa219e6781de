namespace BmeQuant.Dicom.Codecs.Jpeg;

/// <summary>One component of a JPEG frame header (SOFn).</summary>
internal sealed class JpegComponent
{
    public int Id;
    public int H;
    public int V;
    public int QuantTable;

    /// <summary>Width and height of this component in samples (T.81 A.1.1: ceil(X*H/Hmax)).</summary>
    public int Width;
    public int Height;

    /// <summary>Blocks per line and per column, padded to whole MCUs (DCT only).</summary>
    public int BlocksPerLine;
    public int BlocksPerColumn;

    /// <summary>Decoded samples (DCT: padded to whole blocks, BlocksPerLine*8 wide).</summary>
    public short[] Plane = [];

    public int DcPrediction;
}

/// <summary>Everything the markers before a scan have set: frame header, tables, restart interval.</summary>
internal sealed class JpegFrame
{
    public int Marker;
    public int Precision;
    public int Height;
    public int Width;
    public JpegComponent[] Components = [];
    public int MaxH = 1;
    public int MaxV = 1;
    public int RestartInterval;
    public readonly HuffmanTable?[] DcTables = new HuffmanTable?[4];
    public readonly HuffmanTable?[] AcTables = new HuffmanTable?[4];
    public readonly int[]?[] QuantTables = new int[]?[4];

    public bool IsLossless => Marker == 0xC3;
}
