#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of BmeQuant libraries from their current public API
# (Microsoft.CodeAnalysis.PublicApiAnalyzers: the symbols its RS0016 diagnostics name), then checks that they build
# with the analyzer on.
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

# MSBuild reads environment variables as properties: switch the analyzer on for every build below.
export BmeQuantTrackPublicApi=true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
artifacts="$repo/artifacts/public-api"
mkdir -p "$artifacts"

for dir in "$@"; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  [ -f "$dir/$name.csproj" ] || { echo "error: $dir/$name.csproj not found" >&2; exit 2; }
  [ -f "$dir/PublicAPI.Shipped.txt" ] || printf '#nullable enable\n' > "$dir/PublicAPI.Shipped.txt"
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
done

# Declare: build with the analyzer on and warnings left as warnings; every RS0016 ("Symbol '<line>' is not part of the
# declared public API") names its symbol in the analyzer's own file format (the line its code fix would add), so the
# lines go into the project's Unshipped file as written. Much faster than `dotnet format analyzers`, whose code fix
# does not finish on BmeQuant.Dicom's ~6,000 symbols. Own bin/obj under artifacts/ (ignored by git).
# A fresh folder, so each library compiles (and reports) once; later builds reuse what earlier ones compiled.
log="$artifacts/declare.log"
rm -rf "$artifacts/declare"
: > "$log"
for dir in "$@"; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  echo "== $name: building with the analyzer on (RS0016 as warnings)"
  UseArtifactsOutput=true ArtifactsPath="$artifacts/declare" \
    dotnet build "$dir/$name.csproj" -p:TreatWarningsAsErrors=false --verbosity quiet >> "$log" 2>&1 || true
done
python3 - "$log" "$@" <<'PY'
import re, sys
log, dirs = sys.argv[1], [d.rstrip("/") for d in sys.argv[2:]]
text = open(log, encoding="utf-8").read()
found = {}
pattern = r"RS0016: Symbol '(.*?)' is not part of the declared public API.*\[([^\]]*)\]\s*$"
for m in re.finditer(pattern, text, re.MULTILINE):
    project = m.group(2).replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".csproj")
    found.setdefault(project, set()).add(m.group(1))
errors = sorted({l.strip() for l in text.splitlines() if re.search(r": error [A-Z]+\d+", l)})
if errors:
    sys.exit("error: the build failed (not only undeclared API):\n" + "\n".join(errors[:20]))
for d in dirs:
    name = d.split("/")[-1]
    path = f"{d}/PublicAPI.Unshipped.txt"
    lines = {l for l in open(path, encoding="utf-8").read().splitlines() if l.strip() and l != "#nullable enable"}
    lines |= found.get(name, set())
    # A stable file: header first, then the entries sorted ordinally (byte order), no duplicates.
    open(path, "w", encoding="utf-8").write("#nullable enable\n" + "".join(l + "\n" for l in sorted(lines, key=lambda s: s.encode())))
    print(f"== {name}: {len(lines)} unshipped entries in {path}")
PY

echo "== checking: build with the analyzer on, warnings as errors"
for dir in "$@"; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  UseArtifactsOutput=true ArtifactsPath="$artifacts/check" dotnet build "$dir/$name.csproj" --verbosity quiet
done
