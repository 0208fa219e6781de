namespace BmeQuant.Dicom.Sr;

/// <summary>
/// Codes used in BmeQuant's structured reports and segmentations: DICOM (DCM) and SNOMED CT (SCT) concepts from the
/// standard's context groups, UCUM units, and BmeQuant's own measures under the private scheme <see cref="PrivateScheme"/>
/// (declared in the Coding Scheme Identification Sequence of every report).
/// </summary>
public static class SrCodes
{
    /// <summary>Private coding scheme designator for measures without a standard code.</summary>
    public const string PrivateScheme = "99BMEQ";

    /// <summary>(126000, DCM) Imaging Measurement Report: TID 1500 document title.</summary>
    public static CodedConcept ImagingMeasurementReport { get; } = new("126000", "DCM", "Imaging Measurement Report");

    /// <summary>(121049, DCM) Language of Content Item and Descendants.</summary>
    public static CodedConcept LanguageOfContent { get; } = new("121049", "DCM", "Language of Content Item and Descendants");

    /// <summary>(eng, RFC5646) English.</summary>
    public static CodedConcept English { get; } = new("eng", "RFC5646", "English");

    /// <summary>(121005, DCM) Observer Type.</summary>
    public static CodedConcept ObserverType { get; } = new("121005", "DCM", "Observer Type");

    /// <summary>(121007, DCM) Device.</summary>
    public static CodedConcept Device { get; } = new("121007", "DCM", "Device");

    /// <summary>(121012, DCM) Device Observer UID.</summary>
    public static CodedConcept DeviceObserverUid { get; } = new("121012", "DCM", "Device Observer UID");

    /// <summary>(121013, DCM) Device Observer Name.</summary>
    public static CodedConcept DeviceObserverName { get; } = new("121013", "DCM", "Device Observer Name");

    /// <summary>(121058, DCM) Procedure reported.</summary>
    public static CodedConcept ProcedureReported { get; } = new("121058", "DCM", "Procedure reported");

    /// <summary>(113091000, SCT) Magnetic resonance imaging.</summary>
    public static CodedConcept MagneticResonanceImaging { get; } = new("113091000", "SCT", "Magnetic resonance imaging");

    /// <summary>(111028, DCM) Image Library.</summary>
    public static CodedConcept ImageLibrary { get; } = new("111028", "DCM", "Image Library");

    /// <summary>(126200, DCM) Image Library Group.</summary>
    public static CodedConcept ImageLibraryGroup { get; } = new("126200", "DCM", "Image Library Group");

    /// <summary>(126010, DCM) Imaging Measurements.</summary>
    public static CodedConcept ImagingMeasurements { get; } = new("126010", "DCM", "Imaging Measurements");

    /// <summary>(125007, DCM) Measurement Group.</summary>
    public static CodedConcept MeasurementGroup { get; } = new("125007", "DCM", "Measurement Group");

    /// <summary>(112039, DCM) Tracking Identifier.</summary>
    public static CodedConcept TrackingIdentifier { get; } = new("112039", "DCM", "Tracking Identifier");

    /// <summary>(112040, DCM) Tracking Unique Identifier.</summary>
    public static CodedConcept TrackingUniqueIdentifier { get; } = new("112040", "DCM", "Tracking Unique Identifier");

    /// <summary>(C2348792, UMLS) Time Point (TID 1502).</summary>
    public static CodedConcept TimePoint { get; } = new("C2348792", "UMLS", "Time Point");

    /// <summary>(121191, DCM) Referenced Segment.</summary>
    public static CodedConcept ReferencedSegment { get; } = new("121191", "DCM", "Referenced Segment");

    /// <summary>(121232, DCM) Source series for segmentation.</summary>
    public static CodedConcept SourceSeriesForSegmentation { get; } = new("121232", "DCM", "Source series for segmentation");

    /// <summary>(121071, DCM) Finding.</summary>
    public static CodedConcept Finding { get; } = new("121071", "DCM", "Finding");

