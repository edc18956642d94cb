#!/usr/bin/env bash
# make bench: start PostgreSQL and Redis, install wrk if missing, run bench/run.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/venv.sh "test,dev"
source scripts/services.sh
command -v wrk >/dev/null || apt_install wrk
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
trap 'stop_postgres; stop_redis' EXIT
start_postgres
start_redis
"$ROOT/.venv/bin/python" bench/run.py "$@"
"$ROOT/.venv/bin/python" bench/bearer.py  # appends section 4 to bench/RESULTS.md
