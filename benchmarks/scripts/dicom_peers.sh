#!/usr/bin/env bash
# DICOM read throughput, BmeQuant vs pydicom, on the same files in one run (issue 2's "at least 5x pydicom" target).
# For each folder of .dcm files: header-only parse of every file; full read + decode of every file's stored values
# (pydicom: dcmread + pixel_array; BmeQuant: DicomFile.Open + GetFrameStored, and the on-demand path
# DicomReadOptions.PixelDataOnDemand + GetFrameStoredBytes into one buffer); the folder into one float32 volume
# (pydicom + numpy stacking vs SeriesDiscovery + ToVolume). Best of N runs after a warm-up, in CPU seconds (user + sys,
# so the ratios hold on a loaded machine) and wall seconds; ratio = pydicom CPU / BmeQuant CPU. Start-up, imports and
# JIT are excluded on both sides (warm-up pass; our timing program is built without tiered compilation like the CLI).
# Each folder gets a second BmeQuant row with the application GC setting System.GC.LOHThreshold = 1 MiB (see below).
# Folders default to:
#   uncompressed  a synthetic 200-slice 384x384 16-bit MR series written by pydicom (Explicit VR LE)
#   j2k-lossless  the first J2K_SLICES (default 20) slices as JPEG 2000 lossless (opj_compress, encapsulated by pydicom; skipped
#                 without opj_compress). pydicom decodes JPEG 2000 only with a plugin (pylibjpeg/GDCM/Pillow with
#                 OpenJPEG): when none is installed its column says so and the script times opj_decompress instead.
# Usage: dicom_peers.sh [repeats] [extra folder ...]; prints a table and writes benchmarks/results/dicom-peers-DATE-TIME.md.
set -euo pipefail
REPEATS=${1:-5}
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
OUT="$ROOT/benchmarks/results/dicom-peers-$(date -u +%Y-%m-%dT%H%M).md"
mkdir -p "$(dirname "$OUT")"
{
  echo "# DICOM read throughput: BmeQuant vs pydicom ($(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$ROOT" rev-parse --short HEAD))"
  echo
  echo "CPU: $CPU, $(nproc) cores; load average before the run: $LOAD; best of $REPEATS runs after a warm-up."
  echo "CPU seconds (user + sys of the timing process, all threads; what the ratios use) with wall seconds in brackets."
  echo "full = open + decode frame 0 into a new array per file (BmeQuant default options, file disposed; pydicom dcmread + pixel_array);"
  echo "on demand = BmeQuant DicomReadOptions.PixelDataOnDemand + GetFrameStoredBytes into one reused buffer;"
  echo "volume = the folder into one float32 volume of modality values (BmeQuant SeriesDiscovery + ToVolume, parallel;"
  echo "pydicom: dcmread all, sort by position, numpy stack of pixel_array x slope + intercept)."
  echo
  echo "| folder | files | header pydicom | header BmeQuant | ratio | full pydicom | full BmeQuant | ratio | on demand BmeQuant | ratio vs pydicom full | volume pydicom+numpy | volume BmeQuant | ratio |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$OUT"

ratio() { case "$1$2" in *nan*) echo "n/a" ;; *) echo "$1 $2" | awk '{ if ($2 > 0) printf "%.1fx", $1 / $2; else print "n/a" }' ;; esac; }
cell() { printf '%.3f (%.3f)' "$1" "$2"; }

