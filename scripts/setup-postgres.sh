#!/usr/bin/env bash
# Installs the PostgreSQL 15 server binaries the runner's "local" target and its tests use.
# Idempotent: does nothing when initdb is already there. Needs root (CI and dev machines run as root).
set -euo pipefail

if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  echo "setup-postgres: PostgreSQL 15 binaries already present in /usr/lib/postgresql/15/bin"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null
# The Debian package creates and starts a default cluster; the runner never uses it, so stop it
# to keep port 5432 and the machine's resources free.
if command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
fi
echo "setup-postgres: installed $(/usr/lib/postgresql/15/bin/initdb --version)"
