using System.Diagnostics.CodeAnalysis;

namespace BmeQuant.Dicom.Codecs;

/// <summary>Shared argument checks and throw helpers for the pixel codecs.</summary>
internal static class CodecGuard
{
    /// <summary>Checks that the destination holds exactly one frame of <paramref name="info"/>.</summary>
    public static void CheckDestination(string codec, FrameInfo info, int destinationLength)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.Rows <= 0 || info.Columns <= 0 || info.SamplesPerPixel <= 0 ||
            (info.BitsAllocated != 8 && info.BitsAllocated != 16) || info.BitsStored <= 0 || info.BitsStored > info.BitsAllocated)
        {
            throw new DicomCodecException(
                $"{codec}: unsupported frame description {info.Rows}x{info.Columns}, {info.SamplesPerPixel} samples, " +
                $"BitsAllocated {info.BitsAllocated}, BitsStored {info.BitsStored}; expected positive sizes, BitsAllocated 8 or 16.");
        }

        if (info.FrameByteLength != destinationLength)
        {
            throw new ArgumentException(
                $"{codec}: destination holds {destinationLength} bytes; one frame of {info.Rows}x{info.Columns}x{info.SamplesPerPixel} at {info.BitsAllocated} bits needs {info.FrameByteLength}.",
                nameof(destinationLength));
        }
    }

    /// <summary>Throws a <see cref="DicomCodecException"/> with <paramref name="message"/>.</summary>
    [DoesNotReturn]
    public static void Fail(string message) => throw new DicomCodecException(message);

    /// <summary>Throws a <see cref="DicomCodecException"/> for a stream that ends early.</summary>
    [DoesNotReturn]
    public static void Truncated(string codec, int offset, string what) =>
        throw new DicomCodecException($"{codec}: data truncated at byte offset {offset} while reading {what}.");
}
