"""The coalescer's locks, cache and publications in the host's SQLite file (the limiter's file,
tables of its own): for the processes of one host.

Payloads in `lookup_entry` (`cache_until` for later callers, `result_until` for waiters),
failures in `lookup_failure`, locks in `lookup_lock`, and the store-wide publication counter in
`lookup_seq`.
"""

from __future__ import annotations

import time
from typing import Any

from devices.coalescing.core import LEADER, WAIT, BaseCoordinator, Entry, Failure
from devices.stores import SQLITE_ERRORS, SqliteFile

# A transaction of the coordinator waits at most this long for the file's write lock.
SQLITE_LOCK_TIMEOUT = 2.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS lookup_entry (
    key TEXT PRIMARY KEY, seq INTEGER NOT NULL, stored_at REAL NOT NULL, payload TEXT NOT NULL,
    cache_until REAL NOT NULL, result_until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS lookup_failure (
    key TEXT PRIMARY KEY, seq INTEGER NOT NULL, stored_at REAL NOT NULL, description TEXT NOT NULL,
    result_until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS lookup_lock (
    key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS lookup_seq (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
INSERT OR IGNORE INTO lookup_seq (id, seq) VALUES (1, 0);
"""


class SqliteCoordinator(BaseCoordinator):
    """Locks, cache and publications in a SQLite file."""

    store_errors = SQLITE_ERRORS

    def __init__(self, path: str, **options: Any) -> None:
        super().__init__(**options)
        self.file = SqliteFile(path, SCHEMA)
        self._pruned_at = 0.0

    def __repr__(self) -> str:
        return f"SqliteCoordinator({self.file.path!r})"

    def _begin(self, key: str) -> tuple[Entry | None, int]:
        conn = self.file.connection()
        conn.execute("BEGIN")  # one snapshot for both reads
        try:
            (seq,) = conn.execute("SELECT seq FROM lookup_seq WHERE id = 1").fetchone()
            row = conn.execute(
                "SELECT seq, stored_at, payload FROM lookup_entry "
                "WHERE key = ? AND cache_until > ?",
                (key, time.time()),
            ).fetchone()
        finally:
            conn.execute("COMMIT")
        return (Entry(*row) if row else None), seq

    def _poll(
        self, key: str, *, seen_seq: int, token: str, lock_ttl: float, failures: bool
    ) -> Entry | Failure | str:
        with self.file.transaction(SQLITE_LOCK_TIMEOUT) as conn:
            now = time.time()
            row = conn.execute(
                "SELECT seq, stored_at, payload FROM lookup_entry "
                "WHERE key = ? AND seq > ? AND result_until > ?",
                (key, seen_seq, now),
            ).fetchone()
            if row:
                return Entry(*row)
            if failures:
                row = conn.execute(
                    "SELECT seq, description FROM lookup_failure "
                    "WHERE key = ? AND seq > ? AND result_until > ?",
                    (key, seen_seq, now),
                ).fetchone()
                if row:
                    return Failure(*row)
            lock = conn.execute(
                "SELECT expires_at FROM lookup_lock WHERE key = ?", (key,)
            ).fetchone()
            if lock and lock[0] > now:
                return WAIT
            conn.execute(
                "INSERT OR REPLACE INTO lookup_lock (key, token, expires_at) VALUES (?, ?, ?)",
                (key, token, now + lock_ttl),
            )
            return LEADER

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
        with self.file.transaction(SQLITE_LOCK_TIMEOUT) as conn:
            now = time.time()
            (seq,) = conn.execute(
                "UPDATE lookup_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq"
            ).fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO lookup_entry "
                "(key, seq, stored_at, payload, cache_until, result_until) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (key, seq, stored_at, payload, now + ttl if ttl > 0 else 0.0, now + linger),
            )
            if token is not None:
                conn.execute("DELETE FROM lookup_lock WHERE key = ? AND token = ?", (key, token))
            if now - self._pruned_at > 60:
                self._pruned_at = now
                conn.execute(
                    "DELETE FROM lookup_entry WHERE cache_until < ? AND result_until < ?",
                    (now, now),
                )
                conn.execute("DELETE FROM lookup_failure WHERE result_until < ?", (now,))
                conn.execute("DELETE FROM lookup_lock WHERE expires_at < ?", (now,))

    def _publish_failure(
        self, key: str, description: str, *, stored_at: float, linger: float, token: str | None
    ) -> bool:
        with self.file.transaction(SQLITE_LOCK_TIMEOUT) as conn:
            now = time.time()
            lock = conn.execute(
                "SELECT token, expires_at FROM lookup_lock WHERE key = ?", (key,)
            ).fetchone()
            if lock and lock[1] > now and lock[0] != token:
                return False  # another call holds the key: its waiters wait for it
            (seq,) = conn.execute(
                "UPDATE lookup_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq"
            ).fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO lookup_failure "
                "(key, seq, stored_at, description, result_until) VALUES (?, ?, ?, ?, ?)",
                (key, seq, stored_at, description, now + linger),
            )
            if token is not None:
                conn.execute("DELETE FROM lookup_lock WHERE key = ? AND token = ?", (key, token))
            return True

    def _release(self, key: str, token: str) -> None:
        with self.file.transaction(SQLITE_LOCK_TIMEOUT) as conn:
            conn.execute("DELETE FROM lookup_lock WHERE key = ? AND token = ?", (key, token))
