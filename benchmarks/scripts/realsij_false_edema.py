#!/usr/bin/python3
"""What BmeQuant's real sacroiliac edema holds that no reader outlined (diagnosis, no pass/fail).

Reads the subjects of BMEQUANT_REAL_SIJ (default ../shared/testdata/real-sij) and our edema masks written by
realsij_agreement.cs (REALSIJ_OUT, <mode>-<subject>.nii.gz). Per subject it prints:
  - our voxels no reader outlined ("no-reader"), split into lesions (26-connected) no reader touched and the parts
    of lesions a reader touched elsewhere; the untouched lesions by size;
  - the no-reader voxels by in-plane distance to the nearest reader voxel of the same slice, and by in-plane depth
    below the region's edge (against the voxels >= 2 readers outlined);
  - per slice: ours, no-reader, readers >= 1 and >= 2, voxels of untouched lesions;
  - per lesion on >= 3 slices: its length along the slice normal over its largest in-plane extent (bounding-box
    diagonal in its widest slice; ThroughSliceTubeFilter leaves out lesions at >= 3), fluid z and T1 hypointensity
    z against the reference mask, and its reader voxels;
  - per-slice blobs (8-connected, in-plane) classed false (no reader voxel, > 2 mm from any), mixed, true (>= half
    reader voxels): voxel-weighted p10/p50/p90 of fluid z, T1 z, the region's marrow 1.5-5 mm around the blob
    (fluid z, T1 z), depth below the region's edge, half thickness (p90 of the distance to the blob's edge), area.

  MODES=mask,nomask REALSIJ_OUT=/tmp/realsij dotnet run -c Release --file benchmarks/scripts/realsij_agreement.cs
  REALSIJ_OUT=/tmp/realsij /usr/bin/python3 benchmarks/scripts/realsij_false_edema.py [mode]

Needs numpy, scipy and nibabel (Debian python3 on the CI machine). About 1 min per mode.
"""
import os
import sys

import nibabel as nib
import numpy as np
from scipy import ndimage as ndi

ROOT = os.environ.get("BMEQUANT_REAL_SIJ", os.path.join("..", "shared", "testdata", "real-sij"))
OUT = os.environ.get("REALSIJ_OUT")
MODE = sys.argv[1] if len(sys.argv) > 1 else "mask"
TUBE_RATIO = 3.0
TUBE_MIN_SLICES = 3


def robust(v):
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    return med, (q3 - q1) / 1.349


def weighted(values, weights):
    ok = ~np.isnan(values)
    if not ok.any():
        return "nan"
    v, w = values[ok], weights[ok]
    order = np.argsort(v)
    cum = np.cumsum(w[order]) / w.sum()
    return "/".join(f"{v[order][min(np.searchsorted(cum, q), v.size - 1)]:.2f}" for q in (0.1, 0.5, 0.9))


def in_plane_distance(mask_per_slice, spacing, absent=999.0):
    out = np.full(mask_per_slice.shape, absent)
    for k in range(mask_per_slice.shape[2]):
        if (~mask_per_slice[:, :, k]).any():
            out[:, :, k] = ndi.distance_transform_edt(mask_per_slice[:, :, k], sampling=spacing[:2])
    return out


