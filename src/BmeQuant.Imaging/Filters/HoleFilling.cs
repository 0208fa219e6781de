namespace BmeQuant.Imaging.Filters;

/// <summary>
/// Fills holes of masks (non-zero = foreground; results are 0/1): background components that do not reach the
/// array's edge become foreground. Background connectivity is 6 in 3-D and 4 within a slice (scipy's
/// <c>binary_fill_holes</c> default).
/// </summary>
public static class HoleFilling
{
    /// <summary>Fills 3-D holes: background not 6-connected to the array's faces.</summary>
    public static Volume<byte> Fill(Volume<byte> mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var output = new Volume<byte>(mask.Geometry);
        FillBlock(mask.Data, output.Data, mask.SizeX, mask.SizeY, mask.SizeZ, zFacesAreEdges: true);
        return output;
    }

    /// <summary>Fills 2-D holes of every slice independently: background not 4-connected to the slice's edge.</summary>
    public static Volume<byte> FillPerSlice(Volume<byte> mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var output = new Volume<byte>(mask.Geometry);
        var len = mask.Geometry.SliceLength;
        Parallel.For(0, mask.SizeZ, k => FillBlock(mask.Data.AsSpan(k * len, len), output.Data.AsSpan(k * len, len), mask.SizeX, mask.SizeY, 1, zFacesAreEdges: false));
        return output;
    }

    private static void FillBlock(ReadOnlySpan<byte> m, Span<byte> o, int nx, int ny, int nz, bool zFacesAreEdges)
    {
        var runs = RunLabeler.Build(m, nx, ny, nz, foreground: false, Connectivity.Face6);
        var touches = new bool[runs.ComponentCount + 1];
        var start = runs.Start;
        var end = runs.End;
        for (var k = 0; k < nz; k++)
        {
            for (var j = 0; j < ny; j++)
            {
                var row = j + (ny * k);
                var edgeRow = j == 0 || j == ny - 1 || (zFacesAreEdges && (k == 0 || k == nz - 1));
                for (var q = runs.RowFirst[row]; q < runs.RowFirst[row + 1]; q++)
                {
                    if (edgeRow || start[q] == 0 || end[q] == nx)
                    {
                        touches[runs.RunLabel[q]] = true;
                    }
                }
            }
        }

        // Everything is foreground except background runs whose component reaches the edge.
        o.Fill(1);
        var rows = ny * nz;
        for (var row = 0; row < rows; row++)
        {
            for (var q = runs.RowFirst[row]; q < runs.RowFirst[row + 1]; q++)
            {
                if (touches[runs.RunLabel[q]])
                {
                    o.Slice((row * nx) + start[q], end[q] - start[q]).Clear();
                }
            }
        }
    }
}
