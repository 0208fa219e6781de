#!/usr/bin/python3
"""Real sacroiliac scans: the readers' drawn normal-marrow reference against the estimated one (diagnosis only).

For each subject: where the drawn reference lies (voxels inside the region mask, slices, columns), its fluid (STIR)
and T1 statistics, the estimate's sample (region marrow >= 1 mm deep, T1 >= the marrow's T1 median) with its median
and lower-half robust SD, per slice (fatty-marrow median and spread against the drawn reference's in the same slice),
and the robust SD of the fatty marrow within in-plane patches of 5-40 mm (what a reader's small region of interest
sees) on both series. Numbers quoted in docs/methods.md, "Normal-marrow reference".

  /usr/bin/python3 benchmarks/scripts/realsij_reference.py [real-sij folder]   (default ../shared/testdata/real-sij)
"""
import sys
import numpy as np
import nibabel as nib
from scipy import ndimage as ndi

root = sys.argv[1] if len(sys.argv) > 1 else '../shared/testdata/real-sij'


def load(s, name):
    return np.asarray(nib.load(f'{root}/{s}/{name}.nii.gz').dataobj, dtype=np.float32)


def iqr_sd(a):
    q1, q3 = np.percentile(a, [25, 75])
    return (q3 - q1) / 1.349


def patch_sd(values, mask, patch_mm, spacing, upper):
    n = max(2, int(round(patch_mm / spacing)))
    out = []
    for z in range(values.shape[2]):
        for x0 in range(0, values.shape[0], n):
            for y0 in range(0, values.shape[1], n):
                m = mask[x0:x0 + n, y0:y0 + n, z]
                if m.sum() < max(20, n * n // 4):
                    continue
                a = values[x0:x0 + n, y0:y0 + n, z][m]
                q1, q2, q3 = np.percentile(a, [25, 50, 75])
                out.append(((q3 - q2) if upper else (q2 - q1)) / 0.6745)
    return np.median(out) if out else float('nan')


for s in ['1007', '1012', '3002']:
    stir, t1 = load(s, 'stir'), load(s, 't1')
    img = nib.load(f'{root}/{s}/stir.nii.gz')
    sp = [float(v) for v in img.header.get_zooms()[:3]]
    region, ref = load(s, 'region') > 0, load(s, 'reference') > 0
    depth = ndi.distance_transform_edt(region, sampling=sp)
    marrow = region & (depth >= min(1.0, 0.99 * max(sp[0], sp[1])))
    fat = marrow & (t1 >= np.median(t1[marrow]))
    med = np.median(stir[fat])
    low = (med - np.percentile(stir[fat], 25)) / 0.6745
    normal = marrow & (stir <= med + 0.6745 * low)
    t1med = np.median(t1[normal])
    t1up = (np.percentile(t1[normal], 75) - t1med) / 0.6745
    xs = np.nonzero(ref)[0]
    print(f'== {s}: drawn reference {ref.sum()} voxels, {(ref & region).sum()} inside the region, slices {sorted(set(np.nonzero(ref)[2]))}, columns {xs.min()}-{xs.max()} of {stir.shape[0]}')
    print(f'   drawn: fluid median {np.median(stir[ref]):.0f} IQR-SD {iqr_sd(stir[ref]):.1f} (threshold median + 3 SD {np.median(stir[ref]) + 3 * iqr_sd(stir[ref]):.0f}); T1 median {np.median(t1[ref]):.0f} IQR-SD {iqr_sd(t1[ref]):.1f}')
    print(f'   estimate (whole sample): fluid median {med:.0f} lower-half SD {low:.1f} (threshold {med + 3 * low:.0f}); T1 median {t1med:.0f} upper-half SD {t1up:.1f}')
    for p in [5, 10, 15, 20, 30, 40]:
        lf = patch_sd(stir, fat, p, sp[0], upper=False)
        lt = patch_sd(t1, normal, p, sp[0], upper=True)
        print(f'   patches {p:2d} mm: fluid lower-half SD {lf:.1f} (threshold {med + 3 * min(low, lf):.0f}), T1 upper-half SD {lt:.1f}')
    print('   slice  fatty voxels  fatty median  lower-half SD | drawn voxels  median  IQR-SD')
    for z in range(stir.shape[2]):
        f, r = fat[:, :, z], ref[:, :, z]
        line = f'   {z:5d} {f.sum():13d}'
        if f.sum() > 50:
            a = stir[:, :, z][f]
            m = np.median(a)
            line += f' {m:13.0f} {(m - np.percentile(a, 25)) / 0.6745:14.1f}'
        else:
            line += ' ' * 29
        if r.any():
            b = stir[:, :, z][r]
            line += f' | {r.sum():12d} {np.median(b):7.0f} {iqr_sd(b):7.1f}'
        print(line)
