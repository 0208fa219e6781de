using System.Collections.Concurrent;

namespace BmeQuant.Imaging.Filters;

/// <summary>
/// Batcher odd–even merge sort network on a power of two inputs, pruned to the comparators that can influence
/// one output position (the median of the first <c>window</c> inputs when the rest are +∞).
/// </summary>
internal sealed class SortingNetwork
{
    private static readonly ConcurrentDictionary<int, SortingNetwork> s_cache = new();

    private SortingNetwork(int size, int medianIndex, int[] pairs)
    {
        Size = size;
        MedianIndex = medianIndex;
        Pairs = pairs;
    }

    /// <summary>Number of inputs (power of two).</summary>
    public int Size { get; }

    /// <summary>Position holding the median after the network.</summary>
    public int MedianIndex { get; }

    /// <summary>Comparators as consecutive (low, high) index pairs: after one, low holds the min and high the max.</summary>
    public int[] Pairs { get; }

    public static SortingNetwork MedianOf(int window) => s_cache.GetOrAdd(window, Create);

    private static SortingNetwork Create(int window)
    {
        var size = 1;
        while (size < window)
        {
            size *= 2;
        }

        var all = new List<(int, int)>();
        for (var p = 1; p < size; p *= 2)
        {
            for (var k = p; k >= 1; k /= 2)
            {
                for (var j = k % p; j <= size - 1 - k; j += 2 * k)
                {
                    for (var i = 0; i <= Math.Min(k - 1, size - j - k - 1); i++)
                    {
                        if ((i + j) / (p * 2) == (i + j + k) / (p * 2))
                        {
                            all.Add((i + j, i + j + k));
                        }
                    }
                }
            }
        }

        // Backward pruning: keep a comparator only if it touches a position that can still reach the median.
        var median = window / 2;
        var needed = new bool[size];
        needed[median] = true;
        var kept = new List<(int, int)>();
        for (var c = all.Count - 1; c >= 0; c--)
        {
            var (a, b) = all[c];
            if (needed[a] || needed[b])
            {
                needed[a] = needed[b] = true;
                kept.Add((a, b));
            }
        }

        kept.Reverse();
        var pairs = new int[kept.Count * 2];
        for (var c = 0; c < kept.Count; c++)
        {
            pairs[2 * c] = kept[c].Item1;
            pairs[(2 * c) + 1] = kept[c].Item2;
        }

        return new SortingNetwork(size, median, pairs);
    }
}
