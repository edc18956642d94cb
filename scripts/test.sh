#!/usr/bin/env bash
# make test: install everything, then lint, types, import contracts, migrations, docs,
# the whole suite on
# SQLite and on PostgreSQL, the oldest and newest tox environments (Python 3.10 x Django 4.2,
# Python 3.13 x Django 6.1) and the wheel test (scripts/package_smoke.sh).
# Every step runs even when an earlier one fails (a SQLite failure does not hide the
# PostgreSQL result); the summary at the end names the failed steps and the exit code is 1.
# AUTHKIT_TEST_MATRIX=0 skips the tox environments and the wheel test (a quicker local run).
# Arguments go to every pytest run (e.g. make test ARGS="-x" or bash scripts/test.sh -k flow).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
set -e
source scripts/venv.sh "test,dev"
source scripts/services.sh
ensure_chromium
# axe-core for the accessibility test (npm; the test skips, loudly, without it)
[ -f tests/a11y/node_modules/axe-core/axe.min.js ] || (cd tests/a11y && npm ci --no-audit --no-fund --silent) \
  || echo "axe-core could not be installed: tests/test_accessibility.py will skip"
set +e
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
BIN="$ROOT/.venv/bin"
failed=()
summary=()

step() {  # step NAME COMMAND...: run, time, remember the outcome
  local name="$1" start=$SECONDS rc
  shift
  echo "== $name"
  "$@"
  rc=$?
  summary+=("$(printf '%-28s %s %4ss' "$name" "$([ $rc = 0 ] && echo ok || echo FAILED)" \
    $((SECONDS - start)))")
  [ $rc = 0 ] || failed+=("$name")
}

step ruff "$BIN/ruff" check .
step mypy "$BIN/mypy"
step "import contracts" "$BIN/lint-imports" --config .importlinter
step migrations env PYTHONPATH=. DJANGO_SETTINGS_MODULE=tests.settings \
  "$BIN/django-admin" makemigrations --check --dry-run
step docs "$BIN/sphinx-build" -q -W --keep-going -b html docs docs/_build/html

trap 'stop_postgres; stop_redis' EXIT
start_postgres || failed+=("start PostgreSQL")
start_redis || failed+=("start Redis")

step "pytest SQLite" env AUTHKIT_TEST_DB=sqlite "$BIN/pytest" -q -p no:cacheprovider "$@"
step "pytest PostgreSQL" env AUTHKIT_TEST_DB=postgres "$BIN/pytest" -q -p no:cacheprovider "$@"
if [ "${AUTHKIT_TEST_MATRIX:-1}" != 0 ]; then
  step "tox oldest+newest" bash scripts/matrix.sh "$@"
  step "wheel test" bash scripts/package_smoke.sh "$@"
fi

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all steps passed in $((SECONDS / 60)) min"
