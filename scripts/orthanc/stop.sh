#!/usr/bin/env bash
# Stop an Orthanc started by scripts/orthanc/start.sh DIR and delete DIR (pass --keep to keep the stored data).
set -euo pipefail
dir=${1:?usage: stop.sh DIR [--keep]}
if [ -f "$dir/orthanc.pid" ]; then
  pid=$(cat "$dir/orthanc.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
fi
[ "${2:-}" = "--keep" ] || rm -rf "$dir"
