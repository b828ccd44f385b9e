#!/usr/bin/env bash
# The getting-started path of docs/, as a user follows it: install the issuecore tool from its packed nupkg
# into a temporary tool path, validate a hand-written Blueprint (and see a broken one refused with exit 1),
# create a SQLite store, import the Blueprint, try a patch without committing it, and read the store's history.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

start=$SECONDS
dotnet pack IssueCore.Cli/IssueCore.Cli.csproj -c Release -o "$work/feed" -p:IncludeSymbols=false >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; exit 1; }
version=$(ls "$work/feed" | sed -n 's/^IssueCore\.Cli\.\(.*\)\.nupkg$/\1/p' | head -n1)
# Only the local feed: the install looks nowhere else, so it is fast and offline.
cat >"$work/nuget.config" <<XML
<configuration><packageSources><clear /><add key="local" value="$work/feed" /></packageSources></configuration>
XML
dotnet tool install IssueCore.Cli --version "$version" --tool-path "$work/tools" --configfile "$work/nuget.config" >/dev/null
issuecore="$work/tools/issuecore"

cp docs/examples/*.json "$work/"
cd "$work"
"$issuecore" flow validate orders.blueprint.json
set +e; "$issuecore" flow validate broken.blueprint.json; code=$?; set -e
[ "$code" -eq 1 ] || { echo "cli-guide: a broken Blueprint must exit 1, got $code" >&2; exit 1; }
"$issuecore" db migrate --db demo.db
"$issuecore" blueprint import orders.blueprint.json --db demo.db
"$issuecore" flow try --blueprint orders --patch owner.patch.json --db demo.db
history=$("$issuecore" blueprint history orders --db demo.db --json)
grep -q '"origin": "import"' <<<"$history" || { echo "cli-guide: the history lacks the imported version: $history" >&2; exit 1; }
echo "cli-guide: the installed tool followed docs/getting-started.md ($((SECONDS - start)) s)"
