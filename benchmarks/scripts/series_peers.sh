#!/usr/bin/env bash
# Series discovery and assembly: our BenchmarkDotNet classes, then on the same folders pydicom (header-only walk;
# full read + sort + numpy stack with rescale) and dcm2niix (discovery + NIfTI). Prints files/s and MB/s for each.
# Two folder sets, each generated (seeded) by its benchmark's GlobalSetup, each holding discovery-5000 and assembly-200:
#   phantom   (default) PhantomSeries* benchmarks, phantom-rendered MR files, ${TMPDIR:-/tmp}/bmequant-bench-phantom-series
#   synthetic SeriesDiscoveryBenchmarks + SeriesAssemblyBenchmarks, 64² / 256² synthetic files, ${TMPDIR:-/tmp}/bmequant-bench-series
# Usage: benchmarks/scripts/series_peers.sh [--set phantom|synthetic] [--peers-only]
set -euo pipefail
cd "$(dirname "$0")/../.."
set_name=phantom
peers_only=false
while [ "$#" -gt 0 ]; do
  case "$1" in
    --set) set_name="$2"; shift 2 ;;
    --peers-only) peers_only=true; shift ;;
    *) echo "usage: $0 [--set phantom|synthetic] [--peers-only]" >&2; exit 2 ;;
  esac
done
case "$set_name" in
  phantom) root="${TMPDIR:-/tmp}/bmequant-bench-phantom-series"; filters=('*PhantomSeries*') ;;
  synthetic) root="${TMPDIR:-/tmp}/bmequant-bench-series"; filters=('*SeriesDiscoveryBenchmarks*' '*SeriesAssemblyBenchmarks*') ;;
  *) echo "--set must be phantom or synthetic; found '$set_name'" >&2; exit 2 ;;
esac
python="${PYTHON:-/usr/bin/python3}"
[ -x "$python" ] || python=python3

if [ "$peers_only" != true ]; then
  # BDN_ARGS adds BenchmarkDotNet options, e.g. BDN_ARGS="--job short" for a quick run. In process: BenchmarkDotNet's
  # out-of-process toolchain stalled here before the first benchmark (host at 100 % of one core, memory climbing past
  # 4 GB while "building 1 exe"), the in-process toolchain runs the same benchmarks in about 2 minutes.
  # shellcheck disable=SC2086
  dotnet run -c Release --project benchmarks/BmeQuant.Benchmarks -- --filter "${filters[@]}" --join --inProcess ${BDN_ARGS:-}
fi

if [ ! -f "$root/discovery-5000/.complete" ] || [ ! -f "$root/assembly-200/.complete" ]; then
  echo "$set_name folders missing under $root: run without --peers-only first" >&2
  exit 2
fi

"$python" - "$root" <<'PY'
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
    series.setdefault(ds.SeriesInstanceUID, []).append([float(v) for v in ds.ImagePositionPatient])
dt = time.perf_counter() - t
print(f"pydicom header walk: {len(disc)} files, {mb:.1f} MB in {dt:.3f} s = {len(disc)/dt:.0f} files/s, {mb/dt:.1f} MB/s ({len(series)} series)")

asm = files(os.path.join(root, 'assembly-200'))
mb = sum(os.path.getsize(f) for f in asm) / 1e6
t = time.perf_counter()
dss = [pydicom.dcmread(f) for f in asm]
normal = np.cross([float(v) for v in dss[0].ImageOrientationPatient[:3]], [float(v) for v in dss[0].ImageOrientationPatient[3:]])
dss.sort(key=lambda d: float(np.dot(normal, [float(v) for v in d.ImagePositionPatient])))
vol = np.stack([d.pixel_array.astype(np.float32) * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in dss])
dt = time.perf_counter() - t
print(f"pydicom+numpy stack: {len(asm)} files, {mb:.1f} MB in {dt:.3f} s = {len(asm)/dt:.0f} files/s, {mb/dt:.1f} MB/s, shape {vol.shape}")
PY

if command -v dcm2niix >/dev/null; then
  for name in discovery-5000 assembly-200; do
    out=$(mktemp -d)
    n=$(find "$root/$name" -name '*.dcm' | wc -l)
    mb=$(du -sm "$root/$name" | cut -f1)
    s=$(date +%s.%N); dcm2niix -z n -b n -o "$out" "$root/$name" >/dev/null; e=$(date +%s.%N)
    "$python" -c "d=$e-$s; print(f'dcm2niix $name: $n files in {d:.3f} s = {$n/d:.0f} files/s, {$mb/d:.1f} MB/s (discovery + NIfTI write)')"
    rm -rf "$out"
  done
else
  echo "dcm2niix not installed"
fi
