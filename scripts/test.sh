#!/usr/bin/env bash
# Installs what is missing, then runs every test: formatting, unit + integration tests
# (real server on random ports, temp SQLite files), then end-to-end tests in headless
# Debian chromium against the release server.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n\033[1;34m==> %s\033[0m (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

step "setup"
scripts/setup.sh --browser
export PATH="$PWD/end2end/node_modules/.bin:$PATH"

step "cargo fmt --check"
cargo fmt --all -- --check

step "unit and integration tests (app[ssr] + server)"
cargo test -p app -p server --no-fail-fast

step "release build (server + hydrate wasm)"
cargo leptos build --release

step "end-to-end tests (headless chromium)"
(cd end2end && node --test --test-concurrency=1 tests/)

step "all tests passed"
