#!/usr/bin/env bash
# `npm test`: every test of the project, on a fresh machine too.
#  1. sets up what the tests need (idempotent, quick when already there): PostgreSQL 15 binaries,
#     the Python venv with Alembic, Debian's Alembic 1.8 for the compatibility tests, Debian's
#     pre-commit for the hook test;
#  2. checks formatting and the layers, builds (type check + bundles) and checks the generated docs;
#  3. the mocha suite: engine, rules, CLI, language server over stdio, runner on real PostgreSQL;
#  4. the real-editor suite (code-server + headless Chromium here), unless SKIP_E2E=1.
# The last line is `N passed, N failed`, summed over the suites.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

passed=0
failed=0
rc=0
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

fail_step() { echo "test-all: $1 failed" >&2; failed=$((failed + 1)); rc=1; }

if [ "${SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup-postgres.sh || fail_step "setup-postgres"
  bash scripts/setup-python.sh || fail_step "setup-python"
  bash scripts/setup-docker.sh || fail_step "setup-docker"
  bash scripts/setup-pre-commit.sh || fail_step "setup-pre-commit"
fi

[ -d node_modules ] || npm ci || fail_step "npm ci"

# Formatting is checked, not a matter of taste: `npm run format` fixes what this reports.
npx prettier --check . >"$log" 2>&1 || { cat "$log"; fail_step "format check (run npm run format)"; }

# The layers of docs/architecture.md: no import cycle, no import up the layers, the client only through
# the protocol (.dependency-cruiser.cjs says which layer is which).
npm run --silent check:layers >"$log" 2>&1 || { cat "$log"; fail_step "layer check (npm run check:layers)"; }

# The build's output (npm's banners, the compiler's messages) is shown only when it fails.
if npm run build >"$log" 2>&1 || { cat "$log"; false; }; then
  # mocha's spec reporter prints "N passing", "N failing", "N pending": sum what it says.
  # The whole suite is named here, not in .mocharc.json: mocha adds a config's spec to the command
  # line's, so `npx mocha --config .mocharc.json --spec FILE` would run everything.
  npx mocha --config .mocharc.json 'out/test/**/*.test.js' 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" = 0 ] || rc=1
  p=$(grep -Eo '^\s+[0-9]+ passing' "$log" | grep -Eo '[0-9]+' | tail -1)
  f=$(grep -Eo '^\s+[0-9]+ failing' "$log" | grep -Eo '[0-9]+' | tail -1)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ -z "${p:-}" ] && [ -z "${f:-}" ]; then fail_step "mocha (no summary)"; fi
else
  fail_step "build"
fi

if [ "${SKIP_E2E:-0}" != 1 ]; then
  E2E_SKIP_BUILD=1 bash scripts/test-e2e.sh --vsix 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" = 0 ] || rc=1
  counts="$(grep -Eo '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)"
  if [ -n "$counts" ]; then
    passed=$((passed + $(echo "$counts" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$counts" | cut -d' ' -f3)))
  else
    fail_step "e2e (no summary)"
  fi
fi

echo "$passed passed, $failed failed"
exit "$rc"
