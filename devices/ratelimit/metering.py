"""The admin budget meter's readings: calls admitted per second, waits and refusals per key.

The limiter reports each admission and refusal here right after its check-and-admit, stamped
with the time that check read from the store's clock, so the per-second counts are the ones the
limiter enforced. A meter write that fails is logged and dropped: the meter never stops a call.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import time
from typing import TypedDict

import redis

from devices.ratelimit.core import LimiterUnavailable
from devices.stores import REDIS_ERRORS, SQLITE_ERRORS, SqliteFile

log = logging.getLogger("supportdesk.ratelimit")

# Readings are kept this long, in seconds.
METER_RETENTION = 3600
# At most this many waits are kept per key and minute in Redis (10/s makes 600 a minute).
WAITS_PER_MINUTE = 1000
# A meter write waits at most this long for the SQLite file's write lock.
SQLITE_WRITE_TIMEOUT = 1.0


class Reading(TypedDict):
    """Seconds with no admitted call are left out of `calls_per_second`."""

    calls_per_second: list[tuple[int, int]]
    wait_p50: float
    wait_p95: float
    refusals: int


class Meter:
    """Where a limiter's readings are kept; the stores below supply the three methods."""

    def admitted(self, key: str, *, at: float, waited: float) -> None:
        """A call was admitted at `at` (epoch seconds) after waiting `waited` seconds."""
        raise NotImplementedError

    def refused(self, key: str, *, at: float) -> None:
        """A caller was refused at `at`: its wait would have exceeded its timeout."""
        raise NotImplementedError

    def reading(self, key: str, *, minutes: int = 5) -> Reading:
        """The last `minutes`; raises LimiterUnavailable when the store cannot be read."""
        raise NotImplementedError


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not sorted_values:
        return 0.0
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return sorted_values[rank - 1]


def _reading(calls: list[tuple[int, int]], sorted_waits: list[float], refusals: int) -> Reading:
    return {
        "calls_per_second": calls,
        "wait_p50": _percentile(sorted_waits, 0.50),
        "wait_p95": _percentile(sorted_waits, 0.95),
        "refusals": int(refusals),
    }


