using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace BmeQuant.Batch;

/// <summary>
/// Content key of a study: XxHash128 over every input file (name relative to its input, length, bytes, streamed in
/// 1 MiB chunks) and the analysis parameters. Equal keys mean equal inputs and parameters.
/// </summary>
internal static class InputHasher
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>The hex key of <paramref name="files"/> (in the given order) and <paramref name="parameters"/>.</summary>
    public static string Key(IReadOnlyList<InputFile> files, string parameters, CancellationToken cancellationToken)
    {
        var hash = new XxHash128();
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            AppendText(hash, "bmequant-batch-key-v1\n" + parameters + "\n");
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var stream = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                AppendText(hash, string.Create(CultureInfo.InvariantCulture, $"{file.Name}\n{stream.Length}\n"));
                long total = 0;
                int read;
                while ((read = stream.Read(buffer, 0, ChunkBytes)) > 0)
                {
                    hash.Append(buffer.AsSpan(0, read));
                    total += read;
                    cancellationToken.ThrowIfCancellationRequested();
                }

                AppendText(hash, string.Create(CultureInfo.InvariantCulture, $"\n{total}\n"));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    private static void AppendText(XxHash128 hash, string text) => hash.Append(Encoding.UTF8.GetBytes(text));
}

/// <summary>One input file of a study: a stable name (column and path inside the input) and where it is.</summary>
/// <param name="Name">e.g. <c>stir</c> or <c>study/SE1/IM0001.dcm</c>.</param>
/// <param name="FullPath">Absolute path.</param>
/// <param name="Length">Size in bytes when planned.</param>
internal readonly record struct InputFile(string Name, string FullPath, long Length);
