using System.Runtime.InteropServices;
using System.Text.Json;
using BmeQuant.Imaging;
using BmeQuant.Testing;

namespace BmeQuant.Imaging.Tests.ReferenceOps;

/// <summary>
/// One case of the reference-ops corpus (<c>BMEQUANT_REFERENCE_OPS</c>, default ../shared/testdata/reference-ops):
/// a <c>NAME.json</c> naming the op, its inputs/outputs as raw little-endian arrays in [z, y, x] order, the
/// spacing and the tolerance.
/// </summary>
internal sealed class ReferenceCase
{
    /// <summary>Ops handled by <c>ReferenceOpsStatisticsTests</c>.</summary>
    public static readonly IReadOnlySet<string> StatisticsOps = new HashSet<string>(StringComparer.Ordinal) { "otsu", "percentiles", "percentile", "label_stats", "label_statistics" };

    /// <summary>Ops handled by <c>ReferenceOpsFilterTests</c>.</summary>
    public static readonly IReadOnlySet<string> FilterOps = new HashSet<string>(StringComparer.Ordinal)
    {
        "gaussian", "median", "dilate", "erode", "close", "open", "fill_holes", "connected_components", "distance_transform", "resample",
    };

    private ReferenceCase(string folder, string name, JsonElement root)
    {
        Folder = folder;
        Name = name;
        Root = root;
    }

    public string Folder { get; }

    public string Name { get; }

    public JsonElement Root { get; }

    public string Op => Root.GetProperty("op").GetString()!;

    public Vector3D Spacing
    {
        get
        {
            var s = Root.GetProperty("spacing_xyz_mm");
            return new Vector3D(s[0].GetDouble(), s[1].GetDouble(), s[2].GetDouble());
        }
    }

    public JsonElement Params => Root.TryGetProperty("params", out var p) ? p : default;

    public JsonElement Tolerance => Root.TryGetProperty("tolerance", out var t) ? t : default;

    public static string CorpusFolder => TestPaths.DataFolder("BMEQUANT_REFERENCE_OPS", "reference-ops");

    /// <summary>All case names in the corpus (empty when the folder is absent).</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        if (Directory.Exists(CorpusFolder))
        {
            foreach (var f in Directory.GetFiles(CorpusFolder, "*.json").Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileNameWithoutExtension(f));
            }
        }

        if (data.Count == 0)
        {
            data.Add("(corpus absent)");
        }

        return data;
    }

    /// <summary>Loads a case, or skips the test with the reason when the corpus is absent.</summary>
    public static ReferenceCase Load(string name)
    {
        var folder = CorpusFolder;
        var path = Path.Combine(folder, name + ".json");
        if (!File.Exists(path))
        {
            Assert.Skip($"reference-ops corpus not found at {folder} (set BMEQUANT_REFERENCE_OPS)");
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return new ReferenceCase(folder, name, doc.RootElement.Clone());
    }

    /// <summary>Reads an input or output array (by its key under "inputs" or "outputs") as a volume with this case's spacing.</summary>
    public Volume<T> ReadArray<T>(string section, string key)
        where T : unmanaged
    {
        var entry = Root.GetProperty(section).GetProperty(key);
        var shape = entry.GetProperty("shape_zyx");
        int nz = shape[0].GetInt32(), ny = shape[1].GetInt32(), nx = shape[2].GetInt32();
        var bytes = File.ReadAllBytes(Path.Combine(Folder, entry.GetProperty("file").GetString()!));
        var data = MemoryMarshal.Cast<byte, T>(bytes).ToArray();
        var geometry = new ImageGeometry(nx, ny, nz, Spacing, Vector3D.Zero, Matrix3D.Identity);
        return new Volume<T>(geometry, data);
    }

    /// <summary>Reads a geometry block such as inputs.input_geometry or outputs.output_geometry.</summary>
    public static ImageGeometry ReadGeometry(JsonElement g, int nx, int ny, int nz)
    {
        static Vector3D V(JsonElement a) => new(a[0].GetDouble(), a[1].GetDouble(), a[2].GetDouble());
        var cols = g.GetProperty("direction_columns");
        var direction = Matrix3D.FromColumns(V(cols[0]), V(cols[1]), V(cols[2]));
        return new ImageGeometry(nx, ny, nz, V(g.GetProperty("spacing_mm")), V(g.GetProperty("origin_lps_mm")), direction);
    }
}
