#!/usr/bin/env bash
# A throwaway PostgreSQL server for the IssueCore.Adapters.Postgres tests.
#
#   source .ci/postgres.sh start      # installs, starts, exports ISSUECORE_POSTGRES
#   trap '.ci/postgres.sh stop' EXIT  # stops it by its pid and removes its folder
#
# or, from an interactive shell:
#
#   eval "$(.ci/postgres.sh start)"   # prints: export ISSUECORE_POSTGRES=...
#   .ci/postgres.sh stop
#
# The server listens on 127.0.0.1 only (port $ISSUECORE_POSTGRES_PORT, default 55432), trusts local
# connections, and keeps its data and socket under one temporary folder. Both commands are
# idempotent: a second start reuses a running server, a stop without a server does nothing.
# Runs as root (installing the package and switching to the postgres user need it).

__issuecore_pg_main() {
  local cmd="${1:-}"
  local port="${ISSUECORE_POSTGRES_PORT:-55432}"
  local pointer="${TMPDIR:-/tmp}/issuecore-postgres-${port}.dir"
  local cs="Host=127.0.0.1;Port=${port};Username=postgres;Database=postgres"

  __issuecore_pg_log() { echo "postgres.sh: $*" >&2; }

  # The folder of a running server, or nothing.
  __issuecore_pg_dir() {
    local dir=""
    if [ -n "${ISSUECORE_POSTGRES_DIR:-}" ] && [ -d "${ISSUECORE_POSTGRES_DIR}/data" ]; then
      dir="$ISSUECORE_POSTGRES_DIR"
    elif [ -f "$pointer" ]; then
      dir="$(cat "$pointer")"
    fi
    [ -n "$dir" ] && [ -d "$dir" ] && echo "$dir"
    return 0
  }

  __issuecore_pg_pid() {
    local pidfile="$1/data/postmaster.pid"
    [ -f "$pidfile" ] && head -n1 "$pidfile"
    return 0
  }

  case "$cmd" in
    start)
      local dir pid bin
      dir="$(__issuecore_pg_dir)"
      if [ -n "$dir" ]; then
        pid="$(__issuecore_pg_pid "$dir")"
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
          __issuecore_pg_log "reusing the server in $dir (pid $pid)"
          export ISSUECORE_POSTGRES="$cs" ISSUECORE_POSTGRES_DIR="$dir"
          echo "export ISSUECORE_POSTGRES='$cs' ISSUECORE_POSTGRES_DIR='$dir'"
          return 0
        fi
        __issuecore_pg_log "removing the stale folder $dir"
        rm -rf -- "$dir"
        rm -f -- "$pointer"
      fi

      if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        __issuecore_pg_log "installing postgresql"
        apt-get update >&2 || return 1
        DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 || return 1
      fi
      bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"

      dir="$(mktemp -d "${TMPDIR:-/tmp}/issuecore-postgres.XXXXXX")" || return 1
      mkdir -p "$dir/data" "$dir/sock" || return 1
      chown -R postgres:postgres "$dir" && chmod 700 "$dir/data" || return 1
      echo "$dir" > "$pointer"

      if ! runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
        __issuecore_pg_log "initdb failed:"; cat "$dir/initdb.log" >&2
        return 1
      fi
      if ! runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
          -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir/sock -c max_connections=200 -c fsync=off" start >&2; then
        __issuecore_pg_log "the server did not start:"; cat "$dir/server.log" >&2
        return 1
      fi

      local i
      for i in $(seq 1 60); do
        if runuser -u postgres -- "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q; then
          break
        fi
        sleep 0.5
      done
      if ! runuser -u postgres -- "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q; then
        __issuecore_pg_log "the server is not accepting connections:"; cat "$dir/server.log" >&2
        return 1
      fi

      __issuecore_pg_log "PostgreSQL is ready on 127.0.0.1:$port (pid $(__issuecore_pg_pid "$dir"), folder $dir)"
      export ISSUECORE_POSTGRES="$cs" ISSUECORE_POSTGRES_DIR="$dir"
      echo "export ISSUECORE_POSTGRES='$cs' ISSUECORE_POSTGRES_DIR='$dir'"
      ;;
    stop)
      local dir pid i
      dir="$(__issuecore_pg_dir)"
      if [ -z "$dir" ]; then
        __issuecore_pg_log "no server to stop"
        rm -f -- "$pointer"
        return 0
      fi
      pid="$(__issuecore_pg_pid "$dir")"
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid"
        for i in $(seq 1 120); do
          kill -0 "$pid" 2>/dev/null || break
          sleep 0.25
        done
        if kill -0 "$pid" 2>/dev/null; then
          __issuecore_pg_log "the server (pid $pid) did not stop after SIGINT; sending SIGQUIT"
          kill -QUIT "$pid" 2>/dev/null
          sleep 1
        fi
      fi
      rm -rf -- "$dir"
      rm -f -- "$pointer"
      __issuecore_pg_log "stopped${pid:+ pid $pid} and removed $dir"
      ;;
    *)
      echo "usage: source .ci/postgres.sh start | .ci/postgres.sh stop" >&2
      return 2
      ;;
  esac
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced: export into the caller's shell without changing its options, and leave no functions behind.
  __issuecore_pg_main "$@" >/dev/null
  set -- $?
  unset -f __issuecore_pg_main __issuecore_pg_log __issuecore_pg_dir __issuecore_pg_pid
  return "$1"
else
  __issuecore_pg_main "$@"
  exit $?
fi
