#!/usr/bin/env bash
# Build sdist + wheel, install the wheel in a fresh virtualenv, sign in against the emulator.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$PY" -m venv "$WORK/build-venv"
"$WORK/build-venv/bin/pip" install -q build
"$WORK/build-venv/bin/python" -m build -q --outdir "$WORK/dist" "$ROOT" >/dev/null
ls "$WORK/dist"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "$WORK"/dist/*.whl
cp "$ROOT/tests/package_smoke.py" "$WORK/smoke.py"
cd "$WORK" && "$WORK/venv/bin/python" smoke.py
