#!/usr/bin/env bash
# Start (or stop) the real services the test suite needs, on loopback only:
#   PostgreSQL on 127.0.0.1:$PG_PORT and Redis on 127.0.0.1:$REDIS_PORT.
# Data lives outside the checkout (the postgres user must be able to reach it).
# Any service that fails to start fails this script, loudly, with its log.
set -euo pipefail

SERVICES_DIR=${PORTAL_SERVICES_DIR:-/var/tmp/jianye-portal-services}
PG_PORT=${PG_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGDATA="$SERVICES_DIR/pgdata"

fail() { echo "error: $*" >&2; exit 1; }

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_start() {
  [[ -n "$PG_BIN" ]] || fail "PostgreSQL server binaries not found (apt-get install postgresql)"
  mkdir -p "$SERVICES_DIR"
  chmod 755 "$SERVICES_DIR"
  if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    install -d -m 700 -o postgres -g postgres "$PGDATA" 2>/dev/null || mkdir -p "$PGDATA"
    as_postgres "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    echo "PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    # Durability off: a test database is thrown away, and fsync dominates test time.
    as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
      >/dev/null || { tail -n 30 "$PGDATA/server.log" >&2; fail "PostgreSQL did not start"; }
    echo "PostgreSQL started on 127.0.0.1:$PG_PORT"
  fi
  as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='portal'" | grep -q 1 \
    || as_postgres "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE portal" \
    || fail "cannot create database portal"
}

pg_stop() {
  [[ -n "$PG_BIN" && -d "$PGDATA" ]] || return 0
  as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
}

redis_start() {
  command -v redis-server >/dev/null || fail "redis-server not found (apt-get install redis-server)"
  mkdir -p "$SERVICES_DIR/redis"
  if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    echo "Redis already running on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' --appendonly no \
    --dir "$SERVICES_DIR/redis" --logfile "$SERVICES_DIR/redis/redis.log" \
    --pidfile "$SERVICES_DIR/redis/redis.pid" >/dev/null
  for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && { echo "Redis started on 127.0.0.1:$REDIS_PORT"; return 0; }
    sleep 0.2
  done
  tail -n 20 "$SERVICES_DIR/redis/redis.log" >&2 || true
  fail "Redis did not start"
}

redis_stop() {
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) pg_start; redis_start ;;
  stop) pg_stop; redis_stop ;;
  env)
    echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/portal"
    echo "export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    ;;
  *) fail "usage: $0 start|stop|env" ;;
esac
