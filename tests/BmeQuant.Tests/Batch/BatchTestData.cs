using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using BmeQuant.Dicom;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;
using BmeQuant.Phantoms;
using BmeQuant.Phantoms.Output;
using BmeQuant.Testing;

namespace BmeQuant.Tests.Batch;

/// <summary>Small phantom studies (64×64 grids) written once per test run as NIfTI and DICOM, and ways to break copies of them.</summary>
internal static class BatchTestData
{
    private static readonly Lazy<string> s_nifti = new(WriteNifti, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> s_dicom = new(WriteDicom, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Identifying values written into the "identifiable" DICOM study; must never reach outputs.</summary>
    public static readonly string[] Identifiers = ["DOE^JANE", "MRN-99887766", "19610203", "St Elsewhere General", "Dr^Hibbert"];

    /// <summary>Folder with <c>visitN/{stir,t1,bones}.nii</c> for the four visits of a small knee phantom.</summary>
    public static string NiftiVisits => s_nifti.Value;

    /// <summary>Folder with <c>visit-NN-dayDDD</c> DICOM study folders (two visits) of a small knee phantom, plus <c>bones-N.nii</c> label maps.</summary>
    public static string DicomVisits => s_dicom.Value;

    /// <summary>The small knee phantom: four visits, 64×64 grids, 2.5 mm pixels.</summary>
    public static PhantomStudy SmallKnee(int visits)
    {
        var spec = PhantomPresets.MigratingKneeBmes(seed: 5);
        spec = spec with
        {
            Acquisitions = spec.Acquisitions.Select(a => a with { Columns = 64, Rows = 64, PixelSpacingMm = a.PixelSpacingMm * 4, Slices = 16, SliceThicknessMm = 5, SliceGapMm = 0.5 }).ToArray(),
            Visits = spec.Visits.Take(visits).ToArray(),
        };
        return PhantomGenerator.Generate(spec);
    }

    /// <summary>Writes a manifest (header + rows) into <paramref name="folder"/> and returns its path.</summary>
    public static string Manifest(string folder, string header, IEnumerable<string> rows)
    {
        var path = Path.Combine(folder, "manifest.csv");
        File.WriteAllText(path, header + "\n" + string.Join("\n", rows) + "\n");
        return path;
    }

    /// <summary>Copies a folder tree.</summary>
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
        Assert.True(at > 0, "Pixel Data (7FE0,0010) OW not found in " + path);
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

    /// <summary>Rewrites every DICOM file under <paramref name="folder"/> with direct identifiers and without PatientIdentityRemoved.</summary>
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

    private static string WriteNifti()
    {
        var root = TestPaths.NewOutputFolder("batch-nifti-visits");
        var study = SmallKnee(visits: 4);
        foreach (var visit in study.Visits)
        {
            var input = PhantomInputs.ToStudyInput(study, visit);
            var folder = Path.Combine(root, "visit" + (visit.Index + 1).ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            NiftiWriter.Write(input.FluidSensitive, Path.Combine(folder, "stir.nii"));
            NiftiWriter.Write(input.T1!, Path.Combine(folder, "t1.nii"));
            NiftiWriter.Write(input.BoneLabels!, Path.Combine(folder, "bones.nii"));
        }

        return root;
    }

    private static string WriteDicom()
    {
        var root = TestPaths.NewOutputFolder("batch-dicom-visits");
        var study = SmallKnee(visits: 2);
        PhantomDicomExporter.Write(study, root, new PhantomExportOptions { WriteTruthNifti = false });
        foreach (var visit in study.Visits)
        {
            var input = PhantomInputs.ToStudyInput(study, visit);
            NiftiWriter.Write(input.BoneLabels!, Path.Combine(root, "bones-" + (visit.Index + 1).ToString(CultureInfo.InvariantCulture) + ".nii"));
        }

        return root;
    }
}
