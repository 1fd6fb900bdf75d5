"""The limiter's sliding-window log in Redis: one timeline for every host.

Check and admit are one Lua script (`lua/acquire.lua`) that reads the clock from Redis itself
(`TIME`), so hosts with skewed clocks still share one timeline.
"""

from __future__ import annotations

import logging
import math

import redis

from devices.ratelimit.core import (
    BULK_SLOT_MARK,
    INTERACTIVE,
    Ask,
    Attempt,
    LimiterUnavailable,
    SlidingLogLimiter,
)
from devices.ratelimit.metering import RedisMeter
from devices.stores import REDIS_ERRORS, lua_script

log = logging.getLogger("supportdesk.ratelimit")

MICROSECONDS = 1_000_000


class RedisLimiter(SlidingLogLimiter):
    """Per key: `<prefix>{key}:log`, a sorted set of slots, `<prefix>{key}:pause`, the waiting
    interactive callers (`waiting`, `deadlines`, `persons`) and when one last came
    (`people_seen`)."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        rate: int,
        window: float,
        prefix: str = "supportdesk:limit:",
    ) -> None:
        super().__init__(rate=rate, window=window, meter=RedisMeter(client, prefix))
        self.client = client
        self.prefix = prefix
        self._acquire = lua_script(client, __package__, "acquire")
        self._finish_script = lua_script(client, __package__, "finish")
        self._pause = lua_script(client, __package__, "pause")

    def __repr__(self) -> str:
        return f"RedisLimiter({self.client!r}, rate={self.rate}, window={self.window})"

    def _key(self, key: str, part: str) -> str:
        # The braces (a hash tag) keep one key's data in one slot of a Redis Cluster.
        return f"{self.prefix}{{{key}}}:{part}"

    def _attempt(
        self,
        key: str,
        *,
        budget: float,
        hold: float,
        token: str,
        ask: Ask = INTERACTIVE,
        waited: float = 0.0,
    ) -> Attempt:
        try:
            wait, now = self._acquire(
                keys=[
                    self._key(key, "log"),
                    self._key(key, "pause"),
                    self._key(key, "waiting"),
                    self._key(key, "deadlines"),
                    self._key(key, "persons"),
                    self._key(key, "people_seen"),
                ],
                args=[
                    self.rate,
                    round(self.window * MICROSECONDS),
                    token,
                    max(math.floor(budget * MICROSECONDS), 0),
                    round(hold * MICROSECONDS),
                    round(ask.poll * MICROSECONDS),
                    "1" if ask.bulk else "0",
                    ask.person,
                    ask.keep_free,
                    ask.share,
                    BULK_SLOT_MARK,
                    -1 if ask.reserve_for == math.inf else round(ask.reserve_for * MICROSECONDS),
                ],
            )
        except REDIS_ERRORS as error:
            raise LimiterUnavailable.from_error(error, key) from error
        return Attempt(wait / MICROSECONDS, now / MICROSECONDS)

    def _finish(self, key: str, token: str) -> None:
        try:
            self._finish_script(keys=[self._key(key, "log")], args=[token])
        except REDIS_ERRORS:
            log.warning("could not mark a vendor call finished for %s", key, exc_info=True)

    def pause(self, key: str, seconds: float) -> None:
        if seconds <= 0:
            return
        try:
            self._pause(keys=[self._key(key, "pause")], args=[math.ceil(seconds * 1000)])
        except REDIS_ERRORS as error:
            raise LimiterUnavailable.from_error(error, key) from error

    def ping(self) -> None:
        try:
            self.client.ping()
        except REDIS_ERRORS as error:
            raise LimiterUnavailable.from_error(error) from error
