using System.Globalization;
using BmeQuant.Dicom.Seg;

namespace BmeQuant.Dicom.Sr;

/// <summary>
/// One node of a structured report content tree (PS3.3 C.17.3): relationship to its parent, value type, concept name,
/// value, and children. Builds and reads the nested Content Sequence items.
/// </summary>
public sealed class SrContentItem
{
    /// <summary>Creates an item.</summary>
    /// <param name="valueType">CONTAINER, TEXT, CODE, NUM, UIDREF or IMAGE.</param>
    /// <param name="relationshipType">CONTAINS, HAS OBS CONTEXT, HAS CONCEPT MOD, … (null for the document root).</param>
    /// <param name="conceptName">The concept name, or null (allowed for IMAGE items in an image library).</param>
    public SrContentItem(string valueType, string? relationshipType, CodedConcept? conceptName)
    {
        ArgumentException.ThrowIfNullOrEmpty(valueType);
        ValueType = valueType;
        RelationshipType = relationshipType;
        ConceptName = conceptName;
    }

    /// <summary>Value Type (0040,A040).</summary>
    public string ValueType { get; }

    /// <summary>Relationship Type (0040,A010), null for the root.</summary>
    public string? RelationshipType { get; }

    /// <summary>Concept Name (0040,A043).</summary>
    public CodedConcept? ConceptName { get; }

    /// <summary>TEXT value (0040,A160).</summary>
    public string? Text { get; init; }

    /// <summary>UIDREF value (0040,A124).</summary>
    public string? Uid { get; init; }

    /// <summary>CODE value (0040,A168).</summary>
    public CodedConcept? Code { get; init; }

    /// <summary>NUM value (0040,A30A).</summary>
    public double? NumericValue { get; init; }

    /// <summary>NUM units (0040,08EA), UCUM.</summary>
    public CodedConcept? Units { get; init; }

    /// <summary>IMAGE reference (0008,1199).</summary>
    public SourceImage? Image { get; init; }

    /// <summary>Referenced Segment Number (0062,000B) inside an IMAGE reference to a segmentation.</summary>
    public int? ReferencedSegmentNumber { get; init; }

    /// <summary>Children (Content Sequence).</summary>
    public List<SrContentItem> Children { get; } = [];

    /// <summary>A CONTAINER (continuity SEPARATE).</summary>
    public static SrContentItem Container(string? relationship, CodedConcept name) => new("CONTAINER", relationship, name);

    /// <summary>A TEXT item.</summary>
    public static SrContentItem TextItem(string relationship, CodedConcept name, string text) => new("TEXT", relationship, name) { Text = text };

    /// <summary>A CODE item.</summary>
    public static SrContentItem CodeItem(string relationship, CodedConcept name, CodedConcept value) => new("CODE", relationship, name) { Code = value };

    /// <summary>A NUM item.</summary>
    public static SrContentItem Num(string relationship, CodedConcept name, double value, CodedConcept units) => new("NUM", relationship, name) { NumericValue = value, Units = units };

    /// <summary>A UIDREF item.</summary>
    public static SrContentItem UidRef(string relationship, CodedConcept name, string uid) => new("UIDREF", relationship, name) { Uid = uid };

    /// <summary>An IMAGE item.</summary>
    public static SrContentItem ImageItem(string relationship, CodedConcept? name, SourceImage image, int? segmentNumber = null) =>
        new("IMAGE", relationship, name) { Image = image, ReferencedSegmentNumber = segmentNumber };

    /// <summary>Adds a child and returns this item.</summary>
    public SrContentItem Add(SrContentItem child)
    {
        ArgumentNullException.ThrowIfNull(child);
        Children.Add(child);
        return this;
    }

    /// <summary>The first child with concept name <paramref name="name"/> (value and scheme compared), or null.</summary>
    public SrContentItem? Find(CodedConcept name) => Children.FirstOrDefault(c => c.ConceptName is { } n && n.Matches(name));

