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
"$PY" -m django_authkit.emulator --host 127.0.0.1 --port "$EMU_PORT" \
  --client-id client_emulator --api-key sk_test_emulator --seed emulator-seed.json &
EMU_PID=$!
trap 'kill $EMU_PID 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do
  "$PY" -c "import urllib.request,sys; urllib.request.urlopen('$AUTHKIT_EMULATOR_URL/health', timeout=1)" 2>/dev/null && break
  sleep 0.2
done
echo
echo "  WorkOS emulator: $AUTHKIT_EMULATOR_URL"
echo "  Example site:    http://127.0.0.1:$SITE_PORT/   (Ctrl-C stops both)"
echo
"$PY" manage.py runserver "127.0.0.1:$SITE_PORT" --noreload
