"""The host's SQLite file: any number of processes may open a new file at the same instant, an
open waits its turn for a bounded time, and transactions write what they should."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from devices.stores import SqliteFile

# Two schemas, as a web worker opens the file twice: the coalescer's tables, then the limiter's.
SCHEMAS = {
    "coordinator": """
        CREATE TABLE IF NOT EXISTS coordinator (pid INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS coordinator_seq (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
        INSERT OR IGNORE INTO coordinator_seq (id, seq) VALUES (1, 0);
    """,
    "limiter": """
        CREATE TABLE IF NOT EXISTS limiter (pid INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS limiter_pid ON limiter (pid);
    """,
}
PROCESSES = 8
THREADS = 2
ROUNDS = 40


def open_new_files(folder: str, barrier: threading.Barrier) -> None:
    """One process: each round, wait for every other process, then open that round's new file
    from THREADS threads, the way a web worker's threads do, and write to it. Failures go to
    errors-<pid>.txt."""
    errors: list[str] = []

    def open_and_write(path: Path) -> None:
        try:
            for table, schema in SCHEMAS.items():
                with SqliteFile(path, schema).transaction() as conn:
                    conn.execute(f"INSERT INTO {table} (pid) VALUES (?)", (os.getpid(),))  # noqa: S608
        except Exception as error:
            errors.append(f"{path.name}: {type(error).__name__}: {error}")

    for n in range(ROUNDS):
        path = Path(folder) / f"round-{n}.sqlite3"
        threads = [threading.Thread(target=open_and_write, args=[path]) for _ in range(THREADS)]
        barrier.wait()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        (Path(folder) / f"errors-{os.getpid()}.txt").write_text("\n".join(errors))


def test_many_processes_opening_a_new_file_at_the_same_instant_all_open_and_write(tmp_path):
    # Not forked from here: this process runs threads (the sandbox), which fork() does not copy.
    # A fork server imports this module once; the workers are forked from it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    barrier = context.Barrier(PROCESSES, timeout=60)
    workers = [
        context.Process(target=open_new_files, args=(str(tmp_path), barrier))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)

    errors = [path.read_text() for path in sorted(tmp_path.glob("errors-*.txt"))]
    assert errors == []
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    for n in range(ROUNDS):
        conn = sqlite3.connect(tmp_path / f"round-{n}.sqlite3")
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            for table in SCHEMAS:
                rows = conn.execute(f"SELECT count(*), count(DISTINCT pid) FROM {table}").fetchone()  # noqa: S608
                assert rows == (PROCESSES * THREADS, PROCESSES), f"round {n}, {table}"
        finally:
            conn.close()


def hold_the_open_lock(file: SqliteFile) -> int:
    """What a process in the middle of opening `file` holds; close the descriptor to let go."""
    held = os.open(file.lock_path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    return held


def test_an_open_waits_for_another_process_opening_the_file(tmp_path):
    file = SqliteFile(tmp_path / "store.sqlite3", SCHEMAS["limiter"])
    held = hold_the_open_lock(file)
    threading.Timer(0.3, os.close, args=[held]).start()

    started = time.monotonic()
    with file.transaction() as conn:
        conn.execute("INSERT INTO limiter (pid) VALUES (1)")

    assert time.monotonic() - started >= 0.3


def test_an_open_gives_up_as_locked_after_its_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(SqliteFile, "open_timeout", 0.2)
    file = SqliteFile(tmp_path / "store.sqlite3", SCHEMAS["limiter"])
    held = hold_the_open_lock(file)
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            file.connection()
        assert 0.2 <= time.monotonic() - started < 0.5
    finally:
        os.close(held)


def test_an_open_retries_while_the_file_is_locked_then_gives_up(tmp_path, monkeypatch):
    # A connection outside the turn-taking (a process of an older release, a person with the
    # sqlite3 shell) holds the file's write lock: the schema cannot be created for now.
    monkeypatch.setattr(SqliteFile, "open_timeout", 0.3)
    path = tmp_path / "store.sqlite3"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            SqliteFile(path, SCHEMAS["limiter"]).connection()
        assert 0.3 <= time.monotonic() - started < 0.8

        threading.Timer(0.2, other.execute, args=["COMMIT"]).start()
        conn = SqliteFile(path, SCHEMAS["limiter"]).connection()
        assert conn.execute("SELECT count(*) FROM limiter").fetchone() == (0,)
    finally:
        other.close()


def test_a_transaction_that_fails_writes_nothing(tmp_path):
    file = SqliteFile(tmp_path / "store.sqlite3", SCHEMAS["limiter"])
    with pytest.raises(RuntimeError), file.transaction() as conn:
        conn.execute("INSERT INTO limiter (pid) VALUES (1)")
        raise RuntimeError("half-way")

    assert file.connection().execute("SELECT count(*) FROM limiter").fetchone() == (0,)
