#!/usr/bin/env bash
# `npm run test:e2e`: the real-editor tests. Installs code-server if needed (offline route),
# builds, and runs the mocha suite in a real VS Code: desktop VS Code through
# @vscode/test-electron when it can be had, else code-server + headless Chromium
# (test/e2e/run.ts). The last line printed is `N passed, N failed`.
#
#   scripts/test-e2e.sh            the development-folder suite, the untrusted pass, then the
#                                  runner suite on the demo workspace
#   scripts/test-e2e.sh --vsix     also package the .vsix, install it and check it activates
#
# The untrusted pass (E2E_UNTRUSTED=1 for the launcher) opens the workspace with workspace trust
# on and the folder not trusted, and runs test/e2e/suite/untrusted.e2e.ts only. E2E_UNTRUSTED=1
# here runs only that pass, E2E_UNTRUSTED=0 only the trusted one; with E2E_GREP set and
# E2E_UNTRUSTED unset only the trusted pass runs (a grep is usually meant for its suites).
#
# E2E_SKIP_BUILD=1 reuses out/ and dist/; the launcher's own variables (E2E_ROUTE, E2E_WORKSPACE,
# E2E_SCREENSHOT, E2E_GREP, E2E_TIMEOUT_MS, E2E_KEEP_TMP, E2E_VERBOSE) pass through.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
start=$(date +%s)
vsix=0
for arg in "$@"; do
  case "$arg" in
    --vsix) vsix=1 ;;
    *) echo "usage: $0 [--vsix]" >&2; exit 2 ;;
  esac
done

if [ "${E2E_ROUTE:-auto}" != electron ]; then
  bash scripts/e2e/install-code-server.sh
fi
if [ "${E2E_SKIP_BUILD:-0}" != 1 ]; then
  npm run build >&2
fi

passed=0 failed=0 rc=0
tmpout="$(mktemp)"
trap 'rm -f "$tmpout"' EXIT
step() { # runs a launcher, echoing its output, and adds up the counts of its last line
  set +e
  # the launcher's own counts line is summed up and printed once, at the end
  "$@" | tee "$tmpout" | grep --line-buffered -Ev '^[0-9]+ passed, [0-9]+ failed'
  local code=${PIPESTATUS[0]}
  set -e
  local counts
  counts="$(grep -Eo '^[0-9]+ passed, [0-9]+ failed' "$tmpout" | tail -1 || true)"
  if [ -n "$counts" ]; then
    passed=$((passed + $(echo "$counts" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$counts" | cut -d' ' -f3)))
  fi
  [ "$code" = 0 ] || rc=1
}

untrusted="${E2E_UNTRUSTED:-}"
if [ "$untrusted" != 1 ]; then
  step env E2E_UNTRUSTED=0 node out/test/e2e/run.js
fi
if [ "$untrusted" = 1 ] || { [ -z "$untrusted" ] && [ -z "${E2E_GREP:-}" ]; }; then
  echo "e2e: the untrusted pass (workspace trust on, folder not trusted)" >&2
  step env E2E_UNTRUSTED=1 node out/test/e2e/run.js
fi
if [ -z "$untrusted" ] && [ -z "${E2E_GREP:-}" ] && [ -z "${E2E_WORKSPACE:-}" ]; then
  # The migration runner's own suite needs the demo project (a leaky downgrade to find, real
  # Alembic and PostgreSQL): in the test workspace its cases are pending.
  echo "e2e: the runner pass on the demo workspace (examples/demo)" >&2
  step env E2E_UNTRUSTED=0 E2E_WORKSPACE=examples/demo E2E_GREP="migration runner sidebar|traced locks in the editor" node out/test/e2e/run.js
  # The Results view across a window reload: the suite runs twice in one launch (the reloaded
  # window runs it again), so it has a pass of its own.
  echo "e2e: the window-reload pass on the demo workspace" >&2
  step env E2E_UNTRUSTED=0 E2E_WORKSPACE=examples/demo E2E_GREP="results across a window reload" node out/test/e2e/run.js
  # Project discovery's suite needs the layout fixtures (Flask-Migrate; a src/ package with a
  # package-resource script_location): in the test workspace its cases are pending.
  for layout in flask-migrate src-package; do
    echo "e2e: the layouts pass on test/fixtures/layouts/$layout" >&2
    step env E2E_UNTRUSTED=0 E2E_WORKSPACE="test/fixtures/layouts/$layout" E2E_GREP="project layouts" node out/test/e2e/run.js
  done
  # An alembic.ini with named sections ([core], [tenant]): the revision at hand picks the history
  # the runner runs (code lenses, Verify round trips). A copy, as the test writes workspace settings.
  sections_dir="$(mktemp -d)"
  cp -r test/fixtures/layouts/named-sections "$sections_dir/"
  echo "e2e: the named-sections pass ($sections_dir/named-sections)" >&2
  step env E2E_UNTRUSTED=0 E2E_WORKSPACE="$sections_dir/named-sections" E2E_GREP="named sections in the real editor" node out/test/e2e/run.js
  rm -rf "$sections_dir"
  # The runner's Flask-Migrate fixture (an application factory made by Flask-Migrate's own
  # `flask db init`, test/support/flaskMigrateProject.ts) verified from the sidebar.
  flask_dir="$(mktemp -d)"
  if node out/test/support/flaskMigrateProject.js "$flask_dir/shop" >/dev/null; then
    echo "e2e: the Flask-Migrate pass on a new application factory ($flask_dir/shop)" >&2
    step env E2E_UNTRUSTED=0 E2E_WORKSPACE="$flask_dir/shop" E2E_GREP="Flask-Migrate from the sidebar" node out/test/e2e/run.js
  else
    echo "e2e: could not make the Flask-Migrate fixture (python3-flask-migrate, python3-flask-sqlalchemy)" >&2
    rc=1
  fi
  rm -rf "$flask_dir"
fi
if [ "$vsix" = 1 ]; then
  # the build above is fresh (or E2E_SKIP_BUILD was asked for): package without rebuilding
  if PACKAGE_SKIP_BUILD=1 bash scripts/package.sh >&2; then
    step env E2E_UNTRUSTED=0 node out/test/e2e/vsix.js "$ROOT/schema-warden.vsix"
  else
    echo "e2e: packaging failed" >&2
    rc=1
  fi
fi

echo "e2e: $(( $(date +%s) - start )) s in all" >&2
echo "$passed passed, $failed failed"
exit "$rc"
