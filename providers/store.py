"""A small key-value store with expiry for the provider caches (quotes, rate pages, robots.txt):
Redis when `REDIS_URL` is set, so every instance shares one cache, else this process's memory.

A cache must never cost a comparison: when Redis fails, reads miss and writes are dropped, with a
warning, and Redis is left alone for a few seconds so a dead server does not add a timeout to
every provider of every comparison.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import redis

logger = logging.getLogger("candor.providers.store")

REDIS_SOCKET_TIMEOUT_S = 0.25
REDIS_REST_AFTER_ERROR_S = 5.0
MEMORY_MAX_ENTRIES = 10_000


class Store(Protocol):
    def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, ttl_s: float) -> None: ...

    def delete(self, key: str) -> None: ...

    def close(self) -> None: ...


class MemoryStore:
    """Thread-safe, bounded (least recently written entries go first), expiring on read."""

    def __init__(self, *, max_entries: int = MEMORY_MAX_ENTRIES, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._clock = clock

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._entries.get(key)
            if item is None:
                return None
            expires_at, value = item
            if expires_at <= self._clock():
                del self._entries[key]
                return None
            return value

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self.get(key) for key in keys]

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        if ttl_s <= 0:
            return
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (self._clock() + ttl_s, value)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def close(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self._client = redis.Redis.from_url(
            url, socket_timeout=REDIS_SOCKET_TIMEOUT_S, socket_connect_timeout=REDIS_SOCKET_TIMEOUT_S,
            health_check_interval=30,
        )
        self._resting_until = 0.0
        self._lock = threading.Lock()

    def _available(self) -> bool:
        return time.monotonic() >= self._resting_until

    def _failed(self, operation: str, error: redis.RedisError) -> None:
        with self._lock:
            self._resting_until = time.monotonic() + REDIS_REST_AFTER_ERROR_S
        logger.warning("Redis %s failed (%s); provider caches are bypassed for %g s.",
                       operation, type(error).__name__, REDIS_REST_AFTER_ERROR_S)

    def get(self, key: str) -> bytes | None:
        return self.get_many([key])[0]

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys or not self._available():
            return [None] * len(keys)
        try:
            values = self._client.mget(list(keys))
        except redis.RedisError as error:
            self._failed("read", error)
            return [None] * len(keys)
        return [value if isinstance(value, bytes) else None for value in values]

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        milliseconds = int(ttl_s * 1000)
        if milliseconds <= 0 or not self._available():
            return
        try:
            self._client.set(key, value, px=milliseconds)
        except redis.RedisError as error:
            self._failed("write", error)

    def delete(self, key: str) -> None:
        if not self._available():
            return
        try:
            self._client.delete(key)
        except redis.RedisError as error:
            self._failed("delete", error)

    def close(self) -> None:
        self._client.close()


def store_for(redis_url: str | None) -> Store:
    return RedisStore(redis_url) if redis_url else MemoryStore()
