#!/usr/bin/env python3
"""Times scipy.ndimage on the same synthetic volumes as BmeQuant's filter benchmarks and prints both and the ratio.

The volumes follow the formulas of benchmarks/BmeQuant.Benchmarks/Imaging/Filters/FilterBenchmarkVolumes.cs.
BmeQuant's numbers come from BenchmarkDotNet's CSV reports: either run them in the same invocation (--run-dotnet,
which calls `dotnet run -c Release` on the benchmark project with a short job) or point --results at an existing
BenchmarkDotNet.Artifacts/results folder.

Usage:
    python3 benchmarks/scripts/scipy_filters.py --run-dotnet [--sizes 320x320x30,512x512x40,384x384x200]
    python3 benchmarks/scripts/scipy_filters.py --results BenchmarkDotNet.Artifacts/results
"""
import argparse
import csv
import glob
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
from scipy import ndimage as ndi

SIZES = ["320x320x30", "512x512x40", "384x384x200"]


def geometry(size):
    nx, ny, nz = (int(v) for v in size.split("x"))
    spacing_xyz = (0.45, 0.45, 3.5) if nz <= 40 else (0.8, 0.8, 0.8)
    return nx, ny, nz, spacing_xyz


def hash_ijk(i, j, k):
    return ((i * 73856093) ^ (j * 19349663) ^ (k * 83492791)) & 0xFFFFF


def grids(size):
    nx, ny, nz, _ = geometry(size)
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


def ellipsoid(spacing_zyx, r):
    rad = [int(np.floor(r / s)) for s in spacing_zyx]
    zz, yy, xx = np.mgrid[-rad[0]:rad[0] + 1, -rad[1]:rad[1] + 1, -rad[2]:rad[2] + 1]
    d2 = (zz * spacing_zyx[0]) ** 2 + (yy * spacing_zyx[1]) ** 2 + (xx * spacing_zyx[2]) ** 2
    return d2 <= r * r * (1 + 1e-6)


def rotated_affine(size):
    """Target index (k, j, i) -> source index for the 10-degree rotated, shifted target of RotatedTarget()."""
    _, _, _, sp = geometry(size)
    a = np.deg2rad(10)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    s = np.diag(sp)
    m_xyz = np.linalg.inv(s) @ rot @ s
    off_xyz = np.linalg.inv(s) @ np.array([1.3, -1.3, 0.7])
    rev = [2, 1, 0]
    return m_xyz[np.ix_(rev, rev)], off_xyz[rev]


def cases(size):
    _, _, _, sp = geometry(size)
    sp_zyx = sp[::-1]
    v = intensity(size)
    m = mask(size).astype(bool)
    el = ellipsoid(sp_zyx, 2.0)
    el15 = ellipsoid(sp_zyx, 1.5)
    el25 = ellipsoid(sp_zyx, 2.5)
    voxel_mm3 = float(np.prod(sp))
    mat, off = rotated_affine(size)
    s26 = ndi.generate_binary_structure(3, 3)

    def label26():
        lab, n = ndi.label(m, s26)
        ndi.find_objects(lab)
        return n

    def fill_per_slice():
        out = np.empty_like(m)
        for k in range(m.shape[0]):
            out[k] = ndi.binary_fill_holes(m[k])
        return out

    def remove_small():
        # skimage.morphology.remove_small_objects, written out: 6-connected labels, sizes, keep >= 5 mm^3.
        lab, _ = ndi.label(m)
        sizes = np.bincount(lab.ravel())
        keep = sizes * voxel_mm3 >= 5.0 * (1 - 1e-12)
        keep[0] = False
        return keep[lab]

    return {
        ("GaussianFilterBenchmarks", "Fir"): lambda: ndi.gaussian_filter(v, [1.5 / s for s in sp_zyx], mode="nearest", truncate=4.0),
        ("GaussianFilterBenchmarks", "Recursive"): lambda: ndi.gaussian_filter(v, [3.0 / s for s in sp_zyx], mode="nearest", truncate=4.0),
        ("MedianFilterBenchmarks", "Simd"): lambda: ndi.median_filter(v, size=3, mode="nearest"),
        ("BinaryMorphologyBenchmarks", "Dilate"): lambda: ndi.binary_dilation(m, el, border_value=0),
        ("BinaryMorphologyBenchmarks", "Erode"): lambda: ndi.binary_erosion(m, el, border_value=0),
        ("BinaryMorphologyBenchmarks", "Erode15"): lambda: ndi.binary_erosion(m, el15, border_value=0),
        ("BinaryMorphologyBenchmarks", "Erode25"): lambda: ndi.binary_erosion(m, el25, border_value=0),
        ("HoleFillingBenchmarks", "Fill"): lambda: ndi.binary_fill_holes(m),
        ("HoleFillingBenchmarks", "FillPerSlice"): fill_per_slice,
        ("ConnectedComponentsBenchmarks", "Label26"): label26,
        ("ConnectedComponentsBenchmarks", "RemoveSmall"): remove_small,
        ("DistanceTransformBenchmarks", "InsideMm"): lambda: ndi.distance_transform_edt(m, sampling=sp_zyx),
        ("ResamplerBenchmarks", "Linear"): lambda: ndi.affine_transform(v, mat, off, order=1, mode="constant", cval=0),
        ("ResamplerBenchmarks", "BSpline3"): lambda: ndi.affine_transform(v, mat, off, order=3, mode="constant", cval=0),
    }


