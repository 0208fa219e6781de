#!/usr/bin/env bash
# Start a throw-away Orthanc PACS with the DICOMweb plugin for trying `bmequant pacs` by hand.
# Usage: scripts/orthanc/start.sh [DIR]   (DIR defaults to a new temporary folder; all state lives there)
# Needs the Debian packages orthanc and orthanc-dicomweb (or BMEQUANT_ORTHANC / BMEQUANT_ORTHANC_DICOMWEB).
# Prints the DICOMweb URL and the credentials; stop it with scripts/orthanc/stop.sh DIR.
set -euo pipefail
dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/bmequant-orthanc.XXXXXX")}
binary=${BMEQUANT_ORTHANC:-$(command -v Orthanc || echo /usr/sbin/Orthanc)}
plugin=${BMEQUANT_ORTHANC_DICOMWEB:-/usr/share/orthanc/plugins/libOrthancDicomWeb.so}
[ -x "$binary" ] || { echo "Orthanc not found (apt-get install orthanc orthanc-dicomweb)" >&2; exit 2; }
[ -f "$plugin" ] || { echo "DICOMweb plugin not found at $plugin (apt-get install orthanc-dicomweb)" >&2; exit 2; }
port=${HTTP_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
user=${ORTHANC_USER:-bme}
password=${ORTHANC_PASSWORD:-bme-test}
mkdir -p "$dir/db"
cat > "$dir/orthanc.json" <<JSON
{
  "Name": "BmeQuantScratchPACS",
  "StorageDirectory": "$dir/db",
  "IndexDirectory": "$dir/db",
  "HttpPort": $port,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": true,
  "RegisteredUsers": { "$user": "$password" },
  "DicomServerEnabled": false,
  "Plugins": [ "$plugin" ],
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/", "EnableWado": false, "Host": "127.0.0.1:$port", "Ssl": false },
  "SaveJobs": false
}
JSON
"$binary" --logdir="$dir" "$dir/orthanc.json" >"$dir/stdout.log" 2>&1 &
echo $! > "$dir/orthanc.pid"
for _ in $(seq 1 100); do
  if curl -fsS -u "$user:$password" "http://127.0.0.1:$port/system" >/dev/null 2>&1; then
    echo "Orthanc ready (pid $(cat "$dir/orthanc.pid"), state in $dir)"
    echo "DICOMweb: http://127.0.0.1:$port/dicom-web/   user: $user   password: $password"
    echo "Stop:     scripts/orthanc/stop.sh $dir"
    exit 0
  fi
  if ! kill -0 "$(cat "$dir/orthanc.pid")" 2>/dev/null; then
    echo "Orthanc exited during start-up; see $dir/stdout.log" >&2; exit 1
  fi
  sleep 0.1
done
echo "Orthanc did not answer within 10 s; see $dir/stdout.log" >&2
kill "$(cat "$dir/orthanc.pid")" 2>/dev/null || true
exit 1
