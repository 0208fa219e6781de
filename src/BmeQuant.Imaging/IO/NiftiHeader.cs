namespace BmeQuant.Imaging.IO;

/// <summary>
/// The facts of a NIfTI-1 or NIfTI-2 header that BmeQuant uses, decoded to native types, plus the
/// voxel grid's geometry in LPS millimetres (see <see cref="Geometry"/>).
/// </summary>
public sealed class NiftiHeader
{
    internal NiftiHeader()
    {
    }

    /// <summary>1 for NIfTI-1, 2 for NIfTI-2.</summary>
    public int Version { get; internal set; }

    /// <summary>The file the header was read from.</summary>
    public string Path { get; internal set; } = "";

    /// <summary>True when the file is big-endian.</summary>
    public bool IsBigEndian { get; internal set; }

    /// <summary>Number of dimensions (dim[0]), 1..7.</summary>
    public int Rank { get; internal set; }

    /// <summary>Extent along each of the seven axes (dim[1..7]); axes beyond <see cref="Rank"/> are 1.</summary>
    public IReadOnlyList<long> Dimensions { get; internal set; } = [];

    /// <summary>Voxel datatype.</summary>
    public NiftiDataType DataType { get; internal set; }

    /// <summary>Bits per voxel as stored.</summary>
    public int BitsPerVoxel { get; internal set; }

    /// <summary>pixdim[0..7]; pixdim[0] is the qform handedness factor qfac.</summary>
    public IReadOnlyList<double> PixDim { get; internal set; } = [];

    /// <summary>Byte offset of the voxel data in the (decompressed) file.</summary>
    public long VoxelOffset { get; internal set; }

    /// <summary>scl_slope as stored (0 or not finite means "no scaling").</summary>
    public double ScaleSlope { get; internal set; }

    /// <summary>scl_inter as stored.</summary>
    public double ScaleIntercept { get; internal set; }

    /// <summary>qform_code.</summary>
    public NiftiXformCode QFormCode { get; internal set; }

    /// <summary>sform_code.</summary>
    public NiftiXformCode SFormCode { get; internal set; }

    /// <summary>The descrip field.</summary>
    public string Description { get; internal set; } = "";

    /// <summary>Number of 3-D volumes in the file (product of dim[4..7]).</summary>
    public long VolumeCount { get; internal set; }

    /// <summary>
    /// The grid of one 3-D volume in LPS mm: from the sform when sform_code &gt; 0, else from the qform when
    /// qform_code &gt; 0, else from pixdim alone (axis-aligned at the origin). The direction is the nearest
    /// orthonormal matrix to the stored one (float storage leaves ~1e-7 of non-orthogonality).
    /// </summary>
    public ImageGeometry Geometry { get; internal set; } = null!;

    /// <summary>Which transform the geometry came from: "sform", "qform" or "pixdim".</summary>
    public string GeometrySource { get; internal set; } = "";

    /// <summary>The grid the qform gives (qform_code &gt; 0 and a valid transform), else null; compare with <see cref="SFormGeometry"/> to find files whose two transforms disagree.</summary>
    public ImageGeometry? QFormGeometry { get; internal set; }

    /// <summary>The grid the sform gives (sform_code &gt; 0 and a valid transform), else null.</summary>
    public ImageGeometry? SFormGeometry { get; internal set; }

    /// <summary>True when the stored scaling changes values (slope finite, non-zero, and not 1 with intercept 0).</summary>
    public bool HasScaling => double.IsFinite(ScaleSlope) && ScaleSlope != 0 && double.IsFinite(ScaleIntercept) && (ScaleSlope != 1 || ScaleIntercept != 0);

    /// <summary>Bytes per voxel of <see cref="DataType"/>.</summary>
    public int BytesPerVoxel => NiftiFormat.BytesPerVoxel(DataType);
}
