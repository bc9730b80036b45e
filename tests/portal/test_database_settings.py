"""Database connections of a PostgreSQL deployment: not persistent by default (ASGI runs a
request's sync code in any thread, and per-thread persistent connections pile up)."""

import importlib
import os
from unittest import mock

import portal.settings.base as base


def _reloaded(**environ) -> dict:
    with mock.patch.dict(os.environ, environ):
        module = importlib.reload(base)
    database = module.DATABASES["default"]
    importlib.reload(base)
    return database


def test_postgres_connections_are_not_persistent_by_default():
    database = _reloaded(DATABASE_URL="postgres://u@127.0.0.1:5432/portal")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] == 0
    assert database["CONN_HEALTH_CHECKS"] is True


def test_persistence_can_be_asked_for():
    database = _reloaded(DATABASE_URL="postgres://u@127.0.0.1:5432/portal", DB_CONN_MAX_AGE="30")
    assert database["CONN_MAX_AGE"] == 30
