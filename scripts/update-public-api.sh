#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of BmeQuant libraries from their current public API
# (Microsoft.CodeAnalysis.PublicApiAnalyzers, RS0016 code fix applied by `dotnet format`).
#
#   scripts/update-public-api.sh                 every library under src/ (not the CLI)
#   scripts/update-public-api.sh src/BmeQuant.Dicom [src/...]
#
# PublicAPI.Shipped.txt is never changed: move lines from Unshipped to Shipped by hand when a version is released.
# Unshipped is rebuilt from scratch, so removed or changed members disappear from it; a removed member that is in
# Shipped still fails the build (RS0017) on purpose: that is a breaking change to decide on.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

if [ "$#" -eq 0 ]; then
  set -- $(ls -d src/*/ | grep -v 'src/BmeQuant.Cli/' | sed 's#/$##')
fi

# MSBuild reads environment variables as properties: switch the analyzer on for restore and format.
export BmeQuantTrackPublicApi=true
# Own bin/obj (artifacts/ is ignored by git): the analyzer restore must not disturb the normal build's obj folders.
export UseArtifactsOutput=true ArtifactsPath="$repo/artifacts/public-api"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for dir in "$@"; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  proj="$dir/$name.csproj"
  [ -f "$proj" ] || { echo "error: $proj not found" >&2; exit 2; }
  shipped="$dir/PublicAPI.Shipped.txt"
  unshipped="$dir/PublicAPI.Unshipped.txt"
  [ -f "$shipped" ] || printf '#nullable enable\n' > "$shipped"
  printf '#nullable enable\n' > "$unshipped"
  echo "== $name: restoring with the analyzer"
  dotnet restore "$proj" --verbosity quiet
  echo "== $name: declaring the public API (dotnet format analyzers, RS0016)"
  dotnet format analyzers "$proj" --no-restore --diagnostics RS0016 --severity info --verbosity quiet || true
  # Keep the file stable: header first, then the entries sorted ordinally, no duplicates.
  { printf '#nullable enable\n'; grep -v '^#nullable enable$' "$unshipped" | grep -v '^[[:space:]]*$' | LC_ALL=C sort -u; } > "$unshipped.tmp"
  mv "$unshipped.tmp" "$unshipped"
  echo "   $(($(wc -l < "$unshipped") - 1)) unshipped entries in $unshipped"
done

echo "== checking: build with the analyzer on"
for dir in "$@"; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  dotnet build "$dir/$name.csproj" --no-restore --verbosity quiet
done
