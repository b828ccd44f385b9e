#!/usr/bin/env bash
# Records the public API of shipped projects in PublicAPI.Unshipped.txt (all of them, or the ones given).
# Run after changing public members, then review the diff like any other API change.
# It builds each project, adds every symbol RS0016 reports as undeclared and drops every symbol RS0017
# reports as gone, and repeats until the analyzer is satisfied.
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
  unshipped="$dir/PublicAPI.Unshipped.txt"
  for _ in 1 2 3 4 5; do
    log=$(dotnet build "$p" -c Release --no-incremental -p:TreatWarningsAsErrors=false -clp:NoSummary 2>&1 || true)
    added=$(grep -oP "warning RS0016: Symbol '\K.*(?=' is not part of the declared public API)" <<<"$log" | sort -u || true)
    removed=$(grep -oP "warning RS0017: Symbol '\K.*(?=' is part of the declared API)" <<<"$log" | sort -u || true)
    [ -n "$added$removed" ] || break
    {
      head -n1 "$unshipped"
      { tail -n +2 "$unshipped"; [ -z "$added" ] || printf '%s\n' "$added"; } \
        | grep -vxF -f <(printf '%s\n' "$removed" | sed '/^$/d') 2>/dev/null || true
    } | { head -n1; LC_ALL=C sort -u; } > "$unshipped.tmp"
    mv "$unshipped.tmp" "$unshipped"
  done
done