# Our side twice: as any application gets it (default GC settings), and with the one GC setting an application that
# opens many whole files can set (System.GC.LOHThreshold = 1 MiB, here through DOTNET_GCLOHThreshold): each default
# read (file disposed when done) reads its Pixel Data into a pooled array, but GetFrameStored returns a fresh ~300 KB
# frame array, which by default goes to the large object heap, whose freed memory the GC hands back to the kernel, so
# every file's array is fresh pages (page faults, zeroing) and triggers gen2 collections (dicom_loh_floor.cs times that
# array alone). pydicom's bytes and numpy arrays come from malloc, which reuses its memory.
for folder in "${FOLDERS[@]}"; do
 for gc in default loh1m; do
  if [ "$gc" = loh1m ]; then
    ours=$(DOTNET_GCLOHThreshold=0x100000 dotnet run -c Release --file "$ROOT/benchmarks/scripts/dicom_peers_timing.cs" -- "$folder" "$REPEATS" | tail -n 1)
  else
    ours=$(dotnet run -c Release --file "$ROOT/benchmarks/scripts/dicom_peers_timing.cs" -- "$folder" "$REPEATS" | tail -n 1)
  fi
  if [ "$gc" = default ]; then
  theirs=$("$PY" - "$folder" "$REPEATS" <<'PY'
import glob, os, resource, shutil, subprocess, sys, tempfile, time
import numpy as np
import pydicom
folder, repeats = sys.argv[1], int(sys.argv[2])
files = sorted(glob.glob(os.path.join(folder, '*.dcm')))
def cpu_now():  # this process (CLOCK_PROCESS_CPUTIME_ID, as the BmeQuant side) + finished children (opj_decompress)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + c.ru_utime + c.ru_stime
def best(fn):
    fn(); wall = cpu = float('inf')
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), cpu_now(); fn()
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, cpu_now() - c0)
    return wall, cpu
header = best(lambda: [len(pydicom.dcmread(f, stop_before_pixels=True).SeriesInstanceUID) for f in files])
def full():
    s = 0
    for f in files:
        a = pydicom.dcmread(f).pixel_array
        s += int(a.flat[a.size // 2])
    return s
def volume():
    ds = [pydicom.dcmread(f) for f in files]
    normal = np.cross(np.array(ds[0].ImageOrientationPatient[:3], float), np.array(ds[0].ImageOrientationPatient[3:], float))
    ds.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, float))))
    return np.stack([d.pixel_array.astype(np.float32) * np.float32(getattr(d, 'RescaleSlope', 1) or 1)
                     + np.float32(getattr(d, 'RescaleIntercept', 0) or 0) for d in ds])
how = 'pydicom'
try:
    full_t = best(full)
    vol_t = best(volume)
except Exception as e:  # no JPEG 2000 plugin: time opj_decompress on the same codestreams instead (CPU of the children)
    vol_t = (float('nan'), float('nan'))
    opj = shutil.which('opj_decompress')
    if not opj:
        full_t, how = (float('nan'), float('nan')), f'pydicom cannot decode: {type(e).__name__}'
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
        how = 'opj_decompress (no pydicom JPEG 2000 plugin; process start included)'
print('\t'.join([str(len(files))] + [f'{x:.6f}' for x in (*header, *full_t, *vol_t)] + [how]))
PY
)
  fi
  IFS=$'\t' read -r _ n ohw ohc ofw ofc odw odc ovw ovc _ <<< "$ours"
  IFS=$'\t' read -r _ phw phc pfw pfc pvw pvc how <<< "$theirs"
  name=$(basename "$folder")
  [ "$gc" = loh1m ] && name="$name (GC LOHThreshold 1 MiB)"
  rh=$(ratio "$phc" "$ohc"); rf=$(ratio "$pfc" "$ofc"); rd=$(ratio "$pfc" "$odc"); rv=$(ratio "$pvc" "$ovc")
  printf '%s (%s files), CPU s [wall s]: header pydicom %.3f [%.3f] BmeQuant %.3f [%.3f] %s | full %s %.3f [%.3f] BmeQuant %.3f [%.3f] %s | on demand %.3f [%.3f] %s | volume pydicom %.3f [%.3f] BmeQuant %.3f [%.3f] %s\n' \
    "$name" "$n" "$phc" "$phw" "$ohc" "$ohw" "$rh" "$how" "$pfc" "$pfw" "$ofc" "$ofw" "$rf" "$odc" "$odw" "$rd" "$pvc" "$pvw" "$ovc" "$ovw" "$rv"
  printf '| %s | %s | %s | %s | %s | %s%s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$n" \
    "$(cell "$phc" "$phw")" "$(cell "$ohc" "$ohw")" "$rh" "$(cell "$pfc" "$pfw")" "$([ "$how" = pydicom ] || echo " ($how)")" "$(cell "$ofc" "$ofw")" "$rf" \
    "$(cell "$odc" "$odw")" "$rd" "$(cell "$pvc" "$pvw")" "$(cell "$ovc" "$ovw")" "$rv" >> "$OUT"
 done
done
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
echo "results written to $OUT"
