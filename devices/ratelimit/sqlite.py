"""The limiter's sliding-window log in the host's SQLite file: for the processes of one host.

Check and admit happen in one `BEGIN IMMEDIATE` transaction (one writer at a time across the
host's processes, which share one clock, `time.time()`).
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import time

from devices.ratelimit.core import (
    BULK_SLOT_MARK,
    INTERACTIVE,
    Ask,
    Attempt,
    LimiterUnavailable,
    SlidingLogLimiter,
)
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
CREATE TABLE IF NOT EXISTS limiter_waiting (
    key TEXT NOT NULL, token TEXT NOT NULL, tag REAL NOT NULL, deadline REAL NOT NULL,
    PRIMARY KEY (key, token)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS limiter_person (
    key TEXT NOT NULL, person TEXT NOT NULL, next REAL NOT NULL, PRIMARY KEY (key, person)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS limiter_people_seen (key TEXT PRIMARY KEY, at REAL NOT NULL)
WITHOUT ROWID;
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
            with self.file.transaction(max(budget, 0.0) + SQLITE_LOCK_GRACE) as conn:
                attempt = self._check_and_admit(
                    conn, key, budget=budget, hold=hold, token=token, ask=ask
                )
                meter = self.meter
                if attempt.wait == 0 and isinstance(meter, SqliteMeter) and meter.file is self.file:
                    # The meter's row goes in with the slot: one write lock per admission,
                    # not two (people's lookups queue for it behind the bulk lane's).
                    self._meter_admission(conn, meter, key, at=attempt.at, waited=waited)
                    return Attempt(0.0, attempt.at, metered=True)
                return attempt
        except SQLITE_ERRORS as error:
            raise LimiterUnavailable.from_error(error, key) from error

    @staticmethod
    def _meter_admission(
        conn: sqlite3.Connection, meter: SqliteMeter, key: str, *, at: float, waited: float
    ) -> None:
        """The meter's row, in its own savepoint: a meter that cannot be written never stops a
        call (the slot is kept, a warning logged)."""
        conn.execute("SAVEPOINT meter")
        try:
            meter.record_admitted(conn, key, at=at, waited=waited)
        except SQLITE_ERRORS:
            conn.execute("ROLLBACK TO meter")
            log.warning("budget meter: could not record a call for %s", key)
        conn.execute("RELEASE meter")

    def _check_and_admit(
        self,
        conn: sqlite3.Connection,
        key: str,
        *,
        budget: float,
        hold: float,
        token: str,
        ask: Ask,
    ) -> Attempt:
        now = time.time()
        wait = 0.0
        row = conn.execute("SELECT until FROM limiter_pause WHERE key = ?", (key,)).fetchone()
        if row and row[0] > now:
            wait = row[0] - now
        conn.execute(
            "DELETE FROM limiter_slots WHERE key = ? AND ts <= ?", (key, now - self.window)
        )
        conn.execute("DELETE FROM limiter_waiting WHERE key = ? AND deadline < ?", (key, now))
        if not ask.bulk:
            self._join_waiting(conn, key, token, ask.person, now=now, deadline=now + budget)
            conn.execute(
                "INSERT INTO limiter_people_seen (key, at) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET at = excluded.at",
                (key, now),
            )
        if not wait:
            (count,) = conn.execute(
                "SELECT count(*) FROM limiter_slots WHERE key = ?", (key,)
            ).fetchone()
            # The slots this caller may fill: fewer than rate when others come first.
            if ask.bulk:
                (waiting,) = conn.execute(
                    "SELECT count(*) FROM limiter_waiting WHERE key = ?", (key,)
                ).fetchone()
                limit = self.rate - self._keep_free(conn, key, ask, now=now)
                if waiting:
                    (bulk,) = conn.execute(
                        "SELECT count(*) FROM limiter_slots WHERE key = ? AND token LIKE ?",
                        (key, BULK_SLOT_MARK + "%"),
                    ).fetchone()
                    limit = count + 1 if bulk < ask.share else 0
                    limit = min(limit, self.rate)
            else:
                (ahead,) = conn.execute(
                    "SELECT count(*) FROM limiter_waiting AS other, limiter_waiting AS me "
                    "WHERE me.key = ? AND me.token = ? AND other.key = me.key "
                    "AND (other.tag < me.tag OR (other.tag = me.tag AND other.token < me.token))",
                    (key, token),
                ).fetchone()
                limit = self.rate - ahead
            if count >= limit:
                wait = self._wait_for(
                    conn, key, count=count, limit=limit, now=now, budget=budget, poll=ask.poll
                )
        if not wait:
            conn.execute(
                "INSERT INTO limiter_slots (key, ts, token) VALUES (?, ?, ?)",
                (key, now + hold, token),
            )
            conn.execute("DELETE FROM limiter_waiting WHERE key = ? AND token = ?", (key, token))
            if now - self._pruned_at > 60:
                self._prune(conn, now)
            return Attempt(0.0, now)
        if wait > budget:
            conn.execute("DELETE FROM limiter_waiting WHERE key = ? AND token = ?", (key, token))
            return Attempt(-wait, now)
        return Attempt(wait, now)

    def _join_waiting(
        self,
        conn: sqlite3.Connection,
        key: str,
        token: str,
        person: str,
        *,
        now: float,
        deadline: float,
    ) -> None:
        """A caller's first attempt takes its fair tag: one slot after its person's last."""
        listed = conn.execute(
            "UPDATE limiter_waiting SET deadline = ? WHERE key = ? AND token = ?",
            (deadline, key, token),
        ).rowcount
        if listed:
            return
        row = conn.execute(
            "SELECT next FROM limiter_person WHERE key = ? AND person = ?", (key, person)
        ).fetchone()
        tag = max(now, row[0]) if row else now
        conn.execute(
            "INSERT INTO limiter_person (key, person, next) VALUES (?, ?, ?) "
            "ON CONFLICT (key, person) DO UPDATE SET next = excluded.next",
            (key, person, tag + self.window / self.rate),
        )
        conn.execute(
            "INSERT INTO limiter_waiting (key, token, tag, deadline) VALUES (?, ?, ?, ?)",
            (key, token, tag, deadline),
        )

    def _keep_free(self, conn: sqlite3.Connection, key: str, ask: Ask, *, now: float) -> int:
        """The bulk caller's reserve: kept while a person came in the last `reserve_for` s."""
        if ask.reserve_for == math.inf or not ask.keep_free:
            return ask.keep_free
        row = conn.execute("SELECT at FROM limiter_people_seen WHERE key = ?", (key,)).fetchone()
        return ask.keep_free if row and now - row[0] < ask.reserve_for else 0

    def _wait_for(
        self,
        conn: sqlite3.Connection,
        key: str,
        *,
        count: int,
        limit: int,
        now: float,
        budget: float,
        poll: float,
    ) -> float:
        """How long until a caller allowed `limit` slots may look again."""
        if limit <= 0:
            # Others come first (earlier callers, or people while bulk has its share): look
            # again soon, they may be served any moment.
            return poll
        # The entry that must age out before one more call fits in the window.
        (blocking,) = conn.execute(
            "SELECT ts FROM limiter_slots WHERE key = ? ORDER BY ts LIMIT 1 OFFSET ?",
            (key, count - limit),
        ).fetchone()
        if blocking > now:
            # A call still under way: it frees its slot a window after it ends, so no
            # sooner than a window from now; look again soon, it may end any moment.
            return self.window if self.window > budget else poll
        return max(blocking + self.window - now, 1e-6)

    def _prune(self, conn: sqlite3.Connection, now: float) -> None:
        self._pruned_at = now
        # Logs of keys no longer used; a live key trims its own log on every call.
        conn.execute("DELETE FROM limiter_slots WHERE ts < ?", (now - STALE_LOG,))
        conn.execute("DELETE FROM limiter_pause WHERE until < ?", (now,))
        conn.execute("DELETE FROM limiter_person WHERE next < ?", (now - STALE_LOG,))
        conn.execute("DELETE FROM limiter_people_seen WHERE at < ?", (now - STALE_LOG,))

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
