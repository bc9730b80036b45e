"""A value built once per process from the database and rebuilt when it changes anywhere.

Writers bump a version number in the shared Django cache; readers compare it with the
version they built from. With a process-local cache (the embedded default) the version is
not shared, so a maximum age bounds how stale another process can be.
"""

import threading
import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache

T = TypeVar("T")


_instances: "weakref.WeakSet[ProcessCache]" = weakref.WeakSet()


class ProcessCache(Generic[T]):
    def __init__(self, key: str, build: Callable[[], T], max_age_seconds: float = 300) -> None:
        _instances.add(self)
        self._key = f"process-cache:{key}:version"
        self._build = build
        self._max_age = max_age_seconds
        self._lock = threading.Lock()
        self._value: T | None = None
        self._version: int | None = None
        self._built_at = 0.0

    def _current(self, version: int) -> bool:
        return (
            self._value is not None
            and self._version == version
            and time.monotonic() - self._built_at < self._max_age
        )

    def get(self) -> T:
        version = cache.get(self._key, 0)
        if self._current(version):
            return self._value  # type: ignore[return-value]
        with self._lock:
            if not self._current(version):
                self._value = self._build()
                self._version = version
                self._built_at = time.monotonic()
            return self._value  # type: ignore[return-value]

    def invalidate(self) -> None:
        try:
            cache.incr(self._key)
        except ValueError:
            cache.set(self._key, 1, timeout=None)
        self._value = None


def process_caches_reset() -> None:
    """Forget every process cache's value (tests start each case cold, so a value built by
    an earlier test can't reach its maximum age in the middle of a later one)."""
    for instance in list(_instances):
        instance._value = None
