namespace BmeQuant.Imaging.IO;

/// <summary>NIfTI voxel datatypes (the header's <c>datatype</c> codes) that BmeQuant reads and writes.</summary>
public enum NiftiDataType : short
{
    /// <summary>Unknown or unset.</summary>
    Unknown = 0,

    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 4,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 8,

    /// <summary>IEEE 754 32-bit float.</summary>
    Float32 = 16,

    /// <summary>IEEE 754 64-bit float.</summary>
    Float64 = 64,

    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 256,

    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 512,

    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 768,

    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 1024,

    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 1280,
}

/// <summary>Meaning of a NIfTI qform/sform (the <c>qform_code</c> / <c>sform_code</c> values).</summary>
public enum NiftiXformCode : short
{
    /// <summary>No transform: the matrix is not set.</summary>
    Unknown = 0,

    /// <summary>Scanner-based anatomical coordinates.</summary>
    ScannerAnatomical = 1,

    /// <summary>Coordinates aligned to another file or to anatomical truth.</summary>
    AlignedAnatomical = 2,

    /// <summary>Talairach space.</summary>
    Talairach = 3,

    /// <summary>MNI 152 space.</summary>
    Mni152 = 4,
}
