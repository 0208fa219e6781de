using BmeQuant.Dicom.Codecs.Jpeg;
using BmeQuant.Dicom.Codecs.Jpeg2000;
using BmeQuant.Dicom.Codecs.JpegLs;

namespace BmeQuant.Dicom.Codecs;

internal static partial class PixelCodecRegistry
{
    static partial void RegisterAll(Dictionary<string, IPixelCodec> codecs)
    {
        codecs["1.2.840.10008.1.2.5"] = new RleCodec();
        codecs["1.2.840.10008.1.2.4.57"] = new JpegCodec("JPEG Lossless (process 14)", "1.2.840.10008.1.2.4.57");
        codecs["1.2.840.10008.1.2.4.70"] = new JpegCodec("JPEG Lossless SV1", "1.2.840.10008.1.2.4.70");
        codecs["1.2.840.10008.1.2.4.50"] = new JpegCodec("JPEG Baseline", "1.2.840.10008.1.2.4.50");
        codecs["1.2.840.10008.1.2.4.51"] = new JpegCodec("JPEG Extended", "1.2.840.10008.1.2.4.51");
        codecs["1.2.840.10008.1.2.4.55"] = new JpegCodec("JPEG Progressive", "1.2.840.10008.1.2.4.55");
        codecs["1.2.840.10008.1.2.4.80"] = new JpegLsCodec("JPEG-LS Lossless", "1.2.840.10008.1.2.4.80");
        codecs["1.2.840.10008.1.2.4.81"] = new JpegLsCodec("JPEG-LS Near-Lossless", "1.2.840.10008.1.2.4.81");
        codecs["1.2.840.10008.1.2.4.90"] = new Jpeg2000Codec("JPEG 2000 Lossless");
        codecs["1.2.840.10008.1.2.4.91"] = new Jpeg2000Codec("JPEG 2000");
    }
}
