#!/usr/bin/env bash
# Packs every shipped library (the top-level IssueCore.* projects) into artifacts/packages, checks that each
# package carries its README, XML documentation and a symbol package, then builds and runs the consumer
# project in eng/package-consumer: it stands outside the solution, references every package (not the projects),
# dispatches one issue end to end and touches a public type of each package (no servers needed). A packaging
# mistake fails here.
#
# Then, with the same empty package folder, it builds the README consumers in eng/readme-consumers, whose C# is
# copied from the README's snippets as a newcomer would copy it: a console app (the hosting snippet: it must apply
# its issue and exit 0), an adapter test project on xunit v2 (the conformance-kit snippets: it must run tests and
# pass), and the same test project on xunit.v3 (it must fail to build with ISSUECORE0001, never pass with 0 tests).
# Each package must carry its own README without contributor commands or relative links, CHANGELOG.md, and PDBs with
# SourceLink; NATS.NKeys must be the real package.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

version="${ISSUECORE_PACKAGE_VERSION:-0.1.0-ci}"
out="$PWD/artifacts/packages"
rm -rf "$out"
mkdir -p "$out"

# The issuecore tool (IssueCore.Cli) is a tool package, not a library: .ci/cli-guide.sh installs and runs it.
mapfile -t projects < <(ls -1 IssueCore.*/IssueCore.*.csproj | grep -v '^IssueCore\.Cli/')
[ ${#projects[@]} -gt 0 ] || { echo "no library projects found" >&2; exit 1; }

# One pack of all of them through a solution filter written here: one build that shares the common projects, instead
# of one build per package (the check for a missing package below still catches a project the solution lacks).
filter="$PWD/artifacts/packages.slnf"
{
  printf '{"solution":{"path":"../IssueCore.sln","projects":['
  for i in "${!projects[@]}"; do [ "$i" -eq 0 ] || printf ','; printf '"%s"' "${projects[$i]//\//\\\\}"; done
  printf ']}}\n'
} > "$filter"
echo "pack ${projects[*]}"
dotnet pack "$filter" -c Release -p:PackageOutputPath="$out" -p:Version="$version" -p:ContinuousIntegrationBuild=true -nologo -clp:NoSummary -v:quiet

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
  grep -qx 'CHANGELOG.md' <<<"$listing" || { echo "$id: CHANGELOG.md missing" >&2; fail=1; }
  # The package's own README, readable on a package site: no relative links, no contributor commands.
  readme=$(unzip -p "$nupkg" README.md)
  if [ -f "$id/README.md" ] && [ "$readme" != "$(cat "$id/README.md")" ]; then echo "$id: the package README is not $id/README.md" >&2; fail=1; fi
  [ -f "$id/README.md" ] || { echo "$id: $id/README.md missing (each package has its own README)" >&2; fail=1; }
  relative=$(grep -oE '\]\([^)]*\)' <<<"$readme" | grep -vE '^\]\((https?://|#|mailto:)' || true)
  [ -z "$relative" ] || { echo "$id: the README has relative links, which break on a package site: $relative" >&2; fail=1; }
  if grep -nE 'IssueCore\.sln|\.ci/|eng/|dotnet test IssueCore' <<<"$readme" >&2; then echo "$id: the README has contributor commands" >&2; fail=1; fi
  # SourceLink: the PDB maps its documents to the repository at the commit it was built from.
  pdb_dir=$(mktemp -d)
  unzip -q -o "$snupkg" "lib/net10.0/$id.pdb" -d "$pdb_dir" 2>/dev/null || true
  if ! grep -aqE '\{"documents":\{"[^"]*":"https://[^"]*/[0-9a-f]{40}/\*"' "$pdb_dir/lib/net10.0/$id.pdb" 2>/dev/null; then
    echo "$id: $id.pdb has no SourceLink mapping to a commit" >&2; fail=1
  fi
  rm -rf "$pdb_dir"
  echo "ok $id $version"
done
[ -f CHANGELOG.md ] || { echo "CHANGELOG.md missing at the repository root" >&2; fail=1; }

# The client split: IssueCore.Client stays on the abstractions (the HttpClient factory would bring the whole DI
# container in through logging); IssueCore.Client.Http carries the factory and the standard resilience handler.
client_deps=$(unzip -p "$out/IssueCore.Client.$version.nupkg" IssueCore.Client.nuspec | grep -oE 'id="[^"]+"' || true)
for unwanted in Microsoft.Extensions.Http Microsoft.Extensions.DependencyInjection Microsoft.Extensions.Logging; do
  if grep -qx "id=\"$unwanted\"" <<<"$client_deps"; then echo "IssueCore.Client depends on $unwanted; it must stay on the abstractions" >&2; fail=1; fi
done
http_deps=$(unzip -p "$out/IssueCore.Client.Http.$version.nupkg" IssueCore.Client.Http.nuspec | grep -oE 'id="[^"]+"' || true)
for wanted in IssueCore.Client Microsoft.Extensions.Http Microsoft.Extensions.Http.Resilience; do
  grep -qx "id=\"$wanted\"" <<<"$http_deps" || { echo "IssueCore.Client.Http does not depend on $wanted" >&2; fail=1; }
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

# NATS.NKeys comes from the package source, the real package (no build stand-in).
if grep -qs 'shim' "$packages/nats.nkeys/1.0.1/nats.nkeys.nuspec" || [ ! -f "$packages/nats.nkeys/1.0.1/nats.nkeys.nuspec" ]; then
  echo "NATS.NKeys 1.0.1 did not restore as the real package" >&2; exit 1
fi

# The README consumers: their C# is the README's snippets, written into generated/ here.
# snippet FILE NAME prints the code of the csharp block between <!-- snippet: NAME --> and <!-- endsnippet -->.
snippet() {
  local code
  code=$(awk -v name="$2" '
    $0 ~ "^[[:space:]]*<!-- snippet: " name " -->[[:space:]]*$" { on = 1; next }
    on && /^[[:space:]]*```/ { if (fence) exit; fence = 1; next }
    on && fence { print }' "$1")
  [ -n "$code" ] || { echo "$1 has no snippet '$2'" >&2; return 1; }
  printf '%s\n' "$code"
}
consumers=eng/readme-consumers
for d in Hosting XunitV2 XunitV3; do rm -rf "$consumers/$d/bin" "$consumers/$d/obj" "$consumers/$d/generated"; mkdir -p "$consumers/$d/generated"; done
snippet README.md hosting > "$consumers/Hosting/generated/Program.cs"
for d in XunitV2 XunitV3; do
  snippet IssueCore.Testing/README.md conformance-in-memory > "$consumers/$d/generated/InMemoryConformanceTests.cs"
  snippet README.md conformance-file-backed > "$consumers/$d/generated/FileBackedConformanceTests.cs"
done

restore() { dotnet restore "$1" --packages "$packages" -p:IssueCoreVersion="$version" -nologo -v:quiet; }

# 1. The hosting snippet as a console app: it creates its series, applies its issue and prints the outcome.
restore "$consumers/Hosting/ReadmeHosting.csproj"
dotnet build "$consumers/Hosting/ReadmeHosting.csproj" -c Release --no-restore -p:IssueCoreVersion="$version" -nologo -clp:NoSummary -v:quiet
hosting_output=$(dotnet run --project "$consumers/Hosting/ReadmeHosting.csproj" -c Release --no-build) || { echo "$hosting_output" >&2; echo "the README's hosting snippet failed" >&2; exit 1; }
grep -q ': Applied; ' <<<"$hosting_output" || { echo "$hosting_output" >&2; echo "the README's hosting snippet did not print an applied outcome" >&2; exit 1; }
echo "README hosting snippet: $(grep ': Applied; ' <<<"$hosting_output")"

# 2. The conformance-kit snippets on xunit v2: tests are found, and they pass.
restore "$consumers/XunitV2/ReadmeAdapterTests.csproj"
v2_output=$(dotnet test "$consumers/XunitV2/ReadmeAdapterTests.csproj" -c Release --no-restore -p:IssueCoreVersion="$version" -nologo 2>&1) || { echo "$v2_output" >&2; echo "the conformance kit failed under xunit v2" >&2; exit 1; }
v2_passed=$(grep -oE 'Passed: +[0-9]+' <<<"$v2_output" | grep -oE '[0-9]+' | tail -1)
[ "${v2_passed:-0}" -ge 20 ] || { echo "$v2_output" >&2; echo "the conformance kit ran ${v2_passed:-0} tests under xunit v2: it must not pass vacuously" >&2; exit 1; }
echo "README conformance-kit snippets on xunit v2: $v2_passed tests passed"

# 3. The same on xunit.v3: the build must fail loudly, naming what to reference.
restore "$consumers/XunitV3/ReadmeAdapterTestsV3.csproj"
if v3_output=$(dotnet build "$consumers/XunitV3/ReadmeAdapterTestsV3.csproj" -c Release --no-restore -p:IssueCoreVersion="$version" -nologo 2>&1); then
  echo "$v3_output" >&2; echo "an xunit.v3 project referencing IssueCore.Testing built: it would pass with 0 tests" >&2; exit 1
fi
grep -q 'ISSUECORE0001' <<<"$v3_output" || { echo "$v3_output" >&2; echo "the xunit.v3 build failed, but not with ISSUECORE0001" >&2; exit 1; }
echo "README conformance-kit snippets on xunit.v3: the build fails with ISSUECORE0001, as it must"

echo "package check passed: ${#projects[@]} packages, consumer dispatched end to end and touched every package, README consumers ran"
