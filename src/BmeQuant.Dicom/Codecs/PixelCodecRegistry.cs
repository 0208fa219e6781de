namespace BmeQuant.Dicom.Codecs;

/// <summary>Maps a compressed transfer syntax UID to its managed codec.</summary>
internal static partial class PixelCodecRegistry
{
    private static readonly Dictionary<string, IPixelCodec> s_codecs = new(StringComparer.Ordinal);

    static PixelCodecRegistry()
    {
        RegisterAll(s_codecs);
    }

    /// <summary>The codec for <paramref name="transferSyntaxUid"/>, or false when none is available.</summary>
    public static bool TryGet(string transferSyntaxUid, out IPixelCodec codec) =>
        s_codecs.TryGetValue(transferSyntaxUid, out codec!);

    /// <summary>Implemented in PixelCodecRegistry.Codecs.cs: adds every codec under each UID it decodes.</summary>
    static partial void RegisterAll(Dictionary<string, IPixelCodec> codecs);
}
