using BmeQuant.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace BmeQuant.Reporting;

/// <summary>Renders slices and projections with the edema outlined, as PNG bytes (ImageSharp encodes only).</summary>
internal static class SliceImages
{
    private static readonly Rgb24 s_outline = new(255, 40, 40);

    /// <summary>The slice (k) with the most edema voxels, or the middle slice when there is none.</summary>
    public static int SliceWithMostEdema(Volume<byte> edema)
    {
        int best = edema.SizeZ / 2, bestCount = 0;
        for (var k = 0; k < edema.SizeZ; k++)
        {
            var count = 0;
            foreach (var v in edema.Slice(k))
            {
                count += v != 0 ? 1 : 0;
            }

            if (count > bestCount)
            {
                bestCount = count;
                best = k;
            }
        }

        return best;
    }

    /// <summary>The slice of <paramref name="geometry"/> nearest to the physical point <paramref name="point"/>.</summary>
    public static int NearestSlice(ImageGeometry geometry, Vector3D point)
    {
        var index = geometry.TransformPhysicalPointToContinuousIndex(point);
        return Math.Clamp((int)Math.Round(index.Z), 0, geometry.SizeZ - 1);
    }

    /// <summary>Physical centre of slice k (centre of the edema on it when there is some).</summary>
    public static Vector3D SliceAnchor(Volume<byte> edema, int k)
    {
        double si = 0, sj = 0;
        var n = 0;
        var slice = edema.Slice(k);
        for (var j = 0; j < edema.SizeY; j++)
        {
            for (var i = 0; i < edema.SizeX; i++)
            {
                if (slice[i + (j * edema.SizeX)] != 0)
                {
                    si += i;
                    sj += j;
                    n++;
                }
            }
        }

        return n > 0
            ? edema.Geometry.TransformIndexToPhysicalPoint(si / n, sj / n, k)
            : edema.Geometry.TransformIndexToPhysicalPoint((edema.SizeX - 1) / 2.0, (edema.SizeY - 1) / 2.0, k);
    }

    /// <summary>PNG of slice k of <paramref name="image"/> windowed to its 1st–99th percentile, edema outlined.</summary>
    public static byte[] SlicePng(Volume<float> image, Volume<byte>? edema, int k)
    {
        var nx = image.SizeX;
        var ny = image.SizeY;
        var values = image.Slice(k);
        var mask = edema is not null && edema.Geometry.IsSameGrid(image.Geometry, 1e-2) ? edema.Slice(k).ToArray() : null;
        return Encode(values, mask, nx, ny, image.Geometry.Spacing.X, image.Geometry.Spacing.Y);
    }

    /// <summary>PNG of the maximum-intensity projection along k, with the projected edema outlined.</summary>
    public static byte[] MipPng(Volume<float> image, Volume<byte>? edema)
    {
        var nx = image.SizeX;
        var ny = image.SizeY;
        var mip = new float[nx * ny];
        Array.Fill(mip, float.MinValue);
        var projected = new byte[nx * ny];
        var useMask = edema is not null && edema.Geometry.IsSameGrid(image.Geometry, 1e-2);
        for (var k = 0; k < image.SizeZ; k++)
        {
            var s = image.Slice(k);
            for (var n = 0; n < mip.Length; n++)
            {
                mip[n] = Math.Max(mip[n], s[n]);
            }

            if (useMask)
            {
                var m = edema!.Slice(k);
                for (var n = 0; n < projected.Length; n++)
                {
                    projected[n] |= m[n];
                }
            }
        }

        return Encode(mip, useMask ? projected : null, nx, ny, image.Geometry.Spacing.X, image.Geometry.Spacing.Y);
    }

    private static byte[] Encode(ReadOnlySpan<float> values, byte[]? mask, int nx, int ny, double sx, double sy)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        var lo = sorted[(int)(0.01 * (sorted.Length - 1))];
        var hi = sorted[(int)(0.99 * (sorted.Length - 1))];
        var scale = hi > lo ? 255.0 / (hi - lo) : 0;

        // Square pixels on screen: stretch the axis with the coarser spacing.
        var width = Math.Max(1, (int)Math.Round(nx * sx / Math.Min(sx, sy)));
        var height = Math.Max(1, (int)Math.Round(ny * sy / Math.Min(sx, sy)));
        using var img = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            var j = Math.Min(ny - 1, y * ny / height);
            for (var x = 0; x < width; x++)
            {
                var i = Math.Min(nx - 1, x * nx / width);
                var n = i + (j * nx);
                if (mask is not null && mask[n] != 0 && IsEdge(mask, i, j, nx, ny))
                {
                    img[x, y] = s_outline;
                    continue;
                }

                var g = (byte)Math.Clamp((values[n] - lo) * scale, 0, 255);
                img[x, y] = new Rgb24(g, g, g);
            }
        }

        using var ms = new MemoryStream();
        img.SaveAsPng(ms);
        return ms.ToArray();
    }

    private static bool IsEdge(byte[] mask, int i, int j, int nx, int ny) =>
        i == 0 || j == 0 || i == nx - 1 || j == ny - 1 ||
        mask[i - 1 + (j * nx)] == 0 || mask[i + 1 + (j * nx)] == 0 || mask[i + ((j - 1) * nx)] == 0 || mask[i + ((j + 1) * nx)] == 0;
}
