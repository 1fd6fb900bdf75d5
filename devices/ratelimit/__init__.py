"""The outbound limiter: never more than VENDOR_RATE vendor calls in any window, on every host.

`core` is the policy and the settings-built limiter of this process (`acquire_vendor_slot` runs
before every vendor call), `sqlite` and `redis` its two stores, `metering` the readings of the
admin budget meter. README (Architecture, "The outbound limiter") has the long story.
"""

from devices.ratelimit.core import (
    BUSY_MESSAGE,
    STORE_MESSAGE,
    STORE_RETRY_AFTER,
    Ask,
    Lane,
    LimiterUnavailable,
    SlidingLogLimiter,
    Slot,
    VendorBusy,
    WaitingLine,
    acquire_vendor_slot,
    calling_as,
    get_limiter,
    meter,
    parse_rate,
    reset_limiter_cache,
    vendor_call_limit,
)
from devices.ratelimit.metering import Meter, Reading
from devices.ratelimit.redis import RedisLimiter
from devices.ratelimit.sqlite import SqliteLimiter

__all__ = [
    "BUSY_MESSAGE",
    "STORE_MESSAGE",
    "STORE_RETRY_AFTER",
    "Ask",
    "Lane",
    "LimiterUnavailable",
    "Meter",
    "Reading",
    "RedisLimiter",
    "SlidingLogLimiter",
    "Slot",
    "SqliteLimiter",
    "VendorBusy",
    "WaitingLine",
    "acquire_vendor_slot",
    "calling_as",
    "get_limiter",
    "meter",
    "parse_rate",
    "reset_limiter_cache",
    "vendor_call_limit",
]
