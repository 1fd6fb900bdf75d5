"""The embedded setup's SQLite files locked under load, then let go, with no restart.

Six agents work against gunicorn (2 workers) on the defaults: the database, the limiter (with
the coalescer) and the cache are SQLite files under var/. Someone holds the write lock of the
limiter file and of the cache file for a few seconds (a sqlite3 shell left in a transaction,
say): lookups answer the limiter-store panel, audited, and the per-person limit lets people
through. Then the database file's write lock is held for a moment shorter than its busy
timeout: writers queue, nobody fails. Lookups work again within seconds of each release.
"""

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from bench.stack import Stack
from tests.chaos.load import BUSY, OK, PROBE_DEVICE, STORE_DOWN, Agents, check_the_run, verdict

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

WARMUP = 3.0
LOCKED = 4.0
BETWEEN = 4.0
DATABASE_LOCKED = 2.0
AFTER = 4.0


@contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Hold the SQLite file's write lock, as another program's open transaction would."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def test_lookups_survive_the_embedded_files_being_locked():
    with Stack(workers=2, superuser=True) as stack:
        var = stack.workdir / "var"
        base = stack.urls[0]
        person = stack.session()
        lookup = f"{base}/devices/sn/{PROBE_DEVICE.sn}/?refresh=1"
        with Agents(stack) as agents:
            time.sleep(WARMUP)
            with write_lock(var / "limiter.sqlite3"), write_lock(var / "cache.sqlite3"):
                locked_at = time.monotonic()
                time.sleep(1.0)
                panel = person.get(lookup, headers={"Accept-Language": "en"}, timeout=30)
                health = person.get(f"{base}/healthz", timeout=30)
                time.sleep(max(locked_at + LOCKED - time.monotonic(), 0))
                releasing_at = time.monotonic()
            released_at = time.monotonic()
            time.sleep(BETWEEN)
            queued: list[requests.Response] = []
            # A lookup of our own, sent while the database file is locked: it waits for the
            # lock and completes (the agents may all be inside earlier requests by then).
            probe = threading.Thread(
                target=lambda: queued.append(person.get(lookup, timeout=30)), daemon=True
            )
            with write_lock(stack.workdir / "db.sqlite3"):
                database_locked_at = time.monotonic()
                probe.start()
                time.sleep(DATABASE_LOCKED)
            probe.join(30)
            time.sleep(AFTER)
        result = check_the_run(agents, stack, restored_at=released_at, healthy={OK, BUSY})
        logs = stack.logs()

    assert panel.status_code == 503
    assert panel.headers["Retry-After"] == "5"
    assert verdict(503, panel.text) == STORE_DOWN
    assert health.status_code == 503
    assert health.json()["checks"]["limiter"].startswith("error")
    # Lookups made entirely while the lock was held (one that was still waiting for it when it
    # was let go may get it and succeed).
    during = agents.of("lookup", started_after=locked_at, ended_before=releasing_at)
    assert during, "no lookup while the limiter file was locked"
    assert {hit.verdict for hit in during} == {STORE_DOWN}
    assert {hit.status for hit in agents.of("my lookups")} == {200}
    assert len(queued) == 1 and verdict(queued[0].status_code, queued[0].text) in {OK, BUSY}
    during_database_lock = agents.of(
        "lookup", started_after=database_locked_at, started_before=database_locked_at + 1
    )
    assert {hit.verdict for hit in during_database_lock} <= {OK, BUSY}
    assert "pending" not in result["audit"]["outcomes"]
    assert result["audit"]["rows"] == len(agents.of("lookup")) + 2  # and our two lookups
    assert "the cache's store failed" in logs  # the per-person limit noticed, and let people by
    assert "Internal Server Error" not in logs
