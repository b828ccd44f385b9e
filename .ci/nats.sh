#!/usr/bin/env bash
# A loopback NATS server with JetStream for the NATS adapter tests and benchmarks.
#
#   source .ci/nats.sh start    # installs nats-server if missing, starts it, exports ISSUECORE_NATS
#   .ci/nats.sh stop            # stops it (TERM, by pid) and removes its data folder
#
# In CI:  source .ci/nats.sh start; trap '.ci/nats.sh stop' EXIT
#
# Both commands are idempotent: `start` reuses a server this script already started (and still
# running), `stop` does nothing when none is running. The server listens on 127.0.0.1 only and keeps
# its JetStream store in a temporary folder. Port: ISSUECORE_NATS_PORT (default 4333).
# The script may be sourced (to export ISSUECORE_NATS into the caller) or run; it never changes the
# caller's shell options and never exits the caller's shell.

_issuecore_nats_port="${ISSUECORE_NATS_PORT:-4333}"
_issuecore_nats_state="${TMPDIR:-/tmp}/issuecore-nats-${_issuecore_nats_port}.state"

_issuecore_nats_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null
}

_issuecore_nats_port_answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/${_issuecore_nats_port}") 2>/dev/null
}

_issuecore_nats_install() {
  command -v nats-server >/dev/null 2>&1 && return 0
  echo "nats.sh: installing nats-server (Debian package)" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
  $sudo apt-get update -qq || return 1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nats-server || return 1
  command -v nats-server >/dev/null 2>&1
}

_issuecore_nats_start() {
  local pid dir
  if [ -f "$_issuecore_nats_state" ]; then
    read -r pid dir < "$_issuecore_nats_state" || true
    if _issuecore_nats_alive "$pid" && _issuecore_nats_port_answers; then
      export ISSUECORE_NATS="nats://127.0.0.1:${_issuecore_nats_port}"
      echo "nats.sh: reusing nats-server (pid $pid) at $ISSUECORE_NATS" >&2
      return 0
    fi
    # A stale record (the server died): clean it up and start afresh.
    _issuecore_nats_stop
  fi

  if _issuecore_nats_port_answers; then
    echo "nats.sh: port ${_issuecore_nats_port} on 127.0.0.1 is taken by a process this script did not start; set ISSUECORE_NATS_PORT" >&2
    return 1
  fi

  _issuecore_nats_install || { echo "nats.sh: could not install nats-server" >&2; return 1; }

  dir="$(mktemp -d "${TMPDIR:-/tmp}/issuecore-nats.XXXXXX")" || return 1
  # setsid: the server outlives the shell that started it until `stop`, and gets no terminal signals.
  setsid nats-server -js -a 127.0.0.1 -p "$_issuecore_nats_port" -sd "$dir/store" \
    > "$dir/nats-server.log" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$dir/nats-server.pid"
  echo "$pid $dir" > "$_issuecore_nats_state"

  local i
  for i in $(seq 1 100); do
    if _issuecore_nats_port_answers; then
      export ISSUECORE_NATS="nats://127.0.0.1:${_issuecore_nats_port}"
      echo "nats.sh: nats-server $(nats-server --version 2>/dev/null | sed 's/.* //') (pid $pid) at $ISSUECORE_NATS, store $dir/store" >&2
      return 0
    fi
    if ! _issuecore_nats_alive "$pid"; then
      break
    fi
    sleep 0.1
  done

  echo "nats.sh: nats-server did not start; its log:" >&2
  cat "$dir/nats-server.log" >&2 || true
  _issuecore_nats_stop
  return 1
}

_issuecore_nats_stop() {
  local pid="" dir="" i
  [ -f "$_issuecore_nats_state" ] || return 0
  read -r pid dir < "$_issuecore_nats_state" || true
  if _issuecore_nats_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      _issuecore_nats_alive "$pid" || break
      sleep 0.1
    done
    if _issuecore_nats_alive "$pid"; then
      echo "nats.sh: nats-server (pid $pid) ignored TERM for 10 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  case "$dir" in
    "${TMPDIR:-/tmp}"/issuecore-nats.*) rm -rf -- "$dir" ;;
  esac
  rm -f -- "$_issuecore_nats_state"
  return 0
}

_issuecore_nats_main() {
  case "${1:-}" in
    start) _issuecore_nats_start ;;
    stop) _issuecore_nats_stop ;;
    *) echo "usage: source .ci/nats.sh start | .ci/nats.sh stop" >&2; return 2 ;;
  esac
}

# Sourced: return the status to the caller's shell; run: exit with it.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  _issuecore_nats_main "$@"
  return $?
else
  _issuecore_nats_main "$@"
  exit $?
fi
