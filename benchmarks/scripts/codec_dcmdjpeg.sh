#!/usr/bin/env bash
# JPEG Lossless (SV1) decode: BmeQuant's managed codec vs dcmtk's dcmdjpeg on the same frames, in one run.
# Makes a synthetic MR-like series (default 200 frames of 384x384, 16-bit), compresses it with dcmcjpeg +e1 into one
# multi-frame file, times `dcmdjpeg` on that file (best of 3, includes its file I/O), extracts the codestreams with
# pydicom and runs the BenchmarkDotNet class JpegLosslessDecodeBenchmark on them (in-process toolchain); prints both
# and the ratio.
# Needs dcmtk, /usr/bin/python3 with pydicom + numpy, and the .NET SDK. Usage: codec_dcmdjpeg.sh [frames] [size]
set -euo pipefail
FRAMES=${1:-200}
SIZE=${2:-384}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for tool in dcmcjpeg dcmdjpeg /usr/bin/python3; do
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

best=""
for i in 1 2 3; do
  start=$(date +%s.%N)
  dcmdjpeg "$WORK/jll.dcm" "$WORK/out.dcm"
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done

/usr/bin/python3 - "$WORK" <<'PY'
import os, sys
import pydicom
from pydicom.encaps import generate_pixel_data_frame
work = sys.argv[1]
ds = pydicom.dcmread(os.path.join(work, "jll.dcm"))
for i, frame in enumerate(generate_pixel_data_frame(ds.PixelData, int(ds.NumberOfFrames))):
    open(os.path.join(work, "frame_%04d.jpg" % i), "wb").write(frame)
PY

cd "$ROOT/benchmarks/BmeQuant.Benchmarks"
BMEQUANT_CODEC_BENCH="$WORK" dotnet run -c Release -- --filter '*JpegLosslessDecodeBenchmark*' --job short --inProcess --exporters json \
  --artifacts "$WORK/artifacts" >"$WORK/bdn.log" 2>&1 || { tail -40 "$WORK/bdn.log"; exit 1; }
grep -E '^\|' "$WORK/bdn.log" || true
report=$(ls "$WORK"/artifacts/results/*JpegLosslessDecodeBenchmark*-report-full-compressed.json)
/usr/bin/python3 - "$report" "$best" "$FRAMES" "$SIZE" <<'PY'
import json, sys, platform, datetime
report, dcmdjpeg_s, frames, size = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
benchmarks = {b["Method"]: (b["Statistics"] or {}).get("Mean", float("nan")) / 1e9 for b in json.load(open(report))["Benchmarks"]}
cpu = json.load(open(report))["HostEnvironmentInfo"].get("ProcessorName", platform.processor())
print(f"{datetime.date.today()} {cpu}: JPEG Lossless SV1, {frames} frames {size}x{size} 16-bit")
print(f"  dcmdjpeg (whole file, incl. I/O): {dcmdjpeg_s * 1000:9.1f} ms")
for name, s in benchmarks.items():
    print(f"  BmeQuant {name:24s}: {s * 1000:9.1f} ms   ratio to dcmdjpeg {s / dcmdjpeg_s:5.2f}x")
PY
