#!/usr/bin/env bash
# Start (or stop) the real services the test suite needs, on loopback only:
#   PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT and Elasticsearch
#   (the official test distribution from Maven Central, as the non-root user portal-es)
#   on 127.0.0.1:$ES_PORT.
# Data lives outside the checkout (the postgres user must be able to reach it).
# Any service that fails to start fails this script, loudly, with its log.
set -euo pipefail

SERVICES_DIR=${PORTAL_SERVICES_DIR:-/var/tmp/jianye-portal-services}
PG_PORT=${PG_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}
ES_PORT=${ES_PORT:-59200}
ES_VERSION=${ES_VERSION:-9.2.4}
ES_USER=portal-es
ES_HOME="$SERVICES_DIR/elasticsearch-$ES_VERSION"
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

es_java() {
  # Elasticsearch 9 needs Java 21 or newer; take the newest JDK installed.
  local best="" best_major=0 java major
  for java in /usr/lib/jvm/*/bin/java $(command -v java 2>/dev/null); do
    [[ -x "$java" ]] || continue
    major=$("$java" -version 2>&1 | head -n 1 | sed -E 's/.*version "([0-9]+).*/\1/')
    [[ "$major" =~ ^[0-9]+$ ]] && (( major > best_major )) && { best_major=$major; best=$java; }
  done
  (( best_major >= 21 )) || fail "Elasticsearch needs Java 21+; found none (newest: ${best_major})"
  dirname "$(dirname "$(readlink -f "$best")")"
}

es_start() {
  if curl -fs "http://127.0.0.1:$ES_PORT/_cluster/health" >/dev/null 2>&1; then
    echo "Elasticsearch already running on 127.0.0.1:$ES_PORT"
    return 0
  fi
  mkdir -p "$SERVICES_DIR"
  if [[ ! -x "$ES_HOME/bin/elasticsearch" ]]; then
    local zip="$HOME/.m2/repository/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$ES_VERSION/elasticsearch-$ES_VERSION.zip"
    if [[ ! -s "$zip" ]]; then
      command -v mvn >/dev/null || fail "mvn not found: needed to fetch Elasticsearch from Maven Central"
      mvn -q dependency:get -Dtransitive=false \
        "-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
        || fail "could not fetch Elasticsearch $ES_VERSION from Maven Central"
    fi
    rm -rf "$ES_HOME.tmp" && mkdir -p "$ES_HOME.tmp"
    unzip -q "$zip" -d "$ES_HOME.tmp" || fail "could not unpack $zip"
    mv "$ES_HOME.tmp/elasticsearch-$ES_VERSION" "$ES_HOME" && rm -rf "$ES_HOME.tmp"
    cat >> "$ES_HOME/config/elasticsearch.yml" <<YML
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: $((ES_PORT + 100))
discovery.type: single-node
xpack.security.enabled: false
path.data: $ES_HOME/data
path.logs: $ES_HOME/logs
YML
  fi
  id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
  chown -R "$ES_USER" "$ES_HOME"
  local java_home
  java_home=$(es_java)
  runuser -u "$ES_USER" -- env ES_JAVA_HOME="$java_home" ES_JAVA_OPTS="-Xms512m -Xmx512m" \
    "$ES_HOME/bin/elasticsearch" -d -p "$ES_HOME/es.pid" >/dev/null 2>&1 \
    || { tail -n 30 "$ES_HOME/logs/"*.log >&2 2>/dev/null; fail "Elasticsearch did not start"; }
  for _ in $(seq 120); do
    curl -fs "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1 \
      && { echo "Elasticsearch $ES_VERSION started on 127.0.0.1:$ES_PORT"; return 0; }
    sleep 1
  done
  tail -n 30 "$ES_HOME/logs/"*.log >&2 2>/dev/null || true
  fail "Elasticsearch did not answer within 120 s"
}

es_stop() {
  [[ -s "$ES_HOME/es.pid" ]] && kill "$(cat "$ES_HOME/es.pid")" 2>/dev/null || true
}

case "${1:-start}" in
  start) pg_start; redis_start; es_start ;;
  stop) pg_stop; redis_stop; es_stop ;;
  env)
    echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/portal"
    echo "export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    echo "export TEST_ELASTICSEARCH_URL=http://127.0.0.1:$ES_PORT"
    ;;
  *) fail "usage: $0 start|stop|env" ;;
esac
