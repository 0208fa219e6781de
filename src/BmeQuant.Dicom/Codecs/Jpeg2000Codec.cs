namespace BmeQuant.Dicom.Codecs;

/// <summary>
/// JPEG 2000 (lossless 1.2.840.10008.1.2.4.90, lossy 1.2.840.10008.1.2.4.91) has no managed decoder yet: every frame is
/// refused with <see cref="UnsupportedTransferSyntaxException"/> naming the syntax and the commands that transcode it.
/// </summary>
internal sealed class Jpeg2000Codec : IPixelCodec
{
    private readonly string _transferSyntaxUid;

    public Jpeg2000Codec(string name, string transferSyntaxUid)
    {
        Name = name;
        _transferSyntaxUid = transferSyntaxUid;
    }

    public string Name { get; }

    public int OutputPlanarConfiguration(FrameInfo info) => 0;

    public string OutputPhotometricInterpretation(FrameInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.PhotometricInterpretation;
    }

    public void Decode(ReadOnlySpan<byte> compressed, FrameInfo info, Span<byte> destination) =>
        throw new UnsupportedTransferSyntaxException(
            $"{Name} ({_transferSyntaxUid}) is not decoded by BmeQuant's managed codecs yet; transcode the file to an uncompressed " +
            "transfer syntax first with `gdcmconv --raw IN OUT` (GDCM), or decode the codestream with `opj_decompress` (OpenJPEG).")
        {
            TransferSyntaxUid = _transferSyntaxUid,
        };
}
