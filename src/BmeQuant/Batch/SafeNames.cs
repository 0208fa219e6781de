using System.Text;

namespace BmeQuant.Batch;

/// <summary>
/// Turns a manifest value (patient pseudonym, timepoint label) into a safe folder name: ASCII letters, digits,
/// <c>-</c>, <c>_</c> and <c>.</c> only (everything else becomes <c>_</c>), no leading dot (so never <c>.</c>,
/// <c>..</c> or a hidden name), no reserved device name (CON, NUL, COM1 …), at most 64 characters.
/// </summary>
public static class SafeNames
{
    /// <summary>Longest name returned.</summary>
    public const int MaxLength = 64;

    private static readonly string[] s_reserved =
    [
        "CON", "PRN", "AUX", "NUL",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];

    /// <summary>The safe folder name for <paramref name="value"/> (never empty).</summary>
    public static string Sanitize(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder(Math.Min(value.Length, MaxLength));
        foreach (var ch in value.Trim())
        {
            if (sb.Length == MaxLength)
            {
                break;
            }

            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_');
        }

        while (sb.Length > 0 && sb[0] == '.')
        {
            sb[0] = '_';
        }

        while (sb.Length > 0 && (sb[^1] == '.' || sb[^1] == ' '))
        {
            sb[^1] = '_';
        }

        var name = sb.Length == 0 ? "_" : sb.ToString();
        var stem = name.Split('.')[0];
        if (s_reserved.Contains(stem, StringComparer.OrdinalIgnoreCase))
        {
            name = "_" + name;
        }

        return name;
    }
}
