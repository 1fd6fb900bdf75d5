"""Store plumbing that the limiter and the coalescer share; no policy of either lives here.

The host's SQLite file (`SqliteFile`, safe to open from any number of processes at once), the
Redis client with its timeouts and Lua scripts read from `.lua` files, `PerProcess`, one value
per process that a forked child builds again, and (`cache`) Django cache backends on both.
README (Architecture) has the long story.
"""

from devices.stores.process import PerProcess
from devices.stores.redis import (
    REDIS_ERRORS,
    REDIS_SOCKET_TIMEOUT,
    connection_options,
    lua_script,
    redis_client,
)
from devices.stores.sqlite import SQLITE_ERRORS, SqliteFile, immediate

__all__ = [
    "REDIS_ERRORS",
    "REDIS_SOCKET_TIMEOUT",
    "SQLITE_ERRORS",
    "PerProcess",
    "SqliteFile",
    "connection_options",
    "immediate",
    "lua_script",
    "redis_client",
]
