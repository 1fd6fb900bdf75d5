"""The shared outbound limiter: never more than VENDOR_RATE calls to the vendor in any window.

The vendor allows 10 requests per second per app (appId), counted over every process and host
that uses it. `acquire_vendor_slot(app_id)` runs right before each HTTP send.

The algorithm is a sliding-window log, one per key: the times of the calls admitted in the last
`window` seconds. A call is admitted when fewer than `rate` entries are younger than `window`;
otherwise the caller learns how long until the entry that blocks it ages out, sleeps that long
and tries again, or gives up at once with `VendorBusy` when that wait would exceed its timeout.
Check, admit and record happen in one atomic step in the store, so no two callers can take the
same slot:

- embedded default: a SQLite file and a `BEGIN IMMEDIATE` transaction (one writer at a time,
  across every process on the host; they share one clock, `time.time()`);
- several hosts (`REDIS_URL`): one Lua script in Redis, which reads the clock from Redis itself
  (`TIME`), so hosts with skewed clocks still share one timeline.

A call holds its slot from admission until one window after it is over (answered or failed),
not one window after admission. Admitted calls reach the vendor a little later, and not all
equally late (measured here under load: 3 ms typically, 60 ms at worst, more on a busy host), so
a log of admission times lets the vendor see 11 in a second now and then. The vendor receives a
call after we admit it and before we have its answer, so a slot that only frees a window after
the answer can never let the vendor count more than `rate` in a window, however late the
request travels. The price is throughput: each slot turns over every window + call duration,
so the most the vendor sees is rate * window / (window + duration). `hold` caps how long an
unfinished call (a process killed mid-call) keeps its slot. VENDOR_WINDOW_MARGIN remains for
clock granularity and may be 0.
"""

from __future__ import annotations

import logging
import math
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import redis
from django.conf import settings
from django.core.signals import setting_changed
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger("supportdesk.ratelimit")

# Meter data (admitted calls per second, waits, refusals) is kept this long, in seconds.
METER_RETENTION = 3600
# At most this many waits are kept per key and minute in Redis (10/s makes 600 a minute).
WAITS_PER_MINUTE = 1000
# Retry-After given to a caller when the limiter's own store cannot be reached.
STORE_RETRY_AFTER = 5.0
# Redis socket timeouts: an unreachable store must fail a lookup, not hang it.
REDIS_SOCKET_TIMEOUT = 2.0
# Every acquire may wait this long for SQLite's write lock on top of its own timeout, so that a
# burst of processes queueing for the lock is not mistaken for an unreachable store.
SQLITE_LOCK_GRACE = 0.25
# How often a caller looks again when its slot is held by a call still under way.
IN_FLIGHT_POLL = 0.02

BUSY_MESSAGE = "The vendor's request budget is in use; try again in {seconds:.1f} s."
STORE_MESSAGE = "The rate limiter's store is unreachable ({error}); try again in {seconds:.0f} s."


class VendorBusy(Exception):
    """No vendor slot within the caller's maximum wait: the page answers 503 with Retry-After."""

    def __init__(self, retry_after: float, key: str = "", message: str = "") -> None:
        self.retry_after = max(float(retry_after), 0.001)
        self.key = key
        self.message = message or BUSY_MESSAGE.format(seconds=self.retry_after)
        super().__init__(self.message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle and copy rebuild it from these, not from Exception.args.
        return (type(self), (self.retry_after, self.key, self.message))


def _nothing() -> None:
    pass


class LimiterUnavailable(VendorBusy):
    """The limiter's store (SQLite file or Redis) failed. Nothing is sent without a slot.

    A kind of VendorBusy, so that callers answer it the same way: 503 with Retry-After.
    """

    @classmethod
    def from_error(cls, error: BaseException, key: str = "") -> LimiterUnavailable:
        message = STORE_MESSAGE.format(error=type(error).__name__, seconds=STORE_RETRY_AFTER)
        return cls(STORE_RETRY_AFTER, key, message)


@dataclass(frozen=True)
class Slot:
    """An admitted call. `finish()` when it is over: the slot frees one window later."""

    waited: float
    finish: Callable[[], None]


class Limiter(Protocol):
    def reserve(self, key: str, *, timeout: float, hold: float) -> Slot:
        """Take a slot for a call that may last up to `hold` seconds (see the module docstring).

        Raises VendorBusy like acquire().
        """
        ...

    def acquire(self, key: str, *, timeout: float) -> float:
        """Take a slot for `key`, waiting up to `timeout` seconds; return the seconds waited.

        Raises VendorBusy at once when the wait is known to exceed what is left of the timeout.
        """
        ...

    def pause(self, key: str, seconds: float) -> None:
        """No process admits a call for `key` for the next `seconds` (the vendor said 429)."""
        ...

    def paused_for(self, key: str) -> float:
        """Seconds left in a pause of `key`, 0.0 when there is none."""
        ...

    def ping(self) -> None:
        """Raise LimiterUnavailable when the store cannot be used."""
        ...

    def meter(self, key: str, *, minutes: int = 5) -> dict[str, Any]:
        """Admitted calls per second, wait percentiles and refusals of the last `minutes`."""
        ...


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*\.?\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_rate(rate: str) -> tuple[int, float]:
    """Read a rate: "10/s" -> (10, 1.0); also "100/m", "5/h", and "10/2s" -> (10, 2.0)."""
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"Not a rate: {rate!r} (expected a form like 10/s, 100/m or 10/2s)")
    count, multiple, unit = match.groups()
    period = (float(multiple) if multiple else 1.0) * _UNIT_SECONDS[unit]
    if int(count) < 1 or period <= 0:
        raise ValueError(f"Not a rate: {rate!r} (the count and the period must be positive)")
    return int(count), period


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not sorted_values:
        return 0.0
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return sorted_values[rank - 1]


