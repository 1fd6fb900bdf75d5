"""The coalescer's locks, cache and publications in Redis: shared by every host.

`<prefix>result:<key>` (for waiters) and `cache:<key>` (for later callers) hold
"seq stored_at\\npayload", `failure:<key>` holds "seq\\n<JSON description>", `lock:<key>` the
leader's token (SET NX PX, released by compare-and-delete); `seq` is the store-wide counter.
The scripts are in `lua/`.
"""

from __future__ import annotations

import math
from typing import Any

import redis

from devices.coalescing.core import BaseCoordinator, Entry, Failure
from devices.stores import REDIS_ERRORS, lua_script


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _entry(value: bytes | str) -> Entry:
    header, _, payload = _text(value).partition("\n")
    seq, stored_at = header.split(" ")
    return Entry(int(seq), float(stored_at), payload)


def _failure(value: bytes | str) -> Failure:
    seq, _, description = _text(value).partition("\n")
    return Failure(int(seq), description)


class RedisCoordinator(BaseCoordinator):
    """Locks (SET NX PX), cache (SET PX) and publications in Redis."""

    store_errors = REDIS_ERRORS

    def __init__(
        self, client: redis.Redis, prefix: str = "supportdesk:lookup:", **options: Any
    ) -> None:
        super().__init__(**options)
        self.client = client
        self.prefix = prefix
        self._poll_script = lua_script(client, __package__, "poll")
        self._publish_script = lua_script(client, __package__, "publish")
        self._publish_failure_script = lua_script(client, __package__, "publish_failure")
        self._release_script = lua_script(client, __package__, "release")

    def __repr__(self) -> str:
        return f"RedisCoordinator({self.client!r}, prefix={self.prefix!r})"

    def _key(self, part: str, key: str = "") -> str:
        return f"{self.prefix}{part}{key}"

    def _begin(self, key: str) -> tuple[Entry | None, int]:
        seq, cached = self.client.mget(self._key("seq"), self._key("cache:", key))
        return (_entry(cached) if cached else None), int(seq or 0)

    def _poll(
        self, key: str, *, seen_seq: int, token: str, lock_ttl: float, failures: bool
    ) -> Entry | Failure | str:
        reply = self._poll_script(
            keys=[
                self._key("result:", key),
                self._key("lock:", key),
                self._key("failure:", key),
            ],
            args=[seen_seq, token, math.ceil(lock_ttl * 1000), "1" if failures else "0"],
        )
        state = _text(reply[0])
        if state == "entry":
            return _entry(reply[1])
        if state == "failure":
            return _failure(reply[1])
        return state

    def _publish(
        self,
        key: str,
        payload: str,
        *,
        stored_at: float,
        ttl: float,
        linger: float,
        token: str | None,
    ) -> None:
        self._publish_script(
            keys=[
                self._key("seq"),
                self._key("result:", key),
                self._key("cache:", key),
                self._key("lock:", key),
            ],
            args=[
                repr(stored_at),
                payload,
                math.ceil(linger * 1000),
                math.ceil(ttl * 1000) if ttl > 0 else 0,
                token or "",
            ],
        )

    def _publish_failure(
        self, key: str, description: str, *, stored_at: float, linger: float, token: str | None
    ) -> bool:
        seq = self._publish_failure_script(
            keys=[self._key("seq"), self._key("failure:", key), self._key("lock:", key)],
            args=[description, math.ceil(linger * 1000), token or ""],
        )
        return int(seq) > 0

    def _release(self, key: str, token: str) -> None:
        self._release_script(keys=[self._key("lock:", key)], args=[token])
