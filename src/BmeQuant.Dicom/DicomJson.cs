using System.Globalization;
using System.Text.Json;

namespace BmeQuant.Dicom;

/// <summary>Writes datasets in the DICOM JSON Model (PS3.18 Annex F).</summary>
public static class DicomJson
{
    /// <summary>Values longer than this many bytes are omitted (the attribute keeps its "vr" only) instead of written inline as base64.</summary>
    public const int MaxInlineBinaryBytes = 64 * 1024;

    /// <summary>Writes <paramref name="dataset"/> as one DICOM JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(dataset);
        writer.WriteStartObject();
        foreach (var item in dataset)
        {
            if (item.Tag.IsGroupLength)
            {
                continue;
            }

            writer.WritePropertyName(string.Create(CultureInfo.InvariantCulture, $"{item.Tag.Group:X4}{item.Tag.Element:X4}"));
            writer.WriteStartObject();
            writer.WriteString("vr", item.VR.Code);
            switch (item)
            {
                case DicomSequence seq:
                    writer.WriteStartArray("Value");
                    foreach (var child in seq.Items)
                    {
                        Write(writer, child);
                    }

                    writer.WriteEndArray();
                    break;
                case DicomFragmentSequence:
                    break;
                case DicomElement e when e.IsLoaded && e.Length > 0:
                    WriteValue(writer, dataset, e);
                    break;
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>The dataset as a DICOM JSON string.</summary>
    public static string Serialize(DicomDataset dataset, bool indented = false)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented }))
        {
            Write(w, dataset);
        }

        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter writer, DicomDataset ds, DicomElement e)
    {
        var vr = e.VR;
        if (vr.Kind == DicomValueKind.Bytes || vr == DicomVR.OW || vr == DicomVR.OF || vr == DicomVR.OD || vr == DicomVR.OL || vr == DicomVR.OV)
        {
            if (e.Length <= MaxInlineBinaryBytes)
            {
                writer.WriteBase64String("InlineBinary", e.Data.Span);
            }

            return;
        }

        writer.WriteStartArray("Value");
        if (vr == DicomVR.PN)
        {
            foreach (var v in ds.GetStrings(e.Tag))
            {
                writer.WriteStartObject();
                var groups = v.Split('=');
                string[] names = ["Alphabetic", "Ideographic", "Phonetic"];
                for (var i = 0; i < Math.Min(3, groups.Length); i++)
                {
                    if (groups[i].Length > 0)
                    {
                        writer.WriteString(names[i], groups[i]);
                    }
                }

                writer.WriteEndObject();
            }
        }
        else if (vr == DicomVR.AT)
        {
            foreach (var t in ds.GetValues<DicomTag>(e.Tag))
            {
                writer.WriteStringValue(string.Create(CultureInfo.InvariantCulture, $"{t.Group:X4}{t.Element:X4}"));
            }
        }
        else if (vr == DicomVR.DS || vr == DicomVR.IS)
        {
            foreach (var s in ds.GetStrings(e.Tag))
            {
                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                {
                    if (vr == DicomVR.IS && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
                    {
                        writer.WriteNumberValue(l);
                    }
                    else
                    {
                        writer.WriteNumberValue(d);
                    }
                }
                else if (s.Length == 0)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    writer.WriteStringValue(s);
                }
            }
        }
        else if (vr.Kind == DicomValueKind.Text)
        {
            foreach (var s in ds.GetStrings(e.Tag))
            {
                if (s.Length == 0)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    writer.WriteStringValue(s);
                }
            }
        }
        else
        {
            foreach (var d in ds.GetValues<double>(e.Tag))
            {
                writer.WriteNumberValue(d);
            }
        }

        writer.WriteEndArray();
    }
}