def time_best(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


UNITS = {"ns": 1e-9, "us": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0}


def parse_time(text):
    m = re.match(r"\s*([\d.,]+)\s*(ns|us|μs|ms|s)\s*$", text)
    if not m:
        return None
    return float(m.group(1).replace(",", "")) * UNITS[m.group(2)]


def read_dotnet(results_dir):
    found = {}
    for path in glob.glob(os.path.join(results_dir, "*Filters*-report.csv")):
        cls = os.path.basename(path).split("-report")[0].split(".")[-1]
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                t = parse_time(row.get("Mean", ""))
                if t is not None:
                    found[(cls, row["Method"], row.get("Size", ""))] = (t, row.get("Allocated", "?"))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--results", default="BenchmarkDotNet.Artifacts/results")
    ap.add_argument("--run-dotnet", action="store_true", help="run the BenchmarkDotNet filter benchmarks first (short job)")
    ap.add_argument("--save-scipy", help="write the scipy timings to this json file")
    ap.add_argument("--load-scipy", help="reuse scipy timings from this json file instead of timing again")
    args = ap.parse_args()
    sizes = args.sizes.split(",")

    if args.run_dotnet:
        repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
        cmd = ["dotnet", "run", "-c", "Release", "--project", os.path.join(repo, "benchmarks", "BmeQuant.Benchmarks"), "--",
               "--filter", "*Imaging.Filters*", "--anyCategories", "Peer", "--inProcess",
               "--warmupCount", "1", "--iterationCount", "3", "--launchCount", "1", "--exporters", "csv"]
        print("running:", " ".join(cmd), file=sys.stderr)
        subprocess.run(cmd, check=True, cwd=repo)
        args.results = os.path.join(repo, "BenchmarkDotNet.Artifacts", "results")

    ours = read_dotnet(args.results) if os.path.isdir(args.results) else {}
    saved = {}
    if args.load_scipy:
        with open(args.load_scipy, encoding="utf-8") as f:
            saved = json.load(f)
    print(f"scipy {__import__('scipy').__version__}, numpy {np.__version__}, cpus {os.cpu_count()}")
    print(f"{'benchmark':<45} {'size':<12} {'scipy':>10} {'BmeQuant':>10} {'ratio':>7}  allocated")
    for size in sizes:
        for (cls, method), fn in cases(size).items():
            key = f"{cls}.{method}@{size}"
            if key in saved:
                t = saved[key]
            else:
                fn()  # warm-up (and page in the arrays)
                t = time_best(fn, args.repeats if "200" not in size else 1)
                saved[key] = t
            mine = ours.get((cls, method, size))
            ours_text = f"{mine[0] * 1e3:9.1f}ms" if mine else "       n/a"
            ratio = f"{t / mine[0]:6.1f}x" if mine else "    n/a"
            alloc = mine[1] if mine else ""
            print(f"{cls + '.' + method:<45} {size:<12} {t * 1e3:9.1f}ms {ours_text} {ratio}  {alloc}", flush=True)
            if args.save_scipy:
                with open(args.save_scipy, "w", encoding="utf-8") as f:
                    json.dump(saved, f, indent=1)


if __name__ == "__main__":
    main()
