#!/usr/bin/env bash
# Installs what is missing, then runs every test: formatting, unit + integration tests
# (real server on random ports, temp SQLite files), the integration suite again on
# PostgreSQL (a throwaway cluster, scripts/postgres.sh), then end-to-end tests in headless
# Debian chromium against the release server.
#
# CALLSNARE_TEST_POSTGRES=postgres://USER@HOST:PORT/postgres (a role that may create
# databases) uses that server instead of starting a cluster; every test app gets its own
# fresh database there. PG_FAST=0 keeps fsync on in the throwaway cluster (default off).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n\033[1;34m==> %s\033[0m (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

step "setup"
scripts/setup.sh --tests
export PATH="$PWD/end2end/node_modules/.bin:$PATH"

step "cargo fmt --check"
cargo fmt --all -- --check

# The cluster is stopped after the PostgreSQL run, and on any exit before it (a failed step,
# Ctrl-C): an EXIT trap runs on errexit, and INT/TERM are turned into exits so it runs then too.
PG_DIR=""
pg_stop() {
  if [ -n "$PG_DIR" ]; then
    scripts/postgres.sh stop "$PG_DIR" || true
    PG_DIR=""
    unset CALLSNARE_TEST_POSTGRES
  fi
}
trap pg_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ -z "${CALLSNARE_TEST_POSTGRES:-}" ]; then
  step "throwaway PostgreSQL cluster"
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/callsnare-pg.XXXXXX")
  # fsync off: nothing in it outlives the run (see scripts/postgres.sh).
  CALLSNARE_TEST_POSTGRES=$(PG_FAST="${PG_FAST:-1}" scripts/postgres.sh start "$PG_DIR")
fi
# Also for the SQLite run: its schema-parity test migrates both engines and compares.
export CALLSNARE_TEST_POSTGRES

step "unit and integration tests (app[ssr] + server)"
cargo test -p app -p server --no-fail-fast

step "integration tests on PostgreSQL (server --test api)"
CALLSNARE_TEST_ENGINE=postgres cargo test -p server --test api --no-fail-fast

step "release build (server + hydrate wasm)"
cargo leptos build --release

step "end-to-end tests (headless chromium)"
# The cluster stays up for this step: a browser test runs two instances on it.
(cd end2end && node --test --test-concurrency=1 tests/)
pg_stop

step "all tests passed"
