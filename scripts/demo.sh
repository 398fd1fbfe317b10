#!/usr/bin/env bash
# `npm run demo`: from a fresh clone, sets up what is needed and runs Schema Warden's main job on
# the bundled demo project (examples/demo): lint every revision, then verify that each one goes up
# and comes back down on an ephemeral PostgreSQL made from the local binaries (no Docker needed).
# The demo breaks the policy on purpose, so both steps report findings; the script exits 0 when
# they ran and found what the demo is built to show.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup-postgres.sh || exit 1
# Only the venv: Debian's Alembic packages are for the compatibility tests, not the demo.
bash scripts/setup-python.sh --venv-only || exit 1
[ -d node_modules ] || npm ci || exit 1
[ -f dist/cli.js ] || npm run build || exit 1

cli=(node dist/cli.js)
echo
echo "== schema-warden lint examples/demo"
"${cli[@]}" lint examples/demo
lint_rc=$?
echo
echo "== schema-warden verify --target local examples/demo"
"${cli[@]}" verify --target local --python "$ROOT/.venv/bin/python" examples/demo
verify_rc=$?
echo
# lint: 1 = findings (expected), verify: 1 = a round-trip failure (the demo's leaky downgrade).
if [ "$lint_rc" -le 1 ] && [ "$verify_rc" -le 1 ]; then
  echo "demo: done (lint exit $lint_rc, verify exit $verify_rc: the demo breaks the policy on purpose)"
  echo "demo: to run schema-warden on your own project, install the CLI on your PATH:"
  echo "        npm pack && npm install -g ./schema-warden-$(node -p 'require("./package.json").version').tgz"
  exit 0
fi
echo "demo: a step could not run (lint exit $lint_rc, verify exit $verify_rc)" >&2
exit 1
