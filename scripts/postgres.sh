#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: its own data directory, a free port on
# 127.0.0.1, trust authentication, nothing shared with a system PostgreSQL. scripts/test.sh
# starts one and runs the integration suite against it (CALLSNARE_TEST_POSTGRES).
#
#   scripts/postgres.sh start [DIR]   initdb + start under DIR (default: a new mktemp dir);
#                                     prints the admin URL, and only that, on stdout:
#                                     postgres://USER@127.0.0.1:PORT/postgres
#   scripts/postgres.sh stop DIR      stop it (fast shutdown) and delete DIR
#   scripts/postgres.sh --install     only install Debian's postgresql if missing (setup.sh)
#
# Both are idempotent: `start` on a running cluster prints its URL again, on a stopped one
# starts it again (on a fresh port); `stop` on a missing DIR does nothing. `stop` deletes only
# a directory `start` made (it carries a marker file), so a mistyped DIR is refused.
#
# PostgreSQL refuses to run as root, so as root the server runs as an unprivileged system
# user (CALLSNARE_PG_USER, default callsnare-pg, created if missing); otherwise as the caller.
# That user is also the cluster's superuser, the USER of the URL.
#
# Settings: max_connections=300 (every test app opens its own pool, and cargo runs tests in
# parallel), fsync and synchronous_commit on, as in production. PG_FAST=1 turns fsync (and
# full_page_writes) off: the cluster is deleted after the run and never recovers from a
# crash, so flushing to disk only costs time; what PostgreSQL makes visible, locks and
# commits is unchanged, so tests prove the same thing. Never use it for data that matters;
# scripts/test.sh uses it for the integration suite only.
set -euo pipefail

PG_USER_DEFAULT=callsnare-pg
MARKER=.callsnare-postgres
say() { printf '\033[1;34m[postgres]\033[0m %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# The newest installed Debian PostgreSQL's bin directory, or nothing.
pg_bin() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$initdb" ]; then dirname "$initdb"; fi
}

install_postgres() {
  [ -n "$(pg_bin)" ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  say "installing Debian's postgresql (server binaries for the tests)"
  # The package would otherwise create and start a "main" cluster on port 5432 that the
  # tests never use; createcluster.conf includes this directory.
  $sudo mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" |
    $sudo tee /etc/postgresql-common/createcluster.d/callsnare.conf >/dev/null
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql >&2
  [ -n "$(pg_bin)" ] || die "postgresql installed but no /usr/lib/postgresql/*/bin/initdb"
}

# Who runs the server: as root an unprivileged user (created once), else the caller.
server_user() {
  if [ "$(id -u)" -ne 0 ]; then
    id -un
    return
  fi
  local user="${CALLSNARE_PG_USER:-$PG_USER_DEFAULT}"
  if ! id "$user" >/dev/null 2>&1; then
    say "creating the system user $user (PostgreSQL refuses to run as root)"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  fi
  echo "$user"
}

# Runs a command as the server user, from / (the caller's directory may be closed to it).
as_user() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u "$USER_NAME" -- "$@")
  else
    (cd / && "$@")
  fi
}

free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port
  for _ in $(seq 200); do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! ss -Htln "sport = :$port" | grep -q .; then
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

running() { [ -f "$DATA/postmaster.pid" ] && as_user "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  local dir="${1:-}"
  install_postgres
  BIN=$(pg_bin)
  USER_NAME=$(server_user)
  if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/callsnare-pg.XXXXXX")
    say "cluster directory $dir (stop with: scripts/postgres.sh stop $dir)"
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  DATA="$dir/data"
  # The server's unix socket lives in DATA; its path (+ "/.s.PGSQL.NNNNN") must fit sun_path.
  [ "${#DATA}" -le 90 ] || die "$dir is too long a path for PostgreSQL's unix socket; pick a shorter one"

  if [ ! -f "$dir/$MARKER" ]; then
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty and was not made by this script; refusing to use it"
    touch "$dir/$MARKER"
  fi
  [ "$(id -u)" -eq 0 ] && chown "$USER_NAME" "$dir"
  as_user test -w "$dir" || die "$USER_NAME cannot write $dir (every parent directory must be searchable by it)"

  if running; then
    cat "$dir/url"
    return
  fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    as_user "$BIN/initdb" -D "$DATA" -U "$USER_NAME" -A trust --encoding=UTF8 --locale=C \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    local fsync=on
    [ "${PG_FAST:-0}" = 1 ] && fsync=off
    as_user tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# scripts/postgres.sh: a throwaway cluster for the tests
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DATA'
max_connections = 300
fsync = $fsync
full_page_writes = $fsync
synchronous_commit = on
log_min_messages = warning
EOF
    [ "$fsync" = off ] && say "PG_FAST=1: fsync off (throwaway test cluster)"
  fi

  # The port is picked free, then bound by the server a moment later; on the rare loss of
  # that race, pick again.
  local port url
  for attempt in 1 2 3; do
    port=$(free_port)
    if as_user "$BIN/pg_ctl" -D "$DATA" -l "$dir/server.log" -w -t 60 -o "-p $port" start >/dev/null 2>&1; then
      break
    fi
    [ "$attempt" = 3 ] && { tail -n 20 "$dir/server.log" >&2 || true; die "the server did not start (log: $dir/server.log)"; }
    say "start on port $port failed; trying another port"
  done
  for _ in $(seq 60); do
    "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U "$USER_NAME" && break
    sleep 0.5
  done
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U "$USER_NAME" ||
    { tail -n 20 "$dir/server.log" >&2 || true; die "the server does not accept connections on port $port"; }

  url="postgres://$USER_NAME@127.0.0.1:$port/postgres"
  echo "$url" >"$dir/url"
  say "PostgreSQL $("$BIN/pg_ctl" --version | awk '{print $3}') ready at $url"
  echo "$url"
}

stop() {
  local dir="${1:?usage: scripts/postgres.sh stop DIR}"
  [ -e "$dir" ] || return 0
  if [ -d "$dir" ] && [ -z "$(ls -A "$dir")" ]; then
    rmdir "$dir"   # a directory whose start failed early
    return 0
  fi
  [ -f "$dir/$MARKER" ] || die "$dir was not made by scripts/postgres.sh; refusing to delete it"
  DATA="$dir/data"
  BIN=$(pg_bin)
  if [ -n "$BIN" ] && [ -f "$DATA/postmaster.pid" ]; then
    USER_NAME=$(stat -c %U "$DATA")
    [ "$(id -u)" -ne 0 ] && USER_NAME=$(id -un)
    if running; then
      as_user "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || say "pg_ctl stop failed; deleting anyway"
    fi
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  --install) install_postgres ;;
  *)
    echo "usage: scripts/postgres.sh start [DIR] | stop DIR | --install" >&2
    exit 2
    ;;
esac
