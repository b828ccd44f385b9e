#!/usr/bin/env bash
# Debian's headless-capable Chromium for tests/IssueCore.Dashboard.BrowserTests, which drives it over the DevTools
# protocol on a loopback port. Idempotent: does nothing when a chromium binary is already on the PATH (or
# ISSUECORE_CHROMIUM names one). Runs as root (installing the package needs it).
#
#   .ci/chromium.sh
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }

if [ -n "${ISSUECORE_CHROMIUM:-}" ] && [ -x "${ISSUECORE_CHROMIUM}" ]; then
  log "using $ISSUECORE_CHROMIUM"
  exit 0
fi

if command -v chromium >/dev/null 2>&1; then
  log "using $(command -v chromium)"
  exit 0
fi

log "installing chromium"
apt-get update >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2
command -v chromium >/dev/null 2>&1 || { log "chromium is not on the PATH after the install"; exit 1; }