    /// <summary>(363698007, SCT) Finding Site.</summary>
    public static CodedConcept FindingSite { get; } = new("363698007", "SCT", "Finding Site");

    /// <summary>(118565006, SCT) Volume.</summary>
    public static CodedConcept Volume { get; } = new("118565006", "SCT", "Volume");

    /// <summary>(79654002, SCT) Edema.</summary>
    public static CodedConcept Edema { get; } = new("79654002", "SCT", "Edema");

    /// <summary>(49755003, SCT) Morphologically Altered Structure (segment category for lesions).</summary>
    public static CodedConcept MorphologicallyAlteredStructure { get; } = new("49755003", "SCT", "Morphologically Altered Structure");

    /// <summary>(123037004, SCT) Anatomical Structure (segment category for bones).</summary>
    public static CodedConcept AnatomicalStructure { get; } = new("123037004", "SCT", "Anatomical Structure");

    /// <summary>(14016003, SCT) Bone marrow structure.</summary>
    public static CodedConcept BoneMarrow { get; } = new("14016003", "SCT", "Bone marrow structure");

    /// <summary>(272673000, SCT) Bone structure (a bone without a more specific code).</summary>
    public static CodedConcept Bone { get; } = new("272673000", "SCT", "Bone structure");

    /// <summary>(7771000, SCT) Left.</summary>
    public static CodedConcept Left { get; } = new("7771000", "SCT", "Left");

    /// <summary>(24028007, SCT) Right.</summary>
    public static CodedConcept Right { get; } = new("24028007", "SCT", "Right");

    /// <summary>UCUM mm3.</summary>
    public static CodedConcept CubicMillimeter { get; } = new("mm3", "UCUM", "cubic millimeter");

    /// <summary>UCUM %.</summary>
    public static CodedConcept Percent { get; } = new("%", "UCUM", "percent");

    /// <summary>UCUM {ratio}.</summary>
    public static CodedConcept Ratio { get; } = new("{ratio}", "UCUM", "ratio");

    /// <summary>UCUM 1 (a dimensionless count or grade).</summary>
    public static CodedConcept NoUnits { get; } = new("1", "UCUM", "no units");

    /// <summary>(bone-vol, 99BMEQ) Volume of the bone (region) the edema is measured in.</summary>
    public static CodedConcept RegionVolume { get; } = new("bone-vol", PrivateScheme, "Bone volume");

    /// <summary>(edema-pct-bone, 99BMEQ) Edema volume as percent of the bone volume.</summary>
    public static CodedConcept EdemaPercentOfBone { get; } = new("edema-pct-bone", PrivateScheme, "Edema percent of bone");

    /// <summary>(edema-nm-ratio, 99BMEQ) Mean fluid-sensitive signal in edema / in normal marrow.</summary>
    public static CodedConcept EdemaToNormalMarrowRatio { get; } = new("edema-nm-ratio", PrivateScheme, "Edema to normal marrow signal ratio");

    /// <summary>(worms, 99BMEQ) WORMS bone marrow lesion grade.</summary>
    public static CodedConcept WormsGrade { get; } = new("worms", PrivateScheme, "WORMS grade");

    /// <summary>(moaks, 99BMEQ) MOAKS bone marrow lesion grade.</summary>
    public static CodedConcept MoaksGrade { get; } = new("moaks", PrivateScheme, "MOAKS grade");

    /// <summary>(foci, 99BMEQ) Number of separate lesions.</summary>
    public static CodedConcept FociCount { get; } = new("foci", PrivateScheme, "Number of foci");

    /// <summary>(vol-change, 99BMEQ) Edema volume change since the previous timepoint.</summary>
    public static CodedConcept VolumeChange { get; } = new("vol-change", PrivateScheme, "Edema volume change from previous");

    /// <summary>(vol-change-pct, 99BMEQ) Relative edema volume change since the previous timepoint.</summary>
    public static CodedConcept VolumeChangePercent { get; } = new("vol-change-pct", PrivateScheme, "Edema volume change from previous, percent");
}
