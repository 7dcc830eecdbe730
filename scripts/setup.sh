#!/usr/bin/env bash
# Installs whatever the build and tests need and is missing; skips what is present.
# Only package registries are used (crates.io, npm, Debian). Safe to run repeatedly.
#   scripts/setup.sh            build tools (wasm target, cargo-leptos, wasm-bindgen, npm tools)
#   scripts/setup.sh --browser  also Debian's chromium for the end-to-end tests
#   scripts/setup.sh --tests    everything scripts/test.sh needs: --browser, and Debian's
#                               postgresql (the integration suite also runs against it)
set -euo pipefail
cd "$(dirname "$0")/.."

BROWSER=0; POSTGRES=0
for arg in "$@"; do
  case "$arg" in
    --browser) BROWSER=1 ;;
    --tests) BROWSER=1; POSTGRES=1 ;;
    *) echo "usage: scripts/setup.sh [--browser | --tests]" >&2; exit 2 ;;
  esac
done

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs a newer rustc than this toolchain
say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "cargo-leptos ${CARGO_LEPTOS_VERSION}"; then
  say "installing cargo-leptos ${CARGO_LEPTOS_VERSION} (once per machine, ~20 min on 2 cores)"
  cargo install cargo-leptos --locked --version "${CARGO_LEPTOS_VERSION}"
fi

# The CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${WB_VERSION}\$"; then
  say "installing wasm-bindgen-cli ${WB_VERSION}"
  cargo install -f wasm-bindgen-cli --version "${WB_VERSION}"
fi

# npm tools: wasm-opt (binaryen, for release builds) and playwright-core. Debian's binaryen
# is too old and silently breaks release hydration, so ours must come first on PATH.
if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ end2end/package.json -nt end2end/node_modules/.stamp ]; then
  say "installing npm packages in end2end/"
  (cd end2end && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
  touch end2end/node_modules/.stamp
fi

# The official provider SDKs sign test payloads, so tests prove our verifiers accept them.
# stripe-python 15.5 added WebhookSignature.generate_signature_header (the Stripe tests use it).
if ! python3 -c "import twilio, stripe; stripe.WebhookSignature.generate_signature_header" 2>/dev/null; then
  say "installing the twilio and stripe Python SDKs (test signers)"
  python3 -m pip install --quiet --disable-pip-version-check 'twilio>=9,<10' 'stripe>=15.5,<17'
fi

# schemathesis fuzzes /api/v1 against its OpenAPI description (server/tests/api/api_v1.rs);
# pinned, in its own virtualenv under ~/.cache/callsnare.
scripts/schemathesis.sh --install

if [ "$POSTGRES" = 1 ]; then
  scripts/postgres.sh --install   # a glob test when already installed
fi

if [ "$BROWSER" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  say "installing Debian chromium"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
say "tools ready"
