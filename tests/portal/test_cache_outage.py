"""With Redis unreachable the shared cache behaves as an empty one: pages still answer."""

import socket
import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from portal.cache import ResilientRedisCache
from portal.city.process_cache import ProcessCache


def dead_redis_url() -> str:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


DEAD = {
    "default": {
        "BACKEND": "portal.cache.ResilientRedisCache",
        "LOCATION": dead_redis_url(),
        "KEY_PREFIX": "portal",
    }
}


def test_an_unreachable_redis_is_an_empty_cache_that_stores_nothing():
    backend = ResilientRedisCache(dead_redis_url(), {})
    started = time.monotonic()
    assert backend.get("k", "missing") == "missing"
    assert backend.get_many(["a", "b"]) == {}
    assert backend.add("k", 1) is False
    backend.set("k", 1)
    assert backend.has_key("k") is False
    assert backend.delete("k") is False
    with pytest.raises(ValueError):
        backend.incr("k")
    assert backend.get_or_set("k", lambda: 42) == 42
    assert time.monotonic() - started < 5


@override_settings(CACHES=DEAD)
def test_process_caches_rebuild_without_the_shared_version():
    built = []
    values = ProcessCache("outage-test", lambda: built.append(1) or len(built))
    assert values.get() == 1
    values.invalidate()  # the version can't be bumped: the local value is dropped
    assert values.get() == 2


@pytest.mark.django_db
@override_settings(CACHES=DEAD)
def test_requests_answer_while_redis_is_down(client, login):
    assert cache.get("anything") is None
    assert client.get("/open311/v2/services.json").status_code == 200
    assert client.get("/healthz").status_code == 200
    staff = login("paiqian01")
    assert staff.get("/cases/").status_code == 200
    assert staff.get("/command/snapshot/").status_code == 200
