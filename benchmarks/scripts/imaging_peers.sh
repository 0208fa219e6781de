#!/usr/bin/env bash
# Imaging kernels and filters vs numpy / scipy.ndimage on the issue-3 volumes, one command:
#   bash benchmarks/scripts/imaging_peers.sh [output-folder]
# 1. BenchmarkDotNet, Release, in-process short job (1 warm-up, 3 iterations), only the benchmarks in the "Peer"
#    category (those scipy_kernels.py / scipy_filters.py time a counterpart of);
# 2. the two scipy scripts on the same volumes (formulas shared), reading BenchmarkDotNet's CSV reports, printing
#    both times and the ratio (scipy / BmeQuant, wall clock; scipy is single-threaded, BmeQuant uses all cores).
# The load average is printed before and after each phase: numbers taken under load are indicative only.
# Environment: SIZES (default 320x320x30,512x512x40,384x384x200 for scipy; BenchmarkDotNet runs all three),
# PYTHON (default /usr/bin/python3), NO_BUILD=1 (reuse the last Release build), KERNELS_ONLY=1 (only the kernel
# benchmarks and scipy_kernels.py: threshold, histogram, Otsu, percentiles, statistics; ~1/3 of the time),
# BANDWIDTH=1 (also the chunked bandwidth probes imaging_peers_bandwidth.cs / .py: read-only floor, x > t and copy on
# two threads and one, numpy's np.greater on one; ~2 minutes more).
# scipy_kernels.py ends each size with the x > t bandwidth argument: our read-only SIMD sum of the same input on every
# core (ThresholdBenchmarks.ReadOnlySum, the floor of any single pass) against half numpy's time.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-"$repo/artifacts/imaging-peers"}
python=${PYTHON:-/usr/bin/python3}
sizes=${SIZES:-320x320x30,512x512x40,384x384x200}
mkdir -p "$out"
if [ -n "${KERNELS_ONLY:-}" ]; then filters=('*Imaging.Kernels*'); else filters=('*Imaging.Filters*' '*Imaging.Kernels*'); fi
report="$out/imaging-peers.txt"
load() { echo "load average ($1): $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, $(date -u +%H:%M:%S) UTC"; }

{
  echo "# imaging peers, $(date -u +%Y-%m-%d), commit $(git -C "$repo" rev-parse --short HEAD)"
  load "before BenchmarkDotNet"
} | tee "$report"

dotnet run -c Release ${NO_BUILD:+--no-build} --project "$repo/benchmarks/BmeQuant.Benchmarks" -- \
  --filter "${filters[@]}" --anyCategories Peer --inProcess \
  --warmupCount 1 --iterationCount 3 --launchCount 1 --exporters csv --artifacts "$out/bdn" > "$out/bdn.log" 2>&1 \
  || { echo "BenchmarkDotNet run failed; see $out/bdn.log" >&2; exit 1; }

{
  load "after BenchmarkDotNet"
  echo
  echo '```'
  "$python" "$repo/benchmarks/scripts/scipy_kernels.py" --results "$out/bdn/results" --sizes "$sizes" --repeats 3
  echo '```'
  load "after scipy kernels"
  if [ -z "${KERNELS_ONLY:-}" ]; then
    echo
    echo '```'
    "$python" "$repo/benchmarks/scripts/scipy_filters.py" --results "$out/bdn/results" --sizes "$sizes" --repeats 3
    echo '```'
    load "after scipy filters"
  fi
  if [ -n "${BANDWIDTH:-}" ]; then
    echo
    echo '```'
    dotnet run -c Release --file "$repo/benchmarks/scripts/imaging_peers_bandwidth.cs" -- 25
    "$python" "$repo/benchmarks/scripts/imaging_peers_bandwidth.py" 25
    echo '```'
    load "after bandwidth probes"
  fi
} | tee -a "$report"
echo "written: $report" >&2
