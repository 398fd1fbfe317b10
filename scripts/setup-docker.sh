#!/usr/bin/env bash
# Installs a Docker engine (not started) and busybox-static, which the runner's Docker tests need
# to start a private dockerd and build a PostgreSQL image locally (no registry is reachable).
# Idempotent.
set -euo pipefail
if command -v dockerd >/dev/null 2>&1 && [ -x /bin/busybox ]; then
  echo "setup-docker: dockerd and busybox already present"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq docker.io busybox-static >/dev/null
echo "setup-docker: installed $(dockerd --version)"
