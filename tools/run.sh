#!/usr/bin/env bash
# Serve the portal (ASGI, uvicorn) and run the background worker beside it.
# Ctrl-C stops both.
set -euo pipefail
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
.venv/bin/python manage.py worker --queue-name '*' --interval 1 --no-reload &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
echo "门户已启动 / portal: http://$HOST:$PORT/   管理后台 / admin: http://$HOST:$PORT/admin/"
.venv/bin/uvicorn portal.asgi:application --host "$HOST" --port "$PORT" --no-access-log
