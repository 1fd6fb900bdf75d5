"""Coordinators on fresh stores for the coalescing tests, and the vendor calls they coalesce.

Separate coordinator instances stand for separate processes (each has its own map of calls in
flight); the tests that need real processes start them with tests.workers. The Redis database is
shared; each store has a key prefix of its own and deletes only its keys.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from devices.coalescing import BaseCoordinator, RedisCoordinator, SqliteCoordinator

REDIS_URL = "redis://127.0.0.1:6379/15"
TTL = 30.0
WAIT = 5.0


class Store:
    """Makes coordinators on one fresh store, and worker specs for the same store."""

    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend = backend
        self.path = str(tmp_path / "limiter.sqlite3")
        self.counter = tmp_path / "vendor-calls.txt"
        self.prefix = f"test:lookup:{uuid.uuid4().hex}:"
        self.client = redis.Redis.from_url(REDIS_URL) if backend == "redis" else None

    def coordinator(self, **options: Any) -> BaseCoordinator:
        if self.client is not None:
            return RedisCoordinator(self.client, prefix=self.prefix, **options)
        return SqliteCoordinator(self.path, **options)

    def spec(self, **options: Any) -> dict[str, Any]:
        return {
            "kind": "coordinator",
            "backend": self.backend,
            "path": self.path,
            "url": REDIS_URL,
            "prefix": self.prefix,
            "options": options,
        }

    def vendor_calls(self) -> int:
        return len(self.counter.read_text().splitlines()) if self.counter.exists() else 0

    def clean(self) -> None:
        if self.client is not None:
            keys = list(self.client.scan_iter(f"{self.prefix}*"))
            if keys:
                self.client.delete(*keys)


class Vendor:
    """A produce() that counts its calls and, when told to, holds until released (or for
    `seconds`), then answers, or raises `error` (or a RuntimeError with `fail`)."""

    def __init__(
        self,
        payload: str = "answer",
        *,
        hold: bool = False,
        fail: bool = False,
        error: Exception | None = None,
        seconds: float = 0.0,
    ):
        self.payload = payload
        self.fail = fail
        self.error = error
        self.seconds = seconds
        self.calls = 0
        self.started = threading.Event()
        self.released = threading.Event()
        if not hold:
            self.released.set()
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self.calls += 1
        self.started.set()
        assert self.released.wait(10), "the test never released the vendor call"
        time.sleep(self.seconds)
        if self.error is not None:
            raise self.error
        if self.fail:
            raise RuntimeError(f"vendor failed: {self.payload}")
        return self.payload


class Call(threading.Thread):
    """One fetch in a thread of its own; `outcome` is its answer or its exception."""

    def __init__(self, coordinator: Any, key: str, produce: Callable[[], str], **kwargs: Any):
        super().__init__()
        self.args_ = (coordinator, key, produce)
        self.kwargs = {"ttl": TTL, "wait": WAIT} | kwargs
        self.outcome: Any = None
        self.elapsed = 0.0
        self.start()

    def run(self) -> None:
        coordinator, key, produce = self.args_
        started = time.monotonic()
        try:
            self.outcome = coordinator.fetch(key, produce, **self.kwargs)
        except Exception as error:
            self.outcome = error
        self.elapsed = time.monotonic() - started

    def result(self) -> Any:
        self.join(15)
        assert not self.is_alive(), "fetch did not return"
        return self.outcome
