#!/usr/bin/env bash
# Prepares the two Python environments the runner's tests drive Alembic with:
#  - <repo>/.venv: Alembic 1.20 + SQLAlchemy 2.x from the package index (pip);
#  - /usr/bin/python3 with Debian's Alembic 1.8 + SQLAlchemy 1.4, to keep the helper compatible,
#    and Debian's Flask-Migrate 4 + Flask-SQLAlchemy 3 (Flask 2.2) for the Flask-Migrate project
#    test (Flask-Migrate is not on the package index these machines reach).
# Idempotent: each part is skipped when it already imports.
#   scripts/setup-python.sh --venv-only   only the venv (what `npm run demo` needs; Debian's Alembic
#                                         serves the compatibility tests alone)
set -euo pipefail
venv_only=0
[ "${1:-}" = "--venv-only" ] && venv_only=1

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.venv"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import alembic, sqlalchemy, psycopg2' 2>/dev/null; then
  echo "setup-python: $venv already has alembic + psycopg2"
else
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --retries 0 alembic psycopg2-binary
  echo "setup-python: created $venv"
fi
# An async env.py (Alembic's async template) for the runner's redirection test: asyncpg + greenlet.
if ! "$venv/bin/python" -c 'import asyncpg, greenlet' 2>/dev/null; then
  "$venv/bin/pip" install -q --disable-pip-version-check --retries 0 asyncpg greenlet
fi
"$venv/bin/python" -c 'import alembic, sqlalchemy; print("setup-python: venv alembic", alembic.__version__, "sqlalchemy", sqlalchemy.__version__)'

[ "$venv_only" = 1 ] && exit 0

if /usr/bin/python3 -c 'import alembic, sqlalchemy, psycopg2, flask_migrate, flask_sqlalchemy' 2>/dev/null; then
  echo "setup-python: /usr/bin/python3 already has Debian's alembic and flask-migrate"
else
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3-alembic python3-sqlalchemy python3-psycopg2 \
    python3-flask-migrate python3-flask-sqlalchemy >/dev/null
fi
/usr/bin/python3 -c 'import alembic, sqlalchemy; print("setup-python: /usr/bin/python3 alembic", alembic.__version__, "sqlalchemy", sqlalchemy.__version__)'
