"""200 lookups from 32 threads against gunicorn with 4 workers, on SQLite and on PostgreSQL.

Exactly 200 device audit rows (and one for each owner's list a 4G camera's page read), none
pending, no "database is locked", and the vendor's limit never
broken (as counted by the sandbox itself). The stack is the same one the benchmarks use.
"""

import os

import pytest

from bench.stack import Stack, drive
from devices.sandbox import data

pytestmark = pytest.mark.slow

LOOKUPS = 200
THREADS = 32
POSTGRES = "postgres://postgres@127.0.0.1:5432/supportdesk_concurrency"


def run_lookups(stack: Stack) -> list:
    sessions = [stack.session()]
    # Distinct devices and uncached answers, so most lookups really travel to the vendor.
    paths = [f"/devices/sn/{d.sn}/?refresh=1&reason=load-{i}" for i, d in enumerate(data.DEVICES)]
    return drive(sessions, stack.urls, paths, seconds=120, clients=THREADS, total=LOOKUPS)


@pytest.mark.parametrize("database_url", ["", POSTGRES], ids=["sqlite", "postgresql"])
def test_two_hundred_concurrent_lookups_lose_nothing(database_url):
    redis_url = os.environ.get("REDIS_URL", "")
    # Queueing for a vendor slot may take as long as the whole run (200 at 10/s): every lookup
    # is meant to get through here, so none may give up after the usual 2 s.
    slow_queue = {"VENDOR_MAX_WAIT": "40"}
    with Stack(
        database_url=database_url, redis_url=redis_url, workers=4, extra_env=slow_queue
    ) as stack:
        hits = run_lookups(stack)
        outcomes = stack.count_lookups(endpoint="devInfo")
        # A 4G camera's page also reads its owner's list (its data bundle): audited too.
        every_row = stack.count_lookups()
        stats = stack.sandbox_stats()
        logs = stack.logs()

    assert len(hits) == LOOKUPS
    assert {hit.status for hit in hits} == {200}
    assert outcomes == {"ok": LOOKUPS}
    assert set(every_row) == {"ok"}  # none pending, none failed
    assert "database is locked" not in logs
    assert "Traceback" not in logs
    assert stats["max_in_any_1s"] <= 10
    assert stats["refused_rate_limit"] == 0
