#!/usr/bin/env bash
# Before/after of the whole-process phantom benchmark (phantom_process.sh: `bmequant phantom` knee T1 + STIR, two visits,
# DICOM + truth written): the BASE commit is exported with `git archive` into a temporary folder, its CLI built in Release
# and timed by its own phantom_process.sh, then the same for this checkout. CPU seconds (user + sys) are the comparable
# number on a shared machine; wall time only on a quiet one.
#
#   benchmarks/BmeQuant.Benchmarks/Phantoms/phantom_before_after.sh                 # BASE = the commit before the
#                                                                                     # 2026-11-30 band/speed changes
#   BASE=<commit> RUNS=5 benchmarks/BmeQuant.Benchmarks/Phantoms/phantom_before_after.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
base="${BASE:-d90506b}"
runs="${RUNS:-3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git -C "$repo" archive "$base" | tar -x -C "$tmp"
echo "== before: $base ($(git -C "$repo" log -1 --format=%s "$base" | cut -c1-80))"
RUNS="$runs" bash "$tmp/benchmarks/BmeQuant.Benchmarks/Phantoms/phantom_process.sh"
echo "== after: $(git -C "$repo" rev-parse --short HEAD) (working tree)"
RUNS="$runs" bash "$repo/benchmarks/BmeQuant.Benchmarks/Phantoms/phantom_process.sh"
