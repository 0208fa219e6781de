#!/usr/bin/env python3
"""Times numpy/scipy on the same volumes as BmeQuant's kernel benchmarks and prints both and the ratio.

The volumes follow the formulas of benchmarks/BmeQuant.Benchmarks/Imaging/Kernels/KernelBenchmarkData.cs.
BmeQuant's numbers come from BenchmarkDotNet's CSV reports: either run them in the same invocation (--run-dotnet,
which calls `dotnet run -c Release` on the benchmark project with a short job) or point --results at an existing
BenchmarkDotNet.Artifacts/results folder.

Usage:
    python3 benchmarks/scripts/scipy_kernels.py --run-dotnet [--sizes 320x320x30,512x512x40,384x384x200]
    python3 benchmarks/scripts/scipy_kernels.py --results BenchmarkDotNet.Artifacts/results
"""
import argparse
import csv
import glob
import os
import re
import subprocess
import sys
import time

import numpy as np
from scipy import ndimage as ndi

SIZES = ["320x320x30", "512x512x40", "384x384x200"]
PERCENTS = [1, 5, 25, 50, 75, 95, 99]


def shape(size):
    nx, ny, nz = (int(v) for v in size.split("x"))
    return nx, ny, nz


def hash_ijk(i, j, k):
    return ((i * 73856093) ^ (j * 19349663) ^ (k * 83492791)) & 0xFFFFF


def grids(size):
    nx, ny, nz = shape(size)
    k, j, i = np.meshgrid(np.arange(nz, dtype=np.int64), np.arange(ny, dtype=np.int64), np.arange(nx, dtype=np.int64), indexing="ij")
    return i, j, k


def intensity(size):
    i, j, k = grids(size)
    smooth = 1000 + 400 * np.sin(0.07 * i) * np.cos(0.05 * j) + 30.0 * k
    return (smooth + (hash_ijk(i, j, k) % 1024) / 4.0).astype(np.float32)


def mask(size):
    i, j, k = grids(size)
    blob = np.sin(0.11 * i) * np.sin(0.09 * j) * np.sin(0.3 * k + 0.5) > 0.2
    flip = hash_ijk(i, j, k) % 50 == 0
    return (blob ^ flip).astype(np.uint8)


def otsu_numpy(v, nbins=256):
    """scikit-image's threshold_otsu, written out (scikit-image is not a dependency)."""
    counts, edges = np.histogram(v, nbins, range=(float(v.min()), float(v.max())))
    centers = (edges[:-1] + edges[1:]) / 2
    counts = counts.astype(np.float64)
    w1 = np.cumsum(counts)
    w2 = np.cumsum(counts[::-1])[::-1]
    m1 = np.cumsum(counts * centers) / w1
    m2 = (np.cumsum((counts * centers)[::-1]) / w2[::-1])[::-1]
    var = w1[:-1] * w2[1:] * (m1[:-1] - m2[1:]) ** 2
    return centers[np.argmax(var)]


