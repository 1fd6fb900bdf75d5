"""The Redis client the stores use, and their Lua scripts, read from `.lua` files."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.retry import Retry

# Socket timeouts: an unreachable store must fail a lookup within seconds, not hang it.
REDIS_SOCKET_TIMEOUT = 2.0

# What a Redis store raises when it cannot be used.
REDIS_ERRORS = (redis.RedisError,)


def connection_options() -> dict[str, Any]:
    """How every Redis connection of SupportDesk behaves (the stores' and Django's cache's).

    It fails within seconds when Redis is down or hangs (redis-py would retry with backoff, and
    Django's cache sets no retry but no timeout of its own either), with one immediate retry
    for a pooled connection that Redis had closed. A pool never stays poisoned: it checks a
    pooled connection when handing it out and reconnects one that Redis closed (a restart), and
    a connection that errors is dropped, so the first command after Redis is back succeeds.
    """
    return {
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
        "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
        "retry": Retry(NoBackoff(), 1),
    }


def redis_client(url: str) -> redis.Redis:
    """A client with `connection_options()`."""
    return redis.Redis.from_url(url, **connection_options())


@cache
def _lua_source(package: str, name: str) -> str:
    return resources.files(package).joinpath("lua", f"{name}.lua").read_text(encoding="utf-8")


def lua_script(client: redis.Redis, package: str, name: str) -> Script:
    """The script `<package>/lua/<name>.lua`, registered with `client` (sent by its SHA1)."""
    return client.register_script(_lua_source(package, name))
