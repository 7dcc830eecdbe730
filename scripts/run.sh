#!/usr/bin/env bash
# Builds (release) and runs CallSnare on the embedded SQLite default:
#   http://127.0.0.1:3000, database data/callsnare.db (created on first run).
# Extra environment (see README) is passed through, e.g. CALLSNARE_ADDR=0.0.0.0:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/end2end/node_modules/.bin:$PATH"
cargo leptos build --release
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
exec target/release/callsnare serve
