"""The Redis client the stores use, and their Lua scripts, read from `.lua` files."""

from __future__ import annotations

from functools import cache
from importlib import resources

import redis
from redis.backoff import NoBackoff
from redis.commands.core import Script
from redis.retry import Retry

# Socket timeouts: an unreachable store must fail a lookup within seconds, not hang it.
REDIS_SOCKET_TIMEOUT = 2.0

# What a Redis store raises when it cannot be used.
REDIS_ERRORS = (redis.RedisError,)


def redis_client(url: str) -> redis.Redis:
    """A client that fails within seconds when Redis is down (redis-py's default retries ten
    times with backoff): one immediate retry, for a pooled connection that Redis had closed."""
    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_SOCKET_TIMEOUT,
        socket_connect_timeout=REDIS_SOCKET_TIMEOUT,
        retry=Retry(NoBackoff(), 1),
    )


@cache
def _lua_source(package: str, name: str) -> str:
    return resources.files(package).joinpath("lua", f"{name}.lua").read_text(encoding="utf-8")


def lua_script(client: redis.Redis, package: str, name: str) -> Script:
    """The script `<package>/lua/<name>.lua`, registered with `client` (sent by its SHA1)."""
    return client.register_script(_lua_source(package, name))
