namespace BmeQuant.Imaging.Filters;

/// <summary>
/// Run-based connected-component engine: the voxels of one kind (foreground or background) are split into x runs,
/// runs of neighbouring rows that touch under the connectivity are joined in a union-find forest whose root is
/// always the earliest run, so numbering roots in run order gives labels in raster order of first voxel.
/// </summary>
internal sealed class RunLabeler
{
    private int[] _start = new int[1024];
    private int[] _end = new int[1024];
    private int[] _parent = [];

    private RunLabeler(int nx, int ny, int nz)
    {
        Nx = nx;
        Ny = ny;
        Nz = nz;
        RowFirst = new int[(ny * nz) + 1];
    }

    public int Nx { get; }

    public int Ny { get; }

    public int Nz { get; }

    /// <summary>Runs of row r (r = j + ny·k) are RowFirst[r] .. RowFirst[r + 1] − 1.</summary>
    public int[] RowFirst { get; }

    public int RunCount { get; private set; }

    public ReadOnlySpan<int> Start => _start.AsSpan(0, RunCount);

    public ReadOnlySpan<int> End => _end.AsSpan(0, RunCount);

    /// <summary>Run index → component label (1-based, raster order), filled by <see cref="Build"/>.</summary>
    public int[] RunLabel { get; private set; } = [];

    public int ComponentCount { get; private set; }

    public static RunLabeler Build(ReadOnlySpan<byte> m, int nx, int ny, int nz, bool foreground, Connectivity connectivity)
    {
        var r = new RunLabeler(nx, ny, nz);
        r.ExtractRuns(m, foreground);
        r.JoinRows(connectivity);
        r.AssignLabels();
        return r;
    }

    private void ExtractRuns(ReadOnlySpan<byte> m, bool foreground)
    {
        var rows = Ny * Nz;
        var n = 0;
        for (var row = 0; row < rows; row++)
        {
            RowFirst[row] = n;
            var line = m.Slice(row * Nx, Nx);
            var i = 0;
            while (i < Nx)
            {
                // Skip voxels of the other kind, then measure the run.
                var rest = line[i..];
                var skip = foreground ? rest.IndexOfAnyExcept((byte)0) : rest.IndexOf((byte)0);
                if (skip < 0)
                {
                    break;
                }

                i += skip;
                rest = line[i..];
                var len = foreground ? rest.IndexOf((byte)0) : rest.IndexOfAnyExcept((byte)0);
                if (len < 0)
                {
                    len = rest.Length;
                }

                if (n == _start.Length)
                {
                    Array.Resize(ref _start, n * 2);
                    Array.Resize(ref _end, n * 2);
                }

                _start[n] = i;
                _end[n] = i + len;
                n++;
                i += len;
            }
        }

        RowFirst[rows] = n;
        RunCount = n;
        _parent = new int[n];
        for (var q = 0; q < n; q++)
        {
            _parent[q] = q;
        }
    }

    private void JoinRows(Connectivity connectivity)
    {
        // Earlier neighbour rows (dy, dz) and how far runs may be apart in x and still touch.
        (int Dy, int Dz, int Reach)[] neighbours = connectivity switch
        {
            Connectivity.Face6 => [(-1, 0, 0), (0, -1, 0)],
            Connectivity.Edge18 => [(-1, 0, 1), (0, -1, 1), (-1, -1, 0), (1, -1, 0)],
            Connectivity.Vertex26 => [(-1, 0, 1), (0, -1, 1), (-1, -1, 1), (1, -1, 1)],
            _ => throw new ArgumentOutOfRangeException(nameof(connectivity), $"Connectivity must be 6, 18 or 26; found {(int)connectivity}."),
        };

        for (var k = 0; k < Nz; k++)
        {
            for (var j = 0; j < Ny; j++)
            {
                var row = j + (Ny * k);
                if (RowFirst[row] == RowFirst[row + 1])
                {
                    continue;
                }

                foreach (var (dy, dz, reach) in neighbours)
                {
                    int nj = j + dy, nk = k + dz;
                    if ((uint)nj >= (uint)Ny || (uint)nk >= (uint)Nz)
                    {
                        continue;
                    }

                    var other = nj + (Ny * nk);
                    JoinTwoRows(RowFirst[row], RowFirst[row + 1], RowFirst[other], RowFirst[other + 1], reach);
                }
            }
        }
    }

    // Runs [a, b) and [c, d) touch when a < d + reach and c < b + reach; both lists are sorted by start.
    private void JoinTwoRows(int p, int pEnd, int q, int qEnd, int reach)
    {
        while (p < pEnd && q < qEnd)
        {
            if (_start[p] < _end[q] + reach && _start[q] < _end[p] + reach)
            {
                Union(p, q);
            }

            // Advance the run that ends first (ties: both could touch later runs; advance the current row's).
            if (_end[p] < _end[q])
            {
                p++;
            }
            else
            {
                q++;
            }
        }
    }

    private int Find(int x)
    {
        while (_parent[x] != x)
        {
            _parent[x] = _parent[_parent[x]];
            x = _parent[x];
        }

        return x;
    }

    private void Union(int a, int b)
    {
        a = Find(a);
        b = Find(b);
        if (a == b)
        {
            return;
        }

        if (a < b)
        {
            _parent[b] = a;
        }
        else
        {
            _parent[a] = b;
        }
    }

    private void AssignLabels()
    {
        var labels = new int[RunCount];
        var next = 0;
        for (var q = 0; q < RunCount; q++)
        {
            var root = Find(q);
            labels[q] = root == q ? ++next : labels[root];
        }

        RunLabel = labels;
        ComponentCount = next;
    }
}
