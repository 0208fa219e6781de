using System.Text;
using BmeQuant.Testing;

namespace BmeQuant.Tests.Batch;

/// <summary>Small phantom studies (64×64 grids) written once per test run as NIfTI and DICOM (<see cref="BatchPhantomData"/>), and ways to break copies of them.</summary>
internal static class BatchTestData
{
    private static readonly Lazy<string> s_nifti = new(WriteNifti, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> s_dicom = new(WriteDicom, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Identifying values written into the "identifiable" DICOM study; must never reach outputs.</summary>
    public static IReadOnlyList<string> Identifiers => BatchPhantomData.Identifiers;

    /// <summary>Folder with <c>visitN/{stir,t1,bones}.nii</c> for the four visits of a small knee phantom.</summary>
    public static string NiftiVisits => s_nifti.Value;

    /// <summary>Folder with <c>visit-NN-dayDDD</c> DICOM study folders (two visits) of a small knee phantom, plus <c>bones-N.nii</c> label maps.</summary>
    public static string DicomVisits => s_dicom.Value;

    /// <summary>Writes a manifest (header + rows) into <paramref name="folder"/> and returns its path.</summary>
    public static string Manifest(string folder, string header, IEnumerable<string> rows)
    {
        var path = Path.Combine(folder, "manifest.csv");
        File.WriteAllText(path, header + "\n" + string.Join("\n", rows) + "\n");
        return path;
    }

    /// <inheritdoc cref="BatchPhantomData.CopyTree"/>
    public static void CopyTree(string from, string to) => BatchPhantomData.CopyTree(from, to);

    /// <inheritdoc cref="BatchPhantomData.Truncate"/>
    public static void Truncate(string path, double fraction) => BatchPhantomData.Truncate(path, fraction);

    /// <inheritdoc cref="BatchPhantomData.ClaimFourGigabytes"/>
    public static void ClaimFourGigabytes(string path) => BatchPhantomData.ClaimFourGigabytes(path);

    /// <inheritdoc cref="BatchPhantomData.SetNiftiDims"/>
    public static void SetNiftiDims(string path, short x, short y, short z) => BatchPhantomData.SetNiftiDims(path, x, y, z);

    /// <inheritdoc cref="BatchPhantomData.AddIdentifiers"/>
    public static void AddIdentifiers(string folder) => BatchPhantomData.AddIdentifiers(folder);

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
        BatchPhantomData.WriteNiftiVisits(BatchPhantomData.SmallKnee(visits: 4), root);
        return root;
    }

    private static string WriteDicom()
    {
        var root = TestPaths.NewOutputFolder("batch-dicom-visits");
        BatchPhantomData.WriteDicomVisits(BatchPhantomData.SmallKnee(visits: 2), root);
        return root;
    }
}
