using System.Globalization;
using System.Text;

namespace BmeQuant.Dicom;

/// <summary>Formats datasets as text, one element per line like dcmdump: tag, VR, value, length, VM, keyword; nested items indented.</summary>
public static class DicomDump
{
    /// <summary>Writes the meta group and the dataset of <paramref name="file"/>.</summary>
    public static void Write(TextWriter output, DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(file);
        output.WriteLine("# Dicom-File-Format");
        output.WriteLine();
        output.WriteLine("# Dicom-Meta-Information-Header");
        output.WriteLine($"# Used TransferSyntax: {file.TransferSyntax.Name}");
        WriteDataset(output, file.Meta, 0);
        output.WriteLine();
        output.WriteLine("# Dicom-Data-Set");
        output.WriteLine($"# Used TransferSyntax: {file.TransferSyntax.Name}");
        WriteDataset(output, file.Dataset, 0);
        foreach (var p in file.Problems)
        {
            output.WriteLine($"# problem: {p}");
        }
    }

    /// <summary>Writes one dataset at a nesting depth.</summary>
    public static void WriteDataset(TextWriter output, DicomDataset dataset, int depth)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(dataset);
        var indent = new string(' ', depth * 2);
        foreach (var item in dataset)
        {
            switch (item)
            {
                case DicomSequence seq:
                    Line(output, indent, item.Tag, "SQ", $"(Sequence with {(seq.UndefinedLength ? "undefined" : "explicit")} length #={seq.Items.Count})", seq.UndefinedLength ? "u/l" : "-", 1, Keyword(item.Tag));
                    foreach (var child in seq.Items)
                    {
                        Line(output, indent + "  ", DicomTag.ItemTag, "na", $"(Item with {(child.UndefinedLength ? "undefined" : "explicit")} length #={child.Count})", child.UndefinedLength ? "u/l" : "-", 1, "Item");
                        WriteDataset(output, child, depth + 2);
                    }

                    break;
                case DicomFragmentSequence frags:
                    Line(output, indent, item.Tag, item.VR.Code, "(PixelSequence #=" + (frags.Fragments.Count + 1).ToString(CultureInfo.InvariantCulture) + ")", "u/l", 1, Keyword(item.Tag));
                    Line(output, indent + "  ", DicomTag.ItemTag, "pi", $"(Basic Offset Table, {frags.BasicOffsetTable.Length} entries)", (4 * frags.BasicOffsetTable.Length).ToString(CultureInfo.InvariantCulture), 1, "Item");
                    foreach (var f in frags.Fragments)
                    {
                        Line(output, indent + "  ", DicomTag.ItemTag, "pi", $"(fragment, {f.Length} bytes)", f.Length.ToString(CultureInfo.InvariantCulture), 1, "Item");
                    }

                    break;
                case DicomElement e:
                    var (value, vm) = Value(dataset, e);
                    Line(output, indent, item.Tag, item.VR.Code, value, e.Length.ToString(CultureInfo.InvariantCulture), vm, Keyword(item.Tag));
                    break;
            }
        }
    }

    private static string Keyword(DicomTag tag) =>
        tag.Keyword is { Length: > 0 } k ? k : tag.IsPrivateCreator ? "PrivateCreator" : tag.IsPrivate ? "PrivateTag" : "UnknownTag";

    private static void Line(TextWriter output, string indent, DicomTag tag, string vr, string value, string length, int vm, string keyword)
    {
        var left = new StringBuilder().Append(indent).Append(tag.ToString().ToLowerInvariant()).Append(' ').Append(vr).Append(' ').Append(value).ToString();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{left,-56} # {length,4}, {vm} {keyword}"));
    }

    private static (string Value, int VM) Value(DicomDataset ds, DicomElement e)
    {
        if (!e.IsLoaded)
        {
            return ($"(not loaded, {e.Length} bytes)", 1);
        }

        if (e.Length == 0)
        {
            return ("(no value available)", 0);
        }

        if (e.VR.Kind == DicomValueKind.Text)
        {
            var values = ds.GetStrings(e.Tag);
            var text = string.Join('\\', values).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
            if (text.Length > 64)
            {
                text = text[..61] + "...";
            }

            return ("[" + text + "]", values.Length);
        }

        var parts = ds.ElementToStrings(e);
        var shown = parts.Length > 16 ? string.Join('\\', parts.Take(16)) + "\\..." : string.Join('\\', parts);
        if (e.VR.Kind == DicomValueKind.Bytes || (e.VR.HasLongLength && parts.Length > 16))
        {
            shown = parts.Length > 16 ? $"(binary, {e.Length} bytes) {string.Join('\\', parts.Take(8))}\\..." : shown;
        }

        return (shown, parts.Length);
    }
}
