"""Django cache backends on the two stores; the per-person limits and the sign-in throttle count
in them (django-ratelimit).

`SqliteCache` keeps entries in a SQLite file that the processes of one host share (the embedded
setup's default cache): `add` and `incr` are one transaction each that takes the file's write
lock up front (BEGIN IMMEDIATE), so counts are exact across processes. `RedisCache` is Django's,
with the stores' timeouts and retry (`connection_options`).

Both treat a store that cannot be used as an empty cache that keeps nothing: reads miss, writes
do nothing, `incr` raises ValueError as for a missing key, and the log says so once. With
RATELIMIT_FAIL_OPEN on, a per-person limit then lets the request through instead of answering
500. README (Deployment, "When a store fails") has the long story.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from devices.stores.redis import REDIS_ERRORS, connection_options
from devices.stores.sqlite import SQLITE_ERRORS, SqliteFile

log = logging.getLogger("supportdesk.stores")

# After its store fails, a cache answers as an empty one without trying the store for this
# long, so that requests do not each wait out a store that hangs (timeouts of seconds).
STORE_RETRY = 1.0

# Store name -> time.monotonic() until which it counts as down, shared by the process's threads
# (Django builds one cache object per thread).
_down_until: dict[str, float] = {}
_MISSING = object()


class EmptyWhileDown:
    """A cache whose store errors make it an empty cache that keeps nothing, for a moment.

    Put before the backend class that really talks to the store; `store_errors` are the errors
    that mean "the store cannot be used", `store_name` tells stores apart.
    """

    store_errors: tuple[type[Exception], ...] = ()
    store_name: str = ""

    def _try(self, call: Callable[[], Any], miss: Any) -> Any:
        if time.monotonic() < _down_until.get(self.store_name, 0.0):
            return miss
        try:
            return call()
        except self.store_errors as error:
            _down_until[self.store_name] = time.monotonic() + STORE_RETRY
            log.warning(
                "the cache's store failed (%s: %s); the cache acts empty for %.0f s, so "
                "per-person limits let requests through",
                type(error).__name__,
                error,
                STORE_RETRY,
            )
            return miss

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._try(partial(super().add, key, value, timeout, version), False)

    def get(self, key, default=None, version=None) -> Any:
        return self._try(partial(super().get, key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._try(partial(super().set, key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._try(partial(super().touch, key, timeout, version), False)

    def delete(self, key, version=None) -> bool:
        return self._try(partial(super().delete, key, version), False)

    def has_key(self, key, version=None) -> bool:
        return self._try(partial(super().has_key, key, version), False)

    def incr(self, key, delta=1, version=None) -> int:
        value = self._try(partial(super().incr, key, delta, version), _MISSING)
        if value is _MISSING:
            raise ValueError(f"Key {key!r} not found (the cache's store cannot be used).")
        return value

    def get_many(self, keys, version=None) -> dict[str, Any]:
        return self._try(partial(super().get_many, keys, version), {})

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list[str]:
        return self._try(partial(super().set_many, data, timeout, version), list(data))

    def delete_many(self, keys, version=None) -> None:
        self._try(partial(super().delete_many, keys, version), None)

    def clear(self) -> None:
        self._try(super().clear, None)


class RedisCache(EmptyWhileDown, DjangoRedisCache):
    """Django's Redis cache with the stores' timeouts and retry, empty while Redis is down."""

    store_errors = REDIS_ERRORS

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._options = {**connection_options(), **self._options}
        self.store_name = "redis:" + ",".join(self._servers)


# The cache's table. `value` holds an int as an INTEGER (so `incr` is one UPDATE), anything
# else pickled, as Django's own file and database caches do (the file is this host's own).
SCHEMA = """
CREATE TABLE IF NOT EXISTS cache_entry (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires_at REAL);
CREATE INDEX IF NOT EXISTS cache_entry_expires_at ON cache_entry (expires_at);
"""
# A write waits at most this long for the file's write lock (a write takes well under 1 ms).
LOCK_TIMEOUT = 1.0
# Expired entries are deleted, and the cache culled to MAX_ENTRIES, this often (seconds).
PRUNE_EVERY = 60.0
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# One SqliteFile per path and process, so the threads' cache objects queue on one lock.
_files: dict[str, SqliteFile] = {}
_files_lock = threading.Lock()


def _file(path: str) -> SqliteFile:
    with _files_lock:
        if path not in _files:
            _files[path] = SqliteFile(path, SCHEMA)
        return _files[path]


def _encode(value: Any) -> Any:
    if type(value) is int and INT64_MIN <= value <= INT64_MAX:
        return value
    return sqlite3.Binary(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def _live(conn: sqlite3.Connection, key: str, now: float) -> tuple[Any] | None:
    return conn.execute(
        "SELECT value FROM cache_entry WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
        (key, now),
    ).fetchone()


def _decode(stored: Any) -> Any:
    return stored if isinstance(stored, int) else pickle.loads(stored)  # noqa: S301


class SqliteStoreCache(BaseCache):
    """The SQLite file's cache operations; errors of the file are raised (see SqliteCache)."""

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.file = _file(location)
        self._pruned_at = 0.0

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self.file.transaction(LOCK_TIMEOUT) as conn:
            yield conn
            now = time.time()
            if now - self._pruned_at > PRUNE_EVERY:
                self._prune(conn, now)

    def _prune(self, conn: sqlite3.Connection, now: float) -> None:
        self._pruned_at = now
        conn.execute("DELETE FROM cache_entry WHERE expires_at <= ?", (now,))
        (count,) = conn.execute("SELECT count(*) FROM cache_entry").fetchone()
        if count > self._max_entries:
            # Django's rule: drop 1/CULL_FREQUENCY of the entries (0: all), soonest to expire
            # first.
            cull = count // self._cull_frequency if self._cull_frequency else count
            conn.execute(
                "DELETE FROM cache_entry WHERE key IN (SELECT key FROM cache_entry "
                "ORDER BY expires_at IS NULL, expires_at LIMIT ?)",
                (cull,),
            )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO cache_entry (key, value, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "expires_at = excluded.expires_at WHERE cache_entry.expires_at <= ?",
                (key, _encode(value), self.get_backend_timeout(timeout), time.time()),
            )
            return cursor.rowcount > 0

    def get(self, key, default=None, version=None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        row = _live(self.file.connection(), key, time.time())
        return default if row is None else _decode(row[0])

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        key = self.make_and_validate_key(key, version=version)
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO cache_entry (key, value, expires_at) VALUES (?, ?, ?)",
                (key, _encode(value), self.get_backend_timeout(timeout)),
            )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE cache_entry SET expires_at = ? "
                "WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
                (self.get_backend_timeout(timeout), key, time.time()),
            )
            return cursor.rowcount > 0

    def delete(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._write() as conn:
            return conn.execute("DELETE FROM cache_entry WHERE key = ?", (key,)).rowcount > 0

    def has_key(self, key, version=None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return _live(self.file.connection(), key, time.time()) is not None

    def incr(self, key, delta=1, version=None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._write() as conn:
            now = time.time()
            row = conn.execute(
                "UPDATE cache_entry SET value = value + ? "
                "WHERE key = ? AND (expires_at IS NULL OR expires_at > ?) "
                "AND typeof(value) = 'integer' RETURNING value",
                (delta, key, now),
            ).fetchone()
            if row is not None:
                return row[0]
            # Not an integer (or not there): read, add and write back in the same transaction.
            row = _live(conn, key, now)
            if row is None:
                raise ValueError(f"Key {key!r} not found.")
            value = _decode(row[0]) + delta
            conn.execute("UPDATE cache_entry SET value = ? WHERE key = ?", (_encode(value), key))
            return value

    def clear(self) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM cache_entry")


class SqliteCache(EmptyWhileDown, SqliteStoreCache):
    """The host's SQLite cache (LOCATION: the file's path), empty while the file cannot be used
    (locked past LOCK_TIMEOUT, unreadable, not a database)."""

    store_errors = SQLITE_ERRORS

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(location, params)
        self.store_name = "sqlite:" + location
