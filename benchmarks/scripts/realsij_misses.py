#!/usr/bin/python3
"""Where BmeQuant's edema disagrees with the real sacroiliac readers (diagnosis, no pass/fail).

Reads the subjects of BMEQUANT_REAL_SIJ (default ../shared/testdata/real-sij) and our edema masks written by
realsij_agreement.cs (REALSIJ_OUT, <mode>-<subject>.nii.gz). Per subject it prints:
  - the readers' consensus: Dice of the >= k-of-4 outline against each outline, and of the >= 2-of-3 consensus of
    the other three against the held-out outline (what a method reproducing the other readers would score);
  - our Dice against the consensus (>= 2 and >= 3 of 4);
  - the voxels >= 3 readers outlined that we miss, those we hit and ours no reader outlined, by fluid z and T1
    hypointensity z against the reference mask, share in the region's boundary layer, distance to our mask;
  - per slice: the fatty-marrow fluid median (region one voxel in-plane inside, T1 >= the region's T1 median), the
    reference mask's median where it has voxels, and agreed / hit / missed / no-reader voxel counts.

  MODES=mask REALSIJ_OUT=/tmp/realsij dotnet run -c Release --file benchmarks/scripts/realsij_agreement.cs
  REALSIJ_OUT=/tmp/realsij /usr/bin/python3 benchmarks/scripts/realsij_misses.py [mode]

Needs numpy, scipy and nibabel (Debian python3 on the CI machine).
"""
import os
import sys

import nibabel as nib
import numpy as np
from scipy import ndimage as ndi

ROOT = os.environ.get("BMEQUANT_REAL_SIJ", os.path.join("..", "shared", "testdata", "real-sij"))
OUT = os.environ.get("REALSIJ_OUT")
MODE = sys.argv[1] if len(sys.argv) > 1 else "mask"


def dice(a, b):
    return 2.0 * (a & b).sum() / max(a.sum() + b.sum(), 1)


def pct(v, q):
    return np.percentile(v, q) if v.size else float("nan")


def main():
    if OUT is None:
        sys.exit("Set REALSIJ_OUT to the folder realsij_agreement.cs wrote the masks into.")
    subjects = sorted(d for d in os.listdir(ROOT) if os.path.isfile(os.path.join(ROOT, d, "stir.nii.gz")))
    for s in subjects:
        def load(name):
            return np.asarray(nib.load(os.path.join(ROOT, s, name + ".nii.gz")).dataobj)

        stir = load("stir").astype(float)
        t1 = load("t1").astype(float)
        region = load("region") > 0
        ref = load("reference") > 0
        outlines = sorted(f[:-7] for f in os.listdir(os.path.join(ROOT, s)) if f.startswith("edema_") and f.endswith(".nii.gz"))
        readers = [load(o) > 0 for o in outlines]
        ours = np.asarray(nib.load(os.path.join(OUT, f"{MODE}-{s}.nii.gz")).dataobj) > 0
        spacing = nib.load(os.path.join(ROOT, s, "stir.nii.gz")).header.get_zooms()[:3]
        count = sum(r.astype(int) for r in readers)
        n = len(readers)

        med = np.median(stir[ref])
        q1, q3 = np.percentile(stir[ref], [25, 75])
        sd = (q3 - q1) / 1.349
        tmed = np.median(t1[ref])
        tq1, tq3 = np.percentile(t1[ref], [25, 75])
        tsd = (tq3 - tq1) / 1.349
        z = (stir - med) / sd
        tz = (tmed - t1) / tsd
        boundary = region & ~ndi.binary_erosion(region, structure=ndi.generate_binary_structure(3, 1))

        print(f"== {s} ({MODE}): reference fluid median {med:.0f}, robust SD {sd:.1f}; T1 median {tmed:.0f}, robust SD {tsd:.1f}")
        for k in range(1, n + 1):
            c = count >= k
            print(f"  consensus >= {k} of {n}: {c.sum():6d} voxels, Dice vs each outline {' '.join(f'{dice(c, r):.2f}' for r in readers)}")
        if n >= 3:
            loo = [dice(sum(readers[j].astype(int) for j in range(n) if j != i) >= 2, readers[i]) for i in range(n)]
            print(f"  >= 2 of the other {n - 1} vs the held-out outline: {' '.join(f'{x:.2f}' for x in loo)} (mean {np.mean(loo):.3f})")
        print(f"  ours {ours.sum()} voxels; Dice vs consensus >= 2 {dice(ours, count >= 2):.3f}, >= 3 {dice(ours, count >= 3):.3f}")

        agreed = count >= 3
        miss, hit, alone = agreed & ~ours, agreed & ours, ours & (count == 0)
        distance = ndi.distance_transform_edt(~ours, sampling=spacing)
        for name, m in (("missed", miss), ("hit", hit), ("no-reader", alone)):
            if m.sum() == 0:
                continue
            d = distance[m]
            print(f"  {name:9s} {m.sum():6d}: boundary {boundary[m].mean():.2f}, in region {region[m].mean():.2f}, "
                  f"fluid z p10/50/90 {pct(z[m], 10):.1f}/{pct(z[m], 50):.1f}/{pct(z[m], 90):.1f}, "
                  f"T1 z {pct(tz[m], 10):.1f}/{pct(tz[m], 50):.1f}/{pct(tz[m], 90):.1f}"
                  + (f", from ours <=1 / 1-3 / 3-6 / >6 mm: {(d <= 1).sum()}/{((d > 1) & (d <= 3)).sum()}/{((d > 3) & (d <= 6)).sum()}/{(d > 6).sum()}" if name == "missed" else ""))

        inner = ndi.binary_erosion(region, structure=np.ones((3, 3, 1)))
        fatty = inner & (t1 >= np.median(t1[inner]))
        print("  slice  fatty-median  reference-median  agreed  hit  missed  no-reader")
        for k in range(stir.shape[2]):
            if agreed[:, :, k].sum() + alone[:, :, k].sum() == 0:
                continue
            f = fatty[:, :, k]
            r = ref[:, :, k]
            print(f"  {k:5d}  {np.median(stir[:, :, k][f]) if f.sum() >= 50 else float('nan'):12.0f}  "
                  f"{np.median(stir[:, :, k][r]) if r.sum() >= 20 else float('nan'):16.0f}  "
                  f"{agreed[:, :, k].sum():6d} {hit[:, :, k].sum():4d} {miss[:, :, k].sum():7d} {alone[:, :, k].sum():10d}")


if __name__ == "__main__":
    main()
