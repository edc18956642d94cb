# Sourced by the other scripts: create .venv and install the project with the given extras.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
extras="${1:-}"
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  "$PY" -m venv "$ROOT/.venv"
fi
stamp="$ROOT/.venv/.installed-${extras:-base}"
if [ ! -f "$stamp" ] || [ "$ROOT/setup.cfg" -nt "$stamp" ]; then
  "$ROOT/.venv/bin/pip" install -q --upgrade pip
  if [ -n "$extras" ]; then
    "$ROOT/.venv/bin/pip" install -q -e "$ROOT[$extras]"
  else
    "$ROOT/.venv/bin/pip" install -q -e "$ROOT"
  fi
  touch "$stamp"
fi
