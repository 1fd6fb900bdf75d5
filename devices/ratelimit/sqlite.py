"""The limiter's sliding-window log in the host's SQLite file: for the processes of one host.

Check and admit happen in one `BEGIN IMMEDIATE` transaction (one writer at a time across the
host's processes, which share one clock, `time.time()`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time

from devices.ratelimit.core import IN_FLIGHT_POLL, Attempt, LimiterUnavailable, SlidingLogLimiter
from devices.ratelimit.metering import SqliteMeter
from devices.stores import SQLITE_ERRORS, SqliteFile

log = logging.getLogger("supportdesk.ratelimit")

# Every attempt may wait this long for SQLite's write lock on top of its own timeout, so that a
# burst of processes queueing for the lock is not mistaken for an unreachable store.
SQLITE_LOCK_GRACE = 0.25
# The log of a key that has not been used for this long (seconds) is dropped.
STALE_LOG = 3600

SCHEMA = """
CREATE TABLE IF NOT EXISTS limiter_slots (key TEXT NOT NULL, ts REAL NOT NULL, token TEXT);
CREATE INDEX IF NOT EXISTS limiter_slots_key_ts ON limiter_slots (key, ts);
CREATE TABLE IF NOT EXISTS limiter_pause (key TEXT PRIMARY KEY, until REAL NOT NULL);
"""


class SqliteLimiter(SlidingLogLimiter):
    """Slots are rows (key, ts, token): `ts` is when the slot's window starts to run, which is
    admission + hold while the call is under way, and the call's end once it is finished."""

    def __init__(self, path: str | os.PathLike[str], *, rate: int, window: float) -> None:
        self.file = SqliteFile(path, SCHEMA, SqliteMeter.SCHEMA)
        super().__init__(rate=rate, window=window, meter=SqliteMeter(self.file))
        self._pruned_at = 0.0

    def __repr__(self) -> str:
        return f"SqliteLimiter({self.file.path!r}, rate={self.rate}, window={self.window})"

    def _attempt(
        self, key: str, *, budget: float, hold: float, token: str, rate: int | None = None
    ) -> Attempt:
        try:
            with self.file.transaction(max(budget, 0.0) + SQLITE_LOCK_GRACE) as conn:
                return self._check_and_admit(
                    conn, key, budget=budget, hold=hold, token=token, rate=rate or self.rate
                )
        except SQLITE_ERRORS as error:
            raise LimiterUnavailable.from_error(error, key) from error

    def _check_and_admit(
        self,
        conn: sqlite3.Connection,
        key: str,
        *,
        budget: float,
        hold: float,
        token: str,
        rate: int,
    ) -> Attempt:
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
            if count >= rate:
                # The entry that must age out before one more call fits in the window.
                (blocking,) = conn.execute(
                    "SELECT ts FROM limiter_slots WHERE key = ? ORDER BY ts LIMIT 1 OFFSET ?",
                    (key, count - rate),
                ).fetchone()
                if blocking > now:
                    # A call still under way: it frees its slot a window after it ends, so no
                    # sooner than a window from now; look again soon, it may end any moment.
                    wait = self.window if self.window > budget else IN_FLIGHT_POLL
                else:
                    wait = max(blocking + self.window - now, 1e-6)
        if not wait:
            conn.execute(
                "INSERT INTO limiter_slots (key, ts, token) VALUES (?, ?, ?)",
                (key, now + hold, token),
            )
            if now - self._pruned_at > 60:
                self._prune(conn, now)
            return Attempt(0.0, now)
        return Attempt(-wait if wait > budget else wait, now)

    def _prune(self, conn: sqlite3.Connection, now: float) -> None:
        self._pruned_at = now
        # Logs of keys no longer used; a live key trims its own log on every call.
        conn.execute("DELETE FROM limiter_slots WHERE ts < ?", (now - STALE_LOG,))
        conn.execute("DELETE FROM limiter_pause WHERE until < ?", (now,))

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
            log.warning("could not mark a vendor call finished for %s", key, exc_info=True)

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

    def ping(self) -> None:
        try:
            # Takes and releases the write lock: proves the file is there and writable.
            with self.file.transaction(lock_timeout=1.0) as conn:
                conn.execute("SELECT count(*) FROM limiter_pause").fetchone()
        except SQLITE_ERRORS as error:
            raise LimiterUnavailable.from_error(error) from error
