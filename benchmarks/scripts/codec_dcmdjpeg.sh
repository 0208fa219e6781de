#!/usr/bin/env bash
# JPEG Lossless (SV1) decode: BmeQuant's managed codec vs dcmtk's dcmdjpeg on the same frames, in one run.
# Makes a synthetic MR-like series (default 200 frames of 384x384, 16-bit), compresses it with dcmcjpeg +e1 into one
# multi-frame file, times `dcmdjpeg` on that file (best of 3, CPU seconds user + sys via /usr/bin/time, output to
# /dev/null) and BmeQuant's open + decode of every frame of the same file (codec_dcmdjpeg_timing.cs, CPU seconds of
# the process), prints both and the ratio and writes them to benchmarks/results/jpeg-lossless-dcmdjpeg-DATE-TIME.md. (The BenchmarkDotNet class JpegLosslessDecodeBenchmark times the
# codec alone on extracted codestreams: BMEQUANT_CODEC_BENCH=<folder of frame_*.jpg>.)
# Needs dcmtk, /usr/bin/python3 with pydicom + numpy, and the .NET SDK. Usage: codec_dcmdjpeg.sh [frames] [size]
set -euo pipefail
FRAMES=${1:-200}
SIZE=${2:-384}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for tool in dcmcjpeg dcmdjpeg /usr/bin/python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done

/usr/bin/python3 - "$WORK" "$FRAMES" "$SIZE" <<'PY'
import json, os, sys
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
work, frames, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(384)
y, x = np.mgrid[0:size, 0:size].astype(np.float64)
stack = []
for k in range(frames):
    r = np.hypot(x - size / 2, y - size / 2 - 10 * np.sin(k / 15))
    img = 1200 * (r < size * 0.42) + 900 * ((r < size * 0.2) & (x > size / 2)) + 300 * np.sin(x / 17 + k / 9)
    img = np.clip(img + rng.normal(0, 40, img.shape) + 400, 0, 65535)
    stack.append(img.astype(np.uint16))
arr = np.stack(stack)
meta = FileMetaDataset()
meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7.3"
meta.MediaStorageSOPInstanceUID = generate_uid()
meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds = Dataset(); ds.file_meta = meta; ds.is_little_endian = True; ds.is_implicit_VR = False
ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.Modality = generate_uid(), generate_uid(), "MR"
ds.Rows = ds.Columns = size; ds.NumberOfFrames = frames; ds.SamplesPerPixel = 1
ds.PhotometricInterpretation = "MONOCHROME2"; ds.BitsAllocated = 16; ds.BitsStored = 16; ds.HighBit = 15
ds.PixelRepresentation = 0; ds.PixelData = arr.tobytes()
ds.save_as(os.path.join(work, "raw.dcm"), write_like_original=False)
json.dump({"rows": size, "columns": size, "bitsAllocated": 16, "bitsStored": 16, "frames": frames},
          open(os.path.join(work, "frames.json"), "w"))
PY
dcmcjpeg +e1 "$WORK/raw.dcm" "$WORK/jll.dcm"

# dcmdjpeg: whole file (read, decode every frame, write to /dev/null); best of 3 in CPU seconds (user + sys) and wall.
best_cpu=""; best_wall=""
for i in 1 2 3; do
  read -r c w < <( { /usr/bin/time -f "%U %S %e" dcmdjpeg "$WORK/jll.dcm" /dev/null; } 2>&1 >/dev/null | tail -n 1 | awk '{ print $1 + $2, $3 }')
  if [ -z "$best_cpu" ] || [ "$(echo "$c < $best_cpu" | bc -l)" = 1 ]; then best_cpu=$c; fi
  if [ -z "$best_wall" ] || [ "$(echo "$w < $best_wall" | bc -l)" = 1 ]; then best_wall=$w; fi
done

# BmeQuant: the same file, DicomFile.Open + every frame decoded (one thread), best of 3 after a warm-up.
ours=$(dotnet run -c Release --file "$ROOT/benchmarks/scripts/codec_dcmdjpeg_timing.cs" -- "$WORK/jll.dcm" 3 | tail -n 1)
IFS=$'\t' read -r _ frames our_wall our_cpu _ <<< "$ours"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
OUT="$ROOT/benchmarks/results/jpeg-lossless-dcmdjpeg-$(date -u +%Y-%m-%dT%H%M).md"
mkdir -p "$(dirname "$OUT")"
{
echo "$(date -u +%Y-%m-%dT%H:%MZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $LOAD"
echo "JPEG Lossless SV1 (dcmcjpeg +e1), $FRAMES frames ${SIZE}x${SIZE} 16-bit, one file; best of 3, CPU s (user + sys) [wall s]:"
printf '  dcmdjpeg (read + decode + write to /dev/null): %.3f [%.3f]\n' "$best_cpu" "$best_wall"
printf '  BmeQuant (open + decode all %s frames):        %.3f [%.3f]\n' "$frames" "$our_cpu" "$our_wall"
echo "  ratio BmeQuant / dcmdjpeg CPU: $(echo "$our_cpu $best_cpu" | awk '{ printf "%.2fx", $1 / $2 }') (issue 2 target: <= 2x)"
} | tee "$OUT"
echo "results written to $OUT"
