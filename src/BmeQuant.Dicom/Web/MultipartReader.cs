using System.Text;

namespace BmeQuant.Dicom.Web;

/// <summary>
/// Streams the parts of a multipart body (RFC 2046) to destinations one part at a time, never holding more than a
/// buffer's worth: each part's body is copied as the delimiter search advances, keeping back only the bytes that could
/// begin a delimiter.
/// </summary>
internal static class MultipartReader
{
    private const int BufferSize = 64 * 1024;

    /// <summary>Reads every part; <paramref name="openPart"/> gets the part index and its headers (lower-case names) and returns where to write the body (disposed after the part).</summary>
    /// <returns>The number of parts.</returns>
    /// <exception cref="DicomWebException">The body is truncated or malformed.</exception>
    public static async Task<int> ReadAsync(Stream input, string boundary, Func<int, IReadOnlyDictionary<string, string>, Stream> openPart, CancellationToken ct)
    {
        var first = Encoding.ASCII.GetBytes("--" + boundary);
        var delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        var buf = new byte[BufferSize + delimiter.Length];
        int start = 0, end = 0;
        var eof = false;

        async Task<bool> Fill()
        {
            if (eof)
            {
                return false;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buf.Length)
            {
                Array.Resize(ref buf, buf.Length * 2);
            }

            var n = await input.ReadAsync(buf.AsMemory(end), ct).ConfigureAwait(false);
            if (n == 0)
            {
                eof = true;
                return false;
            }

            end += n;
            return true;
        }

        // Preamble: up to the first delimiter (which may start the body without a preceding CRLF).
        while (true)
        {
            var i = buf.AsSpan(start, end - start).IndexOf(first);
            if (i >= 0)
            {
                start += i + first.Length;
                break;
            }

            start = Math.Max(start, end - first.Length);
            if (!await Fill().ConfigureAwait(false))
            {
                throw new DicomWebException($"multipart body ended before the first boundary '{boundary}'");
            }
        }

        var parts = 0;
        while (true)
        {
            // After a delimiter: "--" closes the body; otherwise optional padding then CRLF.
            while (end - start < 2)
            {
                if (!await Fill().ConfigureAwait(false))
                {
                    throw new DicomWebException($"multipart body truncated after boundary {parts + 1}");
                }
            }

            if (buf[start] == '-' && buf[start + 1] == '-')
            {
                return parts;
            }

            int lineEnd;
            while ((lineEnd = buf.AsSpan(start, end - start).IndexOf("\r\n"u8)) < 0)
            {
                if (!await Fill().ConfigureAwait(false))
                {
                    throw new DicomWebException($"multipart body truncated in the boundary line of part {parts + 1}");
                }
            }

            start += lineEnd + 2;

            // Headers up to an empty line (a part without headers starts with CRLF at once).
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            while (true)
            {
                int eol;
                while ((eol = buf.AsSpan(start, end - start).IndexOf("\r\n"u8)) < 0)
                {
                    if (!await Fill().ConfigureAwait(false))
                    {
                        throw new DicomWebException($"multipart body truncated in the headers of part {parts + 1}");
                    }
                }

                var line = Encoding.Latin1.GetString(buf, start, eol);
                start += eol + 2;
                if (line.Length == 0)
                {
                    break;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
                }
            }

            // Body up to CRLF--boundary, streamed.
            var target = openPart(parts, headers);
            await using (target.ConfigureAwait(false))
            {
                while (true)
                {
                    var i = buf.AsSpan(start, end - start).IndexOf(delimiter);
                    if (i >= 0)
                    {
                        await target.WriteAsync(buf.AsMemory(start, i), ct).ConfigureAwait(false);
                        start += i + delimiter.Length;
                        break;
                    }

                    var safe = end - start - (delimiter.Length - 1);
                    if (safe > 0)
                    {
                        await target.WriteAsync(buf.AsMemory(start, safe), ct).ConfigureAwait(false);
                        start += safe;
                    }

                    if (!await Fill().ConfigureAwait(false))
                    {
                        throw new DicomWebException($"multipart body truncated in part {parts + 1} (no closing boundary)");
                    }
                }
            }

            parts++;
        }
    }

    /// <summary>The boundary parameter of a multipart Content-Type.</summary>
    public static string? Boundary(string? contentType)
    {
        if (contentType is null)
        {
            return null;
        }

        foreach (var p in contentType.Split(';'))
        {
            var kv = p.Trim();
            if (kv.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))
            {
                return kv["boundary=".Length..].Trim('"');
            }
        }

        return null;
    }
}
