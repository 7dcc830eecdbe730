#!/usr/bin/env bash
# SQLite floor benchmark: capture the writer's statements during a short webhook bench, then
# replay them with nothing but SQLite in the way. See server/benches/sqlite_floor.rs.
# Knobs: BENCH_SECONDS (default 3 here: the log grows ~3 MB per 1,000 callbacks).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export CALLSNARE_SQL_TRACE="$out/writer.sql"
BENCH_SECONDS=${BENCH_SECONDS:-3} cargo bench -p server --features sql-trace --bench webhooks
cargo bench -p server --features sql-trace --bench sqlite_floor
