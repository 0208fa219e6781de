namespace BmeQuant.Dicom.Codecs.Jpeg2000;

/// <summary>A tag tree (T.800 B.10.2) over a grid of code-blocks, decoded incrementally against rising thresholds.</summary>
internal sealed class J2kTagTree
{
    private const int Unknown = int.MaxValue;
    private readonly int[] _value;
    private readonly int[] _low;
    private readonly int[] _parent;
    private readonly int[] _path = new int[32];

    public J2kTagTree(int width, int height)
    {
        // Count nodes level by level: leaves, then ceil halves until a single root.
        int count = 0;
        int w = width;
        int h = height;
        while (true)
        {
            count += w * h;
            if (w * h <= 1)
            {
                break;
            }

            w = (w + 1) >> 1;
            h = (h + 1) >> 1;
        }

        _value = new int[count];
        _low = new int[count];
        _parent = new int[count];
        Array.Fill(_value, Unknown);
        int levelStart = 0;
        w = width;
        h = height;
        while (w * h > 1)
        {
            int pw = (w + 1) >> 1;
            int parentStart = levelStart + (w * h);
            for (int j = 0; j < h; j++)
            {
                for (int i = 0; i < w; i++)
                {
                    _parent[levelStart + (j * w) + i] = parentStart + ((j >> 1) * pw) + (i >> 1);
                }
            }

            levelStart = parentStart;
            w = pw;
            h = (h + 1) >> 1;
        }

        _parent[count - 1] = -1;
    }

    /// <summary>The leaf's value once known, else <see cref="int.MaxValue"/>.</summary>
    public int Value(int leaf) => _value[leaf];

    /// <summary>Reads bits until the leaf's value is known to be below <paramref name="threshold"/> or at least it; true if below.</summary>
    public bool Decode(int leaf, int threshold, J2kHeaderBits bits)
    {
        int depth = 0;
        for (int node = leaf; node >= 0; node = _parent[node])
        {
            if (depth == _path.Length)
            {
                CodecGuard.Fail("JPEG 2000: tag tree deeper than 32 levels.");
            }

            _path[depth++] = node;
        }

        int low = 0;
        for (int k = depth - 1; k >= 0; k--)
        {
            int node = _path[k];
            if (low > _low[node])
            {
                _low[node] = low;
            }
            else
            {
                low = _low[node];
            }

            while (low < threshold && low < _value[node])
            {
                if (bits.ReadBit() != 0)
                {
                    _value[node] = low;
                }
                else
                {
                    low++;
                }
            }

            _low[node] = low;
        }

        return _value[leaf] < threshold;
    }
}

/// <summary>Packet-header bit reader (B.10.1): MSB first, a stuffed 0 bit after every 0xFF byte.</summary>
internal sealed class J2kHeaderBits
{
    private byte[] _data = [];
    private int _end;
    private int _buffer;
    private int _count;

    public int Position { get; private set; }

    public void Start(byte[] data, int position, int end)
    {
        _data = data;
        Position = position;
        _end = end;
        _buffer = 0;
        _count = 0;
    }

    public int ReadBit()
    {
        if (_count == 0)
        {
            if (Position >= _end)
            {
                CodecGuard.Truncated("JPEG 2000", Position, "a packet header");
            }

            bool stuffed = _buffer == 0xFF;
            _buffer = _data[Position++];
            _count = stuffed ? 7 : 8;
        }

        _count--;
        return (_buffer >> _count) & 1;
    }

    public int ReadBits(int n)
    {
        int v = 0;
        for (int i = 0; i < n; i++)
        {
            v = (v << 1) | ReadBit();
        }

        return v;
    }

    /// <summary>Ends the header at a byte boundary; a header whose last byte is 0xFF owns the following (stuffing) byte too.</summary>
    public void Align()
    {
        if (_buffer == 0xFF)
        {
            if (Position >= _end)
            {
                CodecGuard.Truncated("JPEG 2000", Position, "the byte after 0xFF at the end of a packet header");
            }

            Position++;
        }

        _buffer = 0;
        _count = 0;
    }
}
