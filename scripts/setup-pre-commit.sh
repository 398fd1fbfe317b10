#!/usr/bin/env bash
# Installs Debian's `pre-commit` package, which test/packaging/pre-commit.test.ts runs the
# schema-warden hook through. Idempotent: skipped when `pre-commit` is already on the PATH.
set -euo pipefail
if command -v pre-commit >/dev/null 2>&1; then
  echo "setup-pre-commit: $(pre-commit --version) already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq pre-commit >/dev/null
echo "setup-pre-commit: installed $(pre-commit --version)"
