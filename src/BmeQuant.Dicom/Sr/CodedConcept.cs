namespace BmeQuant.Dicom.Sr;

/// <summary>
/// A coded concept as DICOM writes it in a code sequence item (PS3.3 §8.8): Code Value, Coding Scheme Designator and
/// Code Meaning, e.g. <c>(79654002, SCT, "Edema")</c>.
/// </summary>
/// <param name="Value">Code Value (0008,0100).</param>
/// <param name="Scheme">Coding Scheme Designator (0008,0102): SCT, DCM, UCUM, or a private 99-prefixed scheme.</param>
/// <param name="Meaning">Code Meaning (0008,0104).</param>
public sealed record CodedConcept(string Value, string Scheme, string Meaning)
{
    /// <summary>The code sequence item (Code Value, Coding Scheme Designator, Code Meaning).</summary>
    public DicomDataset ToItem()
    {
        var item = new DicomDataset();
        item.Add(DicomTag.CodeValue, DicomVR.SH, Value);
        item.Add(DicomTag.CodingSchemeDesignator, DicomVR.SH, Scheme);
        item.Add(DicomTag.CodeMeaning, DicomVR.LO, Meaning);
        return item;
    }

    /// <summary>Reads a code sequence item.</summary>
    /// <exception cref="DicomFormatException">Code Value or Coding Scheme Designator is missing.</exception>
    public static CodedConcept FromItem(DicomDataset item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var value = item.GetStringOrDefault(DicomTag.CodeValue, string.Empty);
        if (value.Length == 0)
        {
            value = item.GetStringOrDefault(DicomTag.LongCodeValue, string.Empty);
        }

        var scheme = item.GetStringOrDefault(DicomTag.CodingSchemeDesignator, string.Empty);
        if (value.Length == 0 || scheme.Length == 0)
        {
            throw new DicomFormatException($"{item.SourcePath ?? "<dataset>"}: code item lacks (0008,0100) CodeValue or (0008,0102) CodingSchemeDesignator; found value '{value}', scheme '{scheme}'") { FilePath = item.SourcePath };
        }

        return new CodedConcept(value, scheme, item.GetStringOrDefault(DicomTag.CodeMeaning, string.Empty));
    }

    /// <summary>Reads the first item of the code sequence <paramref name="tag"/>, or null when the sequence is absent or empty.</summary>
    public static CodedConcept? FromSequence(DicomDataset dataset, DicomTag tag)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset.TryGetSequence(tag, out var seq) && seq.Items.Count > 0 ? FromItem(seq.Items[0]) : null;
    }

    /// <summary>True when value and scheme match (the meaning is free text and is not compared).</summary>
    public bool Matches(CodedConcept other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Value, other.Value, StringComparison.Ordinal) && string.Equals(Scheme, other.Scheme, StringComparison.Ordinal);
    }

    /// <inheritdoc/>
    public override string ToString() => $"({Value}, {Scheme}, \"{Meaning}\")";
}
