using BmeQuant.Testing;

namespace BmeQuant.Tests.Batch;

/// <summary>Small phantom studies (64×64 grids) written once per test run as NIfTI and DICOM (ways to write and break them: <see cref="BatchPhantomData"/>).</summary>
internal static class BatchTestData
{
    private static readonly Lazy<string> s_nifti = new(WriteNifti, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> s_dicom = new(WriteDicom, LazyThreadSafetyMode.ExecutionAndPublication);

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
