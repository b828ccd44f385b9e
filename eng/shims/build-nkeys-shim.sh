#!/usr/bin/env bash
# Rebuilds the NATS.NKeys build-environment shim into eng/shims/feed (see eng/shims/NATS.NKeys/README.md).
# Also drops the restored copy from the local package cache, so the next restore takes the new build.
set -euo pipefail
cd "$(dirname "$0")"
dotnet pack NATS.NKeys/NATS.NKeys.csproj -c Release -o feed -p:ContinuousIntegrationBuild=true
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/nats.nkeys/1.0.1"
