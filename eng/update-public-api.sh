#!/usr/bin/env bash
# Records new public API in PublicAPI.Unshipped.txt for every shipped project (or the ones given).
# Run after adding public members; review the diff like any other API change.
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then
  mapfile -t projects < <(grep -l '<IsShippedLibrary>true</IsShippedLibrary>' */*.csproj)
fi
for p in "${projects[@]}"; do
  dir=$(dirname "$p")
  for f in PublicAPI.Shipped.txt PublicAPI.Unshipped.txt; do
    [ -f "$dir/$f" ] || printf '#nullable enable\n' > "$dir/$f"
  done
  dotnet format analyzers "$p" --diagnostics RS0016 RS0017 RS0036 RS0037 --severity warn
  { head -n1 "$dir/PublicAPI.Unshipped.txt"; tail -n +2 "$dir/PublicAPI.Unshipped.txt" | LC_ALL=C sort -u; } > "$dir/PublicAPI.Unshipped.tmp"
  mv "$dir/PublicAPI.Unshipped.tmp" "$dir/PublicAPI.Unshipped.txt"
done
