#!/usr/bin/env bash
# make demo: install, migrate, start the WorkOS emulator and the example site.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/venv.sh" ""
PY="$ROOT/.venv/bin/python"
cd "$ROOT/example_project"
"$PY" manage.py migrate --noinput -v 0

EMU_PORT="${EMULATOR_PORT:-8765}"
SITE_PORT="${SITE_PORT:-8000}"
export AUTHKIT_EMULATOR_URL="http://127.0.0.1:$EMU_PORT"
export WORKOS_REDIRECT_URI="${WORKOS_REDIRECT_URI:-http://127.0.0.1:$SITE_PORT/auth/callback/}"
# --state keeps users, organizations, memberships and sessions across restarts (--reset,
# or `make demo-reset`, starts from the seed again); seeded ids never change.
STATE="${EMULATOR_STATE:-$ROOT/example_project/.authkit-emulator.json}"
"$PY" -m django_authkit.emulator --host 127.0.0.1 --port "$EMU_PORT" \
  --client-id client_emulator --api-key sk_test_emulator --seed emulator-seed.json \
  --state "$STATE" ${EMULATOR_RESET:+--reset} &
EMU_PID=$!
trap 'kill $EMU_PID 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do
  "$PY" -c "import urllib.request,sys; urllib.request.urlopen('$AUTHKIT_EMULATOR_URL/health', timeout=1)" 2>/dev/null && break
  sleep 0.2
done
echo
echo "  Example site:    http://127.0.0.1:$SITE_PORT/   (Ctrl-C stops both)"
echo "  WorkOS emulator: $AUTHKIT_EMULATOR_URL/   (what it serves, demo users)"
echo "  Outbox:          $AUTHKIT_EMULATOR_URL/_emulator/outbox/page   (magic codes, reset links)"
echo "  Demo users:      ada@acme.test / lovelace-1815 (admin), grace@globex.test / hopper-1906,"
echo "                   alan@acme.test / turing-1912 (two organizations: try the switcher)"
echo "  State file:      $STATE"
echo
"$PY" manage.py runserver "127.0.0.1:$SITE_PORT" --noreload
