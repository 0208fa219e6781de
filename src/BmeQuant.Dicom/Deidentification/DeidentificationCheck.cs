namespace BmeQuant.Dicom.Deidentification;

/// <summary>Whether a dataset still carries identifying attributes of the PS3.15 Basic Application Level Confidentiality Profile.</summary>
/// <param name="PatientIdentityRemoved">PatientIdentityRemoved (0012,0062) is YES.</param>
/// <param name="DeidentificationMethod">DeidentificationMethod (0012,0063), when present.</param>
/// <param name="IdentifyingAttributes">Basic-profile attributes present with a non-empty value that looks identifying (keyword and tag; values are never copied).</param>
public sealed record DeidentificationReport(bool PatientIdentityRemoved, string? DeidentificationMethod, IReadOnlyList<string> IdentifyingAttributes)
{
    /// <summary>True when identity removal is declared and no identifying basic-profile attribute has a value.</summary>
    public bool IsDeidentified => PatientIdentityRemoved && IdentifyingAttributes.Count == 0;
}

/// <summary>
/// Checks a header against the attributes the PS3.15 basic profile removes or replaces (names, IDs, dates of birth,
/// addresses, institution and physician names, device serials, free-text comments …). A PatientName or PatientID that a
/// de-identifier replaced with a pseudonym is accepted only when PatientIdentityRemoved is YES.
/// </summary>
public static class DeidentificationCheck
{
    /// <summary>Attributes of the basic profile that must be removed or emptied (dates of study are kept by many research exports and are not listed).</summary>
    private static readonly DicomTag[] s_mustBeEmpty =
    [
        DicomTag.PatientBirthDate,
        DicomTag.PatientBirthTime,
        DicomTag.PatientAddress,
        DicomTag.PatientTelephoneNumbers,
        DicomTag.OtherPatientIDs,
        DicomTag.OtherPatientNames,
        DicomTag.PatientMotherBirthName,
        DicomTag.MilitaryRank,
        DicomTag.MedicalRecordLocator,
        DicomTag.ReferringPhysicianName,
        DicomTag.ReferringPhysicianAddress,
        DicomTag.ReferringPhysicianTelephoneNumbers,
        DicomTag.PerformingPhysicianName,
        DicomTag.NameOfPhysiciansReadingStudy,
        DicomTag.OperatorsName,
        DicomTag.PhysiciansOfRecord,
        DicomTag.RequestingPhysician,
        DicomTag.InstitutionName,
        DicomTag.InstitutionAddress,
        DicomTag.InstitutionalDepartmentName,
        DicomTag.StationName,
        DicomTag.DeviceSerialNumber,
        DicomTag.AccessionNumber,
        DicomTag.PatientComments,
        DicomTag.AdditionalPatientHistory,
        DicomTag.EthnicGroup,
        DicomTag.Occupation,
    ];

    /// <summary>Attributes a de-identifier replaces with pseudonyms: accepted when PatientIdentityRemoved is YES.</summary>
    private static readonly DicomTag[] s_replaced = [DicomTag.PatientName, DicomTag.PatientID];

    /// <summary>Checks one header.</summary>
    public static DeidentificationReport Check(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var removed = string.Equals(dataset.GetStringOrDefault(DicomTag.PatientIdentityRemoved, string.Empty).Trim(), "YES", StringComparison.OrdinalIgnoreCase);
        var method = dataset.TryGetString(DicomTag.DeidentificationMethod, out var m) && m.Length > 0 ? m : null;
        var found = new List<string>();
        foreach (var tag in s_mustBeEmpty)
        {
            if (HasValue(dataset, tag))
            {
                found.Add($"{tag.Keyword} {tag}");
            }
        }

        if (!removed)
        {
            foreach (var tag in s_replaced)
            {
                if (HasValue(dataset, tag))
                {
                    found.Add($"{tag.Keyword} {tag}");
                }
            }
        }

        return new DeidentificationReport(removed, method, found);
    }

    private static bool HasValue(DicomDataset ds, DicomTag tag) =>
        ds.TryGetString(tag, out var s) && s.Trim().Trim('^').Length > 0 && !s.Trim().Equals("ANONYMOUS", StringComparison.OrdinalIgnoreCase);
}
