#!/usr/bin/env bash
# schemathesis (PyPI, pinned) against a running CallSnare server's /api/v1: every operation
# of the OpenAPI description, with generated valid and invalid requests (examples, coverage,
# fuzzing and stateful phases, every check). Exits non-zero on any 5xx, any answer whose
# status, content type, headers or body its description does not allow, any invalid request
# the server accepts, any valid one it refuses, any auth it ignores. Starts nothing: the
# server and the key are the caller's (`cargo test` runs it from server/tests/api/api_v1.rs).
#
#   BASE=http://127.0.0.1:3000 KEY=cs_test_… scripts/schemathesis.sh
#   scripts/schemathesis.sh --install       only install it (scripts/setup.sh does)
#
# Knobs: SCHEMATHESIS_EXAMPLES (examples per operation, 25), SCHEMATHESIS_WORKERS (2),
# SCHEMATHESIS_SEED (reproduce a run), SCHEMATHESIS_RATE_LIMIT (e.g. 50/s; none by default),
# SCHEMATHESIS_TIMEOUT (seconds for the whole run, 240), SCHEMATHESIS_HOME (its virtualenv).
set -euo pipefail

VERSION=4.32.5
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${SCHEMATHESIS_HOME:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/callsnare/schemathesis-$VERSION}"
say() { printf '\033[1;34m[schemathesis]\033[0m %s\n' "$*" >&2; }

if ! "$VENV/bin/st" --version 2>/dev/null | grep -q " $VERSION\$"; then
  if ! command -v python3 >/dev/null; then
    say "python3 is missing: install it (Debian: apt-get install python3 python3-venv)"
    exit 3
  fi
  say "installing schemathesis $VERSION into $VENV"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi
if [ "${1:-}" = "--install" ]; then
  exit 0
fi

: "${BASE:?set BASE to the base URL of the server, e.g. http://127.0.0.1:3000}"
: "${KEY:?set KEY to an API key of that server carrying every scope}"
BASE="${BASE%/}"

args=(
  run "$BASE/api/v1/openapi.json"
  --url "$BASE"
  --header "Authorization: Bearer $KEY"
  --checks all
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}"
  --workers "${SCHEMATHESIS_WORKERS:-1}"
  --generation-database none
  --suppress-health-check too_slow,filter_too_much,data_too_large
  --request-timeout 10
  --wait-for-schema 30
  --no-color
)
if [ -n "${SCHEMATHESIS_SEED:-}" ]; then
  args+=(--seed "$SCHEMATHESIS_SEED")
fi
if [ -n "${SCHEMATHESIS_RATE_LIMIT:-}" ]; then
  args+=(--rate-limit "$SCHEMATHESIS_RATE_LIMIT")
fi

# Hypothesis keeps its own files next to schemathesis, not in the caller's work tree.
export HYPOTHESIS_STORAGE_DIRECTORY="$VENV/hypothesis"
say "schemathesis $VERSION against $BASE/api/v1 (at most ${SCHEMATHESIS_TIMEOUT:-240} s)"
exec timeout --kill-after 10 "${SCHEMATHESIS_TIMEOUT:-240}" \
  "$VENV/bin/st" --config-file "$HERE/schemathesis.toml" "${args[@]}"
