"""Limiters on fresh stores for the limiter tests: a new SQLite file, or a Redis key prefix of
their own (the Redis database is shared; only the prefix's keys are deleted)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import redis

from devices.ratelimit import RedisLimiter, SqliteLimiter
from tests.workers import take

REDIS_URL = "redis://127.0.0.1:6379/15"
RATE = 10
WINDOW = 0.5


class Store:
    """Makes limiters of one backend on one fresh store, and worker specs for the same store."""

    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend = backend
        self.path = str(tmp_path / "limiter.sqlite3")
        self.prefix = f"test:limit:{uuid.uuid4().hex}:"
        self.client = redis.Redis.from_url(REDIS_URL) if backend == "redis" else None

    def limiter(self, rate: int = RATE, window: float = WINDOW) -> SqliteLimiter | RedisLimiter:
        if self.client is not None:
            return RedisLimiter(self.client, rate=rate, window=window, prefix=self.prefix)
        return SqliteLimiter(self.path, rate=rate, window=window)

    def spec(self, rate: int = RATE, window: float = WINDOW) -> dict[str, Any]:
        return {
            "kind": "limiter",
            "backend": self.backend,
            "path": self.path,
            "url": REDIS_URL,
            "prefix": self.prefix,
            "rate": rate,
            "window": window,
        }

    def clean(self) -> None:
        if self.client is not None:
            keys = list(self.client.scan_iter(f"{self.prefix}*"))
            if keys:
                self.client.delete(*keys)


def fill(limiter: Any, key: str, n: int = RATE) -> None:
    """`n` calls that end at once, each refused unless a slot is free right now."""
    for _ in range(n):
        take(limiter, key, timeout=0)
