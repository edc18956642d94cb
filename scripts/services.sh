# Sourced by test.sh: install (if missing) and start PostgreSQL on 127.0.0.1 for the tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PGPORT="${PGPORT:-54329}" PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=authkit

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    [ -f /tmp/.authkit-apt-updated ] || { apt-get update -qq && touch /tmp/.authkit-apt-updated; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "Please install: $*" >&2; return 1
  fi
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  command -v initdb >/dev/null && dirname "$(command -v initdb)" && return
  return 1
}

start_postgres() {
  local bin data as=()
  bin="$(pg_bin)" || { apt_install postgresql; bin="$(pg_bin)"; }
  data="$ROOT/.tmp/pg"
  if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); fi
  mkdir -p "$ROOT/.tmp"
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"; mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then chown postgres "$data"; fi
    "${as[@]}" "$bin/initdb" -D "$data" -U postgres -A trust >/dev/null
  fi
  if [ "$(id -u)" = 0 ]; then chown -R postgres "$data"; fi
  if ! "${as[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    "${as[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-p $PGPORT -k $data -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  fi
  "$bin/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -tc \
    "SELECT 1 FROM pg_database WHERE datname='authkit'" | grep -q 1 \
    || "$bin/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres authkit
  PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$data" -m fast stop)
}

stop_postgres() {
  if [ -n "${PG_STOP+x}" ]; then "${PG_STOP[@]}" >/dev/null 2>&1 || true; fi
}

start_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  export AUTHKIT_TEST_REDIS_PORT="${AUTHKIT_TEST_REDIS_PORT:-56379}"
  export AUTHKIT_TEST_REDIS="redis://127.0.0.1:$AUTHKIT_TEST_REDIS_PORT/0"
  mkdir -p "$ROOT/.tmp/redis"
  redis-server --port "$AUTHKIT_TEST_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$ROOT/.tmp/redis" --daemonize yes --pidfile "$ROOT/.tmp/redis/redis.pid" >/dev/null
}

stop_redis() {
  if [ -f "$ROOT/.tmp/redis/redis.pid" ]; then
    kill "$(cat "$ROOT/.tmp/redis/redis.pid")" 2>/dev/null || true
    rm -f "$ROOT/.tmp/redis/redis.pid"
  fi
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}
