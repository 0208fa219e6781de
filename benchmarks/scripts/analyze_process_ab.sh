#!/usr/bin/env bash
# Before/after of `bmequant analyze` on the issue-6 knee phantom (the study of analyze_process.sh): the Release CLI of
# a base commit (exported with `git archive` into a temporary folder and built there) and the working tree's Release
# CLI run interleaved, ROUNDS times each, every run under /usr/bin/time with --timings. One line per run: wall, CPU
# seconds (user + system), peak RSS, the analysis' wall and CPU ms ("analyze" row of --timings) and the JIT's method
# count; then the median of each column per build, and whether the two builds' findings (without the version) and
# masks are identical. On a loaded machine compare the CPU columns; wall times need a quiet one.
#
#   BASE=d2636d7 ROUNDS=3 benchmarks/scripts/analyze_process_ab.sh
#   BASE=d2636d7 NO_BUILD=1 benchmarks/scripts/analyze_process_ab.sh   # the working tree's CLI as already built
#   ENV_AFTER="DOTNET_TieredCompilation=1" BASE=HEAD benchmarks/scripts/analyze_process_ab.sh   # same code, runtime knob
#   BASE=d2636d7 BASE_DIR=/tmp/before benchmarks/scripts/analyze_process_ab.sh   # base already exported and built there
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
base="${BASE:?BASE=<commit> is required}"
rounds="${ROUNDS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ ! -x /usr/bin/time ]; then
  echo "/usr/bin/time (GNU time) is needed: apt-get install time" >&2
  exit 2
fi

cached="${TMPDIR:-/tmp}/bmequant-bench-analysis"
if [ ! -f "$cached/.complete" ]; then
  dotnet run -c Release --file "$repo/benchmarks/scripts/analyze_process_data.cs" > /dev/null
fi
study="$(ls -d "$cached"/visit-* | head -n 1)"
labels="$(ls "$study"/truth/*stir*_bone_labels.nii.gz | head -n 1)"

basedir="${BASE_DIR:-$work/base}"
if [ -z "${BASE_DIR:-}" ]; then
  mkdir -p "$basedir"
  git -C "$repo" archive "$base" | tar -x -C "$basedir"
  dotnet build -c Release "$basedir/src/BmeQuant.Cli" -v q -nologo > "$work/build-base.log" 2>&1 || { cat "$work/build-base.log"; exit 1; }
fi
if [ -z "${NO_BUILD:-}" ]; then
  dotnet build -c Release "$repo/src/BmeQuant.Cli" -v q -nologo > /dev/null
fi
cli_of() { ls "$1"/src/BmeQuant.Cli/bin/Release/net10.0/bmequant.dll 2>/dev/null || ls "$1"/src/BmeQuant.Cli/bin/Release/net10.0/BmeQuant.Cli.dll; }
declare -A cli=([before]="$(cli_of "$basedir")" [after]="$(cli_of "$repo")")
declare -A envs=([before]="${ENV_BEFORE:-}" [after]="${ENV_AFTER:-}")

echo "base $base ($(git -C "$repo" rev-parse --short "$base")) vs working tree ($(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src || echo ' + uncommitted src edits')); study: $study"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), cores: $(nproc)"
for which in before after; do
  env ${envs[$which]} dotnet "${cli[$which]}" analyze "$study" --bone-mask "$labels" --out "$work/warm-$which" > /dev/null
done

for r in $(seq 1 "$rounds"); do
  for which in before after; do
    out="$work/$which-$r"
    load="$(cut -d' ' -f1 /proc/loadavg)"
    env ${envs[$which]} /usr/bin/time -f "%e %U %S %M" dotnet "${cli[$which]}" analyze "$study" --bone-mask "$labels" --timings --out "$out" > "$out.txt" 2> "$out.time"
    read -r wall user sys rss < <(tail -n 1 "$out.time")
    read -r awall acpu < <(grep -E '^  analyze ' "$out.txt" | awk '{print $2, $3}')
    jit="$(grep -E 'JIT:' "$out.txt" | awk '{print $2}')"
    cpu="$(echo "$user + $sys" | bc)"
    echo "$which $cpu $wall $((rss / 1024)) $acpu $awall $jit" >> "$work/rows.txt"
    printf '%-6s round %d: wall %5.2f s, CPU %5.2f s, max RSS %4d MB | analysis %5d ms wall, %5d ms CPU | JIT %s methods | load %s\n' \
      "$which" "$r" "$wall" "$cpu" "$((rss / 1024))" "$awall" "$acpu" "$jit" "$load"
  done
done

echo "medians (CPU s, wall s, RSS MB, analysis CPU ms, analysis wall ms, JIT methods):"
for which in before after; do
  printf '  %-6s' "$which"
  for col in 2 3 4 5 6 7; do
    printf ' %8s' "$(awk -v w="$which" -v c="$col" '$1 == w {print $c}' "$work/rows.txt" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  done
  echo
done

strip() { grep -v '"softwareVersion"' "$1"; }
if diff -q <(strip "$work/before-1/findings.json") <(strip "$work/after-1/findings.json") > /dev/null; then
  echo "findings.json: identical (apart from the version)"
else
  echo "findings.json: DIFFERENT:"
  diff <(strip "$work/before-1/findings.json") <(strip "$work/after-1/findings.json") | head -n 20 || true
fi
for m in edema bones depth-zones reference; do
  cmp -s "$work/before-1/$m.nii.gz" "$work/after-1/$m.nii.gz" && echo "$m.nii.gz: identical" || echo "$m.nii.gz: DIFFERENT"
done
