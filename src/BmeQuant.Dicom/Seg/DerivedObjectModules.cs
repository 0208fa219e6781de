using System.Globalization;
using BmeQuant.Dicom.Sr;

namespace BmeQuant.Dicom.Seg;

/// <summary>Attribute groups shared by the derived objects BmeQuant writes (SEG, SR): patient, study, equipment, references.</summary>
internal static class DerivedObjectModules
{
    private static readonly DicomTag[] s_patientStudyTags =
    [
        DicomTag.SpecificCharacterSet,
        DicomTag.PatientName, DicomTag.PatientID, DicomTag.IssuerOfPatientID, DicomTag.PatientBirthDate, DicomTag.PatientSex,
        DicomTag.StudyInstanceUID, DicomTag.StudyDate, DicomTag.StudyTime, DicomTag.ReferringPhysicianName, DicomTag.StudyID,
        DicomTag.AccessionNumber, DicomTag.StudyDescription,
    ];

    // Type 2 attributes of the Patient and General Study modules: present, possibly empty.
    private static readonly DicomTag[] s_type2 =
    [
        DicomTag.PatientName, DicomTag.PatientID, DicomTag.PatientBirthDate, DicomTag.PatientSex,
        DicomTag.StudyDate, DicomTag.StudyTime, DicomTag.ReferringPhysicianName, DicomTag.StudyID, DicomTag.AccessionNumber,
    ];

    /// <summary>Copies the Patient and General Study attributes (values as encoded, with the character set) from the source.</summary>
    public static void CopyPatientAndStudy(DicomDataset source, DicomDataset target)
    {
        foreach (var tag in s_patientStudyTags)
        {
            if (source.TryGetItem(tag, out var item) && item is DicomElement e)
            {
                target.AddOrUpdate(new DicomElement(e.Tag, e.VR, e.Data));
            }
        }

        foreach (var tag in s_type2)
        {
            if (!target.Contains(tag))
            {
                target.Add(tag, Array.Empty<string>());
            }
        }
    }

    /// <summary>General Equipment and Enhanced General Equipment attributes.</summary>
    public static void AddEquipment(DicomDataset ds, string softwareVersion)
    {
        ds.AddOrUpdate(DicomTag.Manufacturer, "BmeQuant");
        ds.AddOrUpdate(DicomTag.ManufacturerModelName, "BmeQuant");
        ds.AddOrUpdate(DicomTag.DeviceSerialNumber, "0");
        ds.AddOrUpdate(DicomTag.SoftwareVersions, softwareVersion);
    }

    /// <summary>Content Date and Time (DA, TM) of <paramref name="when"/>.</summary>
    public static void AddContentDateTime(DicomDataset ds, DateTimeOffset when)
    {
        ds.AddOrUpdate(DicomTag.ContentDate, when.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        ds.AddOrUpdate(DicomTag.ContentTime, when.ToString("HHmmss", CultureInfo.InvariantCulture));
        ds.AddOrUpdate(DicomTag.InstanceCreationDate, when.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        ds.AddOrUpdate(DicomTag.InstanceCreationTime, when.ToString("HHmmss", CultureInfo.InvariantCulture));
    }

    /// <summary>A sequence holding one code item.</summary>
    public static void AddCode(DicomDataset ds, DicomTag sequence, CodedConcept code) => ds.AddOrUpdate(sequence, code.ToItem());

    /// <summary>An item (ReferencedSOPClassUID, ReferencedSOPInstanceUID[, ReferencedFrameNumber]).</summary>
    public static DicomDataset SopReference(SourceImage image)
    {
        var item = new DicomDataset();
        item.Add(DicomTag.ReferencedSOPClassUID, image.SopClassUid);
        item.Add(DicomTag.ReferencedSOPInstanceUID, image.SopInstanceUid);
        if (image.FrameNumber is { } f)
        {
            item.Add(DicomTag.ReferencedFrameNumber, f);
        }

        return item;
    }

    /// <summary>An AT element holding <paramref name="tags"/>.</summary>
    public static DicomElement AttributeTags(DicomTag tag, params DicomTag[] tags)
    {
        var bytes = new byte[4 * tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), tags[i].Group);
            BitConverter.TryWriteBytes(bytes.AsSpan((4 * i) + 2), tags[i].Element);
        }

        return new DicomElement(tag, DicomVR.AT, bytes);
    }
}
