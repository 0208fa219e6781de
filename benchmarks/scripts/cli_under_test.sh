# Sourced by the whole-process benchmark scripts (analyze_process.sh, Phantoms/phantom_process.sh): checks for GNU time,
# sets $cli to the BmeQuant CLI to time and defines cli_timed_runs, the timing loop both scripts share.
#   default   the Release build in src/BmeQuant.Cli/bin (built first unless NO_BUILD=1)
#   R2R=1     a ReadyToRun publish into "$1" (`dotnet publish -r <rid> -p:PublishReadyToRun=true`): the JIT no longer
#             compiles the tool's own code at start-up, a large share of one short run without tiered compilation.
# Usage: source cli_under_test.sh REPO OUT_FOLDER
cli_repo="$1"
cli_out="$2"
if [ ! -x /usr/bin/time ]; then
  echo "/usr/bin/time (GNU time) is needed: apt-get install time" >&2
  exit 2
fi

if [ -n "${R2R:-}" ]; then
  cli_rid="linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')"
  dotnet publish -c Release -r "$cli_rid" --self-contained false -p:PublishReadyToRun=true "$cli_repo/src/BmeQuant.Cli" -o "$cli_out/cli" -v q -nologo > /dev/null
  cli="$(ls "$cli_out"/cli/bmequant.dll 2>/dev/null || ls "$cli_out"/cli/BmeQuant.Cli.dll)"
  echo "build: ReadyToRun publish ($cli_rid)"
else
  if [ -z "${NO_BUILD:-}" ]; then
    dotnet build -c Release "$cli_repo/src/BmeQuant.Cli" -v q -nologo > /dev/null
  fi
  cli="$(ls "$cli_repo"/src/BmeQuant.Cli/bin/Release/net10.0/bmequant.dll 2>/dev/null || ls "$cli_repo"/src/BmeQuant.Cli/bin/Release/net10.0/BmeQuant.Cli.dll)"
fi

# cli_timed_runs RUNS FOLDER ARGS...: runs `dotnet $cli ARGS... --out FOLDER/runI` RUNS times under /usr/bin/time -v
# (stdout to FOLDER/stdoutI.txt, GNU time's report to FOLDER/timeI.txt) and prints one line per run: wall time, CPU
# seconds (user + system), peak RSS and the load average before the run.
cli_timed_runs() {
  local runs="$1" folder="$2" i load wall user sys rss
  shift 2
  for i in $(seq 1 "$runs"); do
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -v dotnet "$cli" "$@" --out "$folder/run$i" > "$folder/stdout$i.txt" 2> "$folder/time$i.txt"
    wall="$(grep 'Elapsed (wall clock)' "$folder/time$i.txt" | awk '{print $NF}')"
    user="$(grep 'User time' "$folder/time$i.txt" | awk '{print $NF}')"
    sys="$(grep 'System time' "$folder/time$i.txt" | awk '{print $NF}')"
    rss="$(grep 'Maximum resident set size' "$folder/time$i.txt" | awk '{print $NF}')"
    echo "run $i: wall $wall, CPU $(echo "$user + $sys" | bc) s (user $user, sys $sys), max RSS $((rss / 1024)) MB, load before $load"
  done
}