class WaitingLine:
    """One waiting caller per key and process goes to the store; the others queue here.

    When a slot frees, every waiting thread would otherwise wake at once and take its turn at
    the store, and a finishing call's `finish()` would queue behind all of them: its slot would
    stay taken longer and the budget would go unused. Measured: 8.7/s with the crowd, 9.3/s
    without, for calls of 60 ms against 10/s.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    @contextmanager
    def turn(self, key: str, *, timeout: float, retry_after: float) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        if not lock.acquire(timeout=max(timeout, 0.0)):
            raise VendorBusy(retry_after, key)
        try:
            yield
        finally:
            lock.release()


class SlidingLogLimiter:
    """The caller's side, the same for every store: queue, try, sleep the wait the store
    names, give up when it is longer than the time left. A store supplies `_attempt` (one
    atomic check-and-admit) and `_finish` (a call is over)."""

    window: float
    line: WaitingLine

    def acquire(self, key: str, *, timeout: float) -> float:
        return self.reserve(key, timeout=timeout, hold=0.0).waited

    def reserve(self, key: str, *, timeout: float, hold: float) -> Slot:
        started = time.monotonic()
        with self.line.turn(key, timeout=timeout, retry_after=self.window):
            token = secrets.token_hex(8)
            while True:
                waited = time.monotonic() - started
                wait = self._attempt(
                    key, budget=timeout - waited, waited=waited, hold=hold, token=token
                )
                if wait == 0:
                    finish = (lambda: self._finish(key, token)) if hold > 0 else _nothing
                    return Slot(time.monotonic() - started, finish)
                if wait < 0:
                    raise VendorBusy(-wait, key)
                time.sleep(wait)

    def _attempt(self, key: str, *, budget: float, waited: float, hold: float, token: str) -> float:
        """0 = admitted, > 0 = sleep that long and retry, < 0 = refused (minus the wait)."""
        raise NotImplementedError

    def _finish(self, key: str, token: str) -> None:
        raise NotImplementedError


# SQLite: one file shared by the processes of a host.


class SqliteFile:
    """Connections to one SQLite file: one per thread, opened again in a forked child.

    A connection must not cross a fork (SQLite's locks belong to the process that took them),
    and the inherited one must not be closed either, since closing it could checkpoint or remove
    the WAL under the parent. So a child keeps it referenced, unused, and opens its own.
    """

    _inherited: list[sqlite3.Connection] = []

    def __init__(self, path: str | os.PathLike[str], schema: str) -> None:
        self.path = str(path)
        self.schema = schema
        self._local = threading.local()
        # One lock per process: a lock copied by fork() may be held by a thread that is gone.
        self._locks: dict[int, threading.Lock] = {}

    def connection(self) -> sqlite3.Connection:
        local = self._local
        pid = os.getpid()
        conn = getattr(local, "conn", None)
        if conn is not None and local.pid == pid:
            return conn
        if conn is not None:
            self._inherited.append(conn)
        conn = self._open()
        local.conn, local.pid = conn, pid
        return conn

    def _open(self) -> sqlite3.Connection:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are begun explicitly, as BEGIN IMMEDIATE.
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        with immediate(conn):
            _run_script(conn, self.schema)
        return conn

    def _process_lock(self) -> threading.Lock:
        pid = os.getpid()
        lock = self._locks.get(pid)
        if lock is None:
            # setdefault: two threads racing here still end up with the same lock.
            lock = self._locks.setdefault(pid, threading.Lock())
        return lock

    @contextmanager
    def transaction(self, lock_timeout: float | None = None) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the file's write lock up front (BEGIN IMMEDIATE).

        The threads of one process queue on a lock of their own first: SQLite's busy handler
        polls with sleeps of up to 100 ms, which adds up when dozens of threads contend.
        """
        conn = self.connection()
        lock = self._process_lock()
        if not lock.acquire(timeout=-1 if lock_timeout is None else lock_timeout):
            raise sqlite3.OperationalError("database is locked (by this process's threads)")
        try:
            if lock_timeout is not None:
                conn.execute(f"PRAGMA busy_timeout = {max(int(lock_timeout * 1000), 1)}")
            with immediate(conn):
                yield conn
        finally:
            lock.release()


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the open transaction first; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# What a SQLite store raises when it cannot be used: its own errors, and the file system's.
SQLITE_ERRORS = (sqlite3.Error, OSError)

LIMITER_SCHEMA = """
CREATE TABLE IF NOT EXISTS limiter_slots (key TEXT NOT NULL, ts REAL NOT NULL, token TEXT);
CREATE INDEX IF NOT EXISTS limiter_slots_key_ts ON limiter_slots (key, ts);
CREATE TABLE IF NOT EXISTS limiter_pause (key TEXT PRIMARY KEY, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS limiter_calls (
    key TEXT NOT NULL, second INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, second)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS limiter_refusals (
    key TEXT NOT NULL, second INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, second)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS limiter_waits (key TEXT NOT NULL, ts REAL NOT NULL, wait REAL NOT NULL);
CREATE INDEX IF NOT EXISTS limiter_waits_key_ts ON limiter_waits (key, ts);
"""


class SqliteLimiter(SlidingLogLimiter):
    """The sliding-window log in a SQLite file: for the processes of one host, no server."""

    def __init__(self, path: str | os.PathLike[str], *, rate: int, window: float) -> None:
        if rate < 1 or window <= 0:
            raise ValueError("rate and window must be positive")
        self.rate = rate
        self.window = window
        self.file = SqliteFile(path, LIMITER_SCHEMA)
        self.line = WaitingLine()
        self._pruned_at = 0.0

    def __repr__(self) -> str:
        return f"SqliteLimiter({self.file.path!r}, rate={self.rate}, window={self.window})"

    def _attempt(self, key: str, *, budget: float, waited: float, hold: float, token: str) -> float:
        try:
            with self.file.transaction(max(budget, 0.0) + SQLITE_LOCK_GRACE) as conn:
                return self._check_and_admit(
                    conn, key, budget=budget, waited=waited, hold=hold, token=token
                )
        except SQLITE_ERRORS as error:
            raise LimiterUnavailable.from_error(error, key) from error

    def _finish(self, key: str, token: str) -> None:
        # The call is over now, not when this process next gets the file's write lock.
        now = time.time()
        try:
            with self.file.transaction(lock_timeout=5.0) as conn:
                conn.execute(
                    "UPDATE limiter_slots SET ts = ? WHERE key = ? AND token = ? AND ts > ?",
                    (now, key, token, now),
                )
        except SQLITE_ERRORS:
            # The slot then stays taken until its hold runs out: slower, never over the limit.
            log.warning("could not mark a vendor call finished for %s", key, exc_info=True)

    def _check_and_admit(
        self,
        conn: sqlite3.Connection,
        key: str,
        *,
        budget: float,
        waited: float,
        hold: float,
        token: str,
    ) -> float:
        """One atomic check: 0 = admitted, > 0 = sleep that long and retry, < 0 = refused."""
        now = time.time()
        wait = 0.0
        row = conn.execute("SELECT until FROM limiter_pause WHERE key = ?", (key,)).fetchone()
        if row and row[0] > now:
            wait = row[0] - now
        conn.execute(
            "DELETE FROM limiter_slots WHERE key = ? AND ts <= ?", (key, now - self.window)
        )
        if not wait:
            (count,) = conn.execute(
                "SELECT count(*) FROM limiter_slots WHERE key = ?", (key,)
            ).fetchone()
            if count >= self.rate:
                # The entry that must age out before one more call fits in the window.
                (blocking,) = conn.execute(
                    "SELECT ts FROM limiter_slots WHERE key = ? ORDER BY ts LIMIT 1 OFFSET ?",
                    (key, count - self.rate),
                ).fetchone()
                if blocking > now:
                    # A call still under way: it frees its slot a window after it ends, so no
                    # sooner than a window from now; look again soon, it may end any moment.
                    wait = self.window if self.window > budget else IN_FLIGHT_POLL
                else:
                    wait = max(blocking + self.window - now, 1e-6)
        second = int(now)
        if not wait:
            conn.execute(
                "INSERT INTO limiter_slots (key, ts, token) VALUES (?, ?, ?)",
                (key, now + hold, token),
            )
            conn.execute(
                "INSERT INTO limiter_calls (key, second, n) VALUES (?, ?, 1) "
                "ON CONFLICT (key, second) DO UPDATE SET n = n + 1",
                (key, second),
            )
            conn.execute(
                "INSERT INTO limiter_waits (key, ts, wait) VALUES (?, ?, ?)", (key, now, waited)
            )
            if now - self._pruned_at > 60:
                self._prune(conn, now)
            return 0.0
        if wait > budget:
            conn.execute(
                "INSERT INTO limiter_refusals (key, second, n) VALUES (?, ?, 1) "
                "ON CONFLICT (key, second) DO UPDATE SET n = n + 1",
                (key, second),
            )
            return -wait
        return wait

    def _prune(self, conn: sqlite3.Connection, now: float) -> None:
        self._pruned_at = now
        cutoff = now - METER_RETENTION
        conn.execute("DELETE FROM limiter_calls WHERE second < ?", (cutoff,))
        conn.execute("DELETE FROM limiter_refusals WHERE second < ?", (cutoff,))
        conn.execute("DELETE FROM limiter_waits WHERE ts < ?", (cutoff,))
        # Logs of keys no longer used; a live key trims its own log on every call.
        conn.execute("DELETE FROM limiter_slots WHERE ts < ?", (cutoff,))
        conn.execute("DELETE FROM limiter_pause WHERE until < ?", (now,))

    def pause(self, key: str, seconds: float) -> None:
        if seconds <= 0:
            return
        try:
            with self.file.transaction() as conn:
                conn.execute(
                    "INSERT INTO limiter_pause (key, until) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET until = max(until, excluded.until)",
                    (key, time.time() + seconds),
                )
        except SQLITE_ERRORS as error:
            raise LimiterUnavailable.from_error(error, key) from error

    def paused_for(self, key: str) -> float:
        try:
            row = (
                self.file.connection()
                .execute("SELECT until FROM limiter_pause WHERE key = ?", (key,))
                .fetchone()
            )
        except SQLITE_ERRORS as error:
            raise LimiterUnavailable.from_error(error, key) from error
        return max(row[0] - time.time(), 0.0) if row else 0.0

    def ping(self) -> None:
        try:
            # Takes and releases the write lock: proves the file is there and writable.
            with self.file.transaction(lock_timeout=1.0) as conn:
                conn.execute("SELECT count(*) FROM limiter_pause").fetchone()
        except SQLITE_ERRORS as error:
            raise LimiterUnavailable.from_error(error) from error

    def meter(self, key: str, *, minutes: int = 5) -> dict[str, Any]:
        try:
            return self._meter(key, minutes)
        except SQLITE_ERRORS as error:
            raise LimiterUnavailable.from_error(error, key) from error

    def _meter(self, key: str, minutes: int) -> dict[str, Any]:
        since = time.time() - minutes * 60
        conn = self.file.connection()
        calls = conn.execute(
            "SELECT second, n FROM limiter_calls WHERE key = ? AND second >= ? ORDER BY second",
            (key, int(since)),
        ).fetchall()
        waits = [
            wait
            for (wait,) in conn.execute(
                "SELECT wait FROM limiter_waits WHERE key = ? AND ts >= ? ORDER BY wait",
                (key, since),
            )
        ]
        (refusals,) = conn.execute(
            "SELECT coalesce(sum(n), 0) FROM limiter_refusals WHERE key = ? AND second >= ?",
            (key, int(since)),
        ).fetchone()
        return _meter_dict([(s, n) for s, n in calls], waits, refusals)


def _meter_dict(
    calls: list[tuple[int, int]], sorted_waits: list[float], refusals: int
) -> dict[str, Any]:
    return {
        "calls_per_second": calls,
        "wait_p50": _percentile(sorted_waits, 0.50),
        "wait_p95": _percentile(sorted_waits, 0.95),
        "refusals": int(refusals),
    }


# Redis: one timeline for every host.

# Returns 0 when admitted, the wait in microseconds when the caller should sleep and retry, or
# minus the wait when that wait exceeds the caller's remaining budget (a refusal, metered here).
ACQUIRE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local wait = 0
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then wait = paused * 1000 end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if wait == 0 then
  local count = redis.call('ZCARD', KEYS[1])
  if count >= rate then
    local blocking = tonumber(redis.call('ZRANGE', KEYS[1], count - rate, count - rate,
                                         'WITHSCORES')[2])
    if blocking > now then
      -- a call still under way frees its slot a window after it ends: look again soon
      if window > tonumber(ARGV[4]) then wait = window else wait = tonumber(ARGV[10]) end
    else
      wait = math.max(blocking + window - now, 1)
    end
  end
end
local minute = tostring(math.floor(tonumber(t[1]) / 60))
if wait == 0 then
  local hold = tonumber(ARGV[9])
  redis.call('ZADD', KEYS[1], now + hold, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil((window + hold) / 1000) + 1000)
  local calls = ARGV[6] .. 'calls:' .. minute
  redis.call('HINCRBY', calls, t[1], 1)
  redis.call('EXPIRE', calls, ARGV[7])
  local waits = ARGV[6] .. 'waits:' .. minute
  redis.call('RPUSH', waits, ARGV[5])
  redis.call('LTRIM', waits, -tonumber(ARGV[8]), -1)
  redis.call('EXPIRE', waits, ARGV[7])
  return 0
end
if wait > tonumber(ARGV[4]) then
  local refusals = ARGV[6] .. 'refusals:' .. minute
  redis.call('INCR', refusals)
  redis.call('EXPIRE', refusals, ARGV[7])
  return -wait
end
return wait
"""

# A finished call's entry moves to the Redis clock's now (never later than it was).
FINISH_SCRIPT = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', 'LT', tonumber(t[1]) * 1000000 + tonumber(t[2]), ARGV[1])
return 0
"""

# A pause only ever gets longer: a short Retry-After does not cut a longer one short.
PAUSE_SCRIPT = """
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0
"""


class RedisLimiter(SlidingLogLimiter):
    """The sliding-window log in Redis, timed by the Redis server's clock."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        rate: int,
        window: float,
        prefix: str = "supportdesk:limit:",
    ) -> None:
        if rate < 1 or window <= 0:
            raise ValueError("rate and window must be positive")
        self.client = client
        self.rate = rate
        self.window = window
        self.prefix = prefix
        self._acquire = client.register_script(ACQUIRE_SCRIPT)
        self._pause = client.register_script(PAUSE_SCRIPT)
        self._finish_script = client.register_script(FINISH_SCRIPT)
        self.line = WaitingLine()

    def __repr__(self) -> str:
        return f"RedisLimiter({self.client!r}, rate={self.rate}, window={self.window})"

    def _key(self, key: str, part: str) -> str:
        # The braces (a hash tag) keep one key's data in one slot of a Redis Cluster.
        return f"{self.prefix}{{{key}}}:{part}"

    def _attempt(self, key: str, *, budget: float, waited: float, hold: float, token: str) -> float:
        try:
            wait_us = self._acquire(
                keys=[self._key(key, "log"), self._key(key, "pause")],
                args=[
                    self.rate,
                    round(self.window * 1_000_000),
                    token,
                    max(math.floor(budget * 1_000_000), 0),
                    round(waited * 1_000_000),
                    self._key(key, "meter:"),
                    METER_RETENTION + 60,
                    WAITS_PER_MINUTE,
                    round(hold * 1_000_000),
                    round(IN_FLIGHT_POLL * 1_000_000),
                ],
            )
        except redis.RedisError as error:
            raise LimiterUnavailable.from_error(error, key) from error
        return wait_us / 1_000_000

    def _finish(self, key: str, token: str) -> None:
        try:
            self._finish_script(keys=[self._key(key, "log")], args=[token])
        except redis.RedisError:
            # The slot then stays taken until its hold runs out: slower, never over the limit.
            log.warning("could not mark a vendor call finished", exc_info=True)

    def pause(self, key: str, seconds: float) -> None:
        if seconds <= 0:
            return
        try:
            self._pause(keys=[self._key(key, "pause")], args=[math.ceil(seconds * 1000)])
        except redis.RedisError as error:
            raise LimiterUnavailable.from_error(error, key) from error

    def paused_for(self, key: str) -> float:
        try:
            left = self.client.pttl(self._key(key, "pause"))
        except redis.RedisError as error:
            raise LimiterUnavailable.from_error(error, key) from error
        return left / 1000 if left > 0 else 0.0

    def ping(self) -> None:
        try:
            self.client.ping()
        except redis.RedisError as error:
            raise LimiterUnavailable.from_error(error) from error

    def meter(self, key: str, *, minutes: int = 5) -> dict[str, Any]:
        try:
            return self._meter(key, minutes)
        except redis.RedisError as error:
            raise LimiterUnavailable.from_error(error, key) from error

    def _meter(self, key: str, minutes: int) -> dict[str, Any]:
        now, _ = self.client.time()
        since = now - minutes * 60
        first, last = since // 60, now // 60
        prefix = self._key(key, "meter:")
        pipe = self.client.pipeline(transaction=False)
        for minute in range(first, last + 1):
            pipe.hgetall(f"{prefix}calls:{minute}")
            pipe.lrange(f"{prefix}waits:{minute}", 0, -1)
            pipe.get(f"{prefix}refusals:{minute}")
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
        return _meter_dict(sorted(calls.items()), sorted(waits), refusals)


# One limiter per process, built from the settings.


class PerProcess[T]:
    """A lazily built value, built again in a forked child (after gunicorn forks its workers)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self.build = build
        self._lock = threading.Lock()
        self._value: tuple[int, T] | None = None

    def get(self) -> T:
        pid = os.getpid()
        value = self._value
        if value is not None and value[0] == pid:
            return value[1]
        with self._lock:
            if self._value is None or self._value[0] != pid:
                self._value = (pid, self.build())
            return self._value[1]

    def reset(self) -> None:
        with self._lock:
            self._value = None


def redis_client(url: str) -> redis.Redis:
    """A client that fails within seconds when Redis is down (redis-py's default retries ten
    times with backoff): one immediate retry, for a pooled connection that Redis had closed."""
    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_SOCKET_TIMEOUT,
        socket_connect_timeout=REDIS_SOCKET_TIMEOUT,
        retry=Retry(NoBackoff(), 1),
    )


