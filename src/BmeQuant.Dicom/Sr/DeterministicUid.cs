using System.Security.Cryptography;
using System.Text;

namespace BmeQuant.Dicom.Sr;

/// <summary>
/// Name-based UIDs: the same parts always give the same UID (<c>2.25.</c> + a version-5-style UUID from SHA-256 of the
/// parts), so an output regenerated from the same inputs keeps its SOP Instance UID (re-sending it is idempotent) and a
/// tracking identifier keeps its UID across timepoints.
/// </summary>
public static class DeterministicUid
{
    /// <summary>The UID for <paramref name="parts"/> (joined with a separator that cannot occur in UIDs or codes: U+001F).</summary>
    public static string From(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes("bmequant\u001f" + string.Join('\u001f', parts)));
        var g = bytes.AsSpan(0, 16).ToArray();
        g[6] = (byte)((g[6] & 0x0F) | 0x50); // version 5 (name-based)
        g[8] = (byte)((g[8] & 0x3F) | 0x80); // RFC 4122 variant
        return DicomUid.FromGuid(new Guid(g, bigEndian: true));
    }
}
