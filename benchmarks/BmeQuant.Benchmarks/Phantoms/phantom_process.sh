#!/usr/bin/env bash
# Whole-process timing of `bmequant phantom` on an issue-5 knee study (T1 + STIR, default clinical protocol: 256²×28
# and 256²×24, two visits, DICOM + truth written), with /usr/bin/time -v: wall time, CPU seconds (user + system), peak
# RSS and the load average before each run (on a loaded machine the wall time measures the neighbours; CPU seconds
# measure BmeQuant). Target (issue 5): under 5 s wall on a quiet 2-core machine.
#
#   benchmarks/BmeQuant.Benchmarks/Phantoms/phantom_process.sh            # 3 runs after one warm-up
#   RUNS=5 NO_BUILD=1 benchmarks/BmeQuant.Benchmarks/Phantoms/phantom_process.sh
#   R2R=1 benchmarks/BmeQuant.Benchmarks/Phantoms/phantom_process.sh      # the same on a ReadyToRun publish
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
runs="${RUNS:-3}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# shellcheck source=../../scripts/cli_under_test.sh
source "$repo/benchmarks/scripts/cli_under_test.sh" "$repo" "$out"
args=(phantom --anatomy knee --side left --visits 0,60 --pattern subchondral --snr 25 --vendor siemens --seed 7)

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), cores: $(nproc)"
dotnet "$cli" "${args[@]}" --out "$out/warmup" > /dev/null
cli_timed_runs "$runs" "$out" "${args[@]}"
echo "files written per run: $(find "$out/run1" -type f | wc -l)"
