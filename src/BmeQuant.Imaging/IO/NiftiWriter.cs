using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace BmeQuant.Imaging.IO;

/// <summary>
/// Writes a <see cref="Volume{T}"/> as a single-file NIfTI-1 (<c>.nii</c>, or gzip-compressed when the path ends in
/// <c>.gz</c>), little-endian, with both the sform (the exact affine) and the qform (the same grid as a quaternion)
/// set, LPS converted to NIfTI's RAS. The file is written to a temporary file beside the target and then renamed
/// over it, so a failed write never leaves a partial file under the target name.
/// </summary>
public static class NiftiWriter
{
    /// <summary>Writes <paramref name="volume"/> to <paramref name="path"/>.</summary>
    /// <typeparam name="T">byte, sbyte, short, ushort, int, uint, long, ulong, float or double.</typeparam>
    /// <param name="volume">The volume to write.</param>
    /// <param name="path">Target file; <c>.gz</c> at the end selects gzip compression.</param>
    /// <param name="code">The sform and qform code: <see cref="NiftiXformCode.ScannerAnatomical"/> (default) or <see cref="NiftiXformCode.AlignedAnatomical"/>.</param>
    /// <param name="description">Up to 79 ASCII characters for the descrip field.</param>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> has no NIfTI datatype, or the code is not 1 or 2.</exception>
    public static void Write<T>(Volume<T> volume, string path, NiftiXformCode code = NiftiXformCode.ScannerAnatomical, string? description = null)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(volume);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var type = NiftiFormat.DataTypeOf<T>();
        if (type == NiftiDataType.Unknown)
        {
            throw new ArgumentException($"Voxel type {typeof(T).Name} has no NIfTI datatype.", nameof(volume));
        }

        if (code is not (NiftiXformCode.ScannerAnatomical or NiftiXformCode.AlignedAnatomical))
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "Expected ScannerAnatomical (1) or AlignedAnatomical (2).");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("NiftiWriter writes little-endian files from a little-endian process only.");
        }

        var header = BuildHeader(volume.Geometry, type, code, description ?? "BmeQuant");
        var gz = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        AtomicFile.Write(path, file =>
        {
            if (gz)
            {
                using var stream = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true);
                stream.Write(header);
                stream.Write(MemoryMarshal.AsBytes(volume.Span));
            }
            else
            {
                file.Write(header);
                file.Write(MemoryMarshal.AsBytes(volume.Span));
            }
        });
    }

    /// <summary>The 352 bytes before the voxel data: the NIfTI-1 header and an empty extension flag.</summary>
    internal static byte[] BuildHeader(ImageGeometry geometry, NiftiDataType type, NiftiXformCode code, string description)
    {
        var h = new byte[352];
        var s = h.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(s, NiftiFormat.Nifti1HeaderSize);
        s[38] = (byte)'r'; // "regular", as other writers set it
        short[] dim = [3, (short)geometry.SizeX, (short)geometry.SizeY, (short)geometry.SizeZ, 1, 1, 1, 1];
        if (geometry.SizeX > short.MaxValue || geometry.SizeY > short.MaxValue || geometry.SizeZ > short.MaxValue)
        {
            throw new ArgumentException($"NIfTI-1 holds at most {short.MaxValue} voxels per axis; the volume is {geometry.SizeX}×{geometry.SizeY}×{geometry.SizeZ}.", nameof(geometry));
        }

        for (var n = 0; n < 8; n++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(s[(40 + (2 * n))..], dim[n]);
        }

        BinaryPrimitives.WriteInt16LittleEndian(s[70..], (short)type);
        BinaryPrimitives.WriteInt16LittleEndian(s[72..], (short)(NiftiFormat.BytesPerVoxel(type) * 8));

        // LPS → RAS: negate the x and y rows of the index-to-physical matrix and of the origin.
        var m = geometry.IndexToPhysicalMatrix;
        var linearRas = new Matrix3D(-m.M00, -m.M01, -m.M02, -m.M10, -m.M11, -m.M12, m.M20, m.M21, m.M22);
        var originRas = new Vector3D(-geometry.Origin.X, -geometry.Origin.Y, geometry.Origin.Z);
        var d = geometry.Direction;
        var directionRas = new Matrix3D(-d.M00, -d.M01, -d.M02, -d.M10, -d.M11, -d.M12, d.M20, d.M21, d.M22);
        var (qb, qc, qd, qfac) = NiftiFormat.MatrixToQuaternion(directionRas);

        float[] pixdim = [(float)qfac, (float)geometry.Spacing.X, (float)geometry.Spacing.Y, (float)geometry.Spacing.Z, 0, 0, 0, 0];
        for (var n = 0; n < 8; n++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(s[(76 + (4 * n))..], pixdim[n]);
        }

        BinaryPrimitives.WriteSingleLittleEndian(s[108..], 352f); // vox_offset
        BinaryPrimitives.WriteSingleLittleEndian(s[112..], 1f); // scl_slope: values are stored as they are
        BinaryPrimitives.WriteSingleLittleEndian(s[116..], 0f); // scl_inter
        s[123] = 2; // xyzt_units: millimetres
        var text = Encoding.ASCII.GetBytes(description.Length > 79 ? description[..79] : description);
        text.AsSpan().CopyTo(s.Slice(148, 79));
        BinaryPrimitives.WriteInt16LittleEndian(s[252..], (short)code); // qform_code
        BinaryPrimitives.WriteInt16LittleEndian(s[254..], (short)code); // sform_code
        BinaryPrimitives.WriteSingleLittleEndian(s[256..], (float)qb);
        BinaryPrimitives.WriteSingleLittleEndian(s[260..], (float)qc);
        BinaryPrimitives.WriteSingleLittleEndian(s[264..], (float)qd);
        BinaryPrimitives.WriteSingleLittleEndian(s[268..], (float)originRas.X);
        BinaryPrimitives.WriteSingleLittleEndian(s[272..], (float)originRas.Y);
        BinaryPrimitives.WriteSingleLittleEndian(s[276..], (float)originRas.Z);
        for (var row = 0; row < 3; row++)
        {
            var r = linearRas.Row(row);
            BinaryPrimitives.WriteSingleLittleEndian(s[(280 + (16 * row))..], (float)r.X);
            BinaryPrimitives.WriteSingleLittleEndian(s[(284 + (16 * row))..], (float)r.Y);
            BinaryPrimitives.WriteSingleLittleEndian(s[(288 + (16 * row))..], (float)r.Z);
            BinaryPrimitives.WriteSingleLittleEndian(s[(292 + (16 * row))..], (float)originRas[row]);
        }

        "n+1\0"u8.CopyTo(s[344..]);
        return h;
    }
}
