"""The watches' own share of the vendor budget: a second sliding-window log, per app, at
WATCH_RATE, on the same store as the vendor limiter (the host's SQLite file or Redis).

A poll takes a slot here first and then, like every vendor call, its slot under VENDOR_RATE;
so all watches together never make more than WATCH_RATE calls per app, whatever the number of
people watching, and the rest of the budget stays with interactive lookups. A poll that finds
no watch slot at once is skipped (audited as busy), never queued: the next one comes soon.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

from devices.ratelimit import SlidingLogLimiter, parse_rate, vendor_call_limit
from devices.stores import PerProcess

# How long a poll may wait for a watch slot before it is skipped.
WATCH_SLOT_WAIT = 0.5


def _watch_limiter_from_settings() -> SlidingLogLimiter:
    from devices.ratelimit import RedisLimiter, SqliteLimiter
    from devices.stores import redis_client

    count, period = parse_rate(settings.WATCH_RATE)
    if settings.REDIS_URL:
        return RedisLimiter(redis_client(settings.REDIS_URL), rate=count, window=period)
    return SqliteLimiter(settings.LIMITER_SQLITE_PATH, rate=count, window=period)


_watch_limiter = PerProcess(_watch_limiter_from_settings)


def watch_limiter() -> SlidingLogLimiter:
    return _watch_limiter.get()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"WATCH_RATE", "REDIS_URL", "LIMITER_SQLITE_PATH"}:
        _watch_limiter.reset()


setting_changed.connect(_on_setting_changed, dispatch_uid="devices.history.budget.reset")


def acquire_watch_slot(app_id: str) -> Callable[[], None]:
    """Budget: WATCH_RATE (1/s) per appId for every watch on every host together, counted like
    the vendor limiter (from admission until one period after the call). Raises VendorBusy when
    no slot comes within WATCH_SLOT_WAIT; returns the function to call when the poll is over."""
    slot = watch_limiter().reserve(
        f"watch:{app_id}", timeout=WATCH_SLOT_WAIT, hold=vendor_call_limit()
    )
    return slot.finish