    /// <summary>Writes this item's attributes into <paramref name="target"/> (the dataset itself for the root, a Content Sequence item otherwise).</summary>
    public void WriteTo(DicomDataset target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (RelationshipType is { } rel)
        {
            target.AddOrUpdate(DicomTag.RelationshipType, rel);
        }

        target.AddOrUpdate(DicomTag.ValueType, ValueType);
        if (ConceptName is { } name)
        {
            target.AddOrUpdate(DicomTag.ConceptNameCodeSequence, name.ToItem());
        }

        switch (ValueType)
        {
            case "CONTAINER":
                target.AddOrUpdate(DicomTag.ContinuityOfContent, "SEPARATE");
                break;
            case "TEXT":
                target.AddOrUpdate(DicomTag.TextValue, Text ?? string.Empty);
                break;
            case "UIDREF":
                target.AddOrUpdate(DicomTag.UID, Uid ?? string.Empty);
                break;
            case "CODE":
                target.AddOrUpdate(DicomTag.ConceptCodeSequence, (Code ?? throw new InvalidOperationException("CODE item without a value")).ToItem());
                break;
            case "NUM":
                var measured = new DicomDataset();
                measured.Add(DicomTag.NumericValue, DicomDataset.FormatDecimalString(NumericValue ?? throw new InvalidOperationException("NUM item without a value")));
                measured.Add(DicomTag.MeasurementUnitsCodeSequence, (Units ?? throw new InvalidOperationException("NUM item without units")).ToItem());
                target.AddOrUpdate(DicomTag.MeasuredValueSequence, measured);
                break;
            case "IMAGE":
                var reference = DerivedObjectModules.SopReference(Image ?? throw new InvalidOperationException("IMAGE item without a reference"));
                if (ReferencedSegmentNumber is { } segment)
                {
                    reference.Add(DicomTag.ReferencedSegmentNumber, (ushort)segment);
                }

                target.AddOrUpdate(DicomTag.ReferencedSOPSequence, reference);
                break;
            default:
                throw new NotSupportedException($"value type {ValueType} is not written by BmeQuant");
        }

        if (Children.Count > 0)
        {
            target.AddOrUpdate(DicomTag.ContentSequence, Children.Select(c =>
            {
                var item = new DicomDataset();
                c.WriteTo(item);
                return item;
            }).ToArray());
        }
    }

    /// <summary>Reads an item (and its children) from the document root or a Content Sequence item.</summary>
    /// <exception cref="DicomFormatException">Value Type is missing, or a value the type needs is absent or malformed.</exception>
    public static SrContentItem Read(DicomDataset item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var where = item.SourcePath ?? "<dataset>";
        var valueType = item.GetStringOrDefault(DicomTag.ValueType, string.Empty);
        if (valueType.Length == 0)
        {
            throw new DicomFormatException($"{where}: SR content item without (0040,A040) ValueType") { FilePath = item.SourcePath };
        }

        var rel = item.TryGetString(DicomTag.RelationshipType, out var r) ? r : null;
        var name = CodedConcept.FromSequence(item, DicomTag.ConceptNameCodeSequence);
        double? number = null;
        CodedConcept? units = null;
        if (valueType == "NUM" && item.TryGetSequence(DicomTag.MeasuredValueSequence, out var mv) && mv.Items.Count > 0)
        {
            var text = mv.Items[0].GetStringOrDefault(DicomTag.NumericValue, string.Empty);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new DicomFormatException($"{where}: NUM {name}: (0040,A30A) NumericValue '{text}' is not a number") { FilePath = item.SourcePath };
            }

            number = value;
            units = CodedConcept.FromSequence(mv.Items[0], DicomTag.MeasurementUnitsCodeSequence);
        }

        SourceImage? image = null;
        int? segmentNumber = null;
        if (valueType == "IMAGE" && item.TryGetSequence(DicomTag.ReferencedSOPSequence, out var rs) && rs.Items.Count > 0)
        {
            var ri = rs.Items[0];
            image = new SourceImage(
                ri.GetStringOrDefault(DicomTag.ReferencedSOPClassUID, string.Empty),
                ri.GetStringOrDefault(DicomTag.ReferencedSOPInstanceUID, string.Empty),
                ri.TryGetValue<int>(DicomTag.ReferencedFrameNumber, out var fn) ? fn : null);
            segmentNumber = ri.TryGetValue<int>(DicomTag.ReferencedSegmentNumber, out var sn) ? sn : null;
        }

        var result = new SrContentItem(valueType, rel, name)
        {
            Text = item.TryGetString(DicomTag.TextValue, out var t) ? t : null,
            Uid = item.TryGetString(DicomTag.UID, out var u) ? u : null,
            Code = valueType == "CODE" ? CodedConcept.FromSequence(item, DicomTag.ConceptCodeSequence) : null,
            NumericValue = number,
            Units = units,
            Image = image,
            ReferencedSegmentNumber = segmentNumber,
        };
        if (item.TryGetSequence(DicomTag.ContentSequence, out var children))
        {
            foreach (var c in children.Items)
            {
                result.Children.Add(Read(c));
            }
        }

        return result;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{RelationshipType} {ValueType} {ConceptName}";
}
