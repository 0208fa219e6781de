#!/usr/bin/env bash
# Runs our series benchmarks and, on the same generated folders, pydicom (header-only walk; full read + numpy stack)
# and dcm2niix; prints files/s and MB/s for each. Usage: benchmarks/BmeQuant.Benchmarks/Series/compare_peers.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
root="${TMPDIR:-/tmp}/bmequant-bench-series"
dotnet run -c Release --project benchmarks/BmeQuant.Benchmarks -- --filter '*Series*' --join

python3 - "$root" <<'PY'
import os, sys, time
root = sys.argv[1]
try:
    import pydicom, numpy as np
except ImportError as e:
    print("pydicom/numpy missing:", e); sys.exit(0)

def files(d):
    return [os.path.join(a, f) for a, _, fs in os.walk(d) for f in fs if f.endswith('.dcm')]

disc = files(os.path.join(root, 'discovery-5000'))
mb = sum(os.path.getsize(f) for f in disc) / 1e6
t = time.perf_counter()
series = {}
for f in disc:
    ds = pydicom.dcmread(f, stop_before_pixels=True)
    series.setdefault(ds.SeriesInstanceUID, []).append(float(ds.ImagePositionPatient[2]))
dt = time.perf_counter() - t
print(f"pydicom header walk: {len(disc)} files in {dt:.3f} s = {len(disc)/dt:.0f} files/s, {mb/dt:.1f} MB/s ({len(series)} series)")

asm = files(os.path.join(root, 'assembly-200'))
mb = sum(os.path.getsize(f) for f in asm) / 1e6
t = time.perf_counter()
dss = [pydicom.dcmread(f) for f in asm]
dss.sort(key=lambda d: float(d.ImagePositionPatient[2]))
vol = np.stack([d.pixel_array.astype(np.float32) * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in dss])
dt = time.perf_counter() - t
print(f"pydicom+numpy stack: {len(asm)} files in {dt:.3f} s = {len(asm)/dt:.0f} files/s, {mb/dt:.1f} MB/s, shape {vol.shape}")
PY

if command -v dcm2niix >/dev/null; then
  out=$(mktemp -d)
  n=$(find "$root/assembly-200" -name '*.dcm' | wc -l)
  mb=$(du -sm "$root/assembly-200" | cut -f1)
  s=$(date +%s.%N); dcm2niix -z n -o "$out" "$root/assembly-200" >/dev/null; e=$(date +%s.%N)
  python3 -c "d=$e-$s; print(f'dcm2niix: $n files in {d:.3f} s = {$n/d:.0f} files/s, {$mb/d:.1f} MB/s')"
  rm -rf "$out"
else
  echo "dcm2niix not installed"
fi
