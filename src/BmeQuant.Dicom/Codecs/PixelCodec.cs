namespace BmeQuant.Dicom.Codecs;

/// <summary>What a codec needs to know about one frame (from the dataset's Image Pixel module).</summary>
/// <param name="Rows">Rows (0028,0010).</param>
/// <param name="Columns">Columns (0028,0011).</param>
/// <param name="SamplesPerPixel">Samples per pixel (0028,0002).</param>
/// <param name="BitsAllocated">Bits allocated (0028,0100).</param>
/// <param name="BitsStored">Bits stored (0028,0101).</param>
/// <param name="IsSigned">Pixel representation (0028,0103) is 1.</param>
/// <param name="PlanarConfiguration">Planar configuration (0028,0006) of the dataset.</param>
/// <param name="PhotometricInterpretation">Photometric interpretation (0028,0004), e.g. MONOCHROME2, YBR_FULL_422.</param>
public sealed record FrameInfo(
    int Rows,
    int Columns,
    int SamplesPerPixel,
    int BitsAllocated,
    int BitsStored,
    bool IsSigned,
    int PlanarConfiguration,
    string PhotometricInterpretation)
{
    /// <summary>Bytes of one uncompressed frame in the native layout.</summary>
    public long FrameByteLength => (long)Rows * Columns * SamplesPerPixel * (BitsAllocated / 8);
}

/// <summary>
/// A managed decoder for one family of compressed transfer syntaxes. It turns one frame's compressed bytes
/// (all fragments of the frame concatenated) into the layout of uncompressed little-endian Pixel Data:
/// BitsAllocated per sample, samples interleaved unless <see cref="OutputPlanarConfiguration"/> says otherwise.
/// Corrupt input throws <see cref="DicomCodecException"/>, never another exception type, and never loops forever.
/// </summary>
internal interface IPixelCodec
{
    /// <summary>Display name, e.g. "JPEG Lossless".</summary>
    string Name { get; }

    /// <summary>The planar configuration of the decoded output (0 interleaved, 1 planar) for a frame of <paramref name="info"/>.</summary>
    int OutputPlanarConfiguration(FrameInfo info);

    /// <summary>
    /// The photometric interpretation of the decoded output (e.g. a JPEG baseline YBR_FULL_422 frame decodes to
    /// YBR_FULL with full-resolution chroma, or to RGB if the codec converts colour).
    /// </summary>
    string OutputPhotometricInterpretation(FrameInfo info);

    /// <summary>Decodes one frame into <paramref name="destination"/> (exactly <see cref="FrameInfo.FrameByteLength"/> bytes).</summary>
    void Decode(ReadOnlySpan<byte> compressed, FrameInfo info, Span<byte> destination);
}
