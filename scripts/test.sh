#!/usr/bin/env bash
# make test: install everything, run the checks and the whole suite on SQLite and PostgreSQL.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/venv.sh "test,dev"
source scripts/services.sh
ensure_chromium
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
BIN="$ROOT/.venv/bin"

echo "== ruff";  "$BIN/ruff" check .
echo "== mypy";  "$BIN/mypy"
echo "== migrations"
PYTHONPATH=. DJANGO_SETTINGS_MODULE=tests.settings "$BIN/django-admin" makemigrations --check --dry-run
echo "== docs";  "$BIN/sphinx-build" -q -W --keep-going -b html docs docs/_build/html

trap 'stop_postgres; stop_redis' EXIT
start_postgres
start_redis

echo "== pytest (SQLite)"
AUTHKIT_TEST_DB=sqlite "$BIN/pytest" -q "$@"
echo "== pytest (PostgreSQL)"
AUTHKIT_TEST_DB=postgres "$BIN/pytest" -q "$@"
