#!/usr/bin/env python3
"""numpy side of imaging_peers_bandwidth.cs: one unpreempted pass of np.greater(v, 1500, out=mask) (and v.sum())
estimated as the sum of per-chunk minima (chunks of 4 MB of floats, the size of the .NET probe's chunk pair) over
PASSES passes, on the kernel-benchmark volumes. numpy runs these on one thread.

    python3 benchmarks/scripts/imaging_peers_bandwidth.py [PASSES=25] [SIZE ...]
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scipy_kernels import SIZES, intensity  # noqa: E402  (same volume formula)


def chunked(n, passes, fn, chunk=1 << 20):
    starts = range(0, n, chunk)
    best = [float("inf")] * len(starts)
    for _ in range(passes):
        for c, s in enumerate(starts):
            t0 = time.perf_counter()
            fn(s, min(n, s + chunk))
            best[c] = min(best[c], time.perf_counter() - t0)
    return sum(best)


def main():
    passes = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    sizes = sys.argv[2:] or SIZES
    for size in sizes:
        v = intensity(size).ravel()
        ob = np.empty(v.shape, bool)
        n = v.size
        print(f"{size}: numpy {np.__version__}, sum of per-chunk minima over {passes} passes (one thread)")
        t = chunked(n, passes, lambda s, e: np.greater(v[s:e], 1500, out=ob[s:e]))
        print(f"  np.greater(v, t, out=)   {t * 1e3:9.3f} ms {5 * n / t / 1e9:7.1f} GB/s moved")
        t = chunked(n, passes, lambda s, e: v[s:e].sum())
        print(f"  v.sum()                  {t * 1e3:9.3f} ms {4 * n / t / 1e9:7.1f} GB/s read")


if __name__ == "__main__":
    main()
