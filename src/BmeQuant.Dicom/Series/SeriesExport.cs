using System.Globalization;
using System.Text;
using System.Text.Json;
using BmeQuant.Dicom.Roles;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;

namespace BmeQuant.Dicom.Series;

/// <summary>Writes a <see cref="SeriesVolume"/> as NIfTI-1 (<c>.nii.gz</c>) with a JSON sidecar, under a safe file name.</summary>
public static class SeriesExport
{
    /// <summary>
    /// A file name stem for a series: <c>S{number}_{description}[_{split}]</c>, ASCII letters, digits, '-' and '_' only
    /// (no path separators, dots or control characters), at most 80 characters; the patient's name and ID are removed
    /// if they appear in the description.
    /// </summary>
    public static string SafeFileStem(DicomSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var description = series.SeriesDescription;
        foreach (var identifier in new[] { series.Header.GetStringOrDefault(DicomTag.PatientName, string.Empty), series.PatientId })
        {
            foreach (var part in identifier.Split('^', ' ').Where(p => p.Length >= 3))
            {
                description = description.Replace(part, string.Empty, StringComparison.OrdinalIgnoreCase);
            }
        }

        var stem = string.Create(CultureInfo.InvariantCulture, $"S{series.SeriesNumber ?? 0:D3}_{Clean(description)}");
        if (series.SplitDescription is { } split)
        {
            stem += "_" + Clean(split);
        }

        stem = stem.Trim('_', '-');
        return stem.Length > 80 ? stem[..80] : stem;
    }

    /// <summary>
    /// Writes <c>{stem}.nii.gz</c> and <c>{stem}.json</c> into <paramref name="outputFolder"/> (stem from
    /// <see cref="SafeFileStem"/>, made unique with a counter). Both go through a temporary file and a rename.
    /// </summary>
    /// <returns>The NIfTI and sidecar paths.</returns>
    public static (string NiftiPath, string SidecarPath) Write(SeriesVolume volume, string outputFolder, RoleClassification? role = null)
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        Directory.CreateDirectory(outputFolder);
        var stem = SafeFileStem(volume.Series);
        var candidate = stem;
        for (var n = 2; File.Exists(Path.Combine(outputFolder, candidate + ".nii.gz")) || File.Exists(Path.Combine(outputFolder, candidate + ".json")); n++)
        {
            candidate = string.Create(CultureInfo.InvariantCulture, $"{stem}_{n}");
        }

        var nifti = Path.Combine(outputFolder, candidate + ".nii.gz");
        var sidecar = Path.Combine(outputFolder, candidate + ".json");
        NiftiWriter.Write(volume.Volume, nifti, NiftiXformCode.ScannerAnatomical, Ascii(volume.Series.SeriesDescription, 79));
        var tmp = sidecar + ".tmp";
        File.WriteAllBytes(tmp, Sidecar(volume, role ?? SequenceRoleClassifier.Classify(volume.Series)));
        File.Move(tmp, sidecar, overwrite: true);
        return (nifti, sidecar);
    }

    /// <summary>The JSON sidecar: series facts, role and evidence, TR/TE/TI, vendor, geometry, problems and provenance.</summary>
    internal static byte[] Sidecar(SeriesVolume volume, RoleClassification role)
    {
        var s = volume.Series;
        var facts = SeriesHeaderFacts.FromDataset(s.Header);
        var g = volume.Volume.Geometry;
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("SeriesInstanceUID", s.SeriesInstanceUid);
            w.WriteString("StudyInstanceUID", s.StudyInstanceUid);
            if (s.SeriesNumber is { } sn)
            {
                w.WriteNumber("SeriesNumber", sn);
            }

            w.WriteString("SeriesDescription", s.SeriesDescription);
            w.WriteString("ProtocolName", facts.ProtocolName);
            w.WriteString("Modality", s.Modality);
            w.WriteString("Manufacturer", s.Manufacturer);
            w.WriteString("ManufacturerModelName", s.Header.GetStringOrDefault(DicomTag.ManufacturerModelName, string.Empty));
            Number(w, "MagneticFieldStrength", facts.FieldStrengthTesla);
            Number(w, "RepetitionTimeMs", facts.RepetitionTimeMs);
            Number(w, "EchoTimeMs", facts.EchoTimeMs);
            Number(w, "InversionTimeMs", facts.InversionTimeMs);
            Strings(w, "ScanningSequence", facts.ScanningSequence);
            Strings(w, "SequenceVariant", facts.SequenceVariant);
            Strings(w, "ScanOptions", facts.ScanOptions);
            Strings(w, "ImageType", facts.ImageType);
            w.WriteString("SequenceName", facts.SequenceName);
            if (s.SplitDescription is not null)
            {
                w.WriteString("Split", s.SplitDescription);
            }

            w.WriteStartObject("Role");
            w.WriteString("Role", role.Role.ToString());
            w.WriteNumber("Confidence", role.Confidence);
            Strings(w, "Evidence", role.Evidence);
            w.WriteEndObject();

            w.WriteStartObject("Geometry");
            w.WriteString("Frame", "LPS");
            Ints(w, "Size", g.SizeX, g.SizeY, g.SizeZ);
            Doubles(w, "SpacingMm", g.Spacing.X, g.Spacing.Y, g.Spacing.Z);
            Doubles(w, "OriginMm", g.Origin.X, g.Origin.Y, g.Origin.Z);
            w.WriteStartArray("DirectionColumns");
            for (var c = 0; c < 3; c++)
            {
                var col = g.Direction.Column(c);
                w.WriteStartArray();
                w.WriteNumberValue(col.X);
                w.WriteNumberValue(col.Y);
                w.WriteNumberValue(col.Z);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            if (volume.GeometryReport.Resampling is { } rs)
            {
                w.WriteString("Resampling", rs);
            }

            w.WriteEndObject();
            Strings(w, "Problems", volume.GeometryReport.Problems);
            w.WriteString("Values", "modality values (stored × RescaleSlope + RescaleIntercept per image/frame)");
            w.WriteStartArray("Provenance");
            foreach (var p in volume.Provenance)
            {
                w.WriteStartObject();
                w.WriteNumber("Slice", p.SliceIndex);
                w.WriteString("SOPInstanceUID", p.SopInstanceUid);
                if (p.FrameIndex > 0)
                {
                    w.WriteNumber("Frame", p.FrameIndex + 1);
                }

                if (p.Interpolated)
                {
                    w.WriteBoolean("Interpolated", true);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("Software", "BmeQuant " + (typeof(SeriesExport).Assembly.GetName().Version?.ToString() ?? "0"));
            w.WriteEndObject();
        }

        return ms.ToArray();
    }

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            w.WriteNumber(name, v);
        }
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static void Ints(Utf8JsonWriter w, string name, params int[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void Doubles(Utf8JsonWriter w, string name, params double[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static string Clean(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            sb.Append(ch is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' ? ch : '_');
        }

        var s = sb.ToString();
        while (s.Contains("__", StringComparison.Ordinal))
        {
            s = s.Replace("__", "_", StringComparison.Ordinal);
        }

        return s.Trim('_');
    }

    private static string Ascii(string text, int max)
    {
        var s = new string(text.Where(c => c is >= ' ' and < (char)127).ToArray());
        return s.Length > max ? s[..max] : s;
    }
}
