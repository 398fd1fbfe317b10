#!/usr/bin/env bash
# `npm run package`: builds the bundles and packages them into schema-warden.vsix with
# @vscode/vsce (3.x, which runs on Node 20), then checks that the .vsix holds only what the
# extension needs at run time (the .vscodeignore whitelist): dist/ (bundles, WASM, the Python
# helper), package.json, README, CHANGELOG, LICENSE, syntaxes/, media/, walkthrough/.
#
#   scripts/package.sh                 build + package + check
#   scripts/package.sh --check FILE    only check an existing .vsix
# PACKAGE_SKIP_BUILD=1 skips `npm run build` (the type check); the production bundles are always made; VSIX_OUT=file changes the output path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(realpath -m "${VSIX_OUT:-$ROOT/schema-warden.vsix}")"

check_vsix() {
  local vsix="$1"
  [ -f "$vsix" ] || { echo "package: $vsix does not exist" >&2; return 1; }
  local entries bad
  entries="$(unzip -Z1 "$vsix" | grep -v '/$')"
  # vsce adds the manifest and content types at the top level, and renames README/CHANGELOG/LICENSE.
  bad="$(printf '%s\n' "$entries" | grep -Eiv \
    -e '^extension\.vsixmanifest$' \
    -e '^\[Content_Types\]\.xml$' \
    -e '^extension/package\.json$' \
    -e '^extension/(readme|changelog)\.md$' \
    -e '^extension/licen[cs]e(\.txt|\.md)?$' \
    -e '^extension/dist/' \
    -e '^extension/(syntaxes|media|walkthrough)/' || true)"
  echo "package: $(basename "$vsix"): $(printf '%s\n' "$entries" | wc -l) files, $(du -h "$vsix" | cut -f1)"
  printf '%s\n' "$entries" | sed 's/^/  /'
  if [ -n "$bad" ]; then
    echo "package: FAIL — files outside the whitelist:" >&2
    printf '%s\n' "$bad" | sed 's/^/  /' >&2
    return 1
  fi
  for f in extension/package.json extension/dist/client.js extension/dist/runner.js extension/dist/server.js extension/dist/serverLauncher.js extension/dist/cli.js extension/dist/parseWorker.js; do
    printf '%s\n' "$entries" | grep -qx "$f" || { echo "package: FAIL — $f is missing" >&2; return 1; }
  done
  if printf '%s\n' "$entries" | grep -q '\.map$'; then echo "package: FAIL — source maps in the .vsix" >&2; return 1; fi
  echo "package: OK — only the whitelisted files"
}

if [ "${1:-}" = "--check" ]; then
  check_vsix "${2:?usage: package.sh --check FILE.vsix}"
  exit
fi

cd "$ROOT"
# type check + bundles, then the bundles again minified and without source maps for shipping
[ "${PACKAGE_SKIP_BUILD:-0}" = 1 ] || npm run build
node scripts/bundle.mjs --production
rm -f "$OUT"
flags=(--no-dependencies -o "$OUT")
# vsce asks (and, without a terminal, fails) when these are missing; say so and go on.
compgen -G 'LICEN[CS]E*' >/dev/null || { echo "package: warning: no LICENSE file" >&2; flags+=(--skip-license); }
if ! node -e 'process.exit(require("./package.json").repository ? 0 : 1)'; then
  # Without a repository vsce cannot turn README's relative links into absolute ones: keep them.
  echo "package: warning: package.json has no repository; README's relative links stay relative" >&2
  flags+=(--allow-missing-repository --no-rewrite-relative-links)
fi
# package.json's `files` is the npm package's whitelist (the CLI); vsce refuses a manifest with both
# `files` and a .vscodeignore, so it packages a staging copy whose manifest has no `files`, and
# .vscodeignore stays the .vsix's whitelist. The staging copy holds what .vscodeignore may let through.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
for entry in dist syntaxes media walkthrough README.md CHANGELOG.md LICENSE .vscodeignore; do
  if [ -e "$entry" ]; then
    mkdir -p "$stage/$(dirname "$entry")"
    cp -R "$entry" "$stage/$entry"
  fi
done
node -e 'const p = require("./package.json"); delete p.files; process.stdout.write(JSON.stringify(p, null, 2) + "\n")' >"$stage/package.json"
(cd "$stage" && "$ROOT/node_modules/.bin/vsce" package "${flags[@]}" </dev/null)
check_vsix "$OUT"
