#!/usr/bin/env bash
# Packs every shipped library (the top-level IssueCore.* projects) into artifacts/packages, checks that each
# package carries its README, XML documentation and a symbol package, then builds and runs the consumer
# project in eng/package-consumer: it stands outside the solution, references every package (not the projects),
# dispatches one issue end to end and touches a public type of each package (no servers needed). A packaging
# mistake fails here.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

version="${ISSUECORE_PACKAGE_VERSION:-0.1.0-ci}"
out="$PWD/artifacts/packages"
rm -rf "$out"
mkdir -p "$out"

mapfile -t projects < <(ls -1 IssueCore.*/IssueCore.*.csproj)
[ ${#projects[@]} -gt 0 ] || { echo "no library projects found" >&2; exit 1; }

for p in "${projects[@]}"; do
  echo "pack $p"
  dotnet pack "$p" -c Release -o "$out" -p:Version="$version" -p:ContinuousIntegrationBuild=true -nologo -clp:NoSummary -v:quiet
done

fail=0
for p in "${projects[@]}"; do
  id=$(basename "$p" .csproj)
  nupkg="$out/$id.$version.nupkg"
  snupkg="$out/$id.$version.snupkg"
  if [ ! -f "$nupkg" ]; then echo "MISSING package $nupkg" >&2; fail=1; continue; fi
  [ -f "$snupkg" ] || { echo "MISSING symbols $snupkg" >&2; fail=1; }
  listing=$(unzip -Z1 "$nupkg")
  grep -qx 'README.md' <<<"$listing" || { echo "$id: README.md missing" >&2; fail=1; }
  grep -qx "lib/net10.0/$id.dll" <<<"$listing" || { echo "$id: lib/net10.0/$id.dll missing" >&2; fail=1; }
  grep -qx "lib/net10.0/$id.xml" <<<"$listing" || { echo "$id: XML documentation missing" >&2; fail=1; }
  nuspec=$(unzip -p "$nupkg" "$id.nuspec")
  for element in description tags license readme repository; do
    grep -q "<$element" <<<"$nuspec" || { echo "$id: nuspec has no <$element>" >&2; fail=1; }
  done
  # Listed into a variable first: with pipefail, grep -q closing the pipe early would fail the check.
  symbols=$(unzip -Z1 "$snupkg" 2>/dev/null || true)
  grep -qx "lib/net10.0/$id.pdb" <<<"$symbols" || { echo "$id: $id.pdb missing from the symbol package" >&2; fail=1; }
  echo "ok $id $version"
done
[ "$fail" -eq 0 ] || { echo "package check failed" >&2; exit 1; }

# Restore into an empty package folder so a stale global cache can never hide a packaging mistake.
packages=$(mktemp -d)
trap 'rm -rf "$packages"' EXIT
consumer=eng/package-consumer/PackageConsumer.csproj
rm -rf eng/package-consumer/bin eng/package-consumer/obj
dotnet restore "$consumer" --packages "$packages" -p:IssueCoreVersion="$version" -nologo -v:quiet
dotnet build "$consumer" -c Release --no-restore -p:IssueCoreVersion="$version" -nologo -clp:NoSummary -v:quiet
dotnet run --project "$consumer" -c Release --no-build
echo "package check passed: ${#projects[@]} packages, consumer dispatched end to end and touched every package"
