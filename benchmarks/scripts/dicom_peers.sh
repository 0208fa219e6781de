#!/usr/bin/env bash
# DICOM read throughput, BmeQuant vs pydicom, on the same files in one run (issue 2's "at least 5x pydicom" target).
# For each folder of .dcm files: header-only parse of every file, and full read + decode of every file's stored
# values (pydicom: dcmread + pixel_array; BmeQuant: DicomFile.Open + DicomPixelData.GetFrameStored), best of N runs
# after a warm-up, then the ratio pydicom time / BmeQuant time. Folders default to:
#   uncompressed  a synthetic 200-slice 384x384 16-bit MR series written by pydicom (Explicit VR LE)
#   j2k-lossless  the first J2K_SLICES (default 20) slices as JPEG 2000 lossless (opj_compress, encapsulated by pydicom; skipped
#                 without opj_compress). pydicom decodes JPEG 2000 only with a plugin (pylibjpeg/GDCM/Pillow with
#                 OpenJPEG): when none is installed its column says so and the script times opj_decompress instead.
# Usage: dicom_peers.sh [repeats] [extra folder ...]; prints a table and writes benchmarks/results/dicom-peers-DATE.md.
set -euo pipefail
REPEATS=${1:-3}
export J2K_SLICES=${J2K_SLICES:-20}
shift || true
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PY=/usr/bin/python3
command -v "$PY" >/dev/null || { echo "missing $PY (with pydicom and numpy)" >&2; exit 2; }

"$PY" - "$WORK" <<'PY'
import os, shutil, subprocess, sys
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRLittleEndian, JPEG2000Lossless, generate_uid
work = sys.argv[1]
size, slices = 384, 200
rng = np.random.default_rng(2026)
y, x = np.mgrid[0:size, 0:size].astype(np.float64)
os.makedirs(os.path.join(work, 'uncompressed'))
opj = shutil.which('opj_compress')
if opj:
    os.makedirs(os.path.join(work, 'j2k-lossless'))
study, series = generate_uid(), generate_uid()
for k in range(slices):
    r = np.hypot(x - size / 2, y - size / 2 - 10 * np.sin(k / 15))
    img = 1200 * (r < size * 0.42) + 900 * ((r < size * 0.2) & (x > size / 2)) + 300 * np.sin(x / 17 + k / 9)
    img = np.clip(img + rng.normal(0, 40, img.shape) + 400, 0, 4095).astype(np.uint16)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.4'
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset(); ds.file_meta = meta; ds.is_little_endian = True; ds.is_implicit_VR = False
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.Modality = study, series, 'MR'
    ds.PatientName, ds.SeriesDescription, ds.InstanceNumber = 'Bench^Mark', 'STIR cor bench', k + 1
    ds.ImagePositionPatient = [-96, -96, 3 * k]; ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.5, 0.5]; ds.SliceThickness = 3
    ds.Rows = ds.Columns = size; ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = 16; ds.BitsStored = 12; ds.HighBit = 11; ds.PixelRepresentation = 0
    ds.PixelData = img.tobytes()
    ds.save_as(os.path.join(work, 'uncompressed', f'IM{k:04d}.dcm'), write_like_original=False)
    if opj and k < int(os.environ['J2K_SLICES']):
        raw = os.path.join(work, 'slice.rawl'); j2k = os.path.join(work, 'slice.j2k')
        img.astype('<u2').tofile(raw)
        subprocess.run([opj, '-i', raw, '-o', j2k, '-F', f'{size},{size},1,12,u'], check=True, capture_output=True)
        with open(j2k, 'rb') as fh:
            ds.PixelData = encapsulate([fh.read()])
        ds['PixelData'].VR = 'OB'
        ds.file_meta.TransferSyntaxUID = JPEG2000Lossless
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
        ds.is_implicit_VR = False
        ds.save_as(os.path.join(work, 'j2k-lossless', f'IM{k:04d}.dcm'), write_like_original=False)
PY

FOLDERS=("$WORK/uncompressed")
[ -d "$WORK/j2k-lossless" ] && FOLDERS+=("$WORK/j2k-lossless")
FOLDERS+=("$@")

dotnet build -c Release "$ROOT/src/BmeQuant.Dicom" -v q -nologo > /dev/null
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
OUT="$ROOT/benchmarks/results/dicom-peers-$(date -u +%Y-%m-%d).md"
mkdir -p "$(dirname "$OUT")"
{
  echo "# DICOM read throughput: BmeQuant vs pydicom ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "CPU: $CPU, $(nproc) cores; load average before the run: $LOAD; best of $REPEATS runs after a warm-up."
  echo
  echo "| folder | files | pydicom header (s) | BmeQuant header (s) | ratio | pydicom full (s) | BmeQuant full (s) | ratio |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$OUT"

for folder in "${FOLDERS[@]}"; do
  ours=$(dotnet run -c Release --file "$ROOT/benchmarks/scripts/dicom_peers_timing.cs" -- "$folder" "$REPEATS" | tail -n 1)
  theirs=$("$PY" - "$folder" "$REPEATS" <<'PY'
import glob, os, shutil, subprocess, sys, tempfile, time
import pydicom
folder, repeats = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob(os.path.join(folder, '*.dcm')))
def best(fn):
    fn(); b = float('inf')
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); b = min(b, time.perf_counter() - t0)
    return b
header = best(lambda: [len(pydicom.dcmread(f, stop_before_pixels=True).SeriesInstanceUID) for f in files])
def full():
    s = 0
    for f in files:
        a = pydicom.dcmread(f).pixel_array
        s += int(a.flat[a.size // 2])
    return s
try:
    full_t, how = best(full), 'pydicom'
except Exception as e:  # no JPEG 2000 plugin: time opj_decompress on the same codestreams instead
    opj = shutil.which('opj_decompress')
    if not opj:
        full_t, how = float('nan'), f'pydicom cannot decode: {type(e).__name__}'
    else:
        from pydicom.encaps import generate_pixel_data_frame
        tmp = tempfile.mkdtemp()
        paths = []
        for i, f in enumerate(files):
            ds = pydicom.dcmread(f)
            p = os.path.join(tmp, f'{i}.j2k')
            with open(p, 'wb') as fh:
                fh.write(next(generate_pixel_data_frame(ds.PixelData)))
            paths.append(p)
        out = os.path.join(tmp, 'o.rawl')
        full_t = best(lambda: [subprocess.run([opj, '-i', p, '-o', out], check=True, capture_output=True) for p in paths])
        how = 'opj_decompress (pydicom has no JPEG 2000 plugin here; process start included)'
print(f'{len(files)}\t{header:.6f}\t{full_t:.6f}\t{how}')
PY
)
  IFS=$'\t' read -r _ n oh of _ <<< "$ours"
  IFS=$'\t' read -r _ ph pf how <<< "$theirs"
  rh=$(echo "$ph / $oh" | bc -l); rf=$(echo "$pf / $of" | bc -l 2>/dev/null || echo nan)
  name=$(basename "$folder")
  printf '%-14s %4s files  header: pydicom %.3f s, BmeQuant %.3f s, ratio %.1fx   full: %s %.3f s, BmeQuant %.3f s, ratio %.1fx\n' \
    "$name" "$n" "$ph" "$oh" "$rh" "$how" "$pf" "$of" "$rf"
  printf '| %s | %s | %.3f | %.3f | %.1fx | %.3f (%s) | %.3f | %.1fx |\n' "$name" "$n" "$ph" "$oh" "$rh" "$pf" "$how" "$of" "$rf" >> "$OUT"
done
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
echo "results written to $OUT"
