"""Lookup coalescing and the short cache: identical lookups at once make one vendor call.

`core` is the policy (`BaseCoordinator`, `fetch_lookup`, `Source`) and this process's
coordinator built from the settings; `sqlite` and `redis` are its two stores. README
(Architecture, "Coalescing and cache") has the long story.
"""

from devices.coalescing.core import (
    LOCK_MARGIN,
    POLL_INTERVAL,
    BaseCoordinator,
    ReviveError,
    ShareError,
    Source,
    cached_lookup,
    fetch_lookup,
    get_coordinator,
    lookup_wait,
    reset_coordinator_cache,
)
from devices.coalescing.redis import RedisCoordinator
from devices.coalescing.sqlite import SqliteCoordinator

__all__ = [
    "LOCK_MARGIN",
    "POLL_INTERVAL",
    "BaseCoordinator",
    "RedisCoordinator",
    "ReviveError",
    "ShareError",
    "Source",
    "SqliteCoordinator",
    "cached_lookup",
    "fetch_lookup",
    "get_coordinator",
    "lookup_wait",
    "reset_coordinator_cache",
]
