#!/usr/bin/env bash
# Whole-process timing of `bmequant analyze` on the issue-6 knee phantom (T1 coronal 512×512×24, STIR sagittal
# 320×320×30; bones given as the phantom's label map), timed with /usr/bin/time -v: wall time, CPU seconds (user +
# system), peak RSS and the load average of each run (on a loaded machine the wall time measures the neighbours, the
# CPU time measures BmeQuant). Targets: < 3 s wall on a quiet machine, < 500 MB peak RSS. Every run passes --timings;
# the per-stage table of the last run (wall and process-CPU ms of start-up, read, each analysis stage, write; peak
# memory) is printed at the end.
#
# R2R=1 times a ReadyToRun build instead (`dotnet publish -r linux-x64 -p:PublishReadyToRun=true` into a temporary
# folder: the JIT no longer compiles the tool's own code at start-up, which is a large share of the CPU of one short
# process run without tiered compilation; `analyze --timings` prints the JIT's share on its last line).
#
#   benchmarks/scripts/analyze_process.sh            # 3 runs after one warm-up
#   RUNS=5 NO_BUILD=1 benchmarks/scripts/analyze_process.sh
#   R2R=1 benchmarks/scripts/analyze_process.sh      # the same on a ReadyToRun publish
#   REGENERATE=1 benchmarks/scripts/analyze_process.sh   # rebuild the study (else the one in $TMPDIR is reused)
#   (before/after of two builds, interleaved: analyze_process_ab.sh)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
runs="${RUNS:-3}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# shellcheck source=cli_under_test.sh
source "$repo/benchmarks/scripts/cli_under_test.sh" "$repo" "$out"
# The study is generated once into the temporary folder (AnalysisBenchmarkData.Ensure); when it is there, it is used
# without building the benchmark project.
cached="${TMPDIR:-/tmp}/bmequant-bench-analysis"
if [ -n "${REGENERATE:-}" ]; then
  rm -rf "$cached"
fi
if [ -f "$cached/.complete" ]; then
  study="$(ls -d "$cached"/visit-* | head -n 1)"
  labels="$(ls "$study"/truth/*stir*_bone_labels.nii.gz | head -n 1)"
else
  IFS=$'\t' read -r study labels < <(dotnet run -c Release --file "$repo/benchmarks/scripts/analyze_process_data.cs" | tail -n 1)
fi

echo "study: $study"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), cores: $(nproc)"
dotnet "$cli" analyze "$study" --bone-mask "$labels" --out "$out/warmup" > /dev/null
cli_timed_runs "$runs" "$out" analyze "$study" --bone-mask "$labels" --timings
sed -n '/^Timings/,$p' "$out/stdout$runs.txt"
grep -h '"method"\|"residualMisalignmentMm"\|"registrationCorrectionMm"' "$out/run1/findings.json" | sed 's/^ */alignment: /' || true