def _limiter_from_settings() -> Limiter:
    count, period = parse_rate(settings.VENDOR_RATE)
    window = period + settings.VENDOR_WINDOW_MARGIN
    if settings.REDIS_URL:
        return RedisLimiter(redis_client(settings.REDIS_URL), rate=count, window=window)
    return SqliteLimiter(settings.LIMITER_SQLITE_PATH, rate=count, window=window)


_limiter = PerProcess(_limiter_from_settings)


def get_limiter() -> Limiter:
    """This process's limiter: Redis when REDIS_URL is set, else the host's SQLite file."""
    return _limiter.get()


def reset_limiter_cache() -> None:
    _limiter.reset()


LIMITER_SETTINGS = {"VENDOR_RATE", "VENDOR_WINDOW_MARGIN", "REDIS_URL", "LIMITER_SQLITE_PATH"}


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in LIMITER_SETTINGS:
        reset_limiter_cache()


setting_changed.connect(_on_setting_changed, dispatch_uid="devices.ratelimit.reset")


def acquire_vendor_slot(key: str) -> Callable[[], None]:
    """Right before every HTTP send to the vendor, with the credential's appId as `key`.

    Budget: VENDOR_RATE (10/s) per appId, shared by every process and host; a call counts from
    its admission until period + VENDOR_WINDOW_MARGIN after it is over. A caller queues at most
    VENDOR_MAX_WAIT (2 s) for a slot; past that it gets VendorBusy at once, and the page answers
    503 with Retry-After. Returns the function to call when the vendor call is over.
    """
    slot = get_limiter().reserve(key, timeout=settings.VENDOR_MAX_WAIT, hold=vendor_call_limit())
    return slot.finish


def vendor_call_limit() -> float:
    """The longest a vendor call can take: requests' timeout bounds the connect and each read,
    so allow two timeouts and a second. A call that never reports its end (its process was
    killed) keeps its slot this long, plus a window."""
    return 2 * settings.VENDOR_TIMEOUT + 1


def meter(key: str, *, minutes: int = 5) -> dict[str, Any]:
    """For the admin budget meter: {"calls_per_second": [(epoch_second, n), ...] (seconds with
    no admitted call are left out), "wait_p50": s, "wait_p95": s, "refusals": n}."""
    return get_limiter().meter(key, minutes=minutes)
