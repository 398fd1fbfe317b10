#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the last line that runs on Node 20) into
# .e2e/code-server, for the real-editor tests on machines where @vscode/test-electron cannot
# download VS Code. Idempotent: a finished install leaves a stamp file and is not redone.
#
# A plain `npm install code-server` fails four ways on a root, offline-but-for-npm machine:
#   1. as root its install script demands --unsafe-perm  -> install with --ignore-scripts and
#      do its post-install steps here;
#   2. the kerberos native module needs libkrb5-dev       -> apt-get install it;
#   3. @vscode/ripgrep downloads rg from GitHub             -> link Debian's /usr/bin/rg instead;
#   4. a global npmrc may set yes=false, so node-pty's `npx node-gyp` refuses -> npm_config_yes=true.
# The repo's own .npmrc sets ignore-scripts=true; the install runs in its own folder with its own
# package.json and .npmrc, and passes the script settings explicitly on every step.
set -euo pipefail

VERSION="${CODE_SERVER_VERSION:-4.100.3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${E2E_CODE_SERVER_DIR:-$ROOT/.e2e/code-server}"
STAMP="$DEST/.installed-$VERSION"
PKG="$DEST/node_modules/code-server"

log() { printf '[install-code-server] %s\n' "$*" >&2; }
# Runs a step with its output (npm, node-gyp's compiler lines: hundreds of them) kept in a file,
# shown only when the step fails, so a test log is not interrupted by a native build.
quiet() {
  local out rc=0
  out="$(mktemp)"
  "$@" >"$out" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    log "failed (exit $rc): $*"
    cat "$out" >&2
  fi
  rm -f "$out"
  return "$rc"
}

# --- system packages -------------------------------------------------------------------------
need=()
for p in chromium libkrb5-dev ripgrep build-essential pkg-config; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if ((${#need[@]})); then
  log "apt-get install: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq || log "apt-get update failed; trying the install anyway"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >&2
fi
command -v rg >/dev/null || { log "ripgrep (rg) is missing"; exit 1; }

# --- already installed? ----------------------------------------------------------------------
if [ -f "$STAMP" ] && [ -x "$PKG/out/node/entry.js" -o -f "$PKG/out/node/entry.js" ]; then
  log "code-server $VERSION already installed in $DEST"
  exit 0
fi

start=$(date +%s)
mkdir -p "$DEST"
cd "$DEST"
# Its own npm project: stops npm walking up to the repo (and its ignore-scripts=true .npmrc).
[ -f package.json ] || printf '{\n  "name": "schema-warden-e2e-code-server",\n  "private": true\n}\n' > package.json
printf 'ignore-scripts=false\nfund=false\naudit=false\nupdate-notifier=false\n' > .npmrc

export npm_config_yes=true npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

log "npm install code-server@$VERSION (scripts off; post-install steps done below)"
quiet npm install --no-save --ignore-scripts "code-server@$VERSION"

log "rebuild argon2 (its GitHub prebuild fails; it falls back to a source build)"
quiet npm rebuild argon2 --ignore-scripts=false

cd "$PKG/lib/vscode"
log "lib/vscode: npm install --omit=dev (scripts off)"
quiet npm install --omit=dev --ignore-scripts --no-save

# fix 3: Debian's ripgrep instead of the GitHub download
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg

log "lib/vscode: npm rebuild native modules (kerberos, node-pty, ...)"
quiet env npm_config_ignore_scripts=false npm rebuild --foreground-scripts --ignore-scripts=false
# @vscode/ripgrep's postinstall may have replaced the link; make sure it points at Debian's rg
ln -sf /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg

# the rest of code-server's own postinstall (ci/build/npm-postinstall.sh)
[ -e node_modules.asar ] || ln -s node_modules node_modules.asar
if [ -d bin/remote-cli ] && [ ! -e bin/remote-cli/code-server ]; then
  ln -s code-linux.sh bin/remote-cli/code-server
fi
if [ -d bin/helpers ] && [ ! -e bin/helpers/browser.sh ]; then
  ln -s browser-linux.sh bin/helpers/browser.sh
fi

log "lib/vscode/extensions: npm install --omit=dev"
(cd extensions && quiet npm install --omit=dev --no-save --ignore-scripts=false)

# smoke check: the binary runs and reports its version
"$PKG/out/node/entry.js" --version >/dev/null 2>&1 || node "$PKG/out/node/entry.js" --version >&2
touch "$STAMP"
log "code-server $VERSION installed in $DEST in $(( $(date +%s) - start )) s"
