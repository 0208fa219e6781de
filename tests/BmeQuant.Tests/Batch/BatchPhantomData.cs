using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using BmeQuant.Dicom;
using BmeQuant.Imaging.IO;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;

namespace BmeQuant.Testing;

/// <summary>
/// Small phantom studies for batch tests and the batch benchmark, and ways to break copies of them. One source file
/// compiled into BmeQuant.Tests, BmeQuant.Cli.Tests and BmeQuant.Benchmarks (linked), so the three build their
/// datasets the same way. No test framework here: failures throw <see cref="InvalidOperationException"/>.
/// </summary>
internal static class BatchPhantomData
{
    /// <summary>Identifying values written by <see cref="AddIdentifiers"/>; must never reach outputs.</summary>
    public static readonly string[] Identifiers = ["DOE^JANE", "MRN-99887766", "19610203", "St Elsewhere General", "Dr^Hibbert"];

    /// <summary>Manifest header of the NIfTI visit rows written by <see cref="NiftiRow"/>.</summary>
    public const string NiftiHeader = "patient,timepoint,date,anatomy,t1,stir,bone_mask";

    /// <summary>Dates of the four visits, as manifest text.</summary>
    public static IReadOnlyList<string> VisitDates { get; } = ["2026-01-05", "2026-03-06", "2026-06-04", "2026-09-02"];

    /// <summary>
    /// The migrating knee preset (seed 5) on a coarse grid: <paramref name="matrix"/>² pixels over the preset's field
    /// of view, <paramref name="slices"/> slices of 5 mm with 0.5 mm gaps; the first <paramref name="visits"/> visits.
    /// </summary>
    public static PhantomStudy SmallKnee(int visits, int matrix = 64, int slices = 16)
    {
        var spec = PhantomPresets.MigratingKneeBmes(seed: 5);
        spec = spec with
        {
            Acquisitions = spec.Acquisitions.Select(a => a with { Columns = matrix, Rows = matrix, PixelSpacingMm = a.PixelSpacingMm * a.Columns / matrix, Slices = slices, SliceThicknessMm = 5, SliceGapMm = 0.5 }).ToArray(),
            Visits = spec.Visits.Take(visits).ToArray(),
        };
        return PhantomGenerator.Generate(spec);
    }

    /// <summary>Writes <c>visitN/{t1,stir,bones}.nii</c> (N from 1) for every visit of <paramref name="study"/> under <paramref name="root"/>.</summary>
    public static void WriteNiftiVisits(PhantomStudy study, string root)
    {
        foreach (var visit in study.Visits)
        {
            var input = PhantomInputs.ToStudyInput(study, visit);
            var folder = Path.Combine(root, "visit" + (visit.Index + 1).ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            NiftiWriter.Write(input.FluidSensitive, Path.Combine(folder, "stir.nii"));
            NiftiWriter.Write(input.T1!, Path.Combine(folder, "t1.nii"));
            NiftiWriter.Write(input.BoneLabels!, Path.Combine(folder, "bones.nii"));
        }
    }

    /// <summary>
    /// Writes every visit of <paramref name="study"/> as a DICOM study folder <c>visit-NN-dayDDD</c> (one series folder
    /// per acquisition) and its bone label map as <c>bones-N.nii</c> (N from 1) under <paramref name="root"/>.
    /// </summary>
    public static void WriteDicomVisits(PhantomStudy study, string root)
    {
        PhantomDicomExporter.Write(study, root, new PhantomExportOptions { WriteTruthNifti = false });
        foreach (var visit in study.Visits)
        {
            var input = PhantomInputs.ToStudyInput(study, visit);
            NiftiWriter.Write(input.BoneLabels!, Path.Combine(root, "bones-" + (visit.Index + 1).ToString(CultureInfo.InvariantCulture) + ".nii"));
        }
    }

    /// <summary>A manifest row for <see cref="NiftiHeader"/>: the visit folder's t1/stir/bones files.</summary>
    public static string NiftiRow(string patient, string timepoint, string date, string visitFolder) =>
        $"{patient},{timepoint},{date},knee,{visitFolder}/t1.nii,{visitFolder}/stir.nii,{visitFolder}/bones.nii";

    /// <summary>Copies a folder tree (files and folders; links are not followed).</summary>
    public static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }

    /// <summary>Cuts a file to <paramref name="fraction"/> of its length.</summary>
    public static void Truncate(string path, double fraction)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, (int)(bytes.Length * fraction)).ToArray());
    }

    /// <summary>Sets the Pixel Data length field of a DICOM file (explicit VR little endian) to 0xFFFFFFF0 (a 4 GB claim).</summary>
    public static void ClaimFourGigabytes(string path)
    {
        var bytes = File.ReadAllBytes(path);
        ReadOnlySpan<byte> tag = [0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'W', 0, 0];
        var at = bytes.AsSpan().LastIndexOf(tag);
        if (at <= 0)
        {
            throw new InvalidOperationException("Pixel Data (7FE0,0010) OW not found in " + path);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 8), 0xFFFFFFF0u);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Sets dim[1..3] of a NIfTI-1 (.nii, little endian) header.</summary>
    public static void SetNiftiDims(string path, short x, short y, short z)
    {
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(42), x);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(44), y);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(46), z);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Rewrites every DICOM file under <paramref name="folder"/> with <see cref="Identifiers"/> and without PatientIdentityRemoved.</summary>
    public static void AddIdentifiers(string folder)
    {
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
        {
            DicomFile dicom;
            try
            {
                dicom = DicomFile.Open(file, DicomReadOptions.Default with { DeferValuesLargerThanBytes = long.MaxValue });
            }
            catch (DicomException)
            {
                continue;
            }

            var ds = dicom.Dataset;
            ds.AddOrUpdate(DicomTag.PatientName, Identifiers[0]);
            ds.AddOrUpdate(DicomTag.PatientID, Identifiers[1]);
            ds.AddOrUpdate(DicomTag.PatientBirthDate, Identifiers[2]);
            ds.AddOrUpdate(DicomTag.InstitutionName, Identifiers[3]);
            ds.AddOrUpdate(DicomTag.ReferringPhysicianName, Identifiers[4]);
            ds.Remove(DicomTag.PatientIdentityRemoved);
            DicomWriter.Write(file, dicom);
        }
    }

    /// <summary>Every file under <paramref name="folder"/> whose bytes contain one of <paramref name="needles"/> (ASCII), with the needle.</summary>
    public static IReadOnlyList<string> FilesContaining(string folder, IEnumerable<string> needles)
    {
        var found = new List<string>();
        var patterns = needles.Select(n => Encoding.ASCII.GetBytes(n)).ToArray();
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            if (file.EndsWith(".gz", StringComparison.Ordinal))
            {
                using var gz = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
                using var ms = new MemoryStream();
                gz.CopyTo(ms);
                bytes = ms.ToArray();
            }

            foreach (var p in patterns)
            {
                if (bytes.AsSpan().IndexOf(p) >= 0)
                {
                    found.Add(file + ": " + Encoding.ASCII.GetString(p));
                }
            }

            var name = Path.GetRelativePath(folder, file);
            found.AddRange(needles.Where(n => name.Contains(n, StringComparison.OrdinalIgnoreCase)).Select(n => "file name " + name + ": " + n));
        }

        return found;
    }
}
