#!/usr/bin/env bash
# make bench: start PostgreSQL and Redis, install Valgrind and py-spy if missing, run bench/run.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/venv.sh "test,dev"
source scripts/services.sh
command -v valgrind >/dev/null || apt_install valgrind   # the instruction counts
command -v cc >/dev/null || apt_install gcc               # builds the 3-line callgrind helper
[ -x "$ROOT/.venv/bin/py-spy" ] || "$ROOT/.venv/bin/pip" install -q py-spy  # burst profile
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
trap 'stop_postgres; stop_redis' EXIT
start_postgres
start_redis
"$ROOT/.venv/bin/python" bench/run.py "$@"
