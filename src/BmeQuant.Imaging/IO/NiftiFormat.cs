using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace BmeQuant.Imaging.IO;

/// <summary>Header layout, datatype facts and affine ↔ geometry conversions shared by the reader and writer.</summary>
internal static class NiftiFormat
{
    public const int Nifti1HeaderSize = 348;
    public const int Nifti2HeaderSize = 540;

    /// <summary>Largest extent accepted along one axis (a guard against corrupt headers).</summary>
    public const long MaxAxisLength = 1 << 16;

    public static int BytesPerVoxel(NiftiDataType type) => type switch
    {
        NiftiDataType.UInt8 or NiftiDataType.Int8 => 1,
        NiftiDataType.Int16 or NiftiDataType.UInt16 => 2,
        NiftiDataType.Int32 or NiftiDataType.UInt32 or NiftiDataType.Float32 => 4,
        NiftiDataType.Int64 or NiftiDataType.UInt64 or NiftiDataType.Float64 => 8,
        _ => 0,
    };

    public static NiftiDataType DataTypeOf<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(byte))
        {
            return NiftiDataType.UInt8;
        }

        if (typeof(T) == typeof(sbyte))
        {
            return NiftiDataType.Int8;
        }

        if (typeof(T) == typeof(short))
        {
            return NiftiDataType.Int16;
        }

        if (typeof(T) == typeof(ushort))
        {
            return NiftiDataType.UInt16;
        }

        if (typeof(T) == typeof(int))
        {
            return NiftiDataType.Int32;
        }

        if (typeof(T) == typeof(uint))
        {
            return NiftiDataType.UInt32;
        }

        if (typeof(T) == typeof(long))
        {
            return NiftiDataType.Int64;
        }

        if (typeof(T) == typeof(ulong))
        {
            return NiftiDataType.UInt64;
        }

        if (typeof(T) == typeof(float))
        {
            return NiftiDataType.Float32;
        }

        if (typeof(T) == typeof(double))
        {
            return NiftiDataType.Float64;
        }

        return NiftiDataType.Unknown;
    }

    /// <summary>Decodes a header from its first bytes (at least 348, or 540 for NIfTI-2).</summary>
    public static NiftiHeader Parse(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < Nifti1HeaderSize)
        {
            throw Bad(path, 0, "sizeof_hdr", $"file holds only {bytes.Length} bytes", "a 348-byte NIfTI-1 or 540-byte NIfTI-2 header");
        }

        var le = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var be = BinaryPrimitives.ReadInt32BigEndian(bytes);
        int version;
        bool big;
        if (le == Nifti1HeaderSize || be == Nifti1HeaderSize)
        {
            version = 1;
            big = le != Nifti1HeaderSize;
        }
        else if (le == Nifti2HeaderSize || be == Nifti2HeaderSize)
        {
            version = 2;
            big = le != Nifti2HeaderSize;
            if (bytes.Length < Nifti2HeaderSize)
            {
                throw Bad(path, 0, "sizeof_hdr", $"540 (NIfTI-2) but the file holds only {bytes.Length} bytes", "a complete 540-byte header");
            }
        }
        else
        {
            throw Bad(path, 0, "sizeof_hdr", le.ToString(CultureInfo.InvariantCulture), "348 (NIfTI-1) or 540 (NIfTI-2)");
        }

        var r = new HeaderReader(bytes, big);
        var h = new NiftiHeader { Version = version, Path = path, IsBigEndian = big };
        var dims = new long[8];
        var pixdim = new double[8];
        short datatype;
        (double B, double C, double D) quaternion;
        Vector3D qoffset;
        var srow = new double[3, 4];
        if (version == 1)
        {
            var magic = Encoding.ASCII.GetString(bytes.Slice(344, 3));
            if (magic != "n+1" && magic != "ni1")
            {
                throw Bad(path, 344, "magic", $"'{Printable(bytes.Slice(344, 4))}'", "'n+1' (single file); 'ni1' pairs (.hdr/.img) are not supported");
            }

            if (magic == "ni1")
            {
                throw Bad(path, 344, "magic", "'ni1' (a .hdr/.img pair)", "a single-file NIfTI ('n+1'); convert the pair to .nii");
            }

            for (var n = 0; n < 8; n++)
            {
                dims[n] = r.Int16(40 + (2 * n));
                pixdim[n] = r.Single(76 + (4 * n));
            }

            datatype = r.Int16(70);
            h.BitsPerVoxel = r.Int16(72);
            h.VoxelOffset = (long)r.Single(108);
            h.ScaleSlope = r.Single(112);
            h.ScaleIntercept = r.Single(116);
            h.Description = CString(bytes.Slice(148, 80));
            h.QFormCode = (NiftiXformCode)r.Int16(252);
            h.SFormCode = (NiftiXformCode)r.Int16(254);
            quaternion = (r.Single(256), r.Single(260), r.Single(264));
            qoffset = new Vector3D(r.Single(268), r.Single(272), r.Single(276));
            for (var row = 0; row < 3; row++)
            {
                for (var c = 0; c < 4; c++)
                {
                    srow[row, c] = r.Single(280 + (16 * row) + (4 * c));
                }
            }
        }
        else
        {
            var magic = Encoding.ASCII.GetString(bytes.Slice(4, 3));
            if (magic != "n+2")
            {
                throw Bad(path, 4, "magic", $"'{Printable(bytes.Slice(4, 4))}'", "'n+2' (single-file NIfTI-2)");
            }

            datatype = r.Int16(12);
            h.BitsPerVoxel = r.Int16(14);
            for (var n = 0; n < 8; n++)
            {
                dims[n] = r.Int64(16 + (8 * n));
                pixdim[n] = r.Double(104 + (8 * n));
            }

            h.VoxelOffset = r.Int64(168);
            h.ScaleSlope = r.Double(176);
            h.ScaleIntercept = r.Double(184);
            h.Description = CString(bytes.Slice(240, 80));
            h.QFormCode = (NiftiXformCode)r.Int32(344);
            h.SFormCode = (NiftiXformCode)r.Int32(348);
            quaternion = (r.Double(352), r.Double(360), r.Double(368));
            qoffset = new Vector3D(r.Double(376), r.Double(384), r.Double(392));
            for (var row = 0; row < 3; row++)
            {
                for (var c = 0; c < 4; c++)
                {
                    srow[row, c] = r.Double(400 + (32 * row) + (8 * c));
                }
            }
        }

        var rank = dims[0];
        if (rank < 1 || rank > 7)
        {
            throw Bad(path, version == 1 ? 40 : 16, "dim[0]", rank.ToString(CultureInfo.InvariantCulture), "a rank between 1 and 7");
        }

        var extents = new long[7];
        long volumes = 1;
        for (var n = 1; n <= 7; n++)
        {
            var d = n <= rank ? dims[n] : 1;
            if (n <= rank && (d < 1 || d > MaxAxisLength))
            {
                throw Bad(path, (version == 1 ? 40 : 16) + (n * (version == 1 ? 2 : 8)), $"dim[{n}]", d.ToString(CultureInfo.InvariantCulture), $"an extent between 1 and {MaxAxisLength}");
            }

            extents[n - 1] = d;
            if (n >= 4)
            {
                volumes *= d;
            }
        }

        if (extents[0] * extents[1] * extents[2] > Array.MaxLength)
        {
            throw Bad(path, version == 1 ? 40 : 16, "dim", $"{extents[0]}×{extents[1]}×{extents[2]}", $"at most {Array.MaxLength} voxels per 3-D volume");
        }

        h.Rank = (int)rank;
        h.Dimensions = extents;
        h.VolumeCount = volumes;
        h.PixDim = pixdim;
        h.DataType = (NiftiDataType)datatype;
        var bpv = BytesPerVoxel(h.DataType);
        if (bpv == 0)
        {
            throw Bad(path, version == 1 ? 70 : 12, "datatype", datatype.ToString(CultureInfo.InvariantCulture), "one of uint8 (2), int8 (256), int16 (4), uint16 (512), int32 (8), uint32 (768), int64 (1024), uint64 (1280), float32 (16), float64 (64)");
        }

        if (h.BitsPerVoxel != bpv * 8)
        {
            throw Bad(path, version == 1 ? 72 : 14, "bitpix", h.BitsPerVoxel.ToString(CultureInfo.InvariantCulture), $"{bpv * 8} for datatype {h.DataType}");
        }

        var minOffset = version == 1 ? 352 : 544;
        if (h.VoxelOffset < minOffset)
        {
            // Some writers leave vox_offset 0 in single files; the data then follows the header and extension flag.
            if (h.VoxelOffset != 0)
            {
                throw Bad(path, version == 1 ? 108 : 168, "vox_offset", h.VoxelOffset.ToString(CultureInfo.InvariantCulture), $"at least {minOffset}");
            }

            h.VoxelOffset = minOffset;
        }

        SetGeometry(h, pixdim, extents, quaternion, qoffset, srow);
        return h;
    }

    private static void SetGeometry(NiftiHeader h, double[] pixdim, long[] extents, (double B, double C, double D) quaternion, Vector3D qoffset, double[,] srow)
    {
        var path = h.Path;
        int nx = (int)extents[0], ny = (int)extents[1], nz = (int)extents[2];
        ImageGeometry SForm()
        {
            var s = srow;
            var linearRas = new Matrix3D(s[0, 0], s[0, 1], s[0, 2], s[1, 0], s[1, 1], s[1, 2], s[2, 0], s[2, 1], s[2, 2]);
            return GeometryFromRasAffine(nx, ny, nz, linearRas, new Vector3D(s[0, 3], s[1, 3], s[2, 3]), path, "sform");
        }

        ImageGeometry QForm()
        {
            var (b, c, d) = quaternion;
            var rotation = QuaternionToMatrix(b, c, d);
            var qfac = pixdim[0] < 0 ? -1.0 : 1.0;
            var dx = SpacingOrOne(pixdim[1]);
            var dy = SpacingOrOne(pixdim[2]);
            var dz = SpacingOrOne(pixdim[3]) * qfac;
            return GeometryFromRasAffine(nx, ny, nz, rotation * new Matrix3D(dx, 0, 0, 0, dy, 0, 0, 0, dz), qoffset, path, "qform");
        }

        // The transform in use must be valid (its error is the file's); the other one is recorded only when it is valid.
        static ImageGeometry? OrNull(Func<ImageGeometry> make)
        {
            try
            {
                return make();
            }
            catch (ImageFormatException)
            {
                return null;
            }
        }

        if (h.SFormCode > 0)
        {
            h.Geometry = h.SFormGeometry = SForm();
            h.QFormGeometry = h.QFormCode > 0 ? OrNull(QForm) : null;
            h.GeometrySource = "sform";
        }
        else if (h.QFormCode > 0)
        {
            h.Geometry = h.QFormGeometry = QForm();
            h.GeometrySource = "qform";
        }
        else
        {
            var linearRas = new Matrix3D(SpacingOrOne(pixdim[1]), 0, 0, 0, SpacingOrOne(pixdim[2]), 0, 0, 0, SpacingOrOne(pixdim[3]));
            h.GeometrySource = "pixdim";
            h.Geometry = GeometryFromRasAffine(nx, ny, nz, linearRas, Vector3D.Zero, path, h.GeometrySource);
        }
    }

    private static double SpacingOrOne(double v) => double.IsFinite(v) && v > 0 ? v : (double.IsFinite(v) && v < 0 ? -v : 1.0);

    /// <summary>Rotation matrix of the unit quaternion (a, b, c, d) with a = sqrt(1 − b² − c² − d²) (NIfTI's convention).</summary>
    public static Matrix3D QuaternionToMatrix(double b, double c, double d)
    {
        var n = (b * b) + (c * c) + (d * d);
        double a;
        if (n > 1)
        {
            // Slightly over 1 from float rounding: renormalise (b, c, d) and take a 180° rotation.
            var s = 1 / Math.Sqrt(n);
            b *= s;
            c *= s;
            d *= s;
            a = 0;
        }
        else
        {
            a = Math.Sqrt(1 - n);
        }

        return new Matrix3D(
            (a * a) + (b * b) - (c * c) - (d * d), 2 * ((b * c) - (a * d)), 2 * ((b * d) + (a * c)),
            2 * ((b * c) + (a * d)), (a * a) + (c * c) - (b * b) - (d * d), 2 * ((c * d) - (a * b)),
            2 * ((b * d) - (a * c)), 2 * ((c * d) + (a * b)), (a * a) + (d * d) - (b * b) - (c * c));
    }

    /// <summary>Quaternion (b, c, d) and qfac of a direction matrix in RAS (columns unit length, orthogonal).</summary>
    public static (double B, double C, double D, double QFac) MatrixToQuaternion(Matrix3D rasDirection)
    {
        var m = rasDirection;
        var qfac = 1.0;
        if (m.Determinant() < 0)
        {
            // A left-handed grid: NIfTI stores it as a rotation with the k column flipped and pixdim[0] = -1.
            qfac = -1.0;
            m = Matrix3D.FromColumns(m.Column(0), m.Column(1), -m.Column(2));
        }

        // Shepperd's method: pick the largest of 4a², 4b², 4c², 4d² for numerical stability.
        var trace = m.M00 + m.M11 + m.M22;
        double a, b, c, d;
        if (trace > 0)
        {
            var s = Math.Sqrt(trace + 1) * 2;
            a = 0.25 * s;
            b = (m.M21 - m.M12) / s;
            c = (m.M02 - m.M20) / s;
            d = (m.M10 - m.M01) / s;
        }
        else if (m.M00 > m.M11 && m.M00 > m.M22)
        {
            var s = Math.Sqrt(1 + m.M00 - m.M11 - m.M22) * 2;
            a = (m.M21 - m.M12) / s;
            b = 0.25 * s;
            c = (m.M01 + m.M10) / s;
            d = (m.M02 + m.M20) / s;
        }
        else if (m.M11 > m.M22)
        {
            var s = Math.Sqrt(1 + m.M11 - m.M00 - m.M22) * 2;
            a = (m.M02 - m.M20) / s;
            b = (m.M01 + m.M10) / s;
            c = 0.25 * s;
            d = (m.M12 + m.M21) / s;
        }
        else
        {
            var s = Math.Sqrt(1 + m.M22 - m.M00 - m.M11) * 2;
            a = (m.M10 - m.M01) / s;
            b = (m.M02 + m.M20) / s;
            c = (m.M12 + m.M21) / s;
            d = 0.25 * s;
        }

        if (a < 0)
        {
            // NIfTI derives a ≥ 0 from b, c, d: use the equivalent quaternion −q.
            b = -b;
            c = -c;
            d = -d;
        }

        return (b, c, d, qfac);
    }

    /// <summary>Converts a RAS affine (linear part and translation) to an LPS <see cref="ImageGeometry"/>.</summary>
    public static ImageGeometry GeometryFromRasAffine(int nx, int ny, int nz, Matrix3D linearRas, Vector3D originRas, string path, string source)
    {
        // RAS → LPS: negate the x and y rows.
        var lps = new Matrix3D(
            -linearRas.M00, -linearRas.M01, -linearRas.M02,
            -linearRas.M10, -linearRas.M11, -linearRas.M12,
            linearRas.M20, linearRas.M21, linearRas.M22);
        var origin = new Vector3D(-originRas.X, -originRas.Y, originRas.Z);
        var spacing = new Vector3D(lps.Column(0).Length, lps.Column(1).Length, lps.Column(2).Length);
        if (!(spacing.X > 0 && spacing.Y > 0 && spacing.Z > 0) || !double.IsFinite(spacing.X + spacing.Y + spacing.Z) || !double.IsFinite(origin.X + origin.Y + origin.Z))
        {
            throw new ImageFormatException(string.Create(
                CultureInfo.InvariantCulture,
                $"{path}: the {source} gives voxel spacing {spacing} mm and origin {origin}; expected positive finite spacing and a finite origin."));
        }

        var direction = Matrix3D.FromColumns(lps.Column(0) / spacing.X, lps.Column(1) / spacing.Y, lps.Column(2) / spacing.Z);
        var deviation = (direction.Transpose() * direction).MaxAbsDifference(Matrix3D.Identity);
        if (deviation > 1e-3)
        {
            throw new ImageFormatException(string.Create(
                CultureInfo.InvariantCulture,
                $"{path}: the {source} is sheared (axis cosines {direction.Column(0)}, {direction.Column(1)}, {direction.Column(2)} deviate from orthonormal by {deviation:G3}); expected orthogonal voxel axes."));
        }

        return new ImageGeometry(nx, ny, nz, spacing, origin, NearestOrthonormal(direction));
    }

    /// <summary>The nearest orthonormal matrix (polar factor) by Newton iteration R ← (R + R⁻ᵀ)/2.</summary>
    public static Matrix3D NearestOrthonormal(Matrix3D m)
    {
        for (var iteration = 0; iteration < 20; iteration++)
        {
            var inverseTranspose = m.Inverse().Transpose();
            var next = new Matrix3D(
                0.5 * (m.M00 + inverseTranspose.M00), 0.5 * (m.M01 + inverseTranspose.M01), 0.5 * (m.M02 + inverseTranspose.M02),
                0.5 * (m.M10 + inverseTranspose.M10), 0.5 * (m.M11 + inverseTranspose.M11), 0.5 * (m.M12 + inverseTranspose.M12),
                0.5 * (m.M20 + inverseTranspose.M20), 0.5 * (m.M21 + inverseTranspose.M21), 0.5 * (m.M22 + inverseTranspose.M22));
            var change = next.MaxAbsDifference(m);
            m = next;
            if (change < 1e-15)
            {
                break;
            }
        }

        return m;
    }

    public static ImageFormatException Bad(string path, long offset, string field, string found, string expected) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{path}: NIfTI header field {field} at byte {offset}: found {found}; expected {expected}."));

    private static string CString(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (var b in bytes)
        {
            sb.Append(b is >= 32 and < 127 ? (char)b : '.');
        }

        return sb.ToString();
    }

    private readonly ref struct HeaderReader(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private readonly bool _big = bigEndian;

        public short Int16(int o) => _big ? BinaryPrimitives.ReadInt16BigEndian(_bytes[o..]) : BinaryPrimitives.ReadInt16LittleEndian(_bytes[o..]);

        public int Int32(int o) => _big ? BinaryPrimitives.ReadInt32BigEndian(_bytes[o..]) : BinaryPrimitives.ReadInt32LittleEndian(_bytes[o..]);

        public long Int64(int o) => _big ? BinaryPrimitives.ReadInt64BigEndian(_bytes[o..]) : BinaryPrimitives.ReadInt64LittleEndian(_bytes[o..]);

        public float Single(int o) => _big ? BinaryPrimitives.ReadSingleBigEndian(_bytes[o..]) : BinaryPrimitives.ReadSingleLittleEndian(_bytes[o..]);

        public double Double(int o) => _big ? BinaryPrimitives.ReadDoubleBigEndian(_bytes[o..]) : BinaryPrimitives.ReadDoubleLittleEndian(_bytes[o..]);
    }
}