def subject(s):
    def load(name):
        return np.asarray(nib.load(os.path.join(ROOT, s, name + ".nii.gz")).dataobj)

    stir = load("stir").astype(float)
    t1 = load("t1").astype(float)
    region = load("region") > 0
    ref = load("reference") > 0
    outlines = sorted(f[:-7] for f in os.listdir(os.path.join(ROOT, s)) if f.startswith("edema_") and f.endswith(".nii.gz"))
    count = sum((load(o) > 0).astype(int) for o in outlines)
    ours = np.asarray(nib.load(os.path.join(OUT, f"{MODE}-{s}.nii.gz")).dataobj) > 0
    spacing = tuple(float(x) for x in nib.load(os.path.join(ROOT, s, "stir.nii.gz")).header.get_zooms()[:3])
    med, sd = robust(stir[ref])
    tmed, tsd = robust(t1[ref])
    z = (stir - med) / sd
    tz = (tmed - t1) / tsd
    alone = ours & (count == 0)

    lab, n = ndi.label(ours, np.ones((3, 3, 3)))
    idx = np.arange(1, n + 1)
    size = ndi.sum(ours, lab, idx)
    readers = ndi.sum(count > 0, lab, idx)
    untouched_label = np.zeros(n + 1, bool)
    untouched_label[1:] = readers == 0
    untouched = untouched_label[lab]
    print(f"== {s} ({MODE}): ours {ours.sum()} voxels in {n} lesions, no-reader {alone.sum()}")
    print(f"  in {int((readers == 0).sum())} lesions no reader touched: {int(size[readers == 0].sum())}; "
          f"in lesions a reader touched: {int((alone & ~untouched).sum())}")
    for lo, hi in ((0, 50), (50, 200), (200, 1000), (1000, 10 ** 9)):
        sel = (readers == 0) & (size >= lo) & (size < hi)
        print(f"    untouched lesions of [{lo}, {hi}) voxels: {int(sel.sum())} lesions, {int(size[sel].sum())} voxels")

    to_reader = in_plane_distance(count == 0, spacing)
    depth = in_plane_distance(region, spacing, absent=0.0)
    bins = ((0, 0.7), (0.7, 1.3), (1.3, 2.5), (2.5, 5), (5, 10 ** 9))
    print("  no-reader voxels by in-plane distance to a reader voxel of the slice (mm): "
          + ", ".join(f"[{lo}, {hi if hi < 10 ** 9 else 'inf'}) {int((alone & (to_reader >= lo) & (to_reader < hi)).sum())}" for lo, hi in bins))
    agreed = count >= 2
    print(f"  in-plane depth below the region's edge p10/50/90 (mm): no-reader {np.percentile(depth[alone], [10, 50, 90]).round(2)}, "
          f"ours & >= 2 readers {np.percentile(depth[ours & agreed], [10, 50, 90]).round(2)}, >= 2 readers {np.percentile(depth[agreed], [10, 50, 90]).round(2)}")

    print("  slice  ours  no-reader  readers>=1  readers>=2  untouched-lesion")
    for k in range(ours.shape[2]):
        a, c1 = ours[:, :, k].sum(), (count[:, :, k] > 0).sum()
        if a or c1:
            print(f"  {k:5d} {a:5d} {alone[:, :, k].sum():10d} {c1:11d} {(count[:, :, k] >= 2).sum():11d} {untouched[:, :, k].sum():17d}")

    print(f"  lesions on >= {TUBE_MIN_SLICES} slices by length / in-plane extent (tube at >= {TUBE_RATIO}):")
    for c, box in enumerate(ndi.find_objects(lab), 1):
        m = lab[box] == c
        slices = int(m.any((0, 1)).sum())
        if slices < TUBE_MIN_SLICES:
            continue
        extent = 0.0
        for k in range(m.shape[2]):
            xs, ys = np.nonzero(m[:, :, k])
            if xs.size:
                extent = max(extent, np.hypot((np.ptp(xs) + 1) * spacing[0], (np.ptp(ys) + 1) * spacing[1]))
        ratio = slices * spacing[2] / extent
        if ratio < 1.5:
            continue
        full = lab == c
        print(f"    {int(full.sum()):6d} voxels, {slices} slices, extent {extent:5.1f} mm, ratio {ratio:4.2f}{' TUBE' if ratio >= TUBE_RATIO else '     '}, "
              f"fluid z {np.median(z[full]):4.1f}, T1 z {np.median(tz[full]):4.1f}, reader voxels {int((full & (count > 0)).sum())}")

    rows = []
    for k in range(ours.shape[2]):
        o = ours[:, :, k]
        if not o.any():
            continue
        blob, nb = ndi.label(o, np.ones((3, 3)))
        r = region[:, :, k]
        for c in range(1, nb + 1):
            m = blob == c
            area = int(m.sum())
            on_reader = int((m & (count[:, :, k] > 0)).sum())
            near = to_reader[:, :, k][m].min()
            dist = ndi.distance_transform_edt(~m, sampling=spacing[:2])
            ring = (dist > 1.5) & (dist <= 5) & r & ~o
            inner = ndi.distance_transform_edt(m, sampling=spacing[:2])
            cls = "false" if on_reader == 0 and near > 2 else "true" if on_reader >= 0.5 * area else "mixed"
            rows.append((cls, area, np.median(z[:, :, k][m]), np.median(tz[:, :, k][m]),
                         np.median(z[:, :, k][ring]) if ring.any() else np.nan,
                         np.median(tz[:, :, k][ring]) if ring.any() else np.nan,
                         np.median(depth[:, :, k][m]), np.percentile(inner[m], 90)))
    print("  in-plane blobs (voxel-weighted p10/p50/p90): fluid z | T1 z | ring fluid z | ring T1 z | depth mm | half thickness mm | area voxels")
    for cls in ("false", "mixed", "true"):
        sel = [row for row in rows if row[0] == cls]
        if not sel:
            continue
        a = np.array([row[1:] for row in sel], float)
        w = a[:, 0]
        print(f"    {cls:5s} {len(sel):4d} blobs {int(w.sum()):6d} voxels: " + " | ".join(weighted(a[:, j], w) for j in (1, 2, 3, 4, 5, 6, 0)))


def main():
    if OUT is None:
        sys.exit("Set REALSIJ_OUT to the folder realsij_agreement.cs wrote the masks into.")
    for s in sorted(d for d in os.listdir(ROOT) if os.path.isfile(os.path.join(ROOT, d, "stir.nii.gz"))):
        subject(s)


if __name__ == "__main__":
    main()