class SqliteMeter(Meter):
    """Readings in tables of the limiter's SQLite file (`SCHEMA`, created with the limiter's)."""

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS limiter_calls (
        key TEXT NOT NULL, second INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, second)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS limiter_refusals (
        key TEXT NOT NULL, second INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, second)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS limiter_waits (
        key TEXT NOT NULL, ts REAL NOT NULL, wait REAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS limiter_waits_key_ts ON limiter_waits (key, ts);
    """

    def __init__(self, file: SqliteFile) -> None:
        self.file = file
        self._pruned_at = 0.0

    def admitted(self, key: str, *, at: float, waited: float) -> None:
        try:
            with self.file.transaction(SQLITE_WRITE_TIMEOUT) as conn:
                self.record_admitted(conn, key, at=at, waited=waited)
        except SQLITE_ERRORS:
            log.warning("budget meter: could not record a call for %s", key, exc_info=True)

    def record_admitted(
        self, conn: sqlite3.Connection, key: str, *, at: float, waited: float
    ) -> None:
        """`admitted` inside a transaction of the caller's (the limiter's admitting one)."""
        conn.execute(
            "INSERT INTO limiter_calls (key, second, n) VALUES (?, ?, 1) "
            "ON CONFLICT (key, second) DO UPDATE SET n = n + 1",
            (key, int(at)),
        )
        conn.execute(
            "INSERT INTO limiter_waits (key, ts, wait) VALUES (?, ?, ?)", (key, at, waited)
        )
        if at - self._pruned_at > 60:
            self._pruned_at = at
            cutoff = at - METER_RETENTION
            conn.execute("DELETE FROM limiter_calls WHERE second < ?", (cutoff,))
            conn.execute("DELETE FROM limiter_refusals WHERE second < ?", (cutoff,))
            conn.execute("DELETE FROM limiter_waits WHERE ts < ?", (cutoff,))

    def refused(self, key: str, *, at: float) -> None:
        try:
            with self.file.transaction(SQLITE_WRITE_TIMEOUT) as conn:
                conn.execute(
                    "INSERT INTO limiter_refusals (key, second, n) VALUES (?, ?, 1) "
                    "ON CONFLICT (key, second) DO UPDATE SET n = n + 1",
                    (key, int(at)),
                )
        except SQLITE_ERRORS:
            log.warning("budget meter: could not record a refusal for %s", key, exc_info=True)

    def reading(self, key: str, *, minutes: int = 5) -> Reading:
        since = time.time() - minutes * 60
        try:
            conn = self.file.connection()
            calls = conn.execute(
                "SELECT second, n FROM limiter_calls WHERE key = ? AND second >= ? ORDER BY second",
                (key, int(since)),
            ).fetchall()
            waits = conn.execute(
                "SELECT wait FROM limiter_waits WHERE key = ? AND ts >= ? ORDER BY wait",
                (key, since),
            ).fetchall()
            (refusals,) = conn.execute(
                "SELECT coalesce(sum(n), 0) FROM limiter_refusals WHERE key = ? AND second >= ?",
                (key, int(since)),
            ).fetchone()
        except SQLITE_ERRORS as error:
            raise LimiterUnavailable.from_error(error, key) from error
        return _reading([(s, n) for s, n in calls], [w for (w,) in waits], refusals)


class RedisMeter(Meter):
    """Readings in Redis, one hash, list and counter per key and minute (they expire)."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = prefix  # the key's own, ending in ":" (see RedisLimiter._key)

    def _minute_key(self, key: str, part: str, at: float) -> str:
        # The braces (a hash tag) keep one key's data in one slot of a Redis Cluster.
        return f"{self.prefix}{{{key}}}:meter:{part}:{math.floor(at / 60)}"

    def admitted(self, key: str, *, at: float, waited: float) -> None:
        calls, waits = self._minute_key(key, "calls", at), self._minute_key(key, "waits", at)
        pipe = self.client.pipeline(transaction=False)
        pipe.hincrby(calls, str(math.floor(at)), 1)
        pipe.expire(calls, METER_RETENTION + 60)
        pipe.rpush(waits, round(waited * 1_000_000))
        pipe.ltrim(waits, -WAITS_PER_MINUTE, -1)
        pipe.expire(waits, METER_RETENTION + 60)
        try:
            pipe.execute()
        except REDIS_ERRORS:
            log.warning("budget meter: could not record a call for %s", key, exc_info=True)

    def refused(self, key: str, *, at: float) -> None:
        refusals = self._minute_key(key, "refusals", at)
        pipe = self.client.pipeline(transaction=False)
        pipe.incr(refusals)
        pipe.expire(refusals, METER_RETENTION + 60)
        try:
            pipe.execute()
        except REDIS_ERRORS:
            log.warning("budget meter: could not record a refusal for %s", key, exc_info=True)

    def reading(self, key: str, *, minutes: int = 5) -> Reading:
        try:
            return self._reading(key, minutes)
        except REDIS_ERRORS as error:
            raise LimiterUnavailable.from_error(error, key) from error

    def _reading(self, key: str, minutes: int) -> Reading:
        now, _ = self.client.time()
        since = now - minutes * 60
        pipe = self.client.pipeline(transaction=False)
        for minute in range(since // 60, now // 60 + 1):
            pipe.hgetall(self._minute_key(key, "calls", minute * 60))
            pipe.lrange(self._minute_key(key, "waits", minute * 60), 0, -1)
            pipe.get(self._minute_key(key, "refusals", minute * 60))
        replies = pipe.execute()
        calls: dict[int, int] = {}
        waits: list[float] = []
        refusals = 0
        for per_second, minute_waits, minute_refusals in zip(
            replies[0::3], replies[1::3], replies[2::3], strict=True
        ):
            for second, n in per_second.items():
                if int(second) >= since:
                    calls[int(second)] = int(n)
            waits.extend(int(w) / 1_000_000 for w in minute_waits)
            refusals += int(minute_refusals or 0)
        return _reading(sorted(calls.items()), sorted(waits), refusals)
