"""The SQLite file that the processes of one host share: connections, write transactions, and
an open that any number of processes can do at the same moment."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# What a SQLite store raises when it cannot be used: its own errors, and the file system's.
SQLITE_ERRORS = (sqlite3.Error, OSError)

# How long a transaction that names no timeout of its own waits for the file's write lock.
BUSY_TIMEOUT = 10.0
# How long opening the file (WAL, schema) may take while other processes open it too; after
# that the store counts as unavailable.
OPEN_TIMEOUT = 5.0
# The longest sleep between two tries of an open that found the file locked.
OPEN_RETRY_MAX_SLEEP = 0.005


class SqliteFile:
    """Connections to one SQLite file: one per thread, opened again in a forked child.

    A connection must not cross a fork (SQLite's locks belong to the process that took them),
    and the inherited one must not be closed either, since closing it could checkpoint or remove
    the WAL under the parent. So a child keeps it referenced, unused, and opens its own.

    Opening switches the file to WAL and creates the `schemas` (CREATE ... IF NOT EXISTS). When
    several processes do that to a new file at once, SQLite answers "database is locked" without
    waiting (the WAL switch needs the file to itself), so opens take turns on an flock of the file
    `<path>.lock` and retry "locked" until `open_timeout`; then the error goes to the caller.
    """

    _inherited: list[sqlite3.Connection] = []
    open_timeout = OPEN_TIMEOUT

    def __init__(self, path: str | os.PathLike[str], *schemas: str) -> None:
        self.path = str(path)
        self.lock_path = self.path + ".lock"
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
        deadline = time.monotonic() + self.open_timeout
        with _flock(self.lock_path, deadline):
            # Autocommit mode: transactions are begun explicitly, as BEGIN IMMEDIATE.
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            try:
                _retry_locked(conn, self._prepare, deadline)
            except BaseException:
                conn.close()
                raise
        _set_busy_timeout(conn, BUSY_TIMEOUT)
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        with immediate(conn):
            for schema in self.schemas:
                _run_script(conn, schema)

    def _process_lock(self) -> threading.Lock:
        pid = os.getpid()
        lock = self._locks.get(pid)
        if lock is None:
            # setdefault: two threads racing here still end up with the same lock.
            lock = self._locks.setdefault(pid, threading.Lock())
        return lock

    @contextmanager
    def transaction(self, lock_timeout: float | None = None) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the file's write lock up front (BEGIN IMMEDIATE),
        waiting at most `lock_timeout` seconds for it (None: BUSY_TIMEOUT).

        The threads of one process queue on a lock of their own first: SQLite's busy handler
        polls with sleeps of up to 100 ms, which adds up when dozens of threads contend.
        """
        conn = self.connection()
        lock = self._process_lock()
        if not lock.acquire(timeout=-1 if lock_timeout is None else lock_timeout):
            raise sqlite3.OperationalError("database is locked (by this process's threads)")
        try:
            _set_busy_timeout(conn, BUSY_TIMEOUT if lock_timeout is None else lock_timeout)
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


def _set_busy_timeout(conn: sqlite3.Connection, seconds: float) -> None:
    conn.execute(f"PRAGMA busy_timeout = {max(int(seconds * 1000), 1)}")


@contextmanager
def _flock(path: str, deadline: float) -> Iterator[None]:
    """An exclusive flock on `path` until the block ends, or "database is locked" at `deadline`.

    The file is opened afresh each time: an flock belongs to an open file, so the threads of one
    process take turns too, and the lock goes with the descriptor if the process dies.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        sleep = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError(
                        f"database is locked ({path} held by another process opening the store)"
                    ) from None
            time.sleep(sleep)
            sleep = min(sleep * 2, OPEN_RETRY_MAX_SLEEP)
        yield
    finally:
        os.close(fd)  # releases the lock


def _is_locked(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:  # raised by this module, or a driver without error codes
        return "locked" in str(error)
    return (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _retry_locked(
    conn: sqlite3.Connection, step: Callable[[sqlite3.Connection], None], deadline: float
) -> None:
    """Run `step`, again while it finds the file locked, until `deadline`."""
    sleep = 0.001
    while True:
        _set_busy_timeout(conn, max(deadline - time.monotonic(), 0.001))
        try:
            step(conn)
            return
        except sqlite3.OperationalError as error:
            if not _is_locked(error) or time.monotonic() + sleep >= deadline:
                raise
        time.sleep(sleep)
        sleep = min(sleep * 2, OPEN_RETRY_MAX_SLEEP)