def cases(size):
    v = intensity(size)
    u = v.astype(np.uint16)
    m = mask(size)
    mb = m.astype(bool)
    nx = shape(size)[0]
    i, _, _ = grids(size)
    labels = (m * (1 + (4 * i) // nx)).astype(np.int32)
    del i
    idx = [1, 2, 3, 4]
    out = np.empty_like(v)
    ob = np.empty(v.shape, bool)
    ob2 = np.empty(v.shape, bool)

    def convert():
        return u.astype(np.float32) * np.float32(1.25) + np.float32(-3)

    def stats():
        return v.min(), v.max(), v.mean(dtype=np.float64), v.var(dtype=np.float64)

    def stats_masked():
        s = v[mb]
        return s.min(), s.max(), s.mean(dtype=np.float64), s.var(dtype=np.float64)

    def label_stats():
        return (ndi.sum_labels(np.ones_like(v), labels, idx), ndi.mean(v, labels, idx), ndi.standard_deviation(v, labels, idx),
                ndi.minimum(v, labels, idx), ndi.maximum(v, labels, idx), ndi.center_of_mass(mb, labels, idx))

    def hysteresis():
        # skimage.filters.apply_hysteresis_threshold, written out (6-connected components of v > low holding v > high).
        low = v > 1500
        lab, n = ndi.label(low)
        keep = np.zeros(n + 1, bool)
        keep[np.unique(lab[v > 2000])] = True
        keep[0] = False
        return keep[lab]

    return [
        ("copy", "ConvertBenchmarks.Copy", lambda: np.copyto(out, v)),
        ("convert u16->f32 rescale", "ConvertBenchmarks.SimdParallel", convert),
        ("min/max/mean/var", "StatisticsBenchmarks.SimdParallel", stats),
        ("masked min/max/mean/var", "StatisticsBenchmarks.MaskedSimdParallel", stats_masked),
        ("copy into (thr. class)", "ThresholdBenchmarks.Copy", lambda: np.copyto(out, v)),
        ("threshold x > t into", "ThresholdBenchmarks.IntoMask", lambda: np.greater(v, 1500, out=ob)),
        ("band into", "ThresholdBenchmarks.BandIntoMask",
         lambda: np.logical_and(np.greater_equal(v, 1200, out=ob), np.less_equal(v, 1800, out=ob2), out=ob)),
        ("copy new (thr. class)", "ThresholdBenchmarks.CopyNew", lambda: v.copy()),
        ("threshold x > t new", "ThresholdBenchmarks.SimdParallelNewVolume", lambda: (v > 1500).view(np.uint8)),
        ("band 1200 <= x <= 1800 new", "ThresholdBenchmarks.BandNewVolume", lambda: ((v >= 1200) & (v <= 1800)).view(np.uint8)),
        ("read-only sum (floor)", "ThresholdBenchmarks.ReadOnlySum", lambda: v.sum()),
        ("copy into, all cores", "ThresholdBenchmarks.CopyParallel", lambda: np.copyto(out, v)),
        ("x > t into, non-temporal", "ThresholdBenchmarks.IntoMaskNonTemporal", lambda: np.greater(v, 1500, out=ob)),
        ("x > t into, 8x unrolled", "ThresholdBenchmarks.IntoMaskUnrolled8", lambda: np.greater(v, 1500, out=ob)),
        ("x > t rented mask", "ThresholdBenchmarks.RentedMask", lambda: (v > 1500).view(np.uint8)),
        ("x > t new zeroed mask", "ThresholdBenchmarks.ZeroedNewMask", lambda: (v > 1500).view(np.uint8)),
        ("hysteresis 1500/2000", "ThresholdBenchmarks.Hysteresis6", hysteresis),
        ("histogram 256 bins", "HistogramBenchmarks.Parallel", lambda: np.histogram(v, 256, range=(900, 8000))),
        ("7 percentiles", "PercentileBenchmarks.Selection", lambda: np.percentile(v, PERCENTS)),
        ("otsu", "OtsuBenchmarks.Otsu2", lambda: otsu_numpy(v)),
        ("label stats (4 labels)", "LabelStatisticsBenchmarks.Compute", label_stats),
    ]


def best_time(fn, repeats):
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    if first > 1.0:
        return first  # slow enough that warm-up effects do not matter; keep the run short
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


UNITS = {"ns": 1e-9, "us": 1e-6, "μs": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}


def parse_seconds(text):
    m = re.match(r"^\s*([0-9][0-9,]*\.?[0-9]*)\s*(ns|us|μs|µs|ms|s)\s*$", text)
    if not m:
        return None
    return float(m.group(1).replace(",", "")) * UNITS[m.group(2)]


def read_ours(results_dir):
    ours = {}
    for path in glob.glob(os.path.join(results_dir, "*Imaging.Kernels*-report.csv")):
        cls = os.path.basename(path).split("-report")[0].split(".")[-1]
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f, delimiter=","):
                seconds = parse_seconds(row.get("Mean", ""))
                if seconds is not None:
                    ours[(f"{cls}.{row['Method']}", row.get("Size", ""))] = seconds
    return ours


def run_dotnet(repo, artifacts):
    cmd = ["dotnet", "run", "-c", "Release", "--project", os.path.join(repo, "benchmarks", "BmeQuant.Benchmarks"), "--",
           "--filter", "*Imaging.Kernels*", "--anyCategories", "Peer", "--inProcess", "--warmupCount", "1", "--iterationCount", "3", "--launchCount", "1",
           "--exporters", "csv", "--artifacts", artifacts]
    print("running:", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)
    return os.path.join(artifacts, "results")


def bandwidth_argument(size, ours, numpy_times):
    """Whether x > t at 2x numpy is physically possible: any single pass reads the 4 bytes per voxel of the input, so
    it takes at least our read-only SIMD sum of the same volume on every core (the floor); 2x numpy needs half
    numpy's time. The threshold also writes 1 byte per voxel, so floor x 5/4 is the estimate if writes stream like reads."""
    floor = ours.get(("ThresholdBenchmarks.ReadOnlySum", size))
    if not floor:
        return
    nx, ny, nz = shape(size)
    voxels = nx * ny * nz
    print(f"  floor ({size}): read-only sum of the {4 * voxels / 1e6:.1f} MB input in {floor * 1e3:.2f} ms = {4 * voxels / floor / 1e9:.1f} GB/s read;"
          f" a threshold moves {5 * voxels / 1e6:.1f} MB (estimate {floor * 1.25e3:.2f} ms)")
    for label, key, numpy_key in (("x > t into", "ThresholdBenchmarks.IntoMask", "ThresholdBenchmarks.IntoMask"),
                                  ("x > t rented", "ThresholdBenchmarks.RentedMask", "ThresholdBenchmarks.SimdParallelNewVolume"),
                                  ("x > t new", "ThresholdBenchmarks.SimdParallelNewVolume", "ThresholdBenchmarks.SimdParallelNewVolume")):
        mine, theirs = ours.get((key, size)), numpy_times.get(numpy_key)
        if not mine or not theirs:
            continue
        verdict = "NOT physically possible (floor above half numpy's time)" if floor > theirs / 2 else (
            "possible only if writes were free (floor <= half numpy's, estimate above)" if 1.25 * floor > theirs / 2 else "possible in principle")
        print(f"  {label} ({size}): ours {mine * 1e3:.2f} ms = {mine / floor:.2f}x the floor ({5 * voxels / mine / 1e9:.1f} GB/s moved);"
              f" numpy {theirs * 1e3:.2f} ms ({5 * voxels / theirs / 1e9:.1f} GB/s); 2x numpy needs <= {theirs * 0.5e3:.2f} ms: {verdict}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--results", help="BenchmarkDotNet results folder with the *-report.csv files")
    ap.add_argument("--run-dotnet", action="store_true", help="run BmeQuant's kernel benchmarks first (short job)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--artifacts", help="BenchmarkDotNet artifacts folder for --run-dotnet (default ./BenchmarkDotNet.Artifacts in the repository)")
    args = ap.parse_args()
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    results = args.results
    if args.run_dotnet:
        results = run_dotnet(repo, args.artifacts or os.path.join(repo, "BenchmarkDotNet.Artifacts"))
    ours = read_ours(results) if results else {}

    print(f"numpy {np.__version__}, scipy {__import__('scipy').__version__}, {os.cpu_count()} CPUs")
    print(f"{'operation':28} {'size':>12} {'BmeQuant ms':>12} {'numpy/scipy ms':>15} {'speed-up':>9}")
    for size in args.sizes.split(","):
        numpy_times = {}
        for name, key, fn in cases(size):
            theirs = best_time(fn, args.repeats if not size.endswith("x200") else max(2, args.repeats // 2))
            numpy_times[key] = theirs
            mine = ours.get((key, size))
            mine_text = f"{mine * 1e3:12.2f}" if mine is not None else f"{'-':>12}"
            ratio = f"{theirs / mine:8.1f}x" if mine else f"{'-':>9}"
            print(f"{name:28} {size:>12} {mine_text} {theirs * 1e3:15.2f} {ratio}")
        # Element-wise kernels against our own copy of the same kind in the same run (target: at most 2x).
        for kernel, base in (("ThresholdBenchmarks.IntoMask", "ThresholdBenchmarks.Copy"), ("ThresholdBenchmarks.BandIntoMask", "ThresholdBenchmarks.Copy"),
                             ("ThresholdBenchmarks.SimdParallelNewVolume", "ThresholdBenchmarks.CopyNew"), ("ThresholdBenchmarks.BandNewVolume", "ThresholdBenchmarks.CopyNew"),
                             ("ConvertBenchmarks.SimdParallel", "ConvertBenchmarks.Copy"), ("StatisticsBenchmarks.SimdParallel", "ConvertBenchmarks.Copy")):
            k, c = ours.get((kernel, size)), ours.get((base, size))
            if k and c:
                print(f"  BmeQuant {kernel} / {base} ({size}): {k / c:.2f}x the copy time")
        bandwidth_argument(size, ours, numpy_times)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
