using System.Numerics;

namespace BmeQuant.Dicom;

/// <summary>One row of the standard's UID registry.</summary>
internal sealed record DicomUidInfo(string Uid, string Name, string Type, bool IsRetired);

/// <summary>Lookups on the generated UID registry (DicomUids.g.cs).</summary>
internal static partial class DicomUidRegistry
{
    private static readonly Lazy<Dictionary<string, DicomUidInfo>> s_table = new(() =>
    {
        var d = new Dictionary<string, DicomUidInfo>(StringComparer.Ordinal);
        foreach (var line in RegistryData.Split('\n'))
        {
            var f = line.Split('\t');
            if (f.Length >= 4)
            {
                d.TryAdd(f[0], new DicomUidInfo(f[0], f[1], f[2], f[3] == "1"));
            }
        }

        return d;
    });

    /// <summary>The registry row of <paramref name="uid"/>, or null.</summary>
    public static DicomUidInfo? Lookup(string uid) => s_table.Value.TryGetValue(uid, out var i) ? i : null;
}

/// <summary>
/// UID generation. Every UID BmeQuant creates lies under the root <c>2.25</c> (PS3.5 §B.2: a UUID written as one
/// unsigned decimal integer), so no organisation root is needed and UIDs are unique without coordination.
/// </summary>
public static class DicomUid
{
    /// <summary>The root of every generated UID.</summary>
    public const string Root = "2.25";

    /// <summary>Implementation Class UID (0002,0012) written by BmeQuant: a fixed UUID under 2.25.</summary>
    public const string ImplementationClassUid = "2.25.196843290716483574402651926937413519361";

    /// <summary>Implementation Version Name (0002,0013) written by BmeQuant.</summary>
    public const string ImplementationVersionName = "BMEQUANT_010";

    /// <summary>A new UID <c>2.25.&lt;random UUID as an unsigned integer&gt;</c> (at most 44 characters).</summary>
    public static string Generate() => FromGuid(Guid.NewGuid());

    /// <summary>The UID <c>2.25.&lt;uuid&gt;</c> for a given UUID (deterministic; useful for reproducible outputs).</summary>
    public static string FromGuid(Guid guid)
    {
        Span<byte> bytes = stackalloc byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        return Root + "." + value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>True when <paramref name="uid"/> is a syntactically valid UID (digits and dots, no leading zeros, at most 64 characters).</summary>
    public static bool IsValid(string? uid)
    {
        if (string.IsNullOrEmpty(uid) || uid.Length > 64)
        {
            return false;
        }

        foreach (var part in uid.Split('.'))
        {
            if (part.Length == 0 || (part.Length > 1 && part[0] == '0') || !part.All(char.IsAsciiDigit))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The registered name of a standard UID (e.g. "MR Image Storage"), or null.</summary>
    public static string? GetName(string uid) => DicomUidRegistry.Lookup(uid)?.Name;
}
