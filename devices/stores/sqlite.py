"""The SQLite file that the processes of one host share: connections and write transactions."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# What a SQLite store raises when it cannot be used: its own errors, and the file system's.
SQLITE_ERRORS = (sqlite3.Error, OSError)


class SqliteFile:
    """Connections to one SQLite file: one per thread, opened again in a forked child.

    A connection must not cross a fork (SQLite's locks belong to the process that took them),
    and the inherited one must not be closed either, since closing it could checkpoint or remove
    the WAL under the parent. So a child keeps it referenced, unused, and opens its own.

    Opening switches the file to WAL and creates the `schemas` (CREATE ... IF NOT EXISTS).
    """

    _inherited: list[sqlite3.Connection] = []

    def __init__(self, path: str | os.PathLike[str], *schemas: str) -> None:
        self.path = str(path)
        self.schemas = schemas
        self._local = threading.local()
        # One lock per process: a lock copied by fork() may be held by a thread that is gone.
        self._locks: dict[int, threading.Lock] = {}

    def __repr__(self) -> str:
        return f"SqliteFile({self.path!r})"

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
            for schema in self.schemas:
                _run_script(conn, schema)
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


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT the open transaction first; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)
